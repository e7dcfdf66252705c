// Package cli is the t2rrd command line: it parses T2's t2rrd options
// with cobra and calls feed (-m), plot (plots, -L, -I) on the
// database chosen with -d (through rrdcached with --daemon).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2rrd/feed"
	"github.com/t2go/t2go/pkg/t2rrd/plot"
	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
)

// Name is the program name used in messages.
const Name = "t2rrd"

// usageError is an error in the command line: printed with a hint to --help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Options are t2rrd's settings, filled from the command line by NewCmd.
type Options struct {
	IO *iostreams.IO

	Monitor, Keep           bool   // -m, -k
	PNG, Size               string // -p, -r
	Start, End, Interval    string // -s, -e, -i
	All, NoUpdate, Realtime bool   // -a, -n, -R
	UpdateFreq              uint   // -U seconds
	HoltWinters, Log        bool   // -f, -x
	Trend                   float64
	Upper, Lower            *float64 // -u, -l (nil = not given)
	NoBanner, List, Info    bool     // -b, -L, -I
	DB, Daemon              string   // -d, --daemon
	Step, Heartbeat         uint     // --step, --heartbeat
	Field1, Field2          string   // the arguments
}

const usageText = `Usage:
    t2rrd [OPTION...] [FIELD1] [FIELD2]

Monitoring arguments:
    -m          create and populate a database [default: monitoring.rrd]
    -k          append data to existing database [default: create a new DB]

Plotting arguments:
    -p name     name of the PNG to generate [default: field1[_field2].png]
    -r WxH      size of the generated PNG (width x height) [default: 640x480]

    -s start    start time of the plot [default: end-10m]
                (use special value 'first' to plot from the first record)
    -e end      end time of the plot [default: last]
                (use special value 'last' to plot until the last record)
    -i int      interval to plot [default: 10m (last 10min)]
                ([s]econds, [m]inutes, [h]ours, [d]ays, [w]eeks, [mo]nth, [y]ear)
    -a          plot the whole database

    -U int      update the plot every 'int' seconds [default: 1]
    -n          generate a fixed plot for the given interval and exit
    -R          real-time: plot regular intervals (see -U option)
                [default: plot to the last update]

    -f          display Holt-Winters confidence bands
    -t win      display the 'win' hour trend

    -x          use logarithmic axis
    -u max      crop values to 'max'
    -l min      crop values to 'min'

    -b          do not display the anteater banner

Optional arguments:
    -d name     name of the database [default: monitoring.rrd]
    --daemon addr
                read and write the database through rrdcached at 'addr'
                (unix:/path/to/socket or host[:port], port 42217 by default)
    --step sec  RRD step for -m [default: detected from the report times]

Help and documentation arguments:
    -L          List the fields available in the database and exit
    -I          display info about the database and exit
    -h, --help  show this help, then exit
`

// NewCmd returns the t2rrd command. It fills Options from the command line
// and calls runF (Run when nil); Main runs it with t2rrd's exit codes and
// messages.
func NewCmd(ios *iostreams.IO, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{IO: ios}
	var upper, lower float64
	if runF == nil {
		runF = Run
	}
	cmd := &cobra.Command{
		Use:               "t2rrd [OPTION...] [FIELD1] [FIELD2]",
		Short:             "store t2 machine reports in RRD and plot them",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return &usageError{fmt.Sprintf("Unknown option '%s'", args[2])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Field1 = args[0]
			}
			if len(args) > 1 {
				o.Field2 = args[1]
			}
			if cmd.Flags().Changed("upper-limit") {
				o.Upper = &upper
			}
			if cmd.Flags().Changed("lower-limit") {
				o.Lower = &lower
			}
			return runF(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.BoolVarP(&o.Monitor, "monitor", "m", false, "create and populate a database from stdin")
	f.BoolVarP(&o.Keep, "keep", "k", false, "append data to an existing database")
	f.StringVarP(&o.PNG, "png", "p", "", "name of the PNG to generate")
	f.StringVarP(&o.Size, "size", "r", "640x480", "size of the PNG (WxH)")
	f.StringVarP(&o.Start, "start", "s", "", "start time of the plot")
	f.StringVarP(&o.End, "end", "e", "", "end time of the plot")
	f.StringVarP(&o.Interval, "interval", "i", "10m", "interval to plot")
	f.BoolVarP(&o.All, "all", "a", false, "plot the whole database")
	f.UintVarP(&o.UpdateFreq, "update-freq", "U", 1, "update the plot every N seconds")
	f.BoolVarP(&o.NoUpdate, "no-update", "n", false, "draw once and exit")
	f.BoolVarP(&o.Realtime, "realtime", "R", false, "plot regular intervals")
	f.BoolVarP(&o.HoltWinters, "holt-winters", "f", false, "Holt-Winters bands")
	f.Float64VarP(&o.Trend, "trend", "t", 0, "trend over N hours")
	f.BoolVarP(&o.Log, "log", "x", false, "logarithmic axis")
	f.Float64VarP(&upper, "upper-limit", "u", 0, "crop values to max")
	f.Float64VarP(&lower, "lower-limit", "l", 0, "crop values to min")
	f.BoolVarP(&o.NoBanner, "no-banner", "b", false, "no anteater banner")
	f.StringVarP(&o.DB, "database", "d", "monitoring.rrd", "database file")
	f.BoolVarP(&o.List, "list", "L", false, "list fields")
	f.BoolVarP(&o.Info, "info", "I", false, "database info")
	f.StringVar(&o.Daemon, "daemon", "", "rrdcached address")
	f.UintVar(&o.Step, "step", 0, "RRD step for -m")
	f.UintVar(&o.Heartbeat, "heartbeat", 0, "DS heartbeat for -m [default: 10 x step]")
	f.BoolP("help", "h", false, "show this help")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		msg := err.Error()
		if strings.HasPrefix(msg, "unknown shorthand flag: ") {
			// "unknown shorthand flag: 'z' in -z"
			if i := strings.LastIndex(msg, " in "); i >= 0 {
				return &usageError{fmt.Sprintf("Unknown option '%s'", msg[i+4:])}
			}
		}
		if strings.HasPrefix(msg, "unknown flag: ") {
			return &usageError{fmt.Sprintf("Unknown option '%s'", strings.TrimPrefix(msg, "unknown flag: "))}
		}
		return &usageError{msg}
	})
	cmd.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
		io.WriteString(ios.Out, usageText)
		// As T2 does: with an existing database, list its fields.
		if db, err := rrddb.Open(cmd.Context(), o.DB, o.Daemon); err == nil {
			if inf, err := db.Info(); err == nil {
				fmt.Fprintf(ios.Out, "\n    FIELD1 and FIELD2 can be one of the following:\n\n")
				plot.WriteFields(ios.Out, inf.Names())
			}
			db.Close()
		}
	})
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	return cmd
}

// Main runs t2rrd with args (without the program name) and returns the
// exit status: 0 on success, 1 on any error, after printing one line for it.
func Main(ctx context.Context, args []string, ios *iostreams.IO) int {
	cmd := NewCmd(ios, nil)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(ios.ErrOut, "%s: %v\n", Name, err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(ios.Out, "Try '%s --help' for more information.\n", Name)
	}
	return 1
}

// Run does what the options ask: feed a database (-m), list (-L) or
// describe (-I) it, or plot. It returns when ctx ends (SIGINT/SIGTERM),
// after writing what was read.
func Run(ctx context.Context, o *Options) error {
	ios := o.IO
	if ctx == nil {
		ctx = context.Background()
	}
	db, err := rrddb.Open(ctx, o.DB, o.Daemon)
	if err != nil {
		return err
	}
	defer db.Close()

	if o.Monitor {
		// On SIGINT/SIGTERM stop reading, even while the read waits on an
		// idle pipe or terminal, and still write what was read.
		in := interruptible(ctx, ios.In)
		sum, err := feed.Feed(in, db, feed.Options{Keep: o.Keep, Step: o.Step, Heartbeat: o.Heartbeat})
		sum.WriteSummary(ios.ErrOut, Name+": ")
		if err != nil && ctx.Err() != nil && sum.Stored > 0 && errors.Is(err, errInterrupted) {
			return nil // interrupted: what was read is stored
		}
		return err
	}

	inf, err := db.Info()
	if err != nil {
		if errors.Is(err, rrddb.ErrNotExist) {
			return fmt.Errorf("%s does not exist: create it first with '... | %s -m -d %s'", o.DB, Name, o.DB)
		}
		return err
	}
	if o.List {
		plot.WriteFields(ios.Out, inf.Names())
		plot.WriteShortenedNote(ios.Out, inf.Names())
		return nil
	}
	if o.Info {
		plot.WriteInfo(ios.Out, inf)
		return nil
	}

	popt := plot.Options{
		Field1:      o.Field1,
		Field2:      o.Field2,
		PNG:         o.PNG,
		Start:       o.Start,
		End:         o.End,
		All:         o.All,
		HoltWinters: o.HoltWinters,
		TrendHours:  o.Trend,
		Log:         o.Log,
		NoBanner:    o.NoBanner,
		Upper:       o.Upper,
		Lower:       o.Lower,
	}
	if popt.Width, popt.Height, err = plot.ParseSize(o.Size); err != nil {
		return &usageError{err.Error()}
	}
	if popt.Interval, err = plot.ParseInterval(o.Interval); err != nil {
		return &usageError{fmt.Sprintf("invalid argument for option '-i': %v", err)}
	}
	if o.Trend < 0 {
		return &usageError{"invalid argument for option '-t': the trend window must be positive (hours)"}
	}
	p := &plot.Plotter{DB: db}
	if o.NoUpdate {
		res, err := p.Draw(popt)
		if err != nil {
			return err
		}
		fmt.Fprintln(ios.Out, res.PNG)
		return nil
	}
	every := time.Duration(o.UpdateFreq) * time.Second
	if every <= 0 {
		every = time.Second
	}
	return p.Watch(ctx, popt, every, o.Realtime, ios.Out)
}

// errInterrupted ends the input of -m when ctx ends.
var errInterrupted = errors.New("interrupted")

// interruptible returns a reader that ends with errInterrupted as soon as
// ctx ends, even while a Read of r is blocked: closing a blocking stdin
// (a terminal, or a pipe whose writer is idle) does not wake a pending
// read, so the reads run on a goroutine that is left behind at exit.
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	ir := &ctxReader{ctx: ctx, data: make(chan chunk), next: make(chan struct{}, 1)}
	go ir.pump(r)
	ir.next <- struct{}{}
	return ir
}

type chunk struct {
	b   []byte
	err error
}

type ctxReader struct {
	ctx  context.Context
	data chan chunk
	next chan struct{} // asks pump for the next chunk
	cur  []byte
	err  error
}

func (c *ctxReader) pump(r io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-c.next:
		case <-c.ctx.Done():
			return
		}
		n, err := r.Read(buf)
		select {
		case c.data <- chunk{buf[:n], err}:
		case <-c.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		select {
		case <-c.ctx.Done():
			c.err = errInterrupted
			return 0, c.err
		case ch := <-c.data:
			c.cur, c.err = ch.b, ch.err
			if c.err == nil {
				if len(c.cur) == 0 {
					c.next <- struct{}{}
				}
			}
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	if len(c.cur) == 0 && c.err == nil {
		c.next <- struct{}{}
	}
	return n, nil
}
