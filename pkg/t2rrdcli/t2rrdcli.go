// Package t2rrdcli is the t2rrd command line: it parses T2's t2rrd options
// with cobra and calls rrdfeed (-m), rrdplot (plots, -L, -I) on the
// database chosen with -d (through rrdcached with --daemon).
package t2rrdcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/t2go/t2go/pkg/rrddb"
	"github.com/t2go/t2go/pkg/rrdfeed"
	"github.com/t2go/t2go/pkg/rrdplot"
)

// Name is the program name used in messages.
const Name = "t2rrd"

// IO is where the command reads and writes, injected for tests.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// usageError is an error in the command line: printed with a hint to --help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

type options struct {
	monitor, keep           bool
	png, size               string
	start, end, interval    string
	all, noUpdate, realtime bool
	updateFreq              uint
	holtWinters, log        bool
	trend                   float64
	upper, lower            float64
	noBanner, list, info    bool
	db, daemon              string
	step, heartbeat         uint
	flags                   *pflag.FlagSet
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

// NewCommand returns the t2rrd command. Run it with Run for exit codes
// and messages as t2rrd prints them.
func NewCommand(ios IO) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:           "t2rrd [OPTION...] [FIELD1] [FIELD2]",
		Short:         "store t2 machine reports in RRD and plot them",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return &usageError{fmt.Sprintf("Unknown option '%s'", args[2])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), ios, args)
		},
	}
	f := cmd.Flags()
	o.flags = f
	f.SortFlags = false
	f.BoolVarP(&o.monitor, "monitor", "m", false, "create and populate a database from stdin")
	f.BoolVarP(&o.keep, "keep", "k", false, "append data to an existing database")
	f.StringVarP(&o.png, "png", "p", "", "name of the PNG to generate")
	f.StringVarP(&o.size, "size", "r", "640x480", "size of the PNG (WxH)")
	f.StringVarP(&o.start, "start", "s", "", "start time of the plot")
	f.StringVarP(&o.end, "end", "e", "", "end time of the plot")
	f.StringVarP(&o.interval, "interval", "i", "10m", "interval to plot")
	f.BoolVarP(&o.all, "all", "a", false, "plot the whole database")
	f.UintVarP(&o.updateFreq, "update-freq", "U", 1, "update the plot every N seconds")
	f.BoolVarP(&o.noUpdate, "no-update", "n", false, "draw once and exit")
	f.BoolVarP(&o.realtime, "realtime", "R", false, "plot regular intervals")
	f.BoolVarP(&o.holtWinters, "holt-winters", "f", false, "Holt-Winters bands")
	f.Float64VarP(&o.trend, "trend", "t", 0, "trend over N hours")
	f.BoolVarP(&o.log, "log", "x", false, "logarithmic axis")
	f.Float64VarP(&o.upper, "upper-limit", "u", 0, "crop values to max")
	f.Float64VarP(&o.lower, "lower-limit", "l", 0, "crop values to min")
	f.BoolVarP(&o.noBanner, "no-banner", "b", false, "no anteater banner")
	f.StringVarP(&o.db, "database", "d", "monitoring.rrd", "database file")
	f.BoolVarP(&o.list, "list", "L", false, "list fields")
	f.BoolVarP(&o.info, "info", "I", false, "database info")
	f.StringVar(&o.daemon, "daemon", "", "rrdcached address")
	f.UintVar(&o.step, "step", 0, "RRD step for -m")
	f.UintVar(&o.heartbeat, "heartbeat", 0, "DS heartbeat for -m [default: 10 x step]")
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
		if db, err := rrddb.Open(o.db, o.daemon); err == nil {
			if inf, err := db.Info(); err == nil {
				fmt.Fprintf(ios.Out, "\n    FIELD1 and FIELD2 can be one of the following:\n\n")
				rrdplot.WriteFields(ios.Out, inf.Names())
			}
			db.Close()
		}
	})
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.Err)
	return cmd
}

// Run runs t2rrd with args (without the program name) and returns the exit
// status: 0 on success, 1 on any error, after printing one line for it.
func Run(ctx context.Context, args []string, ios IO) int {
	cmd := NewCommand(ios)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(ios.Err, "%s: %v\n", Name, err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(ios.Out, "Try '%s --help' for more information.\n", Name)
	}
	return 1
}

func (o *options) run(ctx context.Context, ios IO, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	db, err := rrddb.Open(o.db, o.daemon)
	if err != nil {
		return err
	}
	defer db.Close()

	if o.monitor {
		// On SIGINT/SIGTERM stop reading (closing stdin unblocks the read)
		// and still write what was read.
		done := make(chan struct{})
		defer close(done)
		if c, ok := ios.In.(io.Closer); ok {
			go func() {
				select {
				case <-ctx.Done():
					c.Close()
				case <-done:
				}
			}()
		}
		sum, err := rrdfeed.Feed(ios.In, db, rrdfeed.Options{Keep: o.keep, Step: o.step, Heartbeat: o.heartbeat})
		sum.WriteSummary(ios.Err, Name+": ")
		if err != nil && ctx.Err() != nil && sum.Stored > 0 && strings.Contains(err.Error(), "reading input") {
			return nil // interrupted: what was read is stored
		}
		return err
	}

	inf, err := db.Info()
	if err != nil {
		if errors.Is(err, rrddb.ErrNotExist) {
			return fmt.Errorf("%s does not exist: create it first with '... | %s -m -d %s'", o.db, Name, o.db)
		}
		return err
	}
	if o.list {
		rrdplot.WriteFields(ios.Out, inf.Names())
		rrdplot.WriteShortenedNote(ios.Out, inf.Names())
		return nil
	}
	if o.info {
		rrdplot.WriteInfo(ios.Out, inf)
		return nil
	}

	popt := rrdplot.Options{
		PNG:         o.png,
		Start:       o.start,
		End:         o.end,
		All:         o.all,
		HoltWinters: o.holtWinters,
		TrendHours:  o.trend,
		Log:         o.log,
		NoBanner:    o.noBanner,
	}
	if len(args) > 0 {
		popt.Field1 = args[0]
	}
	if len(args) > 1 {
		popt.Field2 = args[1]
	}
	if popt.Width, popt.Height, err = rrdplot.ParseSize(o.size); err != nil {
		return &usageError{err.Error()}
	}
	if popt.Interval, err = rrdplot.ParseInterval(o.interval); err != nil {
		return &usageError{fmt.Sprintf("invalid argument for option '-i': %v", err)}
	}
	if o.flags.Changed("upper-limit") {
		v := o.upper
		popt.Upper = &v
	}
	if o.flags.Changed("lower-limit") {
		v := o.lower
		popt.Lower = &v
	}
	if o.trend < 0 {
		return &usageError{"invalid argument for option '-t': the trend window must be positive (hours)"}
	}
	p := &rrdplot.Plotter{DB: db}
	if o.noUpdate {
		res, err := p.Draw(popt)
		if err != nil {
			return err
		}
		fmt.Fprintln(ios.Out, res.PNG)
		return nil
	}
	every := time.Duration(o.updateFreq) * time.Second
	if every <= 0 {
		every = time.Second
	}
	return p.Watch(ctx, popt, every, o.realtime, ios.Out)
}
