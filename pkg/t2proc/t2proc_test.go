package t2proc

import (
	"os"
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

func TestIsT2Name(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"t2", true}, {"tranalyzer", true},
		{"t2stat", false}, {"t2decoy", false}, {"mytranalyzer", false}, {"tranalyzer2", false},
		{"T2", false}, {"t", false}, {"", false}, {"xt2", false},
	}
	for _, tt := range tests {
		if got := IsT2Name(tt.name); got != tt.want {
			t.Errorf("IsT2Name(%q) = %v", tt.name, got)
		}
	}
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

// Only processes named exactly t2 or tranalyzer are found; decoys whose
// names contain those words are not.
func TestFindExactNames(t *testing.T) {
	dir := tooltest.OpenDir(t)
	want := map[int]string{}
	only := map[int]bool{}
	for _, name := range []string{"t2", "tranalyzer", "t2decoy", "mytranalyzer", "tranalyzer2", "t2stat"} {
		p := tooltest.StartT2(t, dir, name, nil)
		only[p.PID] = true
		if name == "t2" || name == "tranalyzer" {
			want[p.PID] = name
		}
	}
	procs, err := Finder{Only: only}.Find()
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != len(want) {
		t.Fatalf("found %v, want %v", procs, want)
	}
	for _, p := range procs {
		if want[p.PID] != p.Name || p.UID != os.Geteuid() || p.PPID != os.Getpid() {
			t.Errorf("unexpected %+v", p)
		}
		if cl := CommandLine(p.PID); !strings.HasSuffix(cl, "/"+p.Name) {
			t.Errorf("command line %q", cl)
		}
		if d, err := Elapsed(p.PID); err != nil || d < 0 || d > time.Minute {
			t.Errorf("elapsed %v %v", d, err)
		}
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
		f := Finder{Only: only, AllUsers: tt.allUsers, euid: func() int { return tt.euid }}
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
	procs, err := Finder{Only: map[int]bool{p.PID: true}}.Find()
	if err != nil || len(procs) != 0 {
		t.Errorf("found %v %v", procs, err)
	}
}
