// Package plugin defines what an analyzer plugin can do and keeps the
// registry of compiled-in plugins. A plugin is a package that calls
// Register in its init function; pkg/plugins/all imports every plugin so
// the analyzer never names a concrete one.
//
// A plugin implements any of the hook interfaces below; the analyzer
// calls them in plugin-number order (T2's numbers), which is also the
// order of flow-file columns and report lines. docs/writing-a-plugin.md
// shows a whole plugin.
package plugin

import (
	"fmt"
	"io"
	"sort"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugins"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// Plugin is one run's instance of a plugin. It implements the hook
// interfaces below that it needs (each plugin package asserts them at
// compile time, e.g. var _ plugin.Layer4Handler = (*X)(nil), so a
// mistyped method cannot silently drop a hook). Its name and number are
// its Descriptor's, read from the header of its default file.
type Plugin any

// Logger prints [INF]/[WRN] lines on the report stream.
type Logger interface {
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
}

// Env is what a plugin gets at initialisation.
type Env struct {
	// Settings are this plugin's own settings (its <pluginName>.toml with
	// the user's overrides); Core are the core's (tranalyzer2.toml).
	Settings *Settings
	Core     *Settings
	// Files reads the data files a plugin shares with the user's config
	// folders (proto.txt, ...); nil in unit tests that need none.
	Files      Files
	Log        Logger
	Table      *flow.Table        // the flow table (Capacity sizes per-flow state)
	Counters   *counters.Counters // global counters (read only)
	Prefix     string             // output prefix (files are Prefix + suffix)
	PacketMode bool               // -s
}

// Files gives a plugin the user's copy of a data file.
type Files interface {
	// UserFile returns the user's copy of name (plugin folder, then config
	// home), read with the checks and size limit of the config files;
	// found is false when the user has none (then the plugin uses its
	// embedded default).
	UserFile(name string) (data []byte, found bool, err error)
	// ProtoDescriptions returns column 3 of the core's protocol file
	// (MONPROTFL) for IP protocols 0..255.
	ProtoDescriptions() ([256]string, error)
}

// SplitSpec is -W PREFIX[:SIZE][,START].
type SplitSpec struct {
	Enabled    bool
	Size       uint64 // bytes, or flows when CountFlows
	CountFlows bool
	Start      uint64
}

// HeaderInfo is the preamble of _headers.txt.
type HeaderInfo struct {
	Lines   []string // "# Date: ...", "# Tranalyzer ...", ... without the plugin list
	Plugins []string // "01: protoStats, version 0.9.3" ...
}

// Initer is called once before the first packet.
type Initer interface{ Init(env *Env) error }

// FlowColumns declares the plugin's flow-file columns, in output order.
type FlowColumns interface{ Columns() []record.Column }

// Per-packet calls: the core ORs the packet's Status into f.Status and
// increments f.NumPkts before calling plugins, and sets f.Last to the
// packet time after all plugins ran (so during the calls f.Last is the
// previous packet's time, or f.First for a new flow).

// NewFlowHandler is called when a flow is created (before the packet's
// OnLayer2/OnLayer4 call).
type NewFlowHandler interface {
	OnNewFlow(p *packet.Packet, f *flow.Flow)
}

// Layer2Handler is called for packets of layer-2 (non-IP) flows.
type Layer2Handler interface {
	OnLayer2(p *packet.Packet, f *flow.Flow)
}

// Layer4Handler is called for packets of IP flows.
type Layer4Handler interface {
	OnLayer4(p *packet.Packet, f *flow.Flow)
}

// Preparer is called for every packet right after it is dissected, on
// the reader goroutine (the engine's decodeBatch, also in each capture
// worker), before any other hook sees the packet. It is for per-packet
// work that needs only the packet's bytes and dissection and the plugin's
// configuration (e.g. checksum sums), which then overlaps with the packet
// goroutine's flow work and brings the packet's bytes into cache.
//
// Prepare runs concurrently with the plugin's other hooks, which handle
// earlier packets meanwhile: it must read nothing but p and settings
// fixed at Init, write nothing but its own fields of p.Prep
// (packet.Prepared, where each field names its plugin), and touch no
// per-flow, counter or other mutable plugin state. It must not allocate.
// Values must not depend on whether Prepare ran: a later hook that finds
// its p.Prep flag unset (a caller outside the engine) computes the value
// itself, with the same function.
type Preparer interface {
	Prepare(p *packet.Packet)
}

// FlowTerminator is called when a flow is released; it appends its
// columns to w (w.Disabled when no sink writes flows, but the plugin must
// still update its aggregate statistics).
type FlowTerminator interface {
	OnFlowTerminate(f *flow.Flow, w *record.Writer)
}

// FlowReleaser is called on the packet goroutine when a flow leaves the
// table (pairs in the order their records are written), before the
// flow's OnFlowTerminate. It is for the part of a release that touches
// state shared between flows (connStat's host, pair and port tables):
// the plugin does it here and keeps what its columns need in the flow's
// slot, so that OnFlowTerminate can run concurrently.
type FlowReleaser interface {
	OnFlowRelease(f *flow.Flow)
}

// ConcurrentTerminator marks a FlowTerminator whose OnFlowTerminate may
// run on the engine's retire goroutine instead of the packet goroutine,
// concurrently with the packet hooks of other flows. The engine does so
// only when every terminating plugin of the run is one. The contract:
//
//   - The calls come on one goroutine, in release order, after the flow
//     (and its opposite, which leaves with it) left the table; the slots
//     are not reused until the calls of both returned.
//   - OnFlowTerminate may read f, f's opposite flow, the plugin's state
//     in both slots, its settings and what Init built read-only, and it
//     may write its state in both slots (the two terminations of a pair
//     run one after the other on the same goroutine).
//   - It may update aggregates that only OnFlowTerminate writes; the
//     engine finishes all pending terminations before any Report,
//     Monitor or Finish call and before the ReportDue and Gap hooks.
//   - It must not touch anything the packet goroutine's hooks (Prepare,
//     OnNewFlow, OnLayer2, OnLayer4, OnFlowRelease, WritePacket) read or
//     write for other flows: shared tables, pools, scratch buffers,
//     prefetch batches. Such work belongs in OnFlowRelease.
type ConcurrentTerminator interface {
	FlowTerminator
	ConcurrentTerminate()
}

// Prefetcher is implemented by plugins whose per-flow state lives in
// slot-indexed slices. The core calls PrefetchSlot a little before it
// calls the plugin for that slot (when the flow became the next to be
// released, or the slot the next new flow takes), so the state is in
// cache by then. It
// must only add the state's addresses to b: change nothing, and read
// nothing but the slices' own headers.
type Prefetcher interface {
	PrefetchSlot(slot int32, b *prefetch.Batch)
}

// ReleasePrefetcher is implemented by FlowReleasers whose OnFlowRelease
// reads memory outside the flow's slot (connStat's shared tables): the
// engine calls PrefetchRelease for the flows the LRU order releases
// next, so that OnFlowRelease finds those lines in cache. It runs in two
// stages, on the packet goroutine, a release or so apart: stage 0 for a
// flow two releases ahead must only add the addresses of the plugin's
// state in slot (read nothing but the slices' own headers, as
// PrefetchSlot); stage 1, one release ahead, may read that state (the
// stage 0 call requested it) and add the addresses of what it points at.
// Neither may change anything. The calls are hints: a flow may see a
// packet and not be released after all, or be released with no call, so
// OnFlowRelease must not rely on them.
type ReleasePrefetcher interface {
	FlowReleaser
	PrefetchRelease(slot int32, stage int, b *prefetch.Batch)
}

// NewFlowPrefetcher is implemented by NewFlowHandlers whose OnNewFlow
// reads memory that depends on the flow's key (connStat's index cells):
// the engine calls PrefetchNewFlow for a new flow before any plugin's
// OnNewFlow, so the lines load while the plugins before it work. Like
// PrefetchSlot it must only add addresses to b: it may read p, f and
// the plugin's settings and slice headers, and change nothing.
type NewFlowPrefetcher interface {
	NewFlowHandler
	PrefetchNewFlow(p *packet.Packet, f *flow.Flow, b *prefetch.Batch)
}

// PacketColumns adds columns to the packet file (-s).
type PacketColumns interface {
	PacketColumns() []string
	// WritePacket appends this packet's values (after all plugins saw it).
	WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer)
}

// Reporter adds lines to the end report (PLUGIN_REPORT=1).
type Reporter interface{ Report(r *report.Writer) }

// Monitor contributes to periodic/USR1 reports.
type Monitor interface {
	// MonitorColumns names the machine-report columns.
	MonitorColumns() []string
	// MonitorValues appends exactly len(MonitorColumns()) fields. In diff
	// mode it reports the change since its previous call and updates its
	// snapshot.
	MonitorValues(w *record.Writer, diff bool)
	// MonitorReport prints the human USR1 lines.
	MonitorReport(r *report.Writer, diff bool)
}

// Combiner says how the values of the plugin's report lines (Reporter,
// Monitor) and machine columns add up when several capture workers each
// run an instance (t2 -i IFACE -j N). Plugins that do not implement it
// are combined with report.CombineSum: counts add up, hexadecimal flags
// are ORed, percentages of the run's totals add up. State written at
// Finish (files) is merged the same way before the first worker's
// instance finishes: see docs/plugins.md.
type Combiner interface{ ReportCombine() report.Combine }

// SinkStart is what a sink needs to open its output.
type SinkStart struct {
	// Columns is the complete flow-file column list (core columns first).
	Columns []record.Column
	Prefix  string // output prefix (-w)
	// Stdout is where flows go with -w - (nil otherwise).
	Stdout io.Writer
	Split  SplitSpec  // -W rotation; zero = no split
	Header HeaderInfo // for _headers.txt
}

// Sink writes finished flow records. StartSink is called once after every
// plugin's Init; then WriteFlow receives each record as one line without
// newline.
type Sink interface {
	StartSink(s SinkStart) error
	WriteFlow(line []byte) error
}

// RecordSink is a sink that takes each flow record in its deferred
// binary form (record.Writer.Deferred: typed raw values) instead of text,
// for encodings that need the exact values (jsonSink prints floats with
// 17 digits where the text has 7). StartSink is as for Sink; the record
// passed to WriteRecord is only valid during the call.
type RecordSink interface {
	StartSink(s SinkStart) error
	WriteRecord(ops []byte) error
}

// Finisher is called at the end of the run (after the end report lines
// were collected) to flush and close files.
type Finisher interface{ Finish() error }

// Descriptor describes a compiled-in plugin and makes fresh instances of
// it (plugins are stateful, one instance per run). A plugin package fills
// Defaults (its embedded <pluginName>.toml), Version and New; Register
// sets Name and Number from the Defaults' header.
type Descriptor struct {
	Defaults []byte
	Version  string
	New      func() Plugin

	Name   string // from "# plugin: NAME NUMBER"; set by Register
	Number int
}

var registry = map[string]Descriptor{}

// Register adds a plugin and returns its Descriptor with Name and Number
// filled in. It panics on a bad header or a duplicate name: a programming
// error every test run catches at start-up.
func Register(d Descriptor) Descriptor {
	name, number, err := plugins.ParseHeader(d.Defaults)
	if err != nil {
		panic(fmt.Sprintf("plugin.Register: %v", err))
	}
	if d.New == nil || d.Version == "" {
		panic(fmt.Sprintf("plugin.Register: %s needs New and Version", name))
	}
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("plugin %q registered twice", name))
	}
	d.Name, d.Number = name, number
	registry[name] = d
	return d
}

// All returns the registered plugins ordered by number.
func All() []Descriptor {
	out := make([]Descriptor, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Lookup returns the plugin registered under name.
func Lookup(name string) (Descriptor, bool) {
	d, ok := registry[name]
	return d, ok
}
