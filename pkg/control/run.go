// Package control is t2's run control: it opens the input and the output
// streams, builds the plugins and the engine (pkg/engine, the packet
// path), and around the engine's batches turns signals into actions,
// prints the reports (formatted by pkg/report), draws the progress bar
// and reloads the monitoring settings on SIGHUP. Everything runs on one
// goroutine with the engine's packet work, so every report comes from a
// consistent snapshot.
package control

import (
	"errors"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/engine"
	"github.com/t2go/t2go/pkg/metrics"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// Version and codename printed in banners and headers.
const (
	Version  = "0.9.3"
	Codename = "Cobra"
)

const core = "tranalyzer2"

// Run is one run of t2.
type Run struct {
	opt Options
	cfg settings

	prefix string
	rep    *stream        // report stream (stdout or _log.txt)
	mon    *stream        // monitoring stream (stdout or _monitoring.txt)
	pkt    *stream        // _packets.txt (-s)
	repW   *report.Writer // report stream writer
	monW   *report.Writer // monitoring stream writer (human reports)
	src    capture.Source
	eng    *engine.Engine // the engine (with -j N > 1: worker 1's)
	pool   *pool          // the capture workers (-j N > 1), else nil

	plugins  []plugin.Plugin
	descs    []plugin.Descriptor // of plugins, same order
	names    []string
	reporter []plugin.Reporter
	monitors []plugin.Monitor
	finish   []plugin.Finisher

	prev       *counters.Counters    // snapshot of the previous report (diff mode)
	diffC      *counters.Counters    // scratch for c - prev
	mrec       record.Writer         // machine row being built
	promRec    record.Writer         // machine row of a /metrics scrape
	metricsReq chan chan metrics.Row // scrapes waiting for the loop (nil: no server)
	metricsSrv *metrics.Server

	start      time.Time   // wall clock before the packet loop
	intervalTS packet.Time // start of the current report interval

	// Monitoring.
	periodic    bool
	ticker      *time.Ticker
	prevRSSKB   int64
	prevFill    int64
	monHeader   string
	reportCount int

	prog      *progress
	abandoned atomic.Bool // the input never opened: late file notices are dropped

	pipeGone bool // stdout's reader went away (EPIPE)
	inputEnd bool // the input was read to its end
	damaged  int  // files of a list or series that could not be read to the end
	warned   map[string]bool
}

// New prepares a run: output streams, plugins and engine. Nothing is read
// yet.
func New(opt Options) (*Run, error) {
	if opt.Config == nil {
		return nil, errors.New("control: no configuration")
	}
	if opt.Signals == nil {
		return nil, errors.New("control: no signal subscription")
	}
	r := &Run{opt: opt, warned: map[string]bool{}}
	if err := r.cfg.load(opt.Config, opt); err != nil {
		return nil, err
	}
	// A core key missing from tranalyzer2.toml is reported, not a panic.
	if err := opt.Config.Err(); err != nil {
		return nil, err
	}
	if opt.HashFactor < 1 {
		r.opt.HashFactor = 1
	}
	prefixArg := opt.Prefix
	if opt.FlowsStdout {
		prefixArg = "-"
	}
	p, err := DerivePrefix(opt.InputKind, opt.Input, prefixArg)
	if err != nil {
		return nil, err
	}
	r.prefix = p
	if opt.FlowsStdout {
		// With flows on stdout, reports and monitoring must not mix in.
		r.opt.LogFile, r.opt.MonFile = true, true
	}
	if r.rep, err = newStream(r.prefix+"_log.txt", r.opt.LogFile, opt.Stdout); err != nil {
		return nil, err
	}
	if r.mon, err = newStream(r.prefix+"_monitoring.txt", r.opt.MonFile, opt.Stdout); err != nil {
		return nil, err
	}
	color := !opt.NoColor && opt.StdoutTTY
	r.repW = &report.Writer{W: r.rep, Color: color && !r.opt.LogFile}
	r.monW = &report.Writer{W: r.mon, Color: color && !r.opt.MonFile}
	r.prev = counters.New()
	r.prev.MinHdrs = 0
	r.diffC = new(counters.Counters)
	eo := engine.Options{
		Capacity:    int(r.cfg.hashBase) * r.opt.HashFactor,
		FlowTimeout: packet.FromSeconds(r.cfg.flowTimeout),
		L2Flows:     r.cfg.ethActivate > 0,
		NumFlwRm:    r.cfg.numFlwRm,
		HashFactor:  r.opt.HashFactor,
		Live:        opt.InputKind == InputLive,
		MultiFile:   opt.InputKind == InputList || opt.InputKind == InputSeries,
		RegularFile: r.regularFile(),
	}
	if n := r.workerCount(); n > 1 {
		if err := r.newPool(n, eo); err != nil {
			return nil, err
		}
	} else {
		// One engine: its flow records are built on a retire goroutine
		// when the plugins allow it (T2_NO_RETIRE=1: on the packet
		// goroutine, to compare).
		eo.Retire = os.Getenv("T2_NO_RETIRE") == ""
		eo.RetireChunk, _ = strconv.Atoi(os.Getenv("T2_RETIRE_CHUNK"))
		r.eng = engine.New(eo, hooks{r})
	}
	if err := r.loadPlugins(); err != nil {
		return nil, err
	}
	return r, nil
}

// regularFile: -r names a regular file (not stdin, a FIFO or a device).
func (r *Run) regularFile() bool {
	if r.opt.InputKind != InputFile || r.opt.Input == "-" {
		return false
	}
	st, err := os.Stat(r.opt.Input)
	return err == nil && st.Mode().IsRegular()
}

// captureClock: periodic reports follow the capture's time rather than
// the wall clock. A capture file is read much faster than it was
// recorded, so wall-clock rows would be few and arbitrary; stdin and
// FIFOs may be fed live and keep the wall clock, as interfaces do
// (docs/monitoring.md).
func (r *Run) captureClock() bool {
	switch r.opt.InputKind {
	case InputList, InputSeries:
		return true
	case InputFile:
		return r.regularFile()
	}
	return false
}

// Execute processes the input to the end (or until signals stop it),
// then releases all flows and prints the end report. Output files are
// complete on every return path.
func (r *Run) Execute() (err error) {
	defer func() {
		if cerr := r.closeAll(); err == nil {
			err = cerr
		}
	}()
	hdr := r.headerInfo()
	if r.cfg.verbose > 0 {
		if r.opt.WarnRoot {
			r.repW.Warn("Running Tranalyzer as root on a pcap is not recommended")
		}
		for _, l := range r.opt.PreBanner {
			r.repW.Info("%s", l)
		}
		report.WriteBanner(r.repW, r.baseState(), r.names)
	}
	// The metrics server binds before anything is opened, so an address in
	// use ends the run with no file written.
	if err := r.startMetrics(); err != nil {
		return err
	}
	defer r.stopMetrics()
	r.rep.Flush()
	// The input is opened first: a missing or invalid capture must not
	// leave empty flow files behind.
	if err := r.openSource(); err != nil {
		if errors.Is(err, errInterrupted) {
			return nil
		}
		return err
	}
	if r.pool == nil {
		r.eng.SetSource(r.src)
	}
	if err := r.initPlugins(hdr); err != nil {
		return err
	}
	r.setupMonitoring()
	r.rep.Flush()
	r.mon.Flush()
	r.start = time.Now()
	loopErr := r.loop()
	r.stopMetrics()
	return r.finishRun(loopErr)
}

func (r *Run) closeAll() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if r.pool != nil {
		keep(r.pool.closeSources())
	} else if r.src != nil && !r.eng.ReaderAbandoned() {
		keep(r.src.Close())
	}
	r.src = nil
	if r.pkt != nil {
		keep(r.pkt.Close())
		r.pkt = nil
	}
	if r.mon != nil {
		if err := r.mon.Close(); !r.mon.readerGone() {
			keep(err)
		}
		if r.opt.MonFile && r.mon.f != nil {
			if st, err := os.Stat(r.mon.name); err == nil && st.Size() == 0 {
				os.Remove(r.mon.name)
			}
		}
		r.mon = nil
	}
	if r.rep != nil {
		if err := r.rep.Close(); !r.rep.readerGone() {
			keep(err)
		}
		r.rep = nil
	}
	return first
}

// warnOnce prints a [WRN] line the first time key is seen.
func (r *Run) warnOnce(key, format string, args ...any) {
	if r.warned[key] {
		return
	}
	r.warned[key] = true
	r.repW.Warn(format, args...)
}

// ErrInputDamaged ends a run of a list or series in which some file could
// not be read to its end. Each such file was reported when it happened
// (one line on stderr), so callers need not print this error again.
var ErrInputDamaged = errors.New("some input files are damaged")

// ErrOutputGone ends a run whose stdout reader went away before the input
// was read to its end. The files hold every flow seen until then; the
// stderr line was printed when it happened.
var ErrOutputGone = errors.New("the reader of stdout went away: the input was not read to its end")

// errInterrupted: SIGINT or SIGTERM came before the input opened.
var errInterrupted = errors.New("interrupted")

// logAdapter lets plugins print on the report stream.
type logAdapter struct{ w *report.Writer }

func (l logAdapter) Infof(format string, args ...any) { l.w.Info(format, args...) }
func (l logAdapter) Warnf(format string, args ...any) { l.w.Warn(format, args...) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
