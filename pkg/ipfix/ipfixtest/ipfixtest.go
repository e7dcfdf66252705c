// Package ipfixtest runs a real flow collector, nfcapd of Debian's nfdump,
// on loopback for tests, and reads back what it stored with nfdump.
package ipfixtest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Collector is a real nfcapd on loopback, writing into its own folder.
type Collector struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
}

// StartNfcapd starts nfcapd on a free loopback port; the test skips when
// nfdump is not installed (scripts/deps.sh installs it).
func StartNfcapd(t *testing.T) *Collector {
	t.Helper()
	if _, err := exec.LookPath("nfcapd"); err != nil {
		t.Skip("nfcapd (Debian package nfdump) is not installed")
	}
	dir := t.TempDir()
	port := FreeUDPPort(t)
	cmd := exec.Command("nfcapd", "-b", "127.0.0.1", "-p", strconv.Itoa(port), "-w", dir, "-t", "3600", "-I", "t2go")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Collector{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, cmd: cmd}
	t.Cleanup(func() { c.Stop(t) })
	// nfcapd binds right after start; wait until the port is taken.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, err := net.ListenPacket("udp", c.Addr)
		if err != nil {
			return c
		}
		l.Close()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nfcapd did not bind " + c.Addr)
	return nil
}

// Stop ends nfcapd with SIGTERM, which makes it close and name its file.
func (c *Collector) Stop(t *testing.T) {
	if c.cmd == nil || c.cmd.Process == nil || c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
		t.Error("nfcapd did not stop on SIGTERM")
	}
}

// Totals reads every closed file of the collector with nfdump and returns
// flows, packets and bytes (both directions of a biflow), counting each
// record once, and the sum of the flows' first-seen times in milliseconds.
func (c *Collector) Totals(t *testing.T) (flows, packets, bytes uint64, startSum int64) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.Dir, "nfcapd.2*"))
	if len(files) == 0 {
		t.Fatalf("nfcapd wrote no closed file in %s", c.Dir)
	}
	for _, f := range files {
		out, err := exec.Command("nfdump", "-r", f, "-q", "-N", "-o", "fmt:%tsr %pkt %byt %opkt %obyt").CombinedOutput()
		if err != nil {
			t.Fatalf("nfdump -r %s: %v\n%s", f, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fs := strings.Fields(line)
			if len(fs) != 5 {
				continue
			}
			ts, err0 := strconv.ParseFloat(fs[0], 64)
			p, err1 := strconv.ParseUint(fs[1], 10, 64)
			b, err2 := strconv.ParseUint(fs[2], 10, 64)
			op, err3 := strconv.ParseUint(fs[3], 10, 64)
			ob, err4 := strconv.ParseUint(fs[4], 10, 64)
			p, b = p+op, b+ob
			if err0 != nil || err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				t.Fatalf("nfdump line %q", line)
			}
			flows++
			startSum += int64(ts*1000 + 0.5)
			packets += p
			bytes += b
		}
	}
	return
}
