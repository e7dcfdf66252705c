package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// workerRun is what one live run left: its end report and flow file.
type workerRun struct {
	log   string
	proto string   // the protoStats file
	flows []string // data lines of the flow file
	hdr   []string // flow file columns
}

// liveRun captures the replay of pcaps (at a fixed rate, so no ring
// overflows) with -j workers, stops t2 with two SIGINTs and returns its
// files.
func liveRun(t *testing.T, workers int, pcaps []string, extra ...string) workerRun {
	t.Helper()
	l := newLiveNet(t)
	e := newEnv(t)
	args := append([]string{"-j", fmt.Sprint(workers), "-w", e.out + "/", "-l"}, extra...)
	p := l.startT2(e, args...)
	logPath := filepath.Join(e.out, l.capIf+"_log.txt")
	waitFile(t, logPath, "[INF] Capture: ", 30*time.Second)
	for _, pc := range pcaps {
		l.replayRate(t, pc, 4000)
	}
	// The kernel hands a ring block over at most 10 ms after its last
	// packet; a second is ample.
	time.Sleep(time.Second)
	p.signal(syscall.SIGINT)
	waitFile(t, logPath, "[INF] SIGINT: Stop flow creation", 10*time.Second)
	p.signal(syscall.SIGINT)
	if code := p.wait(60 * time.Second); code != 0 {
		t.Fatalf("-j %d: exit %d: %s", workers, code, p.stderr.String())
	}
	lines := readLines(t, filepath.Join(e.out, l.capIf+"_flows.txt"))
	if len(lines) == 0 {
		t.Fatalf("-j %d: empty flow file", workers)
	}
	return workerRun{log: string(mustRead(t, logPath)), proto: string(mustRead(t, filepath.Join(e.out, l.capIf+"_protocols.txt"))), hdr: strings.Split(strings.TrimPrefix(lines[0], "%"), "\t"), flows: lines[1:]}
}

// replayRate sends a capture into the pair at pps packets per second.
func (l *liveNet) replayRate(t *testing.T, pcap string, pps int) {
	t.Helper()
	out, err := exec.Command("tcpreplay", "-q", "-i", l.sendIf, fmt.Sprintf("--pps=%d", pps), pcap).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
}

// counts are the end report's count lines (rates and times left out:
// they depend on the wall clock).
func (w workerRun) counts() map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(w.log, "\n") {
		if strings.Contains(l, "/s") {
			continue
		}
		// Plugin lines count whole (several share a label).
		for _, pl := range []string{"basicStats: ", "tcpStates: ", "ftpDecode: "} {
			if strings.HasPrefix(l, pl) {
				m[l] = "printed"
			}
		}
		label, val, ok := strings.Cut(l, ": ")
		if ok && (strings.HasPrefix(label, "Number of") || strings.HasPrefix(label, "Headers count") ||
			strings.HasPrefix(label, "Aggregated")) {
			m[label] = val
		}
	}
	return m
}

// keys returns each flow's key (direction, ethertype, VLAN, addresses,
// ports, protocol) with its packet and byte counts, sorted.
func (w workerRun) keys(t *testing.T) []string {
	var out []string
	cols := []string{"dir", "ethType", "vlanID", "srcIP", "srcPort", "dstIP", "dstPort", "l4Proto", "pktsSnt", "l7BytesSnt", "flowStat"}
	for _, l := range w.flows {
		f := strings.Split(l, "\t")
		var k []string
		for _, c := range cols {
			k = append(k, f[col(t, w.hdr, c)])
		}
		out = append(out, strings.Join(k, " "))
	}
	sort.Strings(out)
	return out
}

// pairsIntact checks that every B flow has its A flow (same findex,
// reversed key) and that no two A flows share a findex: a flow split
// between workers would have its reply counted as a new A flow.
func (w workerRun) pairsIntact(t *testing.T, what string) {
	t.Helper()
	dir, ind := col(t, w.hdr, "dir"), col(t, w.hdr, "flowInd")
	src, dst := col(t, w.hdr, "srcIP"), col(t, w.hdr, "dstIP")
	a := map[string]string{}
	for _, l := range w.flows {
		f := strings.Split(l, "\t")
		if f[dir] == "A" {
			if _, dup := a[f[ind]]; dup {
				t.Errorf("%s: findex %s used by two A flows", what, f[ind])
			}
			a[f[ind]] = f[src] + ">" + f[dst]
		}
	}
	for _, l := range w.flows {
		f := strings.Split(l, "\t")
		if f[dir] == "B" && a[f[ind]] != f[dst]+">"+f[src] {
			t.Errorf("%s: B flow %s %s>%s has no A flow with its findex (A: %q)", what, f[ind], f[src], f[dst], a[f[ind]])
		}
	}
}

// With 2 and 4 AF_PACKET workers the end report's counts and the set of
// flows equal the libpcap run with one worker; both directions of every
// flow and every IPv4 and IPv6 fragment reach the same worker.
func TestLiveWorkersEqualOneWorker(t *testing.T) {
	pcaps := []string{
		testdata("pcaps", "http-web-browsing.pcap"),
		testdata("pcaps", "ipv4-fragments.pcap"),
		testdata("pcaps", "ipv6-fragments.pcapng"),
		testdata("pcaps", "dns-mdns-llmnr.pcap"),
	}
	base := liveRun(t, 1, pcaps)
	if !strings.Contains(base.log, "[INF] Capture: libpcap, 1 worker") {
		t.Error("the one-worker run does not say it captures with libpcap")
	}
	bc := base.counts()
	for _, label := range []string{"Number of processed packets", "Number of IPv4 fragmented packets", "Number of IPv6 fragmented packets"} {
		if bc[label] == "" || bc[label] == "0" {
			t.Errorf("libpcap run: %q = %q, want packets", label, bc[label])
		}
	}
	bk := base.keys(t)
	base.pairsIntact(t, "-j 1")
	for _, n := range []int{2, 4} {
		run := liveRun(t, n, pcaps)
		what := fmt.Sprintf("-j %d", n)
		if want := fmt.Sprintf("[INF] Capture: AF_PACKET TPACKET_V3 fanout (by IP address pair), %d workers", n); !strings.Contains(run.log, want) {
			t.Errorf("%s: no startup line %q", what, want)
		}
		rc := run.counts()
		for label, want := range bc {
			if rc[label] != want {
				t.Errorf("%s: %s: %q, the libpcap run has %q", what, label, rc[label], want)
			}
		}
		for label := range rc {
			if _, ok := bc[label]; !ok {
				t.Errorf("%s: %s: %q, the libpcap run has no such line", what, label, rc[label])
			}
		}
		if got := run.keys(t); strings.Join(got, "\n") != strings.Join(bk, "\n") {
			t.Errorf("%s: %d flows differ from the libpcap run's %d:\n%s", what, len(got), len(bk), diffLines(bk, got))
		}
		run.pairsIntact(t, what)
		if run.proto != base.proto {
			t.Errorf("%s: the protocols file differs from the libpcap run's:\n%s", what, diffLines(strings.Split(base.proto, "\n"), strings.Split(run.proto, "\n")))
		}
	}
}

// diffLines lists the lines only one side has.
func diffLines(a, b []string) string {
	in := func(s []string) map[string]int {
		m := map[string]int{}
		for _, x := range s {
			m[x]++
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for x, n := range ma {
		if mb[x] != n {
			out = append(out, fmt.Sprintf("- %s (%d vs %d)", x, n, mb[x]))
		}
	}
	for x, n := range mb {
		if _, ok := ma[x]; !ok {
			out = append(out, fmt.Sprintf("+ %s (%d)", x, n))
		}
	}
	sort.Strings(out)
	if len(out) > 40 {
		out = out[:40]
	}
	return strings.Join(out, "\n")
}

// Options that the AF_PACKET workers cannot honour are refused with one
// line naming the option.
func TestWorkersRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-j", "2", "-r", testdata("pcaps", "ntp-sparse.pcap")}, "several workers need a live interface"},
		{[]string{"-j", "0", "-i", "lo"}, "Option '-j': the number of workers must be between 1 and 64"},
		{[]string{"-j", "2", "-s", "-i", "lo"}, "-s (packet file) needs one worker"},
		{[]string{"-c", "1,x", "-r", testdata("pcaps", "ntp-sparse.pcap")}, "Option '-c': invalid value '1,x'"},
	} {
		r := e.run("t2", append(tc.args, "-w", e.out+"/")...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("t2 %v: exit %d, stderr %q; want non-zero and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// With 2 workers the machine rows (periodic, USR1 and the final one) add
// up to the replayed capture, pktsRec counts both rings, and when the
// interface goes away mid-run the run ends with one error line naming the
// worker, exit status 1 and complete files.
func TestLiveWorkersReportsAndError(t *testing.T) {
	l := newLiveNet(t)
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=0", "MONINTTMPCP_ON=1", "MONINTPSYNC=0", "MONINTV=1")
	p := l.startT2(e, "-j", "2", "-w", e.out+"/", "-l")
	p.waitOut("%repType", 30*time.Second)
	l.replayRate(t, testdata("pcaps", "http-web-browsing.pcap"), 4000)
	hdr, _ := machineRows(t, p.stdout.String())
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, rows := machineRows(t, p.stdout.String())
		if sumCol(t, hdr, rows, "numPkts") >= 4631 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, before := machineRows(t, p.stdout.String())
	p.signal(syscall.SIGUSR1)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, rows := machineRows(t, p.stdout.String()); len(rows) > len(before) {
			break
		}
	}
	if out, err := exec.Command("ip", "netns", "exec", l.ns, "ip", "link", "del", l.capIf).CombinedOutput(); err != nil {
		t.Fatalf("ip link del: %v\n%s", err, out)
	}
	if code := p.wait(30 * time.Second); code != 1 {
		t.Fatalf("exit %d after the interface went away, want 1; stderr: %s", code, p.stderr.String())
	}
	if se := p.stderr.String(); !strings.Contains(se, "[ERR] live capture on '"+l.capIf+"' (worker ") || strings.Count(se, "\n") != 1 {
		t.Errorf("stderr %q: want one [ERR] line naming the interface and the worker", se)
	}
	_, rows := machineRows(t, p.stdout.String())
	if got := sumCol(t, hdr, rows, "numPkts"); got != 4631 {
		t.Errorf("rows add up to %d packets, the capture has 4631", got)
	}
	if got := sumCol(t, hdr, rows, "numBytes"); got != 3738523 {
		t.Errorf("rows add up to %d bytes, the capture has 3738523", got)
	}
	if rec, _ := strconv.Atoi(rows[len(rows)-1][col(t, hdr, "pktsRec")]); rec != 4631 {
		t.Errorf("pktsRec %d, want 4631 (both rings)", rec)
	}
	log := string(mustRead(t, filepath.Join(e.out, l.capIf+"_log.txt")))
	flows, _ := reportValue(log, "Number of processed      flows")
	lines := readLines(t, filepath.Join(e.out, l.capIf+"_flows.txt"))
	if flows == 0 || uint64(len(lines)-1) != flows {
		t.Errorf("flow file has %d flows, the end report %d", len(lines)-1, flows)
	}
}

// With workers, MONINTTMPCP=1 rows follow the wall clock (the workers
// share no capture clock; docs/monitoring.md): rows come on an idle link,
// and a SIGHUP reload keeps them coming.
func TestLiveWorkersPcapTimeIsWallClock(t *testing.T) {
	l := newLiveNet(t)
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "MONINTTMPCP=1", "MONINTV=1")
	p := l.startT2(e, "-j", "2", "-w", e.out+"/", "-l")
	p.waitOut("%repType", 30*time.Second)
	time.Sleep(2500 * time.Millisecond)
	_, rows := machineRows(t, p.stdout.String())
	if len(rows) < 2 {
		t.Errorf("%d rows in 2.5 idle seconds at MONINTV=1, want >= 2", len(rows))
	}
	logPath := filepath.Join(e.out, l.capIf+"_log.txt")
	p.signal(syscall.SIGHUP)
	waitFile(t, logPath, "[INF] SIGHUP: monitoring settings reloaded", 10*time.Second)
	time.Sleep(2500 * time.Millisecond)
	if _, after := machineRows(t, p.stdout.String()); len(after)-len(rows) < 2 {
		t.Errorf("%d rows in 2.5 s after SIGHUP, want >= 2", len(after)-len(rows))
	}
	p.signal(syscall.SIGINT)
	waitFile(t, logPath, "[INF] SIGINT: Stop flow creation", 10*time.Second)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
}
