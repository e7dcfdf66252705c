package t2stat

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2proc"
	"github.com/t2go/t2go/pkg/tooltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tooltest.Cleanup()
	os.Exit(code)
}

// testExes are the executables the in-process runs count as t2: the
// stand-ins tests start as DIR/t2 and DIR/tranalyzer.
var testExes []t2proc.Exe

func countAsT2(dir string) {
	testExes = []t2proc.Exe{
		{Path: filepath.Join(dir, "t2"), Why: "the test's t2"},
		{Path: filepath.Join(dir, "tranalyzer"), Why: "the test's tranalyzer"},
	}
}

// run executes t2stat in-process, as main does (argument normalisation,
// cobra, Run); only the given PIDs can be found.
func run(t *testing.T, only []int, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runWith(t, func(o *Options) {
		m := map[int]bool{}
		for _, p := range only {
			m[p] = true
		}
		o.Finder = t2proc.Finder{Only: m, Exes: testExes}
	}, stdin, args...)
}

func runWith(t *testing.T, hook func(*Options), stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := iostreams.Test(stdin, &out, &errOut)
	cmd := NewCmd(ios, func(o *Options) error {
		hook(o)
		return Run(o)
	})
	code := cliutil.Execute(cmd, ios, args, NormalizeArgs)
	return out.String(), errOut.String(), code
}

func TestArguments(t *testing.T) {
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{}, 0, NoInstance + "\n", ""},
		{[]string{"-h"}, 0, usage, ""},
		{[]string{"--help"}, 0, usage, ""},
		{[]string{"-?"}, 0, usage, ""},
		{[]string{"-x"}, 1, "Try 't2stat --help' for more information.\n", "Unknown option '-x'\n"},
		{[]string{"-FOO"}, 1, "Try 't2stat --help' for more information.\n", "Unknown option '-FOO'\n"},
		{[]string{"--frob"}, 1, "Try 't2stat --help' for more information.\n", "Unknown option '--frob'\n"},
		{[]string{"foo"}, 1, "Try 't2stat --help' for more information.\n", "Unknown option 'foo'\n"},
		{[]string{"30", "-i"}, 1, "", "Cannot use INTERVAL and -i/--interactive option simultaneously\n"},
		{[]string{"0"}, 1, "Try 't2stat --help' for more information.\n", "Invalid INTERVAL '0': expected a number of seconds greater than 0\n"},
		{[]string{"3x"}, 1, "Try 't2stat --help' for more information.\n", "Invalid INTERVAL '3x': expected a number of seconds greater than 0\n"},
		{[]string{"--pid"}, 1, "Try 't2stat --help' for more information.\n", "Option '--pid' requires an argument\n"},
		{[]string{"--pid", "abc"}, 1, "Try 't2stat --help' for more information.\n", "Invalid argument for option '--pid': expected a process ID, found 'abc'\n"},
		{[]string{"-p"}, 0, NoInstance + "\n", ""},
		{[]string{"-l"}, 0, NoInstance + "\n", ""},
		{[]string{"-USR2"}, 0, NoInstance + "\n", ""},
		{[]string{"-sigint"}, 0, NoInstance + "\n", ""},
		{[]string{"--pid", "1"}, 1, "", "t2stat: no running instance of Tranalyzer with PID 1\n"},
	}
	for _, tt := range tests {
		out, errOut, code := run(t, nil, "", tt.args...)
		if code != tt.code || out != tt.stdout || errOut != tt.stderr {
			t.Errorf("t2stat %v: code %d\nstdout %q\nstderr %q\nwant %d %q %q", tt.args, code, out, errOut, tt.code, tt.stdout, tt.stderr)
		}
	}
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		sig  syscall.Signal
		name string
		ok   bool
	}{
		{"USR1", syscall.SIGUSR1, "USR1", true}, {"SIGUSR1", syscall.SIGUSR1, "USR1", true},
		{"usr2", syscall.SIGUSR2, "USR2", true}, {"SigInt", syscall.SIGINT, "INT", true},
		{"INT", syscall.SIGINT, "INT", true}, {"TERM", syscall.SIGTERM, "TERM", true},
		{"STOP", syscall.SIGSTOP, "STOP", true}, {"cont", syscall.SIGCONT, "CONT", true},
		{"HUP", syscall.SIGHUP, "HUP", true}, {"SIGALRM", syscall.SIGALRM, "ALRM", true},
		{"USR3", 0, "", false}, {"SIG", 0, "", false}, {"x", 0, "", false},
	}
	for _, tt := range tests {
		sig, name, ok := ParseSignal(tt.in)
		if ok != tt.ok || (ok && (sig != tt.sig || name != tt.name)) {
			t.Errorf("ParseSignal(%q) = %v %q %v", tt.in, sig, name, ok)
		}
	}
}

// The tutorial's command lines, run in-process against stand-in t2
// processes (and decoys that must never get a signal).
func TestTutorialSignals(t *testing.T) {
	dir := tooltest.OpenDir(t)
	countAsT2(dir)
	t2 := tooltest.StartT2(t, dir, "t2", nil)
	decoys := []*tooltest.Proc{
		tooltest.StartT2(t, dir, "t2decoy", nil),
		tooltest.StartT2(t, dir, "mytranalyzer", nil),
	}
	only := []int{t2.PID, decoys[0].PID, decoys[1].PID}

	steps := []struct {
		args  []string
		await string
		count int
	}{
		{nil, "USR1MR_A report", 1},
		{[]string{"-USR1"}, "USR1MR_A report", 2},
		{[]string{"-SIGUSR1"}, "USR1MR_A report", 3},
		{[]string{"-s"}, "USR1MR_A report", 4}, // root: -s needs no sudo
		{[]string{"-s", "-USR2"}, "periodic true", 1},
		{[]string{"-s", "-USR2"}, "periodic false", 1},
		{[]string{"-HUP"}, "reload", 1},
		{[]string{"-s", "-SIGINT"}, "SIGINT: Stop flow creation", 1},
		{[]string{"-s", "-SIGINT"}, "SIGINT: Remove all flows and exit", 1},
	}
	if os.Geteuid() != 0 {
		steps = append(steps[:3], steps[4:]...)
	}
	for _, s := range steps {
		out, errOut, code := run(t, only, "", s.args...)
		if code != 0 || out != "" || errOut != "" {
			t.Fatalf("t2stat %v: %d %q %q", s.args, code, out, errOut)
		}
		if !t2.WaitCount(s.await, s.count, 5*time.Second) {
			t.Fatalf("t2stat %v: t2 printed %q", s.args, t2.Output())
		}
	}
	if !t2.WaitExit(5 * time.Second) {
		t.Fatal("t2 did not exit after the second SIGINT")
	}
	term := tooltest.StartT2(t, dir, "tranalyzer", nil)
	if _, _, code := run(t, append(only, term.PID), "", "-s", "-TERM"); code != 0 || !term.WaitExit(5*time.Second) {
		t.Fatalf("-TERM: %d %q", code, term.Output())
	}
	for _, d := range decoys {
		if d.Exited() || strings.Count(d.Output(), "\n") != 1 {
			t.Errorf("decoy got a signal: %q", d.Output())
		}
	}
}

func TestListPrintInteractive(t *testing.T) {
	dir := tooltest.OpenDir(t)
	countAsT2(dir)
	a := tooltest.StartT2(t, dir, "t2", nil)
	b := tooltest.StartT2(t, dir, "tranalyzer", nil)
	decoy := tooltest.StartT2(t, dir, "t2decoy", nil)
	only := []int{a.PID, b.PID, decoy.PID}
	first, second := min(a.PID, b.PID), max(a.PID, b.PID)

	out, _, code := run(t, only, "", "-p")
	if want := strconv.Itoa(first) + " " + strconv.Itoa(second) + "\n"; code != 0 || out != want {
		t.Errorf("-p: %q, want %q", out, want)
	}
	out, _, _ = run(t, only, "", "-l")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("-l: %q", out)
	}
	for i, pid := range []int{first, second} {
		f := strings.Split(lines[i], "\t")
		if len(f) != 4 || f[0] != strconv.Itoa(pid) || !strings.HasPrefix(f[1], dir+"/") || f[2] != "00:00" && f[2] != "00:01" && f[2] != "00:02" ||
			!strings.HasPrefix(f[3], "executable is the test's ") || !strings.HasSuffix(f[3], "("+f[1]+")") {
			t.Errorf("-l line %q", lines[i])
		}
	}
	out, _, _ = run(t, only, "", "-l", "--json")
	var entries []listEntry
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 2 || entries[0].PID != first || entries[1].Command == "" ||
		entries[0].Exe == "" || entries[0].Matched == "" {
		t.Errorf("--json: %v %q", err, out)
	}
	out, _, _ = run(t, only, "", "--pid", strconv.Itoa(b.PID), "-p")
	if out != strconv.Itoa(b.PID)+"\n" {
		t.Errorf("--pid -p: %q", out)
	}
	// the decoy is not an instance, so --pid refuses it
	if _, errOut, code := run(t, only, "", "--pid", strconv.Itoa(decoy.PID)); code != 1 || !strings.Contains(errOut, "no running instance of Tranalyzer with PID") {
		t.Errorf("--pid decoy: %d %q", code, errOut)
	}
	// -i: yes for the first, no for the second
	out, _, code = run(t, only, "y\nn\n", "-i", "-USR2")
	if code != 0 || strings.Count(out, "(y/N)? ") != 2 || !strings.Contains(out, "Send -USR2 signal to "+strconv.Itoa(first)+" (y/N)? ") {
		t.Errorf("-i: %d %q", code, out)
	}
	pa, pb := a, b
	if b.PID == first {
		pa, pb = b, a
	}
	if !pa.WaitFor("periodic true", 5*time.Second) {
		t.Errorf("-i yes: not signalled: %q", pa.Output())
	}
	time.Sleep(100 * time.Millisecond)
	if pb.Count("periodic") != 0 || decoy.Count("periodic") != 0 {
		t.Errorf("-i no: signalled anyway: %q %q", pb.Output(), decoy.Output())
	}
}

// INTERVAL repeats until stopped; "t2stat 30" sends at once.
func TestInterval(t *testing.T) {
	dir := tooltest.OpenDir(t)
	countAsT2(dir)
	t2 := tooltest.StartT2(t, dir, "t2", nil)
	decoy := tooltest.StartT2(t, dir, "t2decoy", nil)
	for _, tt := range []struct {
		arg   string
		count int
	}{{"0.1", 4}, {"30", 1}} {
		before := t2.Count("USR1MR_A")
		stop := make(chan os.Signal, 1)
		var out, errOut bytes.Buffer
		done := make(chan error, 1)
		cmd := NewCmd(iostreams.Test("", &out, &errOut), func(o *Options) error {
			o.Finder = t2proc.Finder{Only: map[int]bool{t2.PID: true, decoy.PID: true}, Exes: testExes}
			o.Stop = stop
			return Run(o)
		})
		cmd.SetArgs(NormalizeArgs([]string{tt.arg}))
		go func() { done <- cmd.Execute() }()
		if !t2.WaitCount("USR1MR_A", before+tt.count, 5*time.Second) {
			t.Errorf("t2stat %s: %d reports", tt.arg, t2.Count("USR1MR_A")-before)
		}
		stop <- syscall.SIGINT
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("t2stat %s: %v", tt.arg, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("t2stat %s did not stop", tt.arg)
		}
		if !strings.HasPrefix(out.String(), "Sending -USR1 every ") {
			t.Errorf("output %q", out.String())
		}
	}
	if decoy.Count("USR1") != 0 {
		t.Error("decoy signalled")
	}
}

// The real binary, run exactly as the tutorial types it, in a PID
// namespace where only this test's processes exist. -s is run by an
// unprivileged user with a fake sudo first in PATH that records its
// arguments and runs the rest without a shell.
func TestBinaryTutorialInNamespace(t *testing.T) {
	if !tooltest.InPIDNamespace(t) {
		return
	}
	bin := tooltest.Bin(t)
	dir := tooltest.OpenDir(t)
	sudoDir := filepath.Join(dir, "fakesudo")
	os.Mkdir(sudoDir, 0o755)
	log := filepath.Join(dir, "sudo.log")
	os.WriteFile(log, nil, 0o666)
	os.Chmod(log, 0o666)
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + log + "\n[ \"$1\" = -- ] && shift\nexec \"$@\"\n"
	os.WriteFile(filepath.Join(sudoDir, "sudo"), []byte(script), 0o755)
	env := []string{"PATH=" + sudoDir + ":/usr/bin:/bin"}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	asNobody := func(args ...string) (string, string, int) {
		return runAs(t, nobody, env, filepath.Join(bin, "t2stat"), args...)
	}

	if out, _, code := tooltest.Run(t, env, "", "t2stat"); code != 0 || out != NoInstance+"\n" {
		t.Fatalf("t2stat without t2: %d %q", code, out)
	}
	if out, _, code := tooltest.Run(t, env, "", "t2stat", "-h"); code != 0 || out != usage {
		t.Fatalf("t2stat -h: %d %q", code, out)
	}
	rootT2 := tooltest.StartBinT2(t, nil)
	userT2 := tooltest.StartBinT2(t, nobody)
	// copies of the t2 binary elsewhere, under t2's names and others:
	// not the t2 next to t2stat, so never signalled
	decoys := []*tooltest.Proc{
		tooltest.StartT2(t, dir, "t2", nil),
		tooltest.StartT2(t, dir, "tranalyzer", nil),
		tooltest.StartT2(t, dir, "t2decoy", nil),
		tooltest.StartT2(t, dir, "t2", nobody),
	}

	// root: plain t2stat reaches both instances, never a decoy
	if _, errOut, code := tooltest.Run(t, env, "", "t2stat"); code != 0 || errOut != "" {
		t.Fatalf("t2stat: %d %q", code, errOut)
	}
	if !rootT2.WaitFor("USR1MR_A", 5*time.Second) || !userT2.WaitFor("USR1MR_A", 5*time.Second) {
		t.Fatalf("no report: %q %q", rootT2.Output(), userT2.Output())
	}
	// an unprivileged user sees only its own instance
	out, _, _ := asNobody("-p")
	if out != strconv.Itoa(userT2.PID)+"\n" {
		t.Errorf("nobody -p: %q (want only %d)", out, userT2.PID)
	}
	// "t2stat 30": sends at once, runs until interrupted
	cmd := startBinary(t, env, "t2stat", "30")
	if !rootT2.WaitCount("USR1MR_A", 2, 5*time.Second) {
		t.Errorf("t2stat 30 sent nothing")
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("t2stat 30 after SIGINT: %v", err)
	}
	// -s through the fake sudo, as the tutorial's unprivileged user
	before := userT2.Count("USR1MR_A")
	for _, s := range []struct {
		args  []string
		await string
		count int
	}{
		{[]string{"-s"}, "USR1MR_A", before + 1},
		{[]string{"-s", "-USR2"}, "periodic true", 1},
		{[]string{"-s", "-USR2"}, "periodic false", 1},
		{[]string{"-s", "-SIGINT"}, "SIGINT: Stop flow creation", 1},
		{[]string{"-s", "-SIGINT"}, "SIGINT: Remove all flows and exit", 1},
	} {
		if out, errOut, code := asNobody(s.args...); code != 0 || out != "" || errOut != "" {
			t.Fatalf("t2stat %v: %d %q %q", s.args, code, out, errOut)
		}
		if !userT2.WaitCount(s.await, s.count, 5*time.Second) {
			t.Fatalf("t2stat %v: %q", s.args, userT2.Output())
		}
	}
	self := filepath.Join(bin, "t2stat")
	logged, _ := os.ReadFile(log)
	wantLog := "-- " + self + "\n-- " + self + " -USR2\n-- " + self + " -USR2\n-- " + self + " -INT\n-- " + self + " -INT\n"
	if string(logged) != wantLog {
		t.Errorf("sudo argv log:\n%s\nwant\n%s", logged, wantLog)
	}
	userT2b := tooltest.StartBinT2(t, nobody)
	if _, _, code := asNobody("-s", "-TERM"); code != 0 || !userT2b.WaitExit(5*time.Second) {
		t.Errorf("-s -TERM: %d %q", code, userT2b.Output())
	}
	// root's instance was never reached by the unprivileged runs
	if rootT2.Count("periodic") != 0 || rootT2.Count("SIGINT") != 0 || rootT2.Exited() {
		t.Errorf("root t2 got the user's signals: %q", rootT2.Output())
	}
	// root with -s needs no sudo
	os.WriteFile(log, nil, 0o666)
	if _, _, code := tooltest.Run(t, env, "", "t2stat", "-s", "-TERM"); code != 0 || !rootT2.WaitExit(5*time.Second) {
		t.Errorf("root -s -TERM: %d %q", code, rootT2.Output())
	}
	if logged, _ := os.ReadFile(log); len(logged) != 0 {
		t.Errorf("root used sudo: %q", logged)
	}
	for _, d := range decoys {
		if strings.Count(d.Output(), "\n") != 1 || d.Exited() {
			t.Errorf("decoy got a signal: %q", d.Output())
		}
	}
}

// waitExit waits up to d for cmd to end.
func waitExit(cmd *exec.Cmd, d time.Duration) bool {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// t2stats lists the t2stat processes of the PID namespace.
func t2stats() []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if b, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && string(b) == "t2stat\n" {
			out = append(out, e.Name())
		}
	}
	return out
}

// INT and TERM end t2stat within a second in INTERVAL mode, also when it
// runs the root t2stat through sudo: the sudo'ed child must not be left
// behind signalling t2 (it used to be, after a TERM to the parent).
func TestIntervalEndsOnSignals(t *testing.T) {
	if !tooltest.InPIDNamespace(t) {
		return
	}
	dir := tooltest.OpenDir(t)
	sudoDir := filepath.Join(dir, "fakesudo")
	os.Mkdir(sudoDir, 0o755)
	// like sudo: runs the command as a child and relays INT and TERM to it
	script := "#!/bin/sh\n[ \"$1\" = -- ] && shift\n\"$@\" &\npid=$!\n" +
		"trap 'kill -INT $pid' INT\ntrap 'kill -TERM $pid' TERM\n" +
		"while kill -0 $pid 2>/dev/null; do wait $pid; done\n"
	os.WriteFile(filepath.Join(sudoDir, "sudo"), []byte(script), 0o755)
	env := []string{"PATH=" + sudoDir + ":/usr/bin:/bin"}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	t2 := tooltest.StartBinT2(t, nobody)
	for _, tt := range []struct {
		args []string
		sig  syscall.Signal
	}{
		{[]string{"0.2"}, syscall.SIGINT},
		{[]string{"0.2"}, syscall.SIGTERM},
		{[]string{"-s", "0.2"}, syscall.SIGTERM},
		{[]string{"-s", "0.2"}, syscall.SIGINT},
	} {
		before := t2.Count("USR1MR_A")
		cmd := exec.Command(filepath.Join(tooltest.Bin(t), "t2stat"), tt.args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: nobody}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !t2.WaitCount("USR1MR_A", before+2, 5*time.Second) {
			t.Fatalf("t2stat %v: no reports", tt.args)
		}
		cmd.Process.Signal(tt.sig)
		if !waitExit(cmd, time.Second) {
			cmd.Process.Kill()
			t.Errorf("t2stat %v still runs 1 s after %v", tt.args, tt.sig)
		}
		deadline := time.Now().Add(time.Second)
		for len(t2stats()) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if left := t2stats(); len(left) > 0 {
			t.Errorf("t2stat %v: %v left running 1 s after %v to the parent", tt.args, left, tt.sig)
			for _, p := range left {
				n, _ := strconv.Atoi(p)
				syscall.Kill(n, syscall.SIGKILL)
			}
		}
	}
}

func TestNormalizeArgs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-s -USR2", "-s --signal=USR2"},
		{"-SIGINT", "--signal=INT"},
		{"-sigterm -l", "--signal=TERM -l"},
		{"30", "--interval=30"},
		{"0.5 -s", "--interval=0.5 -s"},
		{"-?", "--help"},
		{"--pid 30 --exe 9x", "--pid 30 --exe 9x"},
		{"-FOO -x -sl", "-FOO -x -sl"},
		{"-- 30", "-- 30"},
	}
	for _, tt := range tests {
		if got := strings.Join(NormalizeArgs(strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("NormalizeArgs(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
