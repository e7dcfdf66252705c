// Package ipfixtest runs a real flow collector, nfcapd of Debian's nfdump,
// on loopback for tests, and reads back what it stored with nfdump.
package ipfixtest

import (
	"bytes"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	done chan struct{}
	out  *syncBuffer
}

// syncBuffer collects nfcapd's output, written by exec's copier goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartNfcapd starts nfcapd on a free loopback port; the test skips when
// nfdump is not installed (scripts/deps.sh installs it). Ports come from
// below the kernel's ephemeral range, so a client socket of a test running
// beside it cannot take the port; a port taken anyway makes nfcapd exit,
// and another one is tried.
func StartNfcapd(t *testing.T) *Collector {
	t.Helper()
	if _, err := exec.LookPath("nfcapd"); err != nil {
		t.Skip("nfcapd (Debian package nfdump) is not installed")
	}
	dir := t.TempDir()
	var last string
	for attempt := 0; attempt < 10; attempt++ {
		port := 20000 + rand.IntN(12000)
		c := &Collector{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, done: make(chan struct{}), out: &syncBuffer{}}
		c.cmd = exec.Command("nfcapd", "-b", "127.0.0.1", "-p", strconv.Itoa(port), "-w", dir, "-t", "3600", "-I", "t2go")
		c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { c.cmd.Wait(); close(c.done) }()
		// nfcapd says "Startup nfcapd." once its socket is bound.
		deadline := time.After(10 * time.Second)
	wait:
		for !strings.Contains(c.out.String(), "Startup") {
			select {
			case <-c.done:
				last = c.out.String()
				break wait
			case <-deadline:
				c.cmd.Process.Kill()
				<-c.done
				t.Fatalf("nfcapd did not start on %s:\n%s", c.Addr, c.out.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		select {
		case <-c.done:
			continue // exited: the port was taken
		default:
		}
		t.Cleanup(func() { c.Stop(t) })
		return c
	}
	t.Fatalf("nfcapd did not start in 10 attempts; last output:\n%s", last)
	return nil
}

// Stop ends nfcapd with SIGTERM, which makes it close and name its file.
func (c *Collector) Stop(t *testing.T) {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
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
