// Package t2proc finds running t2 analyzer processes. It is shared by
// t2stat (which signals them) and t2build/t2conf (which warn that running
// instances keep their settings).
//
// A process is a t2 instance when its executable (/proc/PID/exe) is one
// of the analyzer binaries in Finder.Exes: by default the t2 installed
// next to the running tool and the t2 found in PATH. The kernel's process
// name (comm) is never trusted: a script, a copied program or a process
// that wrote "t2" into /proc/self/comm carries the name but not the
// executable.
package t2proc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	ps "github.com/mitchellh/go-ps"
)

// Exe is an analyzer executable that makes a process a t2 instance.
type Exe struct {
	Path string
	// Why says where the path came from, for t2stat -l ("t2 next to
	// t2stat", "t2 in PATH", "given with --exe").
	Why string
}

// Proc is one running t2 instance.
type Proc struct {
	PID  int
	PPID int
	Name string // the kernel's process name (comm), for display only
	UID  int    // owner (effective user) of the process
	// Exe is the process's executable and Matched why it counts as t2.
	Exe     string
	Matched string
}

// Finder lists t2 processes.
type Finder struct {
	// AllUsers includes processes of every user; otherwise only those of
	// the caller's effective user (root always sees everybody's).
	AllUsers bool
	// Only, when not nil, restricts the result to these PIDs (tests use it
	// so they signal nothing but their own children).
	Only map[int]bool
	// Exes are the analyzer executables; nil = DefaultExes().
	Exes []Exe
	// euid returns the caller's effective user id; nil = os.Geteuid.
	euid func() int
}

// DefaultExes returns the analyzer executables a tool looks for: the t2
// in the tool's own directory (how make install and go install place
// them) and the t2 that PATH finds, each once.
func DefaultExes() []Exe {
	var out []Exe
	if self, err := os.Executable(); err == nil {
		if self, err = filepath.EvalSymlinks(self); err == nil {
			p := filepath.Join(filepath.Dir(self), "t2")
			if isFile(p) {
				out = append(out, Exe{Path: p, Why: "the t2 next to " + filepath.Base(self)})
			}
		}
	}
	if p, err := exec.LookPath("t2"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			out = append(out, Exe{Path: abs, Why: "the t2 in PATH"})
		}
	}
	return Unique(out)
}

// Unique drops later entries that name the same file as an earlier one.
func Unique(exes []Exe) []Exe {
	var out []Exe
	for _, e := range exes {
		dup := false
		for _, o := range out {
			if sameFile(e.Path, o.Path) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// match tells whether pid runs one of exes, and why. A binary replaced
// since the process started (go install, make install) shows as
// "PATH (deleted)": it still counts when the path is the same.
func match(pid int, exes []Exe, infos []os.FileInfo) (exe, why string, ok bool) {
	link := "/proc/" + strconv.Itoa(pid) + "/exe"
	target, err := os.Readlink(link)
	if err != nil {
		return "", "", false // kernel thread, gone, or not ours to inspect
	}
	st, err := os.Stat(link)
	for i, e := range exes {
		if err == nil && infos[i] != nil && os.SameFile(st, infos[i]) {
			return target, "executable is " + e.Why + " (" + e.Path + ")", true
		}
		if old, deleted := strings.CutSuffix(target, " (deleted)"); deleted && old == filepath.Clean(e.Path) {
			return target, "executable was " + e.Why + " (" + e.Path + "), replaced since it started", true
		}
	}
	return target, "", false
}

// Find returns the running t2 processes, by PID. The process running Find
// is never included.
func (f Finder) Find() ([]Proc, error) {
	procs, err := ps.Processes()
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	me, euid := os.Getpid(), os.Geteuid()
	if f.euid != nil {
		euid = f.euid()
	}
	exes := f.Exes
	if exes == nil {
		exes = DefaultExes()
	}
	infos := make([]os.FileInfo, len(exes))
	for i, e := range exes {
		infos[i], _ = os.Stat(e.Path)
	}
	var out []Proc
	for _, p := range procs {
		if p.Pid() == me {
			continue
		}
		if f.Only != nil && !f.Only[p.Pid()] {
			continue
		}
		uid, err := owner(p.Pid())
		if err != nil {
			continue // gone meanwhile
		}
		if !f.AllUsers && euid != 0 && uid != euid {
			continue
		}
		if state(p.Pid()) == 'Z' {
			continue // a zombie cannot take signals any more
		}
		exe, why, ok := match(p.Pid(), exes, infos)
		if !ok {
			continue
		}
		out = append(out, Proc{PID: p.Pid(), PPID: p.PPid(), Name: p.Executable(), UID: uid, Exe: exe, Matched: why})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

func owner(pid int) (int, error) {
	st, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return 0, err
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), nil
	}
	return 0, fmt.Errorf("no owner")
}

// statFields returns the fields of /proc/PID/stat after the command name.
func statFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

func state(pid int) byte {
	f := statFields(pid)
	if len(f) == 0 || f[0] == "" {
		return 0
	}
	return f[0][0]
}

// CommandLine returns the full command line of pid, arguments separated by
// spaces (like ps's "command" column).
func CommandLine(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return ""
	}
	data = bytes.TrimRight(data, "\x00")
	return string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))
}

// clockTicks is USER_HZ, 100 on every Linux platform Go supports.
const clockTicks = 100

// Elapsed returns how long pid has been running.
func Elapsed(pid int) (time.Duration, error) {
	f := statFields(pid)
	// after the name: state is field 3 of the file, starttime is field 22
	if len(f) < 20 {
		return 0, fmt.Errorf("process %d: no start time", pid)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, err
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, err
	}
	fs := strings.Fields(string(up))
	if len(fs) == 0 {
		return 0, fmt.Errorf("bad /proc/uptime")
	}
	uptime, err := strconv.ParseFloat(fs[0], 64)
	if err != nil {
		return 0, err
	}
	secs := uptime - float64(start)/clockTicks
	if secs < 0 {
		secs = 0
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// FormatElapsed formats d like ps's etime: [[DD-]hh:]mm:ss.
func FormatElapsed(d time.Duration) string {
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d-%02d:%02d:%02d", days, h, m, s)
	case h > 0:
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// PIDs returns the PIDs of procs.
func PIDs(procs []Proc) []int {
	out := make([]int, len(procs))
	for i, p := range procs {
		out[i] = p.PID
	}
	return out
}

// RunningNotice is what the tools say when they change settings while t2
// instances run.
func RunningNotice(procs []Proc) string {
	ids := make([]string, len(procs))
	for i, p := range procs {
		ids[i] = strconv.Itoa(p.PID)
	}
	return fmt.Sprintf("t2 is running (PID %s): running instances keep their current settings until they are restarted or sent SIGHUP (t2stat -HUP).",
		strings.Join(ids, " "))
}
