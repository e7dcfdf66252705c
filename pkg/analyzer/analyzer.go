package analyzer

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/decode"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/monitor"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// Version and codename printed in banners and headers.
const (
	Version  = "0.9.3"
	Codename = "Cobra"
)

const core = "tranalyzer2"

// Analyzer is one run of t2.
type Analyzer struct {
	opt Options
	cfg settings

	prefix  string
	rep     *stream        // report stream (stdout or _log.txt)
	mon     *stream        // monitoring stream (stdout or _monitoring.txt)
	pkt     *stream        // _packets.txt (-s)
	repW    *report.Writer // report stream writer
	monW    *report.Writer // monitoring stream writer (human reports)
	src     capture.Source
	dec     *decode.Decoder
	descIDs packet.DescIDs // numbers header descriptions (reader goroutine)
	table   *flow.Table
	c       *counters.Counters
	prev    *counters.Counters // snapshot of the previous report (diff mode)
	diffC   *counters.Counters // scratch for c - prev

	plugins []plugin.Plugin
	descs   []plugin.Descriptor // of plugins, same order
	names   []string
	newFlow []plugin.NewFlowHandler
	l2      []plugin.Layer2Handler
	l4      []plugin.Layer4Handler
	// plugins that prefetch their per-flow state (see prefetchSlot)
	prefetchers []plugin.Prefetcher
	pb          prefetch.Batch // the packet loop's prefetches, issued once per packet
	terms       []plugin.FlowTerminator
	pktCols     []plugin.PacketColumns
	reporter    []plugin.Reporter
	monitors    []plugin.Monitor
	sinks       []plugin.Sink
	finish      []plugin.Finisher

	rec     record.Writer // flow record being built (deferred form when sinks exist)
	out     *flowOut      // renders flow records and feeds the sinks; nil without sinks
	prec    record.Writer // packet line being built
	mrec    record.Writer // machine row being built
	release func(*flow.Flow)
	frags   fragTable

	// Time keeping.
	start       time.Time   // wall clock before the packet loop
	firstTS     packet.Time // first packet
	haveFirst   bool
	actTime     packet.Time // last packet (or idle refresh on live links)
	intervalTS  packet.Time // start of the current report interval
	lastPktWall time.Time

	// Monitoring.
	trig        *monitor.PcapTrigger
	periodic    bool
	ticker      *time.Ticker
	reportAfter bool
	prevRSSKB   int64
	prevFill    int64
	maxFlows    int
	monHeader   string
	reportCount int

	fileMu       sync.Mutex
	loopStarted  bool
	pendingFiles []capture.Info // file switches announced by the reader
	curFile      uint16

	stopCh  chan struct{} // closed to stop the reader
	stopped bool
	prog    *progress

	pipeGone        bool // stdout's reader went away (EPIPE)
	noNewFlows      bool
	damaged         int  // files of a list or series that could not be read to the end
	aborted         bool // third SIGINT: stop writing flows
	warned          map[string]bool
	autopilotWarned bool
}

// New prepares a run: output streams, plugins, decoder and flow table.
// Nothing is read yet.
func New(opt Options) (*Analyzer, error) {
	if opt.Config == nil {
		return nil, errors.New("analyzer: no configuration")
	}
	a := &Analyzer{opt: opt, warned: map[string]bool{}}
	if err := a.cfg.load(opt.Config, opt); err != nil {
		return nil, err
	}
	// A core key missing from tranalyzer2.toml is reported, not a panic.
	if err := opt.Config.Err(); err != nil {
		return nil, err
	}
	if opt.HashFactor < 1 {
		a.opt.HashFactor = 1
	}
	prefixArg := opt.Prefix
	if opt.FlowsStdout {
		prefixArg = "-"
	}
	p, err := DerivePrefix(opt.InputKind, opt.Input, prefixArg)
	if err != nil {
		return nil, err
	}
	a.prefix = p
	if opt.FlowsStdout {
		// With flows on stdout, reports and monitoring must not mix in.
		a.opt.LogFile, a.opt.MonFile = true, true
	}
	if a.rep, err = newStream(a.prefix+"_log.txt", a.opt.LogFile, opt.Stdout); err != nil {
		return nil, err
	}
	if a.mon, err = newStream(a.prefix+"_monitoring.txt", a.opt.MonFile, opt.Stdout); err != nil {
		return nil, err
	}
	color := !opt.NoColor && opt.StdoutTTY
	a.repW = &report.Writer{W: a.rep, Color: color && !a.opt.LogFile}
	a.monW = &report.Writer{W: a.mon, Color: color && !a.opt.MonFile}
	a.c = counters.New()
	a.prev = counters.New()
	a.prev.MinHdrs = 0
	a.diffC = new(counters.Counters)
	capacity := int(a.cfg.hashBase) * a.opt.HashFactor
	a.table = flow.NewTable(capacity, packet.FromSeconds(a.cfg.flowTimeout))
	a.dec = decode.New(decode.Options{})
	a.release = a.releasePair
	a.frags.init()
	if err := a.loadPlugins(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Analyzer) loadPlugins() error {
	names, explicit := a.opt.Config.ActivePlugins()
	if a.opt.PluginList != "" {
		list, err := readPluginList(a.opt.PluginList)
		if err != nil {
			return err
		}
		names, explicit = list, true
	}
	active := map[string]bool{}
	for _, n := range names {
		active[n] = true
	}
	// Without a plugin list T2's default set runs (those compiled in).
	defaults := map[string]bool{}
	for _, n := range a.opt.Config.DefaultPlugins() {
		defaults[n] = true
	}
	for _, d := range plugin.All() {
		if explicit && !active[d.Name] || !explicit && !defaults[d.Name] {
			continue
		}
		delete(active, d.Name)
		a.plugins = append(a.plugins, d.New())
		a.descs = append(a.descs, d)
		a.names = append(a.names, d.Name+", "+d.Version)
	}
	delete(active, core)
	for n := range active {
		return fmt.Errorf("plugin list names an unknown plugin '%s' (known: %s)", n, knownPlugins())
	}
	return nil
}

func knownPlugins() string {
	var s []string
	for _, d := range plugin.All() {
		s = append(s, d.Name)
	}
	return strings.Join(s, ", ")
}

// readPluginList reads a -b plugin list (plugins.txt syntax).
func readPluginList(path string) ([]string, error) {
	b, err := config.ReadFileLimited(path, config.MaxPluginList)
	if err != nil {
		return nil, fmt.Errorf("cannot read plugin list: %w", err)
	}
	return config.ParsePluginList(path, b)
}

// initPlugins calls Init on every plugin and sorts them by capability.
func (a *Analyzer) initPlugins(hdr plugin.HeaderInfo) error {
	cfg := a.opt.Config
	core, _ := cfg.Component(config.Core)
	for i, p := range a.plugins {
		d := a.descs[i]
		comp, ok := cfg.Component(d.Name)
		if !ok {
			return fmt.Errorf("%s: no settings (its %s.toml is not in the catalogue pkg/plugins)", d.Name, d.Name)
		}
		env := &plugin.Env{
			Settings:   plugin.NewSettings(d.Name, comp),
			Core:       plugin.NewSettings(config.Core, core),
			Files:      cfg,
			Log:        logAdapter{a.repW},
			Table:      a.table,
			Counters:   a.c,
			Prefix:     a.prefix,
			PacketMode: a.opt.PacketMode,
		}
		if x, ok := p.(plugin.Initer); ok {
			if err := x.Init(env); err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
		}
		for _, s := range []*plugin.Settings{env.Settings, env.Core} {
			if err := s.Err(); err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
		}
	}
	cols := []record.Column{
		{Name: "dir", Type: "C", Desc: "Flow direction"},
		{Name: "flowInd", Type: "U64", Desc: "Flow index"},
	}
	for _, p := range a.plugins {
		if x, ok := p.(plugin.FlowColumns); ok {
			cols = append(cols, x.Columns()...)
		}
		if x, ok := p.(plugin.NewFlowHandler); ok {
			a.newFlow = append(a.newFlow, x)
		}
		if x, ok := p.(plugin.Layer2Handler); ok {
			a.l2 = append(a.l2, x)
		}
		if x, ok := p.(plugin.Layer4Handler); ok {
			a.l4 = append(a.l4, x)
		}
		if x, ok := p.(plugin.FlowTerminator); ok {
			a.terms = append(a.terms, x)
		}
		if x, ok := p.(plugin.Prefetcher); ok {
			a.prefetchers = append(a.prefetchers, x)
		}
		if x, ok := p.(plugin.PacketColumns); ok && a.opt.PacketMode {
			a.pktCols = append(a.pktCols, x)
		}
		if x, ok := p.(plugin.Reporter); ok {
			a.reporter = append(a.reporter, x)
		}
		if x, ok := p.(plugin.Monitor); ok {
			a.monitors = append(a.monitors, x)
		}
		if x, ok := p.(plugin.Sink); ok {
			a.sinks = append(a.sinks, x)
		}
		if x, ok := p.(plugin.Finisher); ok {
			a.finish = append(a.finish, x)
		}
	}
	if len(a.prefetchers) > 0 {
		a.table.SetTailPrefetch(a.prefetchSlot)
	}
	start := plugin.SinkStart{Columns: cols, Prefix: a.prefix, Split: a.opt.Split, Header: hdr}
	if a.opt.FlowsStdout {
		if a.opt.Stdout == nil {
			return errors.New("flows go to stdout (-w -) but no stdout was given")
		}
		start.Stdout = a.opt.Stdout
	}
	for _, s := range a.sinks {
		if err := s.StartSink(start); err != nil {
			return err
		}
	}
	// Without a sink nothing reads flow records: skip rendering them.
	a.rec.Disabled = len(a.sinks) == 0
	if !a.rec.Disabled {
		a.rec.Deferred = true
		a.out = newFlowOut(a.sinks)
	}
	if a.opt.PacketMode {
		var err error
		if a.pkt, err = newStream(a.prefix+"_packets.txt", true, nil); err != nil {
			return err
		}
		hdrLine := "%pktNo\tflowInd"
		for _, pc := range a.pktCols {
			for _, c := range pc.PacketColumns() {
				hdrLine += "\t" + c
			}
		}
		hdrLine += "\tl7Content\n"
		a.pkt.Write([]byte(hdrLine))
	}
	return nil
}

type logAdapter struct{ w *report.Writer }

func (l logAdapter) Infof(format string, args ...any) { l.w.Info(format, args...) }
func (l logAdapter) Warnf(format string, args ...any) { l.w.Warn(format, args...) }

// Run processes the input to the end (or until signals stop it), then
// releases all flows and prints the end report. Output files are complete
// on every return path.
func (a *Analyzer) Run() (err error) {
	defer func() {
		if cerr := a.closeAll(); err == nil {
			err = cerr
		}
	}()
	hdr := a.headerInfo()
	if a.cfg.verbose > 0 {
		if a.opt.WarnRoot {
			a.repW.Warn("Running Tranalyzer as root on a pcap is not recommended")
		}
		for _, l := range a.opt.PreBanner {
			a.repW.Info("%s", l)
		}
		report.WriteBanner(a.repW, a.baseState(), a.names)
	}
	// The input is opened first: a missing or invalid capture must not
	// leave empty flow files behind.
	if err := a.openSource(); err != nil {
		return err
	}
	if err := a.initPlugins(hdr); err != nil {
		return err
	}
	a.setupMonitoring()
	a.rep.Flush()
	a.mon.Flush()
	a.start = time.Now()
	a.lastPktWall = a.start
	loopErr := a.loop()
	return a.finishRun(loopErr)
}

func (a *Analyzer) closeAll() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if a.src != nil {
		keep(a.src.Close())
		a.src = nil
	}
	if a.pkt != nil {
		keep(a.pkt.Close())
		a.pkt = nil
	}
	if a.mon != nil {
		if err := a.mon.Close(); !a.mon.readerGone() {
			keep(err)
		}
		if a.opt.MonFile && a.mon.f != nil {
			if st, err := os.Stat(a.mon.name); err == nil && st.Size() == 0 {
				os.Remove(a.mon.name)
			}
		}
		a.mon = nil
	}
	if a.rep != nil {
		if err := a.rep.Close(); !a.rep.readerGone() {
			keep(err)
		}
		a.rep = nil
	}
	return first
}

// warnOnce prints a [WRN] line the first time key is seen.
func (a *Analyzer) warnOnce(key, format string, args ...any) {
	if a.warned[key] {
		return
	}
	a.warned[key] = true
	a.repW.Warn(format, args...)
}
