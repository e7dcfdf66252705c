// Package t2stat implements the t2stat command: find running t2 instances
// and send them signals (USR1 for a report by default).
package t2stat

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

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
    -i           Interactively cycle through all Tranalyzer processes
    --pid PID    Only act on the instance with this PID
    --json       With -l: print the list as JSON

Help and documentation arguments:
    -h           Show help options and exit
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

// Command is one t2stat run. The zero value of every hook means the real
// system; tests replace them.
type Command struct {
	IO     *iostreams.IO
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

type options struct {
	sudo, print, list, interactive, json bool
	interval                             time.Duration
	sigName                              string
	sig                                  syscall.Signal
	pid                                  int
	rest                                 []string // args for the sudo re-exec (all but -s)
}

func (c *Command) parse(args []string) (*options, error) {
	o := &options{sigName: "USR1", sig: syscall.SIGUSR1}
	out, errOut := c.IO.Out, c.IO.ErrOut
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-s" || a == "--sudo":
			o.sudo = true
			continue
		case a == "-p" || a == "--print":
			o.print = true
		case a == "-l" || a == "--list":
			o.list = true
		case a == "-i" || a == "--interactive":
			o.interactive = true
		case a == "--json":
			o.json, o.list = true, true
		case a == "-h" || a == "-?" || a == "--help":
			fmt.Fprint(out, usage)
			return nil, cliutil.Exit(0)
		case a == "--pid" || strings.HasPrefix(a, "--pid="):
			v, hasV := strings.CutPrefix(a, "--pid=")
			if !hasV {
				if i+1 >= len(args) {
					fmt.Fprintln(errOut, "Option '--pid' requires an argument")
					fmt.Fprintln(out, "Try 't2stat --help' for more information.")
					return nil, cliutil.Exit(1)
				}
				i++
				v = args[i]
				o.rest = append(o.rest, a)
				a = v
			}
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				fmt.Fprintf(errOut, "Invalid argument for option '--pid': expected a process ID, found '%s'\n", v)
				fmt.Fprintln(out, "Try 't2stat --help' for more information.")
				return nil, cliutil.Exit(1)
			}
			o.pid = n
		case a != "" && a[0] >= '0' && a[0] <= '9':
			f, err := strconv.ParseFloat(a, 64)
			if err != nil || f <= 0 || f > 1e6 {
				fmt.Fprintf(errOut, "Invalid INTERVAL '%s': expected a number of seconds greater than 0\n", a)
				fmt.Fprintln(out, "Try 't2stat --help' for more information.")
				return nil, cliutil.Exit(1)
			}
			o.interval = time.Duration(f * float64(time.Second))
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			sig, name, ok := ParseSignal(a[1:])
			if !ok {
				return nil, cliutil.UnknownOption(out, errOut, "t2stat", a)
			}
			o.sig, o.sigName = sig, name
		default:
			return nil, cliutil.UnknownOption(out, errOut, "t2stat", a)
		}
		o.rest = append(o.rest, a)
	}
	if o.interval > 0 && o.interactive {
		fmt.Fprintln(errOut, "Cannot use INTERVAL and -i/--interactive option simultaneously")
		return nil, cliutil.Exit(1)
	}
	return o, nil
}

// Run executes t2stat with the arguments after the program name.
func (c *Command) Run(args []string) error {
	o, err := c.parse(args)
	if err != nil {
		return err
	}
	euid := os.Geteuid
	if c.Euid != nil {
		euid = c.Euid
	}
	if o.sudo && euid() != 0 {
		return c.sudo(o.rest)
	}
	procs, err := c.find(o)
	if err != nil {
		return err
	}
	if len(procs) == 0 && o.interval == 0 {
		fmt.Fprintln(c.IO.Out, NoInstance)
		return nil
	}
	switch {
	case o.print:
		fmt.Fprintln(c.IO.Out, joinPIDs(procs))
		return nil
	case o.list:
		return c.printList(procs, o.json)
	case o.interactive:
		return c.interactive(procs, o)
	case o.interval > 0:
		return c.repeat(o)
	}
	return c.send(procs, o)
}

func (c *Command) find(o *options) ([]t2proc.Proc, error) {
	procs, err := c.Finder.Find()
	if err != nil {
		return nil, err
	}
	if o.pid == 0 {
		return procs, nil
	}
	for _, p := range procs {
		if p.PID == o.pid {
			return []t2proc.Proc{p}, nil
		}
	}
	return nil, fmt.Errorf("no running instance of Tranalyzer with PID %d", o.pid)
}

func joinPIDs(procs []t2proc.Proc) string {
	ids := make([]string, len(procs))
	for i, p := range procs {
		ids[i] = strconv.Itoa(p.PID)
	}
	return strings.Join(ids, " ")
}

func (c *Command) kill(pid int, sig syscall.Signal) error {
	if c.Kill != nil {
		return c.Kill(pid, sig)
	}
	return syscall.Kill(pid, sig)
}

// send signals every instance; a failure is reported per PID.
func (c *Command) send(procs []t2proc.Proc, o *options) error {
	failed := 0
	for _, p := range procs {
		if err := c.kill(p.PID, o.sig); err != nil {
			failed++
			hint := ""
			if err == syscall.EPERM {
				hint = " (try 't2stat -s')"
			}
			fmt.Fprintf(c.IO.ErrOut, "t2stat: cannot send SIG%s to PID %d: %v%s\n", o.sigName, p.PID, err, hint)
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
}

func entry(p t2proc.Proc) listEntry {
	d, _ := t2proc.Elapsed(p.PID)
	cmd := t2proc.CommandLine(p.PID)
	if cmd == "" {
		cmd = p.Name
	}
	return listEntry{PID: p.PID, Command: cmd, Elapsed: t2proc.FormatElapsed(d), ElapsedSeconds: d.Seconds(), UID: p.UID}
}

func (c *Command) printList(procs []t2proc.Proc, asJSON bool) error {
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
		fmt.Fprintf(c.IO.Out, "%d\t%s\t%s\n", e.PID, e.Command, e.Elapsed)
	}
	return nil
}

func (c *Command) interactive(procs []t2proc.Proc, o *options) error {
	for _, p := range procs {
		e := entry(p)
		fmt.Fprintf(c.IO.Out, "%d\t%s\t%s\n", e.PID, e.Command, e.Elapsed)
		prompt := c.IO.Colour(iostreams.Blue, fmt.Sprintf("Send -%s signal to %d (y/N)? ", o.sigName, p.PID))
		if c.IO.Confirm(prompt, false) {
			if err := c.send([]t2proc.Proc{p}, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// repeat signals every instance now and then every interval until stopped;
// it looks for instances again each time, so restarted ones are found.
func (c *Command) repeat(o *options) error {
	stop := c.Stop
	if stop == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		stop = ch
	}
	t := time.NewTicker(o.interval)
	defer t.Stop()
	fmt.Fprintf(c.IO.Out, "Sending -%s every %s (press Ctrl-C to stop)\n", o.sigName, o.interval)
	for {
		procs, err := c.find(o)
		if err != nil {
			return err
		}
		now := time.Now().Format("15:04:05")
		if len(procs) == 0 {
			fmt.Fprintf(c.IO.Out, "%s  %s\n", now, NoInstance)
		} else {
			fmt.Fprintf(c.IO.Out, "%s  -%s -> %s\n", now, o.sigName, joinPIDs(procs))
			c.send(procs, o) // failures are printed; keep going like watch does
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// sudo runs this program again as root through sudo, without a shell:
// sudo -- SELF ARGS... (every argument but -s).
func (c *Command) sudo(args []string) error {
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
	cmd := exec.Command(sudo, append([]string{"--", self}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.IO.In, c.IO.Out, c.IO.ErrOut
	// The terminal's Ctrl-C reaches sudo and the child directly; this
	// process only waits for them.
	signal.Ignore(syscall.SIGINT)
	defer signal.Reset(syscall.SIGINT)
	if err := cmd.Run(); err != nil {
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
