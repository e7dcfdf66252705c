package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const envInNS = "T2GO_E2E_IN_PIDNS"

// inPIDNamespace re-runs the calling test in a private PID namespace
// (with its own /proc), so t2stat sees only the test's processes and
// never signals anybody else's t2. It returns true inside.
func inPIDNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(envInNS) == "1" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("the tutorial walk-through needs root (PID and network namespaces)")
	}
	for _, tool := range []string{"unshare", "ip", "tcpreplay", "nc", "sudo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the tutorial walk-through needs %s", tool)
		}
	}
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), envInNS+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("in the PID namespace: %v\n%s", err, out)
	}
	return false
}

// walk types the README's command lines into sh, as a user would.
type walk struct {
	t      *testing.T
	e      *env
	readme string
	home   string
	net    *liveNet
}

// line checks that the command line is in the README's tutorial, so the
// README and this test cannot drift apart.
func (w *walk) line(cmd string) string {
	w.t.Helper()
	if !strings.Contains(w.readme, cmd) {
		w.t.Fatalf("README does not contain the command line %q", cmd)
	}
	return cmd
}

// live adapts a README line to this machine: the interface is the test's
// veth end, and "sudo t2" loses its sudo because the test already runs as
// root (sudo would also reset HOME and the test's private T2_HOME).
func (w *walk) live(cmd string) string {
	w.line(cmd)
	cmd = strings.ReplaceAll(cmd, "sudo t2 ", "t2 ")
	return strings.ReplaceAll(cmd, "eth0", w.net.capIf)
}

func (w *walk) environ() []string {
	env := w.e.environ()
	return append(env, "HOME="+w.home, "PATH="+binDir+":"+os.Getenv("PATH"))
}

// sh runs a command line to completion.
func (w *walk) sh(cmd, stdin string) (string, int) {
	w.t.Helper()
	c := exec.Command("sh", "-c", cmd)
	c.Env = w.environ()
	c.Dir = w.home
	c.Stdin = strings.NewReader(stdin)
	out, err := c.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("%s: %v", cmd, err)
	}
	return string(out), code
}

// ok runs a command line that must succeed.
func (w *walk) ok(cmd string) string {
	w.t.Helper()
	out, code := w.sh(cmd, "")
	if code != 0 {
		w.t.Fatalf("%s: exit %d\n%s", cmd, code, out)
	}
	return out
}

func TestTutorialWalkthrough(t *testing.T) {
	if !inPIDNamespace(t) {
		return
	}
	readme := string(mustRead(t, filepath.Join(repoRoot(), "README.md")))
	readme = readme[strings.Index(readme, "## The monitoring tutorial with t2go"):]
	e := newEnv(t)
	home := filepath.Join(e.out, "user")
	os.MkdirAll(home, 0o755)
	// The tutorial's config lives in ~/.tranalyzer of the user.
	e.home = filepath.Join(home, ".tranalyzer")
	w := &walk{t: t, e: e, readme: readme, home: home, net: newLiveNet(t)}
	e.out = home // background processes start in HOME too

	// Preparation.
	if out := w.ok(w.line("t2build -e -y")); !strings.Contains(out, "emptied") {
		t.Errorf("t2build -e -y: %s", out)
	}
	if out := w.ok(w.line("t2build tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink")); !strings.Contains(out, "BUILDING SUCCESSFUL") {
		t.Errorf("t2build: %s", out)
	}
	w.ok(w.line("mkdir -p ~/data ~/results"))
	pc := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	pc.repeated(t, filepath.Join(home, "data", "annoloc2.pcap"), 60)
	copyFile(t, testdata("pcaps", "dns-mdns-llmnr.pcap"), filepath.Join(home, "data", "faf-exercise.pcap"))

	// Controls on large pcaps: t2stat sends USR1 to the running t2.
	if out, _ := w.sh("t2stat", ""); !strings.Contains(out, "No running instance of Tranalyzer found") {
		t.Errorf("t2stat without t2: %q", out)
	}
	p := w.bgEnv(w.line("t2 -r ~/data/annoloc2.pcap -w ~/results/ -s"), false)
	p.waitOut("Dump start: ", time.Minute)
	w.ok(w.line("t2stat"))
	if p.wait(2*time.Minute) != 0 {
		t.Fatalf("t2: %s", p.stderr.String())
	}
	if !strings.Contains(p.stdout.String(), "USR1 A type report") || !strings.Contains(p.stdout.String(), "\nPercentage completed: ") {
		t.Errorf("no USR1 report with progress after t2stat:\n%s", tail(p.stdout.String()))
	}
	// t2stat 30: the first signal goes out at once, then every 30 s.
	p = w.bgEnv(w.line("t2 -r ~/data/annoloc2.pcap -w ~/results/ -s"), false)
	p.waitOut("Dump start: ", time.Minute)
	st := w.bgEnv(w.line("t2stat 30"), false)
	p.waitOut("USR1 A type report", time.Minute)
	st.signal(syscall.SIGINT)
	st.wait(10 * time.Second)
	p.wait(2 * time.Minute)

	// Controls on interfaces.
	p = w.bgEnv(w.live("sudo t2 -i eth0 -w ~/results/"), true)
	p.waitOut("Live capture on interface: "+w.net.capIf, time.Minute)
	w.ok(w.line("t2stat -s"))
	p.waitOut("USR1 A type report", 30*time.Second)
	before := strings.Count(p.stdout.String(), "USR1 A type report")
	w.ok(w.line("t2stat -s -USR2"))
	time.Sleep(2600 * time.Millisecond)
	w.ok("t2stat -s -USR2")
	if n := strings.Count(p.stdout.String(), "USR1 A type report") - before; n < 2 {
		t.Errorf("%d periodic reports in 2.6 s after t2stat -s -USR2", n)
	}

	// Machine reports: t2conf succeeds, t2build -R asks because t2 runs.
	out, code := w.sh(w.line("t2conf tranalyzer2 -D MACHINE_REPORT=1 -D DIFF_REPORT=1 && t2build -R"), "N\n")
	if code == 0 || !strings.Contains(out, "Tranalyzer is currently running...") || !strings.Contains(out, "Proceed anyway (y/N)?") {
		t.Errorf("t2build -R with a running t2: exit %d\n%s", code, out)
	}
	w.ok(w.line("t2stat -s -TERM"))
	if p.wait(30*time.Second) != 0 || !strings.Contains(p.stdout.String(), "Aggregated flowStat=") {
		t.Errorf("t2 after SIGTERM:\n%s", tail(p.stdout.String()))
	}
	p = w.bgEnv(w.live("sudo t2 -i eth0 -w ~/results/"), true)
	p.waitOut("%repType\tsensorID\ttime\tduration\tpktsRec\tpktsDrp\tifDrp\t", time.Minute)
	w.net.replayBG(t, testdata("pcaps", "http-web-browsing.pcap"))
	w.ok(w.line("t2stat -s -USR2; sleep 5; t2stat -s -USR2"))
	w.ok(w.line("t2stat -s -SIGINT"))
	p.waitOut("[INF] SIGINT: Stop flow creation", 10*time.Second)
	w.ok("t2stat -s -SIGINT")
	if p.wait(30*time.Second) != 0 {
		t.Fatalf("t2: %s", p.stderr.String())
	}
	if n := strings.Count(p.stdout.String(), "\nUSR1MR_D\t"); n < 4 {
		t.Errorf("%d USR1MR_D rows in 5 s of periodic reports", n)
	}
	if !strings.Contains(p.stdout.String(), "Aggregated flowStat=") {
		t.Error("no end report after SIGINT twice")
	}
	// -l: the end report goes to the log file, stdout keeps only rows.
	p = w.bgEnv(w.live("sudo t2 -i eth0 -w ~/results/ -l"), true)
	p.waitOut("%repType", time.Minute)
	w.stopTwice(filepath.Join(home, "results", w.net.capIf+"_log.txt"))
	p.wait(30 * time.Second)
	for _, l := range strings.Split(strings.TrimSpace(p.stdout.String()), "\n") {
		if !strings.HasPrefix(l, "%repType") && !strings.HasPrefix(l, "USR1MR_D\t") {
			t.Errorf("non-row line on stdout with -l: %q", l)
		}
	}
	for _, f := range []string{"_flows.txt", "_headers.txt", "_log.txt"} {
		if _, err := os.Stat(filepath.Join(home, "results", w.net.capIf+f)); err != nil {
			t.Errorf("results: %v", err)
		}
	}
	if out := w.ok(w.line("t2build -u txtSink")); !strings.Contains(out, "UNLOADING SUCCESSFUL") {
		t.Errorf("t2build -u txtSink: %s", out)
	}

	// Time base, pcaps and protocols.
	w.ok(w.line("t2conf tranalyzer2 -D MONINTTMPCP=1 -D MONINTV=10 && t2build tranalyzer2"))
	out = w.ok(w.line("t2 -r ~/data/faf-exercise.pcap -l"))
	hdr, rows := machineRows(t, out)
	if len(rows) < 10 {
		t.Errorf("%d rows for 21 minutes of pcap time at MONINTV=10", len(rows))
	}
	for _, c := range hdr {
		if c == "dir" {
			t.Error("flow columns on stdout although txtSink is unloaded")
		}
	}
	w.ok(w.line("t2 -r ~/data/faf-exercise.pcap -w ~/results/ -l -s"))
	if _, err := os.Stat(filepath.Join(home, "results", "faf-exercise_packets.txt")); err != nil {
		t.Error(err)
	}
	w.ok(w.line(`t2conf tranalyzer2 -D 'MONPROTL3=["L3_ICMP","L3_TCP","L3_UDP"]' -D 'MONPROTL2=[]'`))
	hdr, _ = machineRows(t, w.ok(w.line("t2 -r ~/data/faf-exercise.pcap -l")))
	if got := strings.Join(hdr[len(hdr)-8:], " "); got != "ICMPPkts ICMPBytes TCPPkts TCPBytes UDPPkts UDPBytes ftpPkts ftpDataPkts" {
		t.Errorf("protocol columns after the change: %s", got)
	}
	w.ok(w.line("t2conf tranalyzer2 -D MONPROTL3=default -D MONPROTL2=default"))
	hdr, _ = machineRows(t, w.ok("t2 -r ~/data/faf-exercise.pcap -l"))
	if !strings.Contains(strings.Join(hdr, " "), "0x0806Pkts 0x0806Bytes 0x8035Pkts 0x8035Bytes TCPPkts") {
		t.Errorf("default protocol columns not back: %v", hdr)
	}
	w.ok(w.line("t2conf tranalyzer2 -D MONINTTMPCP=0 -D MONINTTMPCP_ON=1 -D MONINTPSYNC=0 && t2build tranalyzer2"))
	p = w.bgEnv(w.live("sudo t2 -i eth0 -l -c1"), true)
	p.waitOut("%repType", time.Minute)
	start := time.Now()
	for strings.Count(p.stdout.String(), "\nUSR1MR_D\t") < 2 && time.Since(start) < 40*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	if el := time.Since(start); el < 15*time.Second || el > 30*time.Second {
		t.Errorf("2 rows on an idle link at MONINTV=10 took %v, want about 20 s", el)
	}
	w.stopTwice(filepath.Join(home, w.net.capIf+"_log.txt"))
	p.wait(30 * time.Second)

	// Remote logging and RRD.
	w.ok(w.line("t2conf tranalyzer2 -D MONINTV=1"))
	nc := w.bgEnv(w.line("nc -l 127.0.0.1 -p 5555"), true)
	time.Sleep(300 * time.Millisecond)
	p = w.bgEnv(w.live("sudo t2 -i eth0 -l | nc 127.0.0.1 5555"), true)
	for deadline := time.Now().Add(30 * time.Second); strings.Count(nc.stdout.String(), "\nUSR1MR_D\t") < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the nc listener got no rows in 30 s: %q\nt2: %s", nc.stdout.String(), p.stderr.String())
		}
	}
	w.stopTwice(filepath.Join(home, w.net.capIf+"_log.txt"))
	// Traditional netcat keeps the connection after its input ends (no
	// -q in the tutorial's line): stop both ends once t2 is gone.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, _ := w.sh("t2stat -p", ""); strings.Contains(out, "No running instance") {
			break
		}
	}
	p.killGroup()
	nc.killGroup()
	if !strings.HasPrefix(nc.stdout.String(), "%repType\t") {
		t.Errorf("the listener did not get the header first: %q", nc.stdout.String())
	}

	p = w.bgEnv(w.live("sudo t2 -i eth0 -l | t2rrd -m"), true)
	w.net.replayBG(t, testdata("pcaps", "http-web-browsing.pcap"))
	time.Sleep(6 * time.Second)
	w.stopTwice(filepath.Join(home, w.net.capIf+"_log.txt"))
	if p.wait(30*time.Second) != 0 {
		t.Fatalf("t2 | t2rrd -m: %s", p.stderr.String())
	}
	if out := w.ok(w.line("t2rrd -L")); !strings.Contains(out, "numAFlows") || !strings.Contains(out, "pktsRec") {
		t.Errorf("t2rrd -L: %s", out)
	}
	plot := w.bgEnv(w.line("t2rrd -i 1m numAFlows numBFlows"), false)
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(filepath.Join(home, "numAFlows_numBFlows.png")); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	plot.signal(syscall.SIGINT)
	plot.wait(10 * time.Second)
	if _, err := os.Stat(filepath.Join(home, "numAFlows_numBFlows.png")); err != nil {
		t.Error(err)
	}
	os.Remove(filepath.Join(home, "monitoring.rrd"))
	// On a capture file the periodic rows follow capture time
	// (docs/monitoring.md): 60 copies of a 15 s capture at MONINTV=1 give
	// hundreds of rows, not the single final row of a fast run.
	out = w.ok(w.line("t2 -r ~/data/annoloc2.pcap -l | t2rrd -m"))
	if m := regexp.MustCompile(`(\d+) rows stored`).FindStringSubmatch(out); m == nil {
		t.Errorf("t2rrd -m did not say how many rows it stored: %s", out)
	} else if n, _ := strconv.Atoi(m[1]); n < 300 {
		t.Errorf("t2 -r annoloc2.pcap | t2rrd -m stored %d rows, want hundreds (one per second of capture time)", n)
	}
	os.Remove(filepath.Join(home, "numAFlows_numBFlows.png"))
	w.ok(w.line("t2rrd -n -e last -i 30s numAFlows numBFlows"))
	if _, err := os.Stat(filepath.Join(home, "numAFlows_numBFlows.png")); err != nil {
		t.Error(err)
	}
	w.ok(w.line("t2conf --reset -a && t2build -R"))
	if out := w.ok("t2conf tranalyzer2 -G MONINTV -G MACHINE_REPORT"); !strings.Contains(out, "MONINTV = 1") || !strings.Contains(out, "MACHINE_REPORT = 0") {
		t.Errorf("after --reset -a: %s", out)
	}
}

// stopTwice sends SIGINT twice with t2stat -s, the second only once t2
// logged the first (the kernel merges a signal sent while the same one is
// still pending; a person typing the two commands never hits that).
func (w *walk) stopTwice(logPath string) {
	w.t.Helper()
	w.ok("t2stat -s -SIGINT")
	waitFile(w.t, logPath, "[INF] SIGINT: Stop flow creation", 10*time.Second)
	w.ok("t2stat -s -SIGINT")
}

// bgEnv starts a command line in the background with the walk's
// environment (HOME, PATH with our binaries, private T2_HOME).
func (w *walk) bgEnv(cmd string, netns bool) *proc {
	w.t.Helper()
	sh, _ := exec.LookPath("sh")
	path, args := sh, []string{"-c", "exec " + cmd}
	if strings.Contains(cmd, "|") {
		args = []string{"-c", cmd}
	}
	if netns {
		ip, _ := exec.LookPath("ip")
		args = append([]string{"netns", "exec", w.net.ns, sh}, args...)
		path = ip
	}
	p := &proc{t: w.t, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = w.environ()
	p.cmd.Dir = w.home
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	// Own process group: a pipeline (t2 | nc) can be stopped as a whole.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	w.t.Cleanup(func() { p.killGroup() })
	return p
}

// killGroup ends the process group of a background command line.
func (p *proc) killGroup() {
	select {
	case <-p.done:
	default:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}
