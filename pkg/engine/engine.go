// Package engine is t2's packet path: it reads batches from a capture
// source, dissects them (on the reader goroutine), finds or creates each
// packet's flow, runs the plugins' packet and flow hooks, counts what the
// reports print, and hands finished flow records to the sinks.
//
// It knows nothing of signals, report formats, configuration files or
// output streams: the run control (pkg/control) drives it batch by batch
// and hears back through Hooks. An Engine owns all of its state (flow
// table, decoder, counters, plugin instances), so several engines can run
// in one process; their Counters add up (counters.Counters.Add).
package engine

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/decode"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
)

// Options are the core settings of the packet path, already resolved from
// configuration and command line by the caller.
type Options struct {
	Capacity    int         // flow table slots (HASHCHAINTABLE_BASE_SIZE × -f)
	FlowTimeout packet.Time // FLOW_TIMEOUT
	L2Flows     bool        // ETH_ACTIVATE > 0: non-IP packets make layer-2 flows
	NumFlwRm    int64       // NUMFLWRM: flows the hash autopilot frees at once
	HashFactor  int         // -f, for the autopilot's hint

	// What the source is: a live interface (idle clock), several files
	// (a damaged one is reported and the next one read), a regular file
	// (big batches; the reader is always waited for, its pages are mapped).
	Live, MultiFile, RegularFile bool

	// ReportInterval > 0 arms the pcap-time report trigger (MONINTTMPCP):
	// Hooks.ReportDue and Hooks.Gap fire on capture-time boundaries.
	ReportInterval packet.Time
	GapFill        bool // MONGAPFILL: one report per elapsed boundary

	// Retire builds the flow records on a retire goroutine when every
	// terminating plugin allows it (plugin.ConcurrentTerminator); the
	// caller must then Sync before reading the plugins' aggregates
	// between batches (reports).
	Retire bool
	// RetireChunk is the number of slots handed to the retire goroutine
	// at once (0: 512). Small values make it run alongside the packet
	// goroutine even on small captures (tests, with -race).
	RetireChunk int

	// FlowIndex, when set, numbers flows across several engines (one
	// per capture worker), so findex values are unique in the run.
	FlowIndex *atomic.Uint64
}

// Hooks is how the engine reports upward. All calls come from the
// goroutine that calls Process, so they may read the engine's state.
type Hooks interface {
	// FirstPacket: the first packet of the run is about to be handled.
	FirstPacket(ts packet.Time)
	// ReportDue: the packet just handled crossed a report boundary.
	ReportDue()
	// Gap: a report boundary at capture time at passed without packets;
	// ActTime is at during the call.
	Gap(at packet.Time)
	// BatchDone: a batch with packets was handled (progress display).
	BatchDone()
	// Idle: a live source had nothing for a while (the clock moved on),
	// or a -D series is waiting for its next file.
	Idle()
	// FileOpened: the packet stream reached a new file (or interface).
	FileOpened(ci capture.Info)
	// FileError: one file of a list or series could not be read to its
	// end; the input goes on with the next file.
	FileError(err error)
	// Info and Warn are notices for the report stream.
	Info(msg string)
	Warn(msg string)
}

// Engine is one packet path: one source, one flow table, one set of
// plugin instances.
type Engine struct {
	opt   Options
	hooks Hooks

	src     capture.Source
	dec     *decode.Decoder
	descIDs packet.DescIDs // numbers header descriptions (reader goroutine)
	table   *flow.Table
	c       *counters.Counters
	frags   fragTable
	trig    *PcapTrigger
	gapFn   func(packet.Time)
	release func(*flow.Flow)

	// Plugin hooks by capability, in plugin-number order.
	prep        []plugin.Preparer // called by the reader goroutine (decodeBatch)
	newFlow     []plugin.NewFlowHandler
	l2          []plugin.Layer2Handler
	l4          []plugin.Layer4Handler
	terms       []plugin.FlowTerminator
	releasers   []plugin.FlowReleaser
	prefetchers []plugin.Prefetcher
	// relPrefetchers: the FlowReleasers that prefetch for their release.
	relPrefetchers []plugin.ReleasePrefetcher
	// newPrefetchers: the NewFlowHandlers that prefetch for OnNewFlow,
	// their requests collected in npb.
	newPrefetchers []plugin.NewFlowPrefetcher
	npb            prefetch.Batch
	pktCols        []plugin.PacketColumns
	pb             prefetch.Batch // the packet loop's prefetches, issued once per packet

	rec record.Writer // flow record being built (deferred form when sinks exist)
	// retiring: the records are built on a retire goroutine (retire.go),
	// started at the first release; retire is nil before.
	retiring bool
	retire   *retirer
	out      *flowOut      // renders flow records and feeds the sinks; nil without sinks
	prec     record.Writer // packet line being built
	pktOut   io.Writer     // -s packet lines; nil = off

	// Time keeping.
	firstTS     packet.Time
	haveFirst   bool
	actTime     packet.Time // last packet (or idle refresh on live links)
	lastPktWall time.Time
	reportAfter bool

	noNewFlows      bool
	halt            atomic.Bool // stop handling packets (flush requested)
	aborted         atomic.Bool // stop writing flow records too
	autopilotWarned bool

	// Reader goroutine.
	full      chan batchMsg
	free      chan *batch
	stopCh    chan struct{}
	stopped   bool
	readDone  chan struct{}
	abandoned bool // Stop gave up waiting for a blocked reader
	curFile   uint16
	files     fileQueue
}

// New builds an engine. Plugins are added with SetPlugins (after their
// Init, which needs Table and Counters), the source with SetSource.
func New(opt Options, hooks Hooks) *Engine {
	if opt.Capacity < 1 {
		opt.Capacity = 1
	}
	if opt.HashFactor < 1 {
		opt.HashFactor = 1
	}
	e := &Engine{opt: opt, hooks: hooks}
	e.c = counters.New()
	e.table = flow.NewTable(opt.Capacity, opt.FlowTimeout)
	if opt.FlowIndex != nil {
		e.table.ShareIndex(opt.FlowIndex)
	}
	e.dec = decode.New(decode.Options{})
	e.release = e.releasePair
	e.gapFn = e.gap
	e.frags.init()
	e.stopCh = make(chan struct{})
	e.SetReportInterval(opt.ReportInterval, opt.GapFill)
	e.rec.Disabled = true
	return e
}

// Table is the flow table (plugins size their per-flow state by it).
func (e *Engine) Table() *flow.Table { return e.table }

// Counters are this engine's global statistics (read them between
// batches, on the goroutine calling Process).
func (e *Engine) Counters() *counters.Counters { return e.c }

// FirstPacket returns the first packet's time and whether there was one.
func (e *Engine) FirstPacket() (packet.Time, bool) { return e.firstTS, e.haveFirst }

// ActTime is the engine's clock: the last packet's time, or the wall clock
// on an idle live link.
func (e *Engine) ActTime() packet.Time { return e.actTime }

// FlowsInMemory is the number of flows in the table.
func (e *Engine) FlowsInMemory() int { return e.table.Len() }

// LinkSupported reports whether packets of link type lt are dissected.
func (e *Engine) LinkSupported(lt uint16) bool { return e.dec.Supported(lt) }

// SetReportInterval (re)arms the pcap-time report trigger; iv <= 0 turns
// it off.
func (e *Engine) SetReportInterval(iv packet.Time, gapFill bool) {
	e.trig = nil
	if iv > 0 {
		e.trig = &PcapTrigger{Interval: iv, GapFill: gapFill}
	}
}

// StopNewFlows makes the engine create no more flows (first SIGINT).
func (e *Engine) StopNewFlows() { e.noNewFlows = true }

// NewFlowsStopped reports whether StopNewFlows was called.
func (e *Engine) NewFlowsStopped() bool { return e.noNewFlows }

// Halt stops packet handling at the next packet; safe from any goroutine.
func (e *Engine) Halt() { e.halt.Store(true) }

// Abort stops packet handling and the writing of flow records (flows are
// still released, so plugins' totals stay right); safe from any goroutine.
func (e *Engine) Abort() {
	e.aborted.Store(true)
	e.halt.Store(true)
}

// Aborted reports whether Abort was called.
func (e *Engine) Aborted() bool { return e.aborted.Load() }

// SetPacketOutput makes the engine write one line per packet of a flow
// to w (-s), header first; call it before SetPlugins.
func (e *Engine) SetPacketOutput(w io.Writer) { e.pktOut = w }

// Stopping is closed when Stop is called: give it to the capture source
// (capture.Options.Stop), so a waiting -D series or live read returns.
func (e *Engine) Stopping() <-chan struct{} { return e.stopCh }

// SetPlugins sorts the (initialised) plugins by the hooks they implement
// and starts the sinks with start completed by the flow-file column list
// (core columns first). It must be called once, before Start.
func (e *Engine) SetPlugins(plugins []plugin.Plugin, start plugin.SinkStart) error {
	cols := []record.Column{
		{Name: "dir", Type: "C", Desc: "Flow direction"},
		{Name: "flowInd", Type: "U64", Desc: "Flow index"},
	}
	var sinks []plugin.Sink
	var recSinks []plugin.RecordSink
	for _, p := range plugins {
		if x, ok := p.(plugin.FlowColumns); ok {
			cols = append(cols, x.Columns()...)
		}
		if x, ok := p.(plugin.Preparer); ok {
			e.prep = append(e.prep, x)
		}
		if x, ok := p.(plugin.NewFlowHandler); ok {
			e.newFlow = append(e.newFlow, x)
		}
		if x, ok := p.(plugin.Layer2Handler); ok {
			e.l2 = append(e.l2, x)
		}
		if x, ok := p.(plugin.Layer4Handler); ok {
			e.l4 = append(e.l4, x)
		}
		if x, ok := p.(plugin.FlowTerminator); ok {
			e.terms = append(e.terms, x)
		}
		if x, ok := p.(plugin.FlowReleaser); ok {
			e.releasers = append(e.releasers, x)
		}
		if x, ok := p.(plugin.Prefetcher); ok {
			e.prefetchers = append(e.prefetchers, x)
		}
		if x, ok := p.(plugin.ReleasePrefetcher); ok {
			e.relPrefetchers = append(e.relPrefetchers, x)
		}
		if x, ok := p.(plugin.NewFlowPrefetcher); ok {
			e.newPrefetchers = append(e.newPrefetchers, x)
		}
		if x, ok := p.(plugin.PacketColumns); ok && e.pktOut != nil {
			e.pktCols = append(e.pktCols, x)
		}
		if x, ok := p.(plugin.Sink); ok {
			sinks = append(sinks, x)
		}
		if x, ok := p.(plugin.RecordSink); ok {
			recSinks = append(recSinks, x)
		}
	}
	// The plugins have allocated their per-flow state (Init) and not
	// written most of it yet.
	useHugePages()
	if len(e.prefetchers) > 0 {
		e.table.SetTailPrefetch(e.prefetchSlot)
	}
	switch len(e.relPrefetchers) {
	case 0:
	case 1: // connStat: no loop, one indirect call less
		e.table.SetReleasePrefetch(e.relPrefetchers[0].PrefetchRelease)
	default:
		e.table.SetReleasePrefetch(e.prefetchRelease)
	}
	start.Columns = cols
	for _, s := range sinks {
		if err := s.StartSink(start); err != nil {
			return err
		}
	}
	for _, s := range recSinks {
		if err := s.StartSink(start); err != nil {
			return err
		}
	}
	// Without a sink nothing reads flow records: skip rendering them.
	e.rec.Disabled = len(sinks) == 0 && len(recSinks) == 0
	if !e.rec.Disabled {
		e.rec.Deferred = true
		e.out = newFlowOut(sinks, recSinks)
	}
	e.retiring = e.opt.Retire && canRetire(e.terms)
	if e.retiring {
		// The packet goroutine no longer reads a released flow's
		// plugin state; the retire goroutine prefetches it.
		e.table.SetTailStatePrefetch(false)
	}
	if e.pktOut != nil {
		hdr := "%pktNo\tflowInd"
		for _, pc := range e.pktCols {
			for _, c := range pc.PacketColumns() {
				hdr += "\t" + c
			}
		}
		if _, err := io.WriteString(e.pktOut, hdr+"\tl7Content\n"); err != nil {
			return err
		}
	}
	return nil
}

// prefetchSlot lets the plugins queue their state of the flow in slot.
// It runs when a flow becomes an LRU tail (Table.SetTailPrefetch): the
// release that follows reads all of it; and for the slot the next new
// flow takes, whose state OnNewFlow writes. (Doing the same for every packet
// a few packets ahead measured slower: the per-packet state is mostly in
// cache already, and the extra prefetches crowd the CPU's miss buffers.)
func (e *Engine) prefetchSlot(slot int32, b *prefetch.Batch) {
	for _, p := range e.prefetchers {
		p.PrefetchSlot(slot, b)
	}
}

// prefetchRelease lets the plugins queue what releasing the flow in slot
// touches (plugin.ReleasePrefetcher; Table.SetReleasePrefetch calls it as
// the LRU tails move).
func (e *Engine) prefetchRelease(slot int32, stage int, b *prefetch.Batch) {
	for _, p := range e.relPrefetchers {
		p.PrefetchRelease(slot, stage, b)
	}
}

// Finish releases every flow still in memory (least recently used first)
// and writes the flow records still queued. It returns the first sink
// error. Call it once, after the last Process.
func (e *Engine) Finish() error {
	e.releaseAll()
	var err error
	if e.retire != nil {
		err = e.retire.close()
	}
	if e.out == nil {
		return err
	}
	if oerr := e.out.close(); err == nil {
		err = oerr
	}
	return err
}

// gap is the trigger's callback for an empty report interval.
func (e *Engine) gap(at packet.Time) {
	e.Sync()
	save := e.actTime
	e.actTime = at
	e.hooks.Gap(at)
	e.actTime = save
}

// AdvanceClock moves the engine's clock to t (if later) and releases the
// flows that timed out by then: on a quiet live link the clock follows
// the wall clock.
func (e *Engine) AdvanceClock(t packet.Time) {
	if t > e.actTime {
		e.actTime = t
		e.table.Expired(t, e.release)
	}
}

// LastPacketWall is the wall-clock time the last batch with packets was
// handled (the start of the run before the first).
func (e *Engine) LastPacketWall() time.Time { return e.lastPktWall }
