// Package tooltest helps the end-to-end tests of t2stat, t2conf and
// t2build: it builds the real binaries, starts stand-in t2 processes
// (testdata/tools/faket2) under chosen names, and runs a test again inside
// a private PID namespace so that exact command lines like "t2stat -s -TERM"
// can only ever reach processes the test started.
package tooltest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvNS is set to "1" in a test process re-run inside a PID namespace.
const EnvNS = "T2TOOLS_IN_PIDNS"

// envBin passes the directory of built binaries into the namespace.
const envBin = "T2TOOLS_BIN"

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found")
		}
		dir = parent
	}
}

// Bin builds t2stat, t2conf, t2build and faket2 once per test process and
// returns the directory holding them (world-readable, so tests can run
// them as another user). faket2 is also installed there as "t2", next to
// the tools, which is where they look for the analyzer (StartBinT2).
func Bin(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(envBin); d != "" {
		return d
	}
	buildOnce.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			buildErr = err
			return
		}
		binDir, err = os.MkdirTemp("", "t2tools-bin")
		if err != nil {
			buildErr = err
			return
		}
		os.Chmod(binDir, 0o755)
		for _, pkg := range []string{"./cmd/t2stat", "./cmd/t2conf", "./cmd/t2build", "./testdata/tools/faket2"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, filepath.Base(pkg)), pkg)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
		buildErr = os.Link(filepath.Join(binDir, "faket2"), filepath.Join(binDir, "t2"))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// Cleanup removes the built binaries; call it from TestMain.
func Cleanup() {
	if binDir != "" && os.Getenv(envBin) == "" {
		os.RemoveAll(binDir)
	}
}

// OpenDir makes a temporary directory that every user can read and enter.
func OpenDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "t2tools")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o777)
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// Proc is a started stand-in t2.
type Proc struct {
	PID  int
	Path string
	cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{}
}

// SyncBuffer is a bytes.Buffer that a child process may write while the
// test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartT2 copies faket2 into dir under name and starts it (as uid/gid
// when cred is not nil). The copy is another file than the t2 next to the
// tools: the tools count it as t2 only when told its path (--exe). It waits until the process handles signals. The
// process is killed, by its PID, when the test ends.
func StartT2(t testing.TB, dir, name string, cred *syscall.Credential) *Proc {
	t.Helper()
	src := filepath.Join(Bin(t), "faket2")
	dst := filepath.Join(dir, name)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dst); err != nil {
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return start(t, dst, cred)
}

// StartBinT2 starts the stand-in t2 installed next to the tools (see Bin),
// the one they recognise as the analyzer without --exe.
func StartBinT2(t testing.TB, cred *syscall.Credential) *Proc {
	t.Helper()
	return start(t, filepath.Join(Bin(t), "t2"), cred)
}

func start(t testing.TB, dst string, cred *syscall.Credential) *Proc {
	t.Helper()
	name := filepath.Base(dst)
	p := &Proc{Path: dst, out: &SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(dst)
	p.cmd.Stdout = p.out
	if cred != nil {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.PID = p.cmd.Process.Pid
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.Exited() {
			syscall.Kill(p.PID, syscall.SIGKILL)
			<-p.done
		}
	})
	if !p.WaitFor("ready", 10*time.Second) {
		t.Fatalf("%s did not start: %q", name, p.Output())
	}
	return p
}

// Output returns what the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Count returns how many output lines contain s.
func (p *Proc) Count(s string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(p.Output()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}

// WaitFor waits until the output contains s.
func (p *Proc) WaitFor(s string, d time.Duration) bool {
	return p.WaitCount(s, 1, d)
}

// WaitCount waits until at least n output lines contain s.
func (p *Proc) WaitCount(s string, n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if p.Count(s) >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p.Count(s) >= n
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitExit waits for the process to end.
func (p *Proc) WaitExit(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// InPIDNamespace runs the calling test again in a new PID namespace (with
// its own /proc), where only processes started by the test exist. It
// returns true when the caller is already inside (and should run the
// test); otherwise it runs the re-execution, reports its result, and
// returns false. Tests are skipped when not root or unshare is missing.
func InPIDNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(EnvNS) == "1" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private PID namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare for a private PID namespace")
	}
	bin := Bin(t)
	args := []string{"--pid", "--fork", "--mount-proc", "--kill-child", os.Args[0],
		"-test.run=^" + t.Name() + "$", "-test.v", "-test.count=1"}
	cmd := exec.Command(unshare, args...)
	cmd.Env = append(os.Environ(), EnvNS+"=1", envBin+"="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("in PID namespace: %v\n%s", err, out)
	}
	t.Logf("in PID namespace:\n%s", out)
	return false
}

// Run runs a binary from Bin with args, env (added to a clean PATH that
// starts with the extra directories) and stdin; it returns stdout, stderr
// and the exit status.
func Run(t testing.TB, env []string, stdin string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(Bin(t), name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), errOut.String(), code
}
