// Package plugin defines what an analyzer plugin can do and keeps the
// registry of compiled-in plugins. A plugin is a package that calls
// Register in its init function; pkg/plugins/all imports every plugin so
// the analyzer never names a concrete one.
//
// A plugin implements Plugin and any of the optional interfaces below; the
// analyzer calls them in plugin-number order (T2's numbers: protoStats 1,
// basicFlow 100, basicStats 120, tcpStates 132, ftpDecode 301, txtSink
// 901), which is also the order of flow-file columns and report lines.
package plugin

import (
	"fmt"
	"io"
	"sort"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// Plugin is the minimum every plugin provides.
type Plugin interface {
	Name() string
	Number() int // T2 plugin number; orders plugins
}

// Config gives read access to configuration values; component is the
// plugin's name (its configs/<name>.toml) or "tranalyzer2".
type Config interface {
	Int(component, key string) int64
	Float(component, key string) float64
	Bool(component, key string) bool
	String(component, key string) string
}

// Int returns the integer setting key of component, or def when the
// plugin runs without a configuration (unit tests).
func (e *Env) Int(component, key string, def int64) int64 {
	if e.Config == nil {
		return def
	}
	return e.Config.Int(component, key)
}

// Logger prints [INF]/[WRN] lines on the report stream.
type Logger interface {
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
}

// Env is what a plugin gets at initialisation.
type Env struct {
	Config        Config
	Log           Logger
	Table         *flow.Table        // the flow table (Capacity sizes per-flow state)
	Counters      *counters.Counters // global counters (read only)
	Prefix        string             // output prefix (files are Prefix + suffix)
	PacketMode    bool               // -s
	FlowsToStdout bool               // -w -: the flow file goes to Stdout
	Stdout        io.Writer
	Split         SplitSpec  // -W rotation; zero = no split
	HeaderInfo    HeaderInfo // for _headers.txt
	// Columns is the complete flow-file column list (core + all plugins),
	// filled before sinks are initialised.
	Columns []record.Column
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

// FlowTerminator is called when a flow is released; it appends its
// columns to w (w.Disabled when no sink writes flows, but the plugin must
// still update its aggregate statistics).
type FlowTerminator interface {
	OnFlowTerminate(f *flow.Flow, w *record.Writer)
}

// Prefetcher is implemented by plugins whose per-flow state lives in
// slot-indexed slices. The core calls PrefetchSlot a little before it
// calls the plugin for that slot (when the flow became the next to be
// released), so the state is in cache by then. It
// must only add the state's addresses to b: change nothing, and read
// nothing but the slices' own headers.
type Prefetcher interface {
	PrefetchSlot(slot int32, b *prefetch.Batch)
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

// Sink writes finished flow records. StartSink is called once after every
// plugin's Init with the complete column list (core columns first); then
// WriteFlow receives each record as one line without newline.
type Sink interface {
	StartSink(columns []record.Column) error
	WriteFlow(line []byte) error
}

// Finisher is called at the end of the run (after the end report lines
// were collected) to flush and close files.
type Finisher interface{ Finish() error }

// Descriptor names a compiled-in plugin and makes fresh instances of it
// (plugins are stateful, one instance per run).
type Descriptor struct {
	Name    string
	Number  int
	Version string
	New     func() Plugin
}

var registry = map[string]Descriptor{}

// Register adds a plugin; it panics on duplicate names (a programming
// error caught at start-up by every test).
func Register(d Descriptor) {
	if _, dup := registry[d.Name]; dup {
		panic(fmt.Sprintf("plugin %q registered twice", d.Name))
	}
	registry[d.Name] = d
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
