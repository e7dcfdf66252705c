// Package t2cmd is the command line of the t2 analyzer: T2's options
// (getopt style, clustered short flags, BPF words after the options),
// checks with T2's error texts, then an analyzer run.
package t2cmd

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/control"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/plugin"
	_ "github.com/t2go/t2go/pkg/plugins/all" // compiled-in plugins
)

type flags struct {
	iface, pcap, list, series string
	w, W                      string
	log, mon, pkts            bool
	snap, buf                 int
	pluginDir, pluginList     string
	pcapd                     string
	hash                      int
	sensor                    string
	cpu                       string
	workers                   int
	prio                      int
	monIntv                   float64
	bpfFile                   string
	promAddr                  string
	version, help             bool
}

// NewCommand builds the t2 command. ctl is the signal subscription,
// started by main before anything is printed.
func NewCommand(io *iostreams.IO, sig *control.Signals) *cobra.Command {
	var f flags
	cmd := &cobra.Command{
		Use:           "t2 [OPTION...] <INPUT> [BPF]",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, io, sig, &f, args)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVarP(&f.iface, "interface", "i", "", "")
	fs.StringVarP(&f.pcap, "pcap", "r", "", "")
	fs.StringVarP(&f.list, "pcap-list", "R", "", "")
	fs.StringVarP(&f.series, "input-regex", "D", "", "")
	fs.StringVarP(&f.w, "output-prefix", "w", "", "")
	fs.StringVarP(&f.W, "output-regex", "W", "", "")
	fs.BoolVarP(&f.log, "logfile", "l", false, "")
	fs.BoolVarP(&f.mon, "monfile", "m", false, "")
	fs.BoolVarP(&f.pkts, "packets", "s", false, "")
	fs.IntVarP(&f.snap, "snaplen", "S", 0, "")
	fs.IntVarP(&f.buf, "rx-bufsize", "B", 0, "")
	fs.StringVarP(&f.pluginDir, "plugin-folder", "p", "", "")
	fs.StringVarP(&f.pluginList, "plugin-list", "b", "", "")
	fs.StringVarP(&f.pcapd, "pcapd", "e", "", "")
	fs.IntVarP(&f.hash, "hash-factor", "f", 1, "")
	fs.StringVarP(&f.sensor, "sensor-id", "x", "", "")
	fs.StringVarP(&f.cpu, "cpu", "c", "", "")
	fs.IntVarP(&f.workers, "workers", "j", 0, "")
	fs.IntVarP(&f.prio, "priority", "P", 0, "")
	fs.Float64VarP(&f.monIntv, "mon-interval", "M", -1, "")
	fs.StringVarP(&f.bpfFile, "bpf-file", "F", "", "")
	fs.StringVar(&f.promAddr, "prom-addr", "", "")
	fs.BoolVarP(&f.version, "version", "V", false, "")
	fs.BoolVarP(&f.help, "help", "h", false, "")
	cmd.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(io.Out, usageText) })
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(io, flagErrorText(err))
	})
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	return cmd
}

// flagErrorText turns pflag's messages into T2's.
func flagErrorText(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		// unknown shorthand flag: 'q' in -q
		if i := strings.Index(msg, "'"); i >= 0 && i+2 < len(msg) {
			return fmt.Sprintf("Unknown option '-%c'", msg[i+1])
		}
	case strings.HasPrefix(msg, "unknown flag: "):
		return fmt.Sprintf("Unknown option '%s'", strings.TrimPrefix(msg, "unknown flag: "))
	case strings.HasPrefix(msg, "flag needs an argument: "):
		// flag needs an argument: 'M' in -M
		if i := strings.Index(msg, "'"); i >= 0 && i+2 < len(msg) {
			return fmt.Sprintf("Option '-%c' requires an argument", msg[i+1])
		}
		return "Option " + strings.TrimPrefix(msg, "flag needs an argument: ") + " requires an argument"
	case strings.HasPrefix(msg, "invalid argument "):
		return invalidArgText(msg)
	}
	return msg
}

// invalidArgText rewrites pflag's 'invalid argument "abc" for "-M,
// --mon-interval" flag: strconv.ParseFloat: ...' without Go internals.
func invalidArgText(msg string) string {
	rest := strings.TrimPrefix(msg, "invalid argument ")
	val, rest, ok := cutQuoted(rest)
	if !ok {
		return msg
	}
	name, _, ok := cutQuoted(strings.TrimPrefix(rest, " for "))
	if !ok {
		return msg
	}
	short, _, _ := strings.Cut(name, ",")
	if len(short) != 2 || short[0] != '-' || !isASCIILetter(short[1]) {
		return msg
	}
	want := "an integer"
	if short == "-M" {
		want = "a number of seconds"
	}
	// A value with control characters must not break the line.
	val = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, val)
	return fmt.Sprintf("Option '%s': invalid value '%s' (expected %s)", short, val, want)
}

// cutQuoted splits `"x" rest` into x and rest.
func cutQuoted(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	v, rest, ok := strings.Cut(s[1:], `"`)
	return v, rest, ok
}

func usageError(io *iostreams.IO, msg string) error {
	fmt.Fprintf(io.ErrOut, "[ERR] %s\n", msg)
	fmt.Fprintln(io.Out, "Try 't2 -h' for more information.")
	return cliutil.Exit(1)
}

func run(cmd *cobra.Command, io *iostreams.IO, sig *control.Signals, f *flags, args []string) error {
	fs := cmd.Flags()
	if f.help {
		fmt.Fprint(io.Out, usageText)
		return nil
	}
	if f.version {
		fmt.Fprintf(io.Out, "Tranalyzer %s (Anteater) [%s] (t2go)\n", control.Version, control.Codename)
		return nil
	}
	if fs.NFlag() == 0 && len(args) == 0 {
		fmt.Fprint(io.Out, usageText)
		return cliutil.Exit(1)
	}
	opt := control.Options{
		SensorID:    -1,
		MonInterval: f.monIntv,
		HashFactor:  f.hash,
		SnapLen:     f.snap,
		BufSize:     f.buf,
		PluginList:  f.pluginList,
		PromAddr:    f.promAddr,
		LogFile:     f.log,
		MonFile:     f.mon,
		PacketMode:  f.pkts,
		Signals:     sig,
		Stdout:      io.Out,
		Stderr:      io.ErrOut,
		StdoutTTY:   io.IsTTY,
		StderrTTY:   isTTY(os.Stderr),
		NoColor:     os.Getenv("NO_COLOR") != "",
		CommandLine: strings.Join(os.Args, " "),
	}
	kinds := 0
	for _, in := range []struct {
		set  bool
		kind int
		val  string
	}{
		{fs.Changed("pcap"), control.InputFile, f.pcap},
		{fs.Changed("pcap-list"), control.InputList, f.list},
		{fs.Changed("input-regex"), control.InputSeries, f.series},
		{fs.Changed("interface"), control.InputLive, f.iface},
	} {
		if in.set {
			kinds++
			opt.InputKind, opt.Input = in.kind, in.val
		}
	}
	switch {
	case kinds == 0:
		return usageError(io, "One of '-r', '-R', '-D' or '-i' option is required")
	case kinds > 1:
		return usageError(io, "'-r', '-R', '-D' and '-i' options can only be used exclusively")
	}
	if opt.InputKind == control.InputSeries {
		if _, err := capture.ParseSeries(opt.Input); err != nil {
			return usageError(io, "Option '-D': Invalid format, expected 'expr[:schr][,stop]'")
		}
	}
	if fs.Changed("snaplen") && f.snap <= 0 {
		return usageError(io, "Option '-S': Snapshot length must be greater than 0")
	}
	if fs.Changed("rx-bufsize") && f.buf <= 0 {
		return usageError(io, "Option '-B': Buffer size must be greater than 0")
	}
	if f.hash <= 0 {
		return usageError(io, "Option '-f': Hash factor must be greater than 0")
	}
	if fs.Changed("mon-interval") && f.monIntv < 0 {
		return usageError(io, "Option '-M': Monitoring interval must be greater than 0.0")
	}
	if fs.Changed("pcapd") {
		return usageError(io, "Option '-e' needs the pcapd plugin, which this t2 does not include")
	}
	if fs.Changed("sensor-id") {
		v, err := strconv.ParseUint(f.sensor, 0, 32)
		if err != nil {
			return usageError(io, fmt.Sprintf("Option '-x': invalid sensor ID '%s' (expected 0..4294967295)", f.sensor))
		}
		opt.SensorID = int64(v)
	}
	switch {
	case fs.Changed("output-prefix") && f.w == "-":
		opt.FlowsStdout = true
	case fs.Changed("output-prefix"):
		opt.Prefix = f.w
	}
	if fs.Changed("output-regex") {
		prefix, split, err := ParseSplit(f.W)
		if err != nil {
			return usageError(io, err.Error())
		}
		opt.Prefix, opt.Split = prefix, split
	}
	opt.BPF = strings.Join(args, " ")
	if f.bpfFile != "" {
		// A FIFO given as -F may never send anything: INT/TERM still
		// end t2 then.
		type read struct {
			bpf string
			err error
		}
		done := make(chan read, 1)
		go func() {
			b, err := ReadBPFFile(f.bpfFile)
			done <- read{b, err}
		}()
		select {
		case rd := <-done:
			if rd.err != nil {
				return usageError(io, rd.err.Error())
			}
			opt.BPF = rd.bpf
		case <-sig.Interrupted():
			fmt.Fprintf(io.ErrOut, "[INF] Interrupted while reading the BPF file '%s': exiting\n", f.bpfFile)
			return nil
		}
	}
	if fs.Changed("priority") {
		if err := setPriority(f.prio); err != nil {
			return usageError(io, err.Error())
		}
	}
	if fs.Changed("workers") {
		if f.workers < 1 || f.workers > 64 {
			return usageError(io, fmt.Sprintf("Option '-j': the number of workers must be between 1 and 64, got %d", f.workers))
		}
		opt.Workers = f.workers
	}
	if fs.Changed("cpu") {
		cpus, err := parseCPUs(f.cpu)
		if err != nil {
			return usageError(io, err.Error())
		}
		if len(cpus) == 1 {
			msg, cpu, err := bindCPU(cpus[0])
			if err != nil {
				return usageError(io, err.Error())
			}
			opt.PreBanner = append(opt.PreBanner, msg)
			opt.CPU, opt.CPUBound = cpu, true
		} else {
			msg, set, err := bindCPUs(cpus)
			if err != nil {
				return usageError(io, err.Error())
			}
			opt.PreBanner = append(opt.PreBanner, msg)
			opt.CPU, opt.CPUBound, opt.CPUs = set[0], true, set
		}
	}
	// Running as root on a file warns, but never sleeps
	// (docs/differences-from-t2.md).
	opt.WarnRoot = os.Geteuid() == 0 && opt.InputKind != control.InputLive
	pluginDir := f.pluginDir
	// A mistyped -p must not silently run the home's (or every) plugin set.
	if st, err := os.Stat(pluginDir); pluginDir != "" && (err != nil || !st.IsDir()) {
		fmt.Fprintf(io.ErrOut, "[ERR] Plugin folder '%s' does not exist (t2build -p '%s' PLUGIN... creates it)\n", pluginDir, pluginDir)
		return cliutil.Exit(1)
	}
	cfg, err := config.Load(config.Options{PluginDir: pluginDir})
	if err != nil {
		fmt.Fprintf(io.ErrOut, "[ERR] %v\n", err)
		return cliutil.Exit(1)
	}
	opt.Config = cfg
	if line := sudoHomeLine(); line != "" {
		opt.PreBanner = append(opt.PreBanner, line)
	}
	r, err := control.New(opt)
	if err != nil {
		fmt.Fprintf(io.ErrOut, "[ERR] %v\n", err)
		return cliutil.Exit(1)
	}
	if err := r.Execute(); err != nil {
		// Damaged files and a vanished stdout reader were reported
		// when they happened.
		if !errors.Is(err, control.ErrInputDamaged) && !errors.Is(err, control.ErrOutputGone) {
			fmt.Fprintf(io.ErrOut, "[ERR] %v\n", err)
		}
		return cliutil.Exit(1)
	}
	return nil
}

func isTTY(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ParseSplit parses -W PREFIX[:SIZE][,START].
func ParseSplit(s string) (string, plugin.SplitSpec, error) {
	sp := plugin.SplitSpec{Enabled: true, Size: 500000000}
	prefix := s
	rest := ""
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		prefix, rest = s[:i], s[i+1:]
	} else if i := strings.LastIndexByte(s, ','); i >= 0 {
		prefix, rest = s[:i], ","+s[i+1:]
	}
	size, start, hasStart := rest, "", false
	if i := strings.IndexByte(rest, ','); i >= 0 {
		size, start, hasStart = rest[:i], rest[i+1:], true
	}
	bad := func() (string, plugin.SplitSpec, error) {
		return "", sp, fmt.Errorf("Option '-W': invalid format '%s', expected 'prefix[:size][,start]'", s)
	}
	if size != "" {
		if strings.HasSuffix(size, "f") {
			sp.CountFlows = true
			size = strings.TrimSuffix(size, "f")
		}
		mult := 1.0
		switch {
		case strings.HasSuffix(size, "K"):
			mult, size = 1e3, strings.TrimSuffix(size, "K")
		case strings.HasSuffix(size, "M"):
			mult, size = 1e6, strings.TrimSuffix(size, "M")
		case strings.HasSuffix(size, "G"):
			mult, size = 1e9, strings.TrimSuffix(size, "G")
		}
		v, err := strconv.ParseFloat(size, 64)
		if err != nil || v*mult < 1 {
			return bad()
		}
		sp.Size = uint64(v * mult)
	}
	if hasStart {
		v, err := strconv.ParseUint(start, 10, 64)
		if err != nil {
			return bad()
		}
		sp.Start = v
	}
	if prefix == "" {
		return bad()
	}
	return prefix, sp, nil
}

// sudoHomeLine names the configuration home when t2 runs under sudo,
// where it is the invoking user's (SUDO_USER's passwd entry), not root's.
func sudoHomeLine() string {
	su := os.Getenv("SUDO_USER")
	if su == "" || os.Geteuid() != 0 || os.Getenv("T2_HOME") != "" {
		return ""
	}
	return fmt.Sprintf("Configuration: %s (under sudo: the home of SUDO_USER '%s'; set T2_HOME to use another)", config.DefaultHome(), su)
}

// ReadBPFFile reads a filter file: '#' comments are removed, lines joined.
// A filter is a few lines: a file over config.MaxFilterFile (a capture
// given by mistake, /dev/zero) is an error, not an endless read.
func ReadBPFFile(path string) (string, error) {
	b, err := config.ReadFileLimited(path, config.MaxFilterFile)
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return "", fmt.Errorf("Option '-F': cannot read BPF file '%s': %v", path, pe.Err)
		}
		return "", fmt.Errorf("Option '-F': %v", err) // names the file
	}
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("Option '-F': BPF file '%s' is empty", path)
	}
	return strings.Join(parts, " "), nil
}

func setPriority(p int) error {
	if p < -20 || p > 20 {
		return errors.New("Priority MUST be between -20 and 20 (highest to lowest)")
	}
	if p < 0 && os.Geteuid() != 0 {
		return errors.New("Only root can assign priority < 0")
	}
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, p); err != nil {
		return fmt.Errorf("Option '-P': cannot set priority %d: %v", p, err)
	}
	return nil
}

// bindCPU pins the process to core n (1-based; 0 = the current core) and
// returns T2's message and the 0-based core.
func bindCPU(n int) (string, int, error) {
	var set unix.CPUSet
	cur, err := currentCPU()
	if err != nil {
		return "", 0, fmt.Errorf("Option '-c': %v", err)
	}
	target := cur
	if n > 0 {
		target = n - 1
	}
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err == nil && !allowed.IsSet(target) {
		return "", 0, fmt.Errorf("Option '-c': CPU %d is not available: t2 may use %s", n, cpuList(&allowed))
	}
	set.Set(target)
	if err := pinProcess(&set); err != nil {
		return "", 0, fmt.Errorf("Option '-c': cannot bind to CPU %d: %v", n, err)
	}
	if n > 0 && target != cur {
		return fmt.Sprintf("Tranalyzer successfully moved from CPU %d to CPU %d", cur, target), target, nil
	}
	return fmt.Sprintf("Tranalyzer successfully bound to CPU %d", target), target, nil
}

// pinProcess sets the affinity of every thread of the process:
// sched_setaffinity(0) moves only the calling thread, and the Go runtime
// runs on several. Threads created later inherit the mask of the thread
// creating them; a second pass catches threads started meanwhile.
func pinProcess(set *unix.CPUSet) error {
	if err := unix.SchedSetaffinity(0, set); err != nil {
		return err
	}
	for pass := 0; pass < 3; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			var cur unix.CPUSet
			if unix.SchedGetaffinity(tid, &cur) == nil && cur == *set {
				continue
			}
			if err := unix.SchedSetaffinity(tid, set); err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}

// cpuList prints a CPU set as 1-based numbers ("1-2", "1,3").
func cpuList(s *unix.CPUSet) string {
	var parts []string
	for i := 0; i < 1024; i++ {
		if !s.IsSet(i) {
			continue
		}
		j := i
		for j+1 < 1024 && s.IsSet(j+1) {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", i+1, j+1))
		} else {
			parts = append(parts, strconv.Itoa(i+1))
		}
		i = j
	}
	return strings.Join(parts, ",")
}

func currentCPU() (int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0, err
	}
	for i := 0; i < 1024; i++ {
		if set.IsSet(i) {
			return i, nil
		}
	}
	return 0, errors.New("no CPU in the affinity mask")
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// parseCPUs reads -c: one core (1-based, 0 = the current one), or a list
// of cores for the workers ("1,2", "1-4", "1,3-4").
func parseCPUs(s string) ([]int, error) {
	bad := fmt.Errorf("Option '-c': invalid value '%s' (expected a core number, or a list such as 1,2 or 1-4)", s)
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, bad
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a {
				return nil, bad
			}
		}
		for c := a; c <= b; c++ {
			if c == 0 && (isRange || len(out) > 0 || strings.Contains(s, ",")) {
				return nil, bad // 0 means the current core, alone only
			}
			out = append(out, c)
		}
	}
	if len(out) > 1024 {
		return nil, bad
	}
	return out, nil
}

// bindCPUs restricts t2 to the listed cores (1-based); each worker is
// pinned to one of them (in order) when it starts.
func bindCPUs(cpus []int) (string, []int, error) {
	var allowed, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		return "", nil, fmt.Errorf("Option '-c': %v", err)
	}
	var zero []int
	var names []string
	for _, c := range cpus {
		if !allowed.IsSet(c - 1) {
			return "", nil, fmt.Errorf("Option '-c': CPU %d is not available: t2 may use %s", c, cpuList(&allowed))
		}
		set.Set(c - 1)
		zero = append(zero, c-1)
		names = append(names, strconv.Itoa(c-1))
	}
	if err := pinProcess(&set); err != nil {
		return "", nil, fmt.Errorf("Option '-c': cannot bind to CPUs %s: %v", strings.Join(names, ","), err)
	}
	return fmt.Sprintf("Tranalyzer successfully bound to CPUs %s (one per worker)", strings.Join(names, ",")), zero, nil
}
