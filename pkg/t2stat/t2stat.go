// Package t2stat implements the t2stat command: find running t2 instances
// and send them signals (USR1 for a report by default).
package t2stat

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2proc"
)

const usage = `Usage:
    t2stat [OPTION...]

Optional arguments:
    INTERVAL     Send a signal to Tranalyzer every INTERVAL seconds
    -SIGNAME     Send SIGNAME signal instead of USR1
                 (USR1, USR2, INT, TERM, HUP, STOP, CONT, ALRM, QUIT, KILL;
                 with or without SIG, in any case)
    -s           Run the command as root (with sudo)
    -p           Print Tranalyzer PID(s) and exit
    -l           List Tranalyzer PID(s), commands, running time and exit
                 (a fourth column says why each process counts as t2)
    -i           Interactively cycle through all Tranalyzer processes
    --pid PID    Only act on the instance with this PID
    --exe PATH   Also count processes running the t2 executable PATH
                 (default: the t2 next to t2stat and the t2 in PATH)
    --json       With -l: print the list as JSON

Help and documentation arguments:
    -h           Show help options and exit
    --version    Show the version and commit of t2go and exit
`

// NoInstance is printed when no t2 runs.
const NoInstance = "No running instance of Tranalyzer found"

var signals = map[string]syscall.Signal{
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "INT": syscall.SIGINT,
	"TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "STOP": syscall.SIGSTOP,
	"CONT": syscall.SIGCONT, "ALRM": syscall.SIGALRM, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL,
}

// ParseSignal accepts T2's spellings: USR1, SIGUSR1, usr1, ... (without the
// leading "-"). It returns the canonical short name.
func ParseSignal(s string) (syscall.Signal, string, bool) {
	u := strings.ToUpper(s)
	u = strings.TrimPrefix(u, "SIG")
	sig, ok := signals[u]
	return sig, u, ok
}

// Options are the settings of one t2stat run, filled from the command
// line by NewCmd; Run acts on them. The hooks' zero values mean the real
// system; tests replace them.
type Options struct {
	IO *iostreams.IO

	Sudo, Print, List, Interactive, JSON bool
	// Interval > 0 repeats the signal every Interval until INT/TERM.
	Interval time.Duration
	// Signal is sent (SignalName is its short name, e.g. "USR1").
	Signal     syscall.Signal
	SignalName string
	// PID restricts the run to that instance (0 = all).
	PID int
	// Exes are analyzer executables named with --exe, in addition to
	// t2proc.DefaultExes.
	Exes []string

	Finder t2proc.Finder
	// Kill sends a signal; nil = syscall.Kill.
	Kill func(pid int, sig syscall.Signal) error
	// Euid is the effective user id; nil = os.Geteuid.
	Euid func() int
	// Self is the path of the t2stat binary for "sudo SELF ..."; "" = os.Executable.
	Self string
	// Stop ends INTERVAL mode; nil = SIGINT or SIGTERM to this process.
	Stop <-chan os.Signal
}

// NormalizeArgs rewrites T2's argument forms that are not flags for a
// flag parser into long options, before cobra parses them: -SIGNAME (any
// case, with or without SIG) becomes --signal=NAME, an INTERVAL (an
// argument starting with a digit) --interval=INTERVAL, and -? --help.
// Everything else is passed on, so cobra reports it.
func NormalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "--pid" || a == "--exe" || a == "--signal" || a == "--interval") && i+1 < len(args):
			out = append(out, a, args[i+1]) // the value is not an option
			i++
		case a == "--":
			return append(out, args[i:]...)
		case a == "-?":
			out = append(out, "--help")
		case a != "" && a[0] >= '0' && a[0] <= '9':
			out = append(out, "--interval="+a)
		case len(a) > 2 && a[0] == '-' && a[1] != '-':
			if _, name, ok := ParseSignal(a[1:]); ok {
				out = append(out, "--signal="+name)
				continue
			}
			out = append(out, a)
		default:
			out = append(out, a)
		}
	}
	return out
}

// NewCmd returns the t2stat command. runF, when not nil, is called with
// the parsed options instead of Run (tests use it to inject hooks).
func NewCmd(ios *iostreams.IO, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: ios, Signal: syscall.SIGUSR1, SignalName: "USR1"}
	var sigName, interval, pid string
	cmd := &cobra.Command{
		Use:   "t2stat [OPTION...] [INTERVAL]",
		Short: "find running t2 instances and send them signals",
		Long: `t2stat finds the running t2 analyzers and sends them a signal: USR1 (a
report) by default, any other with -SIGNAME (-USR2 toggles periodic
reports, -INT stops flow creation and then ends t2, -HUP reloads the
monitoring settings). With INTERVAL it repeats every INTERVAL seconds
until interrupted. A process counts as t2 when its executable is the t2
next to t2stat, the t2 in PATH, or one named with --exe; -l says which.`,
		Example: "  t2stat\n  t2stat 30\n  t2stat -s -USR2\n  t2stat -s -SIGINT\n  t2stat -l",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cliutil.UnknownOption(ios.Out, ios.ErrOut, "t2stat", args[0])
			}
			return nil
		},
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(cmd, sigName, interval, pid); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(o)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.BoolVarP(&o.Sudo, "sudo", "s", false, "run as root (through sudo) to reach a t2 started with sudo")
	fs.BoolVarP(&o.Print, "print", "p", false, "print the PIDs of the t2 instances and exit")
	fs.BoolVarP(&o.List, "list", "l", false, "list PID, command line, running time and why it is t2, then exit")
	fs.BoolVarP(&o.Interactive, "interactive", "i", false, "ask before signalling each instance")
	fs.StringVar(&sigName, "signal", "", "the signal to send: USR1, USR2, INT, TERM, HUP, ... (T2's -SIGNAME)")
	fs.StringVar(&interval, "interval", "", "send the signal every `SECONDS` until interrupted (T2's INTERVAL)")
	fs.StringVar(&pid, "pid", "", "only act on the instance with this `PID`")
	fs.StringArrayVar(&o.Exes, "exe", nil, "also count processes running this t2 executable `PATH` (repeatable)")
	fs.BoolVar(&o.JSON, "json", false, "with -l: print the list as JSON")
	cmd.RegisterFlagCompletionFunc("signal", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		names := make([]string, 0, len(signals))
		for n := range signals {
			names = append(names, n)
		}
		sort.Strings(names)
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	cliutil.Setup(cmd, ios, usage)
	return cmd
}

// check completes the options from the flags that need a T2 message.
func (o *Options) check(cmd *cobra.Command, sigName, interval, pid string) error {
	out, errOut := o.IO.Out, o.IO.ErrOut
	hint := func(format string, args ...any) error {
		fmt.Fprintf(errOut, format+"\n", args...)
		fmt.Fprintln(out, "Try 't2stat --help' for more information.")
		return cliutil.Exit(1)
	}
	if sigName != "" {
		sig, name, ok := ParseSignal(strings.TrimPrefix(sigName, "-"))
		if !ok {
			return hint("Unknown signal '%s'", sigName)
		}
		o.Signal, o.SignalName = sig, name
	}
	if interval != "" {
		f, err := strconv.ParseFloat(interval, 64)
		if err != nil || f <= 0 || f > 1e6 {
			return hint("Invalid INTERVAL '%s': expected a number of seconds greater than 0", interval)
		}
		o.Interval = time.Duration(f * float64(time.Second))
	}
	if cmd.Flags().Changed("pid") {
		n, err := strconv.Atoi(pid)
		if err != nil || n <= 0 {
			return hint("Invalid argument for option '--pid': expected a process ID, found '%s'", pid)
		}
		o.PID = n
	}
	if o.JSON {
		o.List = true
	}
	for i, e := range o.Exes {
		abs, err := filepath.Abs(e)
		if err != nil {
			return hint("Invalid argument for option '--exe': %v", err)
		}
		if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
			return hint("Invalid argument for option '--exe': '%s' is not an executable file", e)
		}
		o.Exes[i] = abs
	}
	if o.Finder.Exes == nil {
		exes := t2proc.DefaultExes()
		for _, e := range o.Exes {
			exes = append(exes, t2proc.Exe{Path: e, Why: "the executable given with --exe"})
		}
		o.Finder.Exes = t2proc.Unique(exes)
	}
	if o.Interval > 0 && o.Interactive {
		fmt.Fprintln(errOut, "Cannot use INTERVAL and -i/--interactive option simultaneously")
		return cliutil.Exit(1)
	}
	return nil
}

// sudoArgs are the arguments for the root t2stat: the same run without
// -s, in T2's spelling, plus the executables this run matches that the
// root t2stat would not find itself (sudo resets PATH).
func (o *Options) sudoArgs(self string) []string {
	var a []string
	if o.SignalName != "USR1" {
		a = append(a, "-"+o.SignalName)
	}
	if o.Interval > 0 {
		a = append(a, strconv.FormatFloat(o.Interval.Seconds(), 'f', -1, 64))
	}
	for _, f := range []struct {
		on   bool
		flag string
	}{{o.Print, "-p"}, {o.JSON, "--json"}, {o.List && !o.JSON, "-l"}, {o.Interactive, "-i"}} {
		if f.on {
			a = append(a, f.flag)
		}
	}
	if o.PID > 0 {
		a = append(a, "--pid", strconv.Itoa(o.PID))
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	sibling := filepath.Join(filepath.Dir(self), "t2")
	for _, e := range o.Finder.Exes {
		if e.Path != sibling {
			a = append(a, "--exe", e.Path)
		}
	}
	return a
}

// Run executes t2stat.
func Run(o *Options) error {
	c := &runner{o}
	euid := os.Geteuid
	if o.Euid != nil {
		euid = o.Euid
	}
	if o.Sudo && euid() != 0 {
		return c.sudo()
	}
	procs, err := c.find()
	if err != nil {
		return err
	}
	if len(procs) == 0 && o.Interval == 0 {
		fmt.Fprintln(o.IO.Out, NoInstance)
		return nil
	}
	switch {
	case o.Print:
		fmt.Fprintln(o.IO.Out, joinPIDs(procs))
		return nil
	case o.List:
		return c.printList(procs, o.JSON)
	case o.Interactive:
		return c.interactive(procs)
	case o.Interval > 0:
		return c.repeat()
	}
	return c.send(procs)
}

type runner struct{ *Options }

func (c *runner) find() ([]t2proc.Proc, error) {
	procs, err := c.Finder.Find()
	if err != nil {
		return nil, err
	}
	if c.PID == 0 {
		return procs, nil
	}
	for _, p := range procs {
		if p.PID == c.PID {
			return []t2proc.Proc{p}, nil
		}
	}
	return nil, fmt.Errorf("no running instance of Tranalyzer with PID %d", c.PID)
}

func joinPIDs(procs []t2proc.Proc) string {
	ids := make([]string, len(procs))
	for i, p := range procs {
		ids[i] = strconv.Itoa(p.PID)
	}
	return strings.Join(ids, " ")
}

func (c *runner) kill(pid int, sig syscall.Signal) error {
	if c.Kill != nil {
		return c.Kill(pid, sig)
	}
	return syscall.Kill(pid, sig)
}

// send signals every instance; a failure is reported per PID.
func (c *runner) send(procs []t2proc.Proc) error {
	failed := 0
	for _, p := range procs {
		if err := c.kill(p.PID, c.Signal); err != nil {
			failed++
			hint := ""
			if err == syscall.EPERM {
				hint = " (try 't2stat -s')"
			}
			fmt.Fprintf(c.IO.ErrOut, "t2stat: cannot send SIG%s to PID %d: %v%s\n", c.SignalName, p.PID, err, hint)
		}
	}
	if failed > 0 {
		return cliutil.Exit(1)
	}
	return nil
}

type listEntry struct {
	PID            int     `json:"pid"`
	Command        string  `json:"command"`
	Elapsed        string  `json:"elapsed"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	UID            int     `json:"uid"`
	Exe            string  `json:"exe"`
	Matched        string  `json:"matched"`
}

func entry(p t2proc.Proc) listEntry {
	d, _ := t2proc.Elapsed(p.PID)
	cmd := t2proc.CommandLine(p.PID)
	if cmd == "" {
		cmd = p.Name
	}
	return listEntry{PID: p.PID, Command: cmd, Elapsed: t2proc.FormatElapsed(d), ElapsedSeconds: d.Seconds(),
		UID: p.UID, Exe: p.Exe, Matched: p.Matched}
}

// printList prints T2's three columns (PID, command line, elapsed) and a
// fourth that says why the process counts as t2.
func (c *runner) printList(procs []t2proc.Proc, asJSON bool) error {
	entries := make([]listEntry, len(procs))
	for i, p := range procs {
		entries[i] = entry(p)
	}
	if asJSON {
		enc := json.NewEncoder(c.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	for _, e := range entries {
		fmt.Fprintf(c.IO.Out, "%d\t%s\t%s\t%s\n", e.PID, e.Command, e.Elapsed, e.Matched)
	}
	return nil
}

func (c *runner) interactive(procs []t2proc.Proc) error {
	for _, p := range procs {
		e := entry(p)
		fmt.Fprintf(c.IO.Out, "%d\t%s\t%s\n", e.PID, e.Command, e.Elapsed)
		prompt := c.IO.Colour(iostreams.Blue, fmt.Sprintf("Send -%s signal to %d (y/N)? ", c.SignalName, p.PID))
		if c.IO.Confirm(prompt, false) {
			if err := c.send([]t2proc.Proc{p}); err != nil {
				return err
			}
		}
	}
	return nil
}

// repeat signals every instance now and then every interval until stopped;
// it looks for instances again each time, so restarted ones are found.
func (c *runner) repeat() error {
	stop := c.Stop
	if stop == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		stop = ch
	}
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	fmt.Fprintf(c.IO.Out, "Sending -%s every %s (press Ctrl-C to stop)\n", c.SignalName, c.Interval)
	for {
		procs, err := c.find()
		if err != nil {
			return err
		}
		now := time.Now().Format("15:04:05")
		if len(procs) == 0 {
			fmt.Fprintf(c.IO.Out, "%s  %s\n", now, NoInstance)
		} else {
			fmt.Fprintf(c.IO.Out, "%s  -%s -> %s\n", now, c.SignalName, joinPIDs(procs))
			c.send(procs) // failures are printed; keep going like watch does
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// sudo runs this program again as root through sudo, without a shell:
// sudo -- SELF ARGS... INT and TERM sent to this process are passed on
// to sudo (which relays them), so the root t2stat ends too, e.g. an
// INTERVAL run stopped by kill.
func (c *runner) sudo() error {
	self := c.Self
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			return fmt.Errorf("cannot find the t2stat executable for sudo: %w", err)
		}
	}
	sudo, err := exec.LookPath("sudo")
	if err != nil {
		return fmt.Errorf("-s needs sudo, which was not found in PATH")
	}
	cmd := exec.Command(sudo, append([]string{"--", self}, c.sudoArgs(self)...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.IO.In, c.IO.Out, c.IO.ErrOut
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running sudo: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			cmd.Process.Signal(s)
			continue
		case err = <-done:
		}
		break
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			if code := ee.ExitCode(); code > 0 {
				return cliutil.Exit(code)
			}
			return cliutil.Exit(1)
		}
		return fmt.Errorf("running sudo: %w", err)
	}
	return nil
}
