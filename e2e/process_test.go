package e2e

import (
	"encoding/binary"
	"github.com/t2go/t2go/pkg/tooltest"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is safe for a writer process and a reading test.
type syncBuffer = tooltest.SyncBuffer

// proc is a binary running in the background.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	stdin  io.WriteCloser
	done   chan struct{}
	err    error
}

// start launches a binary; withStdin gives the test a pipe to its stdin.
func (e *env) start(withStdin bool, name string, args ...string) *proc {
	e.t.Helper()
	return e.startCmd(withStdin, filepath.Join(binDir, name), args...)
}

// startCmd launches any program (e.g. "ip netns exec NS t2 ...").
func (e *env) startCmd(withStdin bool, path string, args ...string) *proc {
	e.t.Helper()
	p := &proc{t: e.t, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = e.environ()
	p.cmd.Dir = e.out
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if withStdin {
		w, err := p.cmd.StdinPipe()
		if err != nil {
			e.t.Fatal(err)
		}
		p.stdin = w
	}
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) signal(s syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatalf("signal %v: %v", s, err)
	}
}

// waitOut waits until stdout contains s.
func (p *proc) waitOut(s string, d time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(p.stdout.String(), s) {
			return
		}
		select {
		case <-p.done:
			if strings.Contains(p.stdout.String(), s) {
				return
			}
			p.t.Fatalf("process ended before printing %q\nstdout: %s\nstderr: %s", s, tail(p.stdout.String()), p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	p.t.Fatalf("no %q within %v\nstdout: %s\nstderr: %s", s, d, tail(p.stdout.String()), p.stderr.String())
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("did not exit within %v\nstdout: %s\nstderr: %s", d, tail(p.stdout.String()), p.stderr.String())
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 0
}

// pcapFile is a classic little-endian microsecond pcap split into its
// header and records, for feeding t2's stdin at a controlled pace and
// for building larger captures.
type pcapFile struct {
	header  []byte
	records [][]byte
}

func loadPcap(t *testing.T, path string) *pcapFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: not a little-endian microsecond pcap", path)
	}
	p := &pcapFile{header: b[:24]}
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		p.records = append(p.records, b[off:off+16+n])
		off += 16 + n
	}
	return p
}

// repeated writes copies of p one after another, each shifted in time
// past the previous copy, so timestamps keep increasing.
func (p *pcapFile) repeated(t *testing.T, path string, copies int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(p.header)
	first := binary.LittleEndian.Uint32(p.records[0])
	last := binary.LittleEndian.Uint32(p.records[len(p.records)-1])
	span := last - first + 2
	rec := make([]byte, 0, 70000)
	n := 0
	for c := 0; c < copies; c++ {
		for _, r := range p.records {
			rec = append(rec[:0], r...)
			binary.LittleEndian.PutUint32(rec, binary.LittleEndian.Uint32(r)+uint32(c)*span)
			f.Write(rec)
			n++
		}
	}
	return n
}
