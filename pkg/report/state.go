package report

import (
	"time"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

// Input kinds, mirroring capture.Kind without importing it.
const (
	InputFile = iota
	InputStdin
	InputList
	InputSeries
	InputLive
)

// Input describes what the analyzer reads, for the input block of reports.
type Input struct {
	Kind      int
	Name      string // -r file, -R list, -D expression, -i interface
	File      string // current file
	FileIndex int    // 1-based, lists
	FileCount int
	LinkName  string // "EN10MB"
	LinkDesc  string // "Ethernet"
	LinkType  uint16
	SnapLen   uint32
	TotalSize int64 // bytes of all inputs, 0 when unknown
	FileSize  int64
	Files     int // files opened so far
	// Live counters (libpcap), cumulative.
	HasStats                     bool
	Received, Dropped, IfDropped uint64

	BPF      string // capture filter, "" = none
	RxBufLen int    // -i receive buffer length in bytes, 0 = not shown
}

// FlowTypes says which flows are created, for the banner line
// "[INF] Creating flows for L2, IPv4, IPv6".
type FlowTypes struct {
	L2    bool // ETH_ACTIVATE > 0
	LAPD  bool
	IPv4  bool // IPV6_ACTIVATE 0 or 2
	IPv6  bool // IPV6_ACTIVATE 1 or 2
	SCTP  bool // SCTP_ACTIVATE > 0
	Alarm bool // ALARM_MODE
	Force bool // FORCE_MODE
}

// State is everything a report prints. The analyzer fills it from one
// consistent snapshot taken in its packet loop.
type State struct {
	// C holds the counters of the reported interval: absolute since the
	// start, or the difference since the previous report in diff mode.
	C *counters.Counters
	// Total holds the cumulative counters (progress, header statistics,
	// globalWarn).
	Total *counters.Counters

	Diff     bool // DIFF_REPORT=1 (the report type letter is D)
	Machine  bool
	Version  string // "0.9.3"
	Codename string // "Cobra"
	PID      int
	SensorID uint32
	Input    Input

	FirstPacket   packet.Time // pcap time of the first packet (0 = none yet)
	ActTime       packet.Time // time of the last packet
	IntervalStart packet.Time // first packet, or the previous report's ActTime in diff mode
	Start         time.Time   // wall clock just before the packet loop
	Now           time.Time   // wall clock of the report

	FlowsInMemory int
	MaxFlows      int // peak flows in memory
	Capacity      int // flow table capacity
	PeakRSSKB     int64
	PhysMemKB     int64

	PluginReport bool          // PLUGIN_REPORT
	Plugins      func(*Writer) // writes the plugins' lines (end report or USR1 lines)
	// Monitored protocols for the machine report, in configured order.
	L2Protos   []uint16
	L3Protos   []uint8
	L3Names    [256]string // MONPROTMD=1 names ("TCP"); empty = use the number
	ProtoNames bool        // MONPROTMD
	// Plugin machine columns and values.
	PluginCols   []string
	PluginValues func(w *record.Writer) // appends exactly len(PluginCols) fields

	// Machine report in diff mode: growth of the peak RSS (KB) and net
	// change of the flows in memory since the previous report. Ignored in
	// absolute mode, where PeakRSSKB and FlowsInMemory are printed.
	MemDeltaKB int64
	FillDelta  int64

	// Banner.
	Prio      int // nice value (-P)
	CPU       int // -c: CPU the process is pinned to
	HasCPU    bool
	FlowTypes FlowTypes

	// NoHdrDesc hides the "Headers count" line (T2_PRI_HDRDESC=0); the
	// zero value keeps T2's default.
	NoHdrDesc bool
	// FragIgnoreTrailing: fragments whose head packet is missing are
	// dropped rather than given a crafted head (FRAG_HLST_CRFT=0); adds
	// ", trailing packets ignored" to the fragmentation warning.
	FragIgnoreTrailing bool
}
