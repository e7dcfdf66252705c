package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var netSeq atomic.Int32

// liveNet is a veth pair whose capture end lives in its own network
// namespace, so nothing else on the machine sends into it.
type liveNet struct {
	ns, sendIf, capIf string
}

// newLiveNet creates the namespace and the pair (IPv6 off on both ends:
// no neighbour/router solicitations of their own) and removes them when
// the test ends, failed or not.
func newLiveNet(t *testing.T) *liveNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (network namespace and veth pair)")
	}
	for _, tool := range []string{"ip", "tcpreplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("live capture needs %s", tool)
		}
	}
	// Unique even inside a PID namespace (where our PID is tiny) and
	// across runs that were killed before their cleanup.
	id := fmt.Sprintf("%06x", (time.Now().UnixNano()/1000+int64(netSeq.Add(1)))&0xffffff)
	l := &liveNet{ns: "t2go" + id, sendIf: "t2s" + id, capIf: "t2c" + id}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("ip", "netns", "add", l.ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", l.ns).Run() })
	run("ip", "link", "add", l.sendIf, "type", "veth", "peer", "name", l.capIf)
	t.Cleanup(func() { exec.Command("ip", "link", "del", l.sendIf).Run() })
	run("ip", "link", "set", l.capIf, "netns", l.ns)
	run("sysctl", "-q", "-w", "net.ipv6.conf."+l.sendIf+".disable_ipv6=1")
	run("ip", "netns", "exec", l.ns, "sysctl", "-q", "-w", "net.ipv6.conf."+l.capIf+".disable_ipv6=1")
	run("ip", "link", "set", l.sendIf, "up")
	run("ip", "netns", "exec", l.ns, "ip", "link", "set", l.capIf, "up")
	run("ip", "netns", "exec", l.ns, "ip", "link", "set", "lo", "up")
	return l
}

// startT2 runs t2 inside the namespace, capturing on the pair's end.
func (l *liveNet) startT2(e *env, args ...string) *proc {
	ipPath, _ := exec.LookPath("ip")
	full := append([]string{"netns", "exec", l.ns, filepath.Join(binDir, "t2"), "-i", l.capIf}, args...)
	return e.startCmd(false, ipPath, full...)
}

// replay sends a capture into the pair at full speed.
func (l *liveNet) replay(t *testing.T, pcap string) {
	t.Helper()
	out, err := exec.Command("tcpreplay", "-q", "-i", l.sendIf, "--topspeed", pcap).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
}

// replayBG sends a capture in the background; a failure is reported
// (Errorf may be called from any goroutine).
func (l *liveNet) replayBG(t *testing.T, pcap string) {
	go func() {
		out, err := exec.Command("tcpreplay", "-q", "-i", l.sendIf, "--topspeed", pcap).CombinedOutput()
		if err != nil {
			t.Errorf("tcpreplay: %v\n%s", err, out)
		}
	}()
}

// Live capture: t2's counts equal the replayed capture's, and on the real
// time base rows keep coming after the replay ended.
func TestLiveCaptureCountsAndIdleRows(t *testing.T) {
	l := newLiveNet(t)
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=0", "MONINTTMPCP_ON=1", "MONINTPSYNC=0", "MONINTV=1")
	p := l.startT2(e, "-w", e.out+"/", "-l")
	p.waitOut("%repType", 30*time.Second)
	hdr, _ := machineRows(t, p.stdout.String())
	for _, c := range []string{"pktsRec", "pktsDrp", "ifDrp"} {
		col(t, hdr, c)
	}
	pcap := testdata("pcaps", "http-web-browsing.pcap")
	l.replay(t, pcap)
	// Wait until every packet arrived, then for idle rows.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, rows := machineRows(t, p.stdout.String())
		if sumCol(t, hdr, rows, "numPkts") >= 4631 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, before := machineRows(t, p.stdout.String())
	time.Sleep(3500 * time.Millisecond)
	_, after := machineRows(t, p.stdout.String())
	if len(after)-len(before) < 2 {
		t.Errorf("%d rows in 3.5 idle seconds at MONINTV=1, want >= 2", len(after)-len(before))
	}
	for _, r := range after[len(before):] {
		if r[col(t, hdr, "numPkts")] != "0" {
			t.Errorf("idle row counts packets: %v", r)
		}
		// On an idle link the clock follows the wall clock at each report.
		if d, _ := strconv.ParseFloat(r[col(t, hdr, "duration")], 64); d < 0.5 || d > 1.5 {
			t.Errorf("idle row duration %s, want about 1 s (MONINTV)", r[col(t, hdr, "duration")])
		}
	}
	// The second SIGINT only after t2 took the first: the kernel merges a
	// signal sent while the same one is still pending.
	logPath := filepath.Join(e.out, l.capIf+"_log.txt")
	p.signal(syscall.SIGINT)
	waitFile(t, logPath, "[INF] SIGINT: Stop flow creation", 10*time.Second)
	p.signal(syscall.SIGINT)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	_, rows := machineRows(t, p.stdout.String())
	if got := sumCol(t, hdr, rows, "numPkts"); got != 4631 {
		t.Errorf("rows add up to %d packets, the capture has 4631", got)
	}
	if got := sumCol(t, hdr, rows, "numBytes"); got != 3738523 {
		t.Errorf("rows add up to %d bytes, the capture has 3738523", got)
	}
	last := rows[len(rows)-1]
	if rec, _ := strconv.Atoi(last[col(t, hdr, "pktsRec")]); rec != 4631 {
		t.Errorf("pktsRec %d, want 4631", rec)
	}
	log := string(mustRead(t, logPath))
	for label, want := range map[string]uint64{"Number of processed packets": 4631, "Number of raw bytes": 3738523, "Number of IPv4 packets": 4631, "Number of TCP packets": 4492, "Number of UDP packets": 139} {
		if got, _ := reportValue(log, label); got != want {
			t.Errorf("%s: %d, want %d", label, got, want)
		}
	}
	if !strings.Contains(log, "Live capture on interface: "+l.capIf) {
		t.Error("log lacks the live capture line")
	}
}

// waitFile waits until the file at path contains s.
func waitFile(t *testing.T, path, s string, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), s) {
			return
		}
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s: no %q within %v:\n%s", path, s, d, tail(string(b)))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
