package t2proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/tooltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tooltest.Cleanup()
	os.Exit(code)
}

func TestFormatElapsed(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00"}, {2 * time.Second, "00:02"}, {61 * time.Second, "01:01"},
		{3*time.Hour + 4*time.Minute + 5*time.Second, "03:04:05"},
		{26*time.Hour + 3*time.Minute + 4*time.Second, "1-02:03:04"},
	}
	for _, tt := range tests {
		if got := FormatElapsed(tt.d); got != tt.want {
			t.Errorf("FormatElapsed(%v) = %s, want %s", tt.d, got, tt.want)
		}
	}
}

// startDecoy starts a process whose kernel name (comm) becomes "t2"
// without running the analyzer, and waits until the name shows.
func startDecoy(t *testing.T, name string, args ...string) int {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	comm := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm"
	for i := 0; i < 500; i++ {
		if b, _ := os.ReadFile(comm); string(b) == "t2\n" {
			return cmd.Process.Pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("decoy %s %v never took the name t2", name, args)
	return 0
}

// A process is t2 by its executable, not by its name: a shell script
// named t2, a copied sleep named t2, a process that wrote "t2" into
// /proc/self/comm and another copy of the t2 binary are not instances;
// the named binary is, also after it was replaced on disk.
func TestFindByExecutable(t *testing.T) {
	dir := tooltest.OpenDir(t)
	real := tooltest.StartT2(t, dir, "t2", nil)
	exes := []Exe{{Path: filepath.Join(dir, "t2"), Why: "the test's t2"}}

	other := filepath.Join(dir, "elsewhere")
	os.Mkdir(other, 0o755)
	copied := tooltest.StartT2(t, other, "t2", nil) // same bytes, other file
	script := filepath.Join(other, "script")
	os.Mkdir(script, 0o755)
	os.WriteFile(filepath.Join(script, "t2"), []byte("#!/bin/sh\nwhile :; do sleep 1; done\n"), 0o755)
	sleepBin, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	data, _ := os.ReadFile(sleepBin)
	sleepDir := filepath.Join(other, "sleep")
	os.Mkdir(sleepDir, 0o755)
	os.WriteFile(filepath.Join(sleepDir, "t2"), data, 0o755)
	decoys := []int{
		copied.PID,
		startDecoy(t, filepath.Join(script, "t2")),
		startDecoy(t, filepath.Join(sleepDir, "t2"), "60"),
		startDecoy(t, "bash", "-c", "printf t2 > /proc/$$/comm; while :; do sleep 1; done"),
	}

	only := map[int]bool{real.PID: true}
	for _, d := range decoys {
		only[d] = true
	}
	procs, err := Finder{Only: only, Exes: exes}.Find()
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].PID != real.PID {
		t.Fatalf("found %+v, want only PID %d (decoys %v)", procs, real.PID, decoys)
	}
	p := procs[0]
	if p.Exe != filepath.Join(dir, "t2") || !strings.Contains(p.Matched, "the test's t2") || p.UID != os.Geteuid() || p.PPID != os.Getpid() {
		t.Errorf("unexpected %+v", p)
	}
	if cl := CommandLine(p.PID); cl != filepath.Join(dir, "t2") {
		t.Errorf("command line %q", cl)
	}
	if d, err := Elapsed(p.PID); err != nil || d < 0 || d > time.Minute {
		t.Errorf("elapsed %v %v", d, err)
	}
	// the comm name alone, as the old finder matched, would have found
	// every decoy
	for _, d := range decoys {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(d) + "/comm"); string(b) != "t2\n" {
			t.Errorf("decoy %d is named %q, not t2", d, b)
		}
	}

	// reinstalling t2 while it runs: the running process still counts
	os.Remove(filepath.Join(dir, "t2"))
	b, _ := os.ReadFile(filepath.Join(tooltest.Bin(t), "faket2"))
	os.WriteFile(filepath.Join(dir, "t2"), b, 0o755)
	procs, _ = Finder{Only: only, Exes: exes}.Find()
	if len(procs) != 1 || !strings.Contains(procs[0].Matched, "replaced since it started") {
		t.Errorf("after reinstall: %+v", procs)
	}
}

// DefaultExes finds the t2 next to the running program and in PATH.
func TestDefaultExes(t *testing.T) {
	dir := tooltest.OpenDir(t)
	os.WriteFile(filepath.Join(dir, "t2"), []byte("#!/bin/sh\n"), 0o755)
	t.Setenv("PATH", dir)
	exes := DefaultExes()
	found := false
	for _, e := range exes {
		if e.Path == filepath.Join(dir, "t2") && e.Why == "the t2 in PATH" {
			found = true
		}
	}
	if !found {
		t.Errorf("DefaultExes with PATH=%s: %+v", dir, exes)
	}
	if got := Unique([]Exe{{Path: filepath.Join(dir, "t2")}, {Path: dir + "/./t2"}}); len(got) != 1 {
		t.Errorf("Unique: %+v", got)
	}
}

// Without AllUsers a non-root caller sees only its own processes; root
// sees everybody's.
func TestFindOwnProcessesOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	dir := tooltest.OpenDir(t)
	mine := tooltest.StartT2(t, dir, "t2", nil)
	other := tooltest.StartT2(t, dir, "t2", &syscall.Credential{Uid: 65534, Gid: 65534})
	exes := []Exe{{Path: filepath.Join(dir, "t2")}}
	only := map[int]bool{mine.PID: true, other.PID: true}
	tests := []struct {
		euid     int
		allUsers bool
		want     []int
	}{
		{0, false, []int{mine.PID, other.PID}},
		{65534, false, []int{other.PID}},
		{1000, false, nil},
		{1000, true, []int{mine.PID, other.PID}},
	}
	for _, tt := range tests {
		f := Finder{Only: only, Exes: exes, AllUsers: tt.allUsers, euid: func() int { return tt.euid }}
		procs, err := f.Find()
		if err != nil {
			t.Fatal(err)
		}
		got := PIDs(procs)
		if len(got) != len(tt.want) {
			t.Errorf("euid %d all=%v: got %v want %v", tt.euid, tt.allUsers, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] && !(len(got) == 2 && got[0] == tt.want[1] && got[1] == tt.want[0]) {
				t.Errorf("euid %d: got %v want %v", tt.euid, got, tt.want)
			}
		}
	}
}

func TestExitedProcessNotFound(t *testing.T) {
	dir := tooltest.OpenDir(t)
	p := tooltest.StartT2(t, dir, "t2", nil)
	syscall.Kill(p.PID, syscall.SIGTERM)
	p.WaitExit(5 * time.Second)
	procs, err := Finder{Only: map[int]bool{p.PID: true}, Exes: []Exe{{Path: p.Path}}}.Find()
	if err != nil || len(procs) != 0 {
		t.Errorf("found %v %v", procs, err)
	}
}
