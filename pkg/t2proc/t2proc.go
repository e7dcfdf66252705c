// Package t2proc finds running t2 analyzer processes. It is shared by
// t2stat (which signals them) and t2build/t2conf (which warn that running
// instances keep their settings).
//
// A process is a t2 instance when its executable name is exactly "t2" or
// "tranalyzer" (T2's binary); names that merely contain those words
// (t2stat, t2decoy, mytranalyzer) never match.
package t2proc

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	ps "github.com/mitchellh/go-ps"
)

// Names are the executable names of the analyzer.
var Names = []string{"t2", "tranalyzer"}

// Proc is one running t2 instance.
type Proc struct {
	PID  int
	PPID int
	Name string
	UID  int // owner (effective user) of the process
}

// Finder lists t2 processes.
type Finder struct {
	// AllUsers includes processes of every user; otherwise only those of
	// the caller's effective user (root always sees everybody's).
	AllUsers bool
	// Only, when not nil, restricts the result to these PIDs (tests use it
	// so they signal nothing but their own children).
	Only map[int]bool
	// euid returns the caller's effective user id; nil = os.Geteuid.
	euid func() int
}

// IsT2Name reports whether an executable name is the analyzer's.
func IsT2Name(name string) bool {
	for _, n := range Names {
		if name == n {
			return true
		}
	}
	return false
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
	var out []Proc
	for _, p := range procs {
		if p.Pid() == me || !IsT2Name(p.Executable()) {
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
		out = append(out, Proc{PID: p.Pid(), PPID: p.PPid(), Name: p.Executable(), UID: uid})
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
