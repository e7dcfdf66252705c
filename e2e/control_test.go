package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every state before the first packet acts on INT/TERM within a second:
// an input that never opens (FIFO without writer), one that never sends
// its pcap header (stdin, FIFO), one that sends the header only, and a -F
// FIFO that never sends.
func TestSignalsBeforeFirstPacket(t *testing.T) {
	pc := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	tests := []struct {
		name  string
		sig   syscall.Signal
		setup func(e *env) (args []string, feed func(p *proc))
	}{
		{"fifo without writer, SIGINT", syscall.SIGINT, func(e *env) ([]string, func(*proc)) {
			return []string{"-r", mkfifo(t, e, "in.pcap")}, nil
		}},
		{"fifo without writer, SIGTERM", syscall.SIGTERM, func(e *env) ([]string, func(*proc)) {
			return []string{"-r", mkfifo(t, e, "in.pcap")}, nil
		}},
		{"silent stdin, SIGINT", syscall.SIGINT, func(e *env) ([]string, func(*proc)) {
			return []string{"-r", "-"}, func(*proc) {}
		}},
		{"silent stdin, SIGTERM", syscall.SIGTERM, func(e *env) ([]string, func(*proc)) {
			return []string{"-r", "-"}, func(*proc) {}
		}},
		{"fifo with header only, SIGINT", syscall.SIGINT, func(e *env) ([]string, func(*proc)) {
			path := mkfifo(t, e, "in.pcap")
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				f.Write(pc.header)
				time.Sleep(10 * time.Second) // the writer stays, sends nothing more
				f.Close()
			}()
			return []string{"-r", path}, nil
		}},
		{"-F fifo, SIGTERM", syscall.SIGTERM, func(e *env) ([]string, func(*proc)) {
			return []string{"-r", testdata("pcaps", "http-web-browsing.pcap"), "-F", mkfifo(t, e, "filter")}, nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			args, feed := tc.setup(e)
			p := e.start(feed != nil, "t2", append(args, "-w", e.out+"/")...)
			if feed != nil {
				feed(p)
			}
			time.Sleep(700 * time.Millisecond) // t2 is now blocked in its first read
			sent := time.Now()
			p.signal(tc.sig)
			p.wait(5 * time.Second)
			// t2 acts within a second; the test allows two for a
			// loaded machine (before the fix it never exited).
			if el := time.Since(sent); el > 2*time.Second {
				t.Errorf("t2 took %v to act on %v", el, tc.sig)
			}
		})
	}
}

func mkfifo(t *testing.T, e *env, name string) string {
	t.Helper()
	path := filepath.Join(e.out, name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// t2 -r FILE -w DIR | head -1: stdout's reader is gone before t2 writes.
// t2 stops with complete files, says so on stderr and exits 1, because
// the input was not read to its end.
func TestStdoutClosedBeforeRun(t *testing.T) {
	e := newEnv(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := exec.Command(filepath.Join(binDir, "t2"), "-r", testdata("pcaps", "dns-mdns-llmnr.pcap"), "-w", e.out+"/")
	cmd.Env = e.environ()
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want status 1; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "[WRN] The reader of stdout went away after ") {
		t.Errorf("stderr does not say why t2 stopped: %q", stderr.String())
	}
	lines := readLines(t, filepath.Join(e.out, "dns-mdns-llmnr_flows.txt"))
	n := len(strings.Split(lines[0], "\t"))
	for i, l := range lines {
		if len(strings.Split(l, "\t")) != n {
			t.Fatalf("flow line %d is incomplete: %q", i+1, l)
		}
	}
}

// "Max number of flows in memory" is the peak at flow creation, as T2
// 0.9.3 prints it (testdata/t2-outputs), not the number in memory when a
// report happened to print; the same with many USR1 reports.
func TestMaxFlowsIsThePeak(t *testing.T) {
	maxRe := regexp.MustCompile(`Max number of flows in memory: (\d+)`)
	for _, name := range []string{"dns-mdns-llmnr", "ftp-data-transfers", "ftp-ipv6-epsv", "vxlan-vlan"} {
		ref := maxRe.FindStringSubmatch(string(mustRead(t, testdata("t2-outputs", name, "stdout.txt"))))
		if ref == nil {
			t.Fatalf("%s: no max flows line in T2's output", name)
		}
		e := newEnv(t)
		res := e.mustRun("t2", "-r", testdata("pcaps", name+".pcap"), "-w", e.out+"/")
		got := maxRe.FindStringSubmatch(res.stdout)
		if got == nil || got[1] != ref[1] {
			t.Errorf("%s: max flows %v, T2 0.9.3 printed %s", name, got, ref[1])
		}
	}
	// With signals: feed stdin slowly, USR1 after every chunk.
	e := newEnv(t)
	p, f := e.startFed(50, "Dump start: ", "-w", e.out+"/")
	for f.pos < len(f.pc.records) {
		p.signal(syscall.SIGUSR1)
		f.feed(min(50, len(f.pc.records)-f.pos))
	}
	p.stdin.Close()
	if code := p.wait(time.Minute); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	plain := newEnv(t).mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-w", t.TempDir()+"/")
	// The end report is the last one printed (USR1 reports print the line too).
	last := func(s string) string {
		m := maxRe.FindAllStringSubmatch(s, -1)
		if m == nil {
			return ""
		}
		return m[len(m)-1][1]
	}
	a, b := last(plain.stdout), last(p.stdout.String())
	if a == "" || a != b {
		t.Errorf("max flows %v without signals, %v with USR1 reports", a, b)
	}
}

// -c N pins the whole process: every thread, not only the one that
// called sched_setaffinity.
func TestCPUPinsEveryThread(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	e := newEnv(t)
	p := e.start(true, "t2", "-c", "2", "-r", "-", "-w", e.out+"/")
	p.waitOut("Tranalyzer successfully", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "task"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("%d threads: the test needs a multi-threaded t2", len(tasks))
	}
	for _, task := range tasks {
		st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "task", task.Name(), "status"))
		if err != nil {
			continue // the thread ended
		}
		m := regexp.MustCompile(`(?m)^Cpus_allowed_list:\s*(\S+)`).FindSubmatch(st)
		if m == nil || string(m[1]) != "1" {
			t.Errorf("thread %s: Cpus_allowed_list %q, want 1 (t2 -c 2)", task.Name(), m)
		}
	}
	p.signal(syscall.SIGTERM)
	p.wait(10 * time.Second)
}

// A -D series waiting for its next file prints a '.' per poll (POLLTM),
// as T2 does, so the user sees t2 is alive.
func TestSeriesWaitPrintsDots(t *testing.T) {
	e := newEnv(t)
	e.conf("POLLTM=1")
	copyFile(t, testdata("pcaps", "dns-mdns-llmnr.pcap"), filepath.Join(e.out, "dump.pcap0"))
	p := e.start(false, "t2", "-D", filepath.Join(e.out, "dump.pcap0"), "-w", e.out+"/")
	p.waitOut("Dump start: ", 10*time.Second)
	p.waitOut("..", 5*time.Second)
	p.signal(syscall.SIGINT)
	p.waitOut("[INF] SIGINT: Stop flow creation", 5*time.Second)
	p.signal(syscall.SIGINT)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	if !regexp.MustCompile(`\.\.+\n`).MatchString(p.stdout.String()) {
		t.Errorf("the dots do not end their line:\n%s", tail(p.stdout.String()))
	}
}

// A live capture without permission says what to do.
func TestLivePermissionHint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run t2 as an unprivileged user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv")
	}
	dir, err := os.MkdirTemp("", "t2go-nopriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	copyFile(t, filepath.Join(binDir, "t2"), filepath.Join(dir, "t2"))
	os.Chmod(filepath.Join(dir, "t2"), 0o755)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		filepath.Join(dir, "t2"), "-i", "lo", "-w", dir+"/x")
	cmd.Env = []string{"T2_HOME=" + dir, "PATH=/usr/bin:/bin"}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("t2 -i lo as nobody succeeded:\n%s", out)
	}
	for _, s := range []string{"sudo", "cap_net_raw"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("no hint %q in:\n%s", s, out)
		}
	}
}

// Under sudo t2 never writes through a symbolic link planted where an
// output file goes, and names the configuration home it uses.
func TestSudoRefusesPlantedSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (t2 under sudo)")
	}
	e := newEnv(t)
	target := filepath.Join(e.out, "root-only")
	os.WriteFile(target, []byte("secret\n"), 0o600)
	res := filepath.Join(e.out, "results")
	os.MkdirAll(res, 0o755)
	os.Symlink(target, filepath.Join(res, "x_flows.txt"))
	cmd := exec.Command(filepath.Join(binDir, "t2"), "-r", testdata("pcaps", "dns-mdns-llmnr.pcap"), "-w", filepath.Join(res, "x"))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "T2_HOME=") && !strings.HasPrefix(kv, "SUDO_USER=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "SUDO_USER=nobody", "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("t2 under sudo wrote through a planted link:\n%s", out)
	}
	if !strings.Contains(string(out), "symbolic link") {
		t.Errorf("no word on the link:\n%s", out)
	}
	if b, _ := os.ReadFile(target); string(b) != "secret\n" {
		t.Errorf("the link's target was overwritten: %q", b)
	}
	if !strings.Contains(string(out), "[INF] Configuration: ") || !strings.Contains(string(out), "SUDO_USER 'nobody'") {
		t.Errorf("no [INF] line naming the configuration home under sudo:\n%s", out)
	}
}

// On a capture file, periodic reports (MONINTTMPCP=0 with MONINTTMPCP_ON=1)
// follow capture time: one row per MONINTV of the capture, however fast it
// is read. (Wall-clock rows gave one row for a file read in a second.)
func TestPeriodicRowsFollowCaptureTimeOnFiles(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "MONINTTMPCP=0", "MONINTTMPCP_ON=1", "MONINTV=1")
	pc := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	in := filepath.Join(e.out, "long.pcap")
	pc.repeated(t, in, 10)
	res := e.mustRun("t2", "-r", in, "-w", e.out+"/", "-l")
	_, rows := machineRows(t, res.stdout)
	if len(rows) < 100 {
		t.Errorf("%d rows for 10 copies of a 15 s capture at MONINTV=1, want one per capture second", len(rows))
	}
}
