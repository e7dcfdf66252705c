// Package basicstats is the basicStats plugin (T2 number 120): per-flow
// packet and byte counts, packet-length and inter-arrival-time statistics,
// rates and the asymmetry between the two directions, plus the "Flow max"
// and "Biggest talker" report lines.
//
// The statistics use T2's running estimates in float32, so the printed
// values (C's %.7g) agree with T2 digit for digit: for the n-th value x,
//
//	m = x - avg;  avg += m/n;  var += (m*m - var)/n
//
// with avg starting at the first value and var at 0. This var is not the
// textbook variance; it is what T2 prints the square root of.
package basicstats

import (
	_ "embed"
	"errors"
	"math"
	"strconv"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed basicStats.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of basicStats.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &BasicStats{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer         = (*BasicStats)(nil)
	_ plugin.FlowColumns    = (*BasicStats)(nil)
	_ plugin.NewFlowHandler = (*BasicStats)(nil)
	_ plugin.Layer2Handler  = (*BasicStats)(nil)
	_ plugin.Layer4Handler  = (*BasicStats)(nil)
	_ plugin.FlowTerminator = (*BasicStats)(nil)
	_ plugin.Prefetcher     = (*BasicStats)(nil)
	_ plugin.PacketColumns  = (*BasicStats)(nil)
	_ plugin.Reporter       = (*BasicStats)(nil)
	_ plugin.Monitor        = (*BasicStats)(nil)

	_ plugin.ConcurrentTerminator = (*BasicStats)(nil)
)

// flowStats is one flow's state, indexed by slot: 64 bytes, so each
// flow's state is one cache line of the (page-aligned) slice, not two
// for most flows as at 56 bytes.
type flowStats struct {
	pkts   uint64
	bytes  uint64
	pad    uint64
	minL   uint16
	maxL   uint16
	opp    int32 // the opposite flow's slot at creation, or flow.None
	avgL   float32
	varL   float32
	minIAT float32
	maxIAT float32
	avgIAT float32
	varIAT float32
	_      [8]byte
}

// talker remembers the flow with the largest value of one kind. As in
// T2 it starts at 0, so a flow must have a value above 0 to be taken, and
// ties keep the earlier flow.
type talker struct {
	val   uint64
	ipVer uint8 // 0 for a MAC address
	addr  [16]byte
}

func (t *talker) offer(v uint64, ipVer uint8, addr *[16]byte) {
	if v > t.val {
		t.val, t.ipVer, t.addr = v, ipVer, *addr
	}
}

// BasicStats is one run's instance of the plugin.
type BasicStats struct {
	revCnt   bool
	padOn    bool
	statsOn  bool
	lenLayer int64              // PACKETLENGTH: 0 L2, 1 L3, 2 L4, 3 L7
	counters *counters.Counters // the run's totals (nil in some tests)

	st []flowStats

	// aggregates over released flows, for the reports
	maxLoad    float32
	maxBps     float32
	maxBpsPkts uint64
	l2Pkts     talker
	l2Bytes    talker
	l3Pkts     talker
	l3Bytes    talker
}

// Init reads the configuration and sizes the per-flow state.
func (b *BasicStats) Init(env *plugin.Env) error {
	if env.Table == nil {
		return errors.New("basicStats: no flow table")
	}
	b.counters = env.Counters
	b.revCnt = env.Settings.Bool("BS_REV_CNT")
	b.padOn = env.Settings.Bool("BS_PAD")
	b.statsOn = env.Settings.Bool("BS_STATS")
	b.lenLayer = env.Core.Int("PACKETLENGTH")
	if b.lenLayer < 0 || b.lenLayer > 3 {
		b.lenLayer = 3
	}
	b.st = make([]flowStats, env.Table.Capacity())
	flow.PerSlot(env.Table, b.st)
	return nil
}

// layerDigit is the digit in the column names: l2, l3, l4 or l7.
func (b *BasicStats) layerDigit() string {
	return strconv.Itoa([]int{2, 3, 4, 7}[b.lenLayer])
}

// Columns declares the flow-file columns.
func (b *BasicStats) Columns() []record.Column {
	d := b.layerDigit()
	c := []record.Column{{Name: "pktsSnt", Type: "U64", Desc: "Number of transmitted packets"}}
	if b.revCnt {
		c = append(c, record.Column{Name: "pktsRcvd", Type: "U64", Desc: "Number of received packets"})
	}
	if b.padOn {
		c = append(c, record.Column{Name: "padBytesSnt", Type: "I64", Desc: "Number of transmitted padding bytes"})
	}
	c = append(c, record.Column{Name: "l" + d + "BytesSnt", Type: "U64", Desc: "Number of transmitted layer " + d + " bytes"})
	if b.revCnt {
		c = append(c, record.Column{Name: "l" + d + "BytesRcvd", Type: "U64", Desc: "Number of received layer " + d + " bytes"})
	}
	if b.statsOn {
		c = append(c,
			record.Column{Name: "minL" + d + "PktSz", Type: "U16", Desc: "Minimum layer " + d + " packet size"},
			record.Column{Name: "maxL" + d + "PktSz", Type: "U16", Desc: "Maximum layer " + d + " packet size"},
			record.Column{Name: "avgL" + d + "PktSz", Type: "F", Desc: "Average layer " + d + " packet size"},
			record.Column{Name: "stdL" + d + "PktSz", Type: "F", Desc: "Standard deviation layer " + d + " packet size"},
			record.Column{Name: "minIAT", Type: "F", Desc: "Minimum IAT"},
			record.Column{Name: "maxIAT", Type: "F", Desc: "Maximum IAT"},
			record.Column{Name: "avgIAT", Type: "F", Desc: "Average IAT"},
			record.Column{Name: "stdIAT", Type: "F", Desc: "Standard deviation IAT"},
			record.Column{Name: "pktps", Type: "F", Desc: "Sent packets per second"},
			record.Column{Name: "bytps", Type: "F", Desc: "Sent bytes per second"},
			record.Column{Name: "pktAsm", Type: "F", Desc: "Packet stream asymmetry"},
			record.Column{Name: "bytAsm", Type: "F", Desc: "Byte stream asymmetry"},
		)
	}
	return c
}

// PacketColumns declares the packet-file columns (-s); T2 prints padLen
// whatever BS_PAD says.
func (b *BasicStats) PacketColumns() []string {
	return []string{"pktLen", "snapL3Len", "snapL4Len", "snapL7Len", "l3Len", "udpLen", "l7Len", "padLen"}
}

// WritePacket appends the packet's lengths.
func (b *BasicStats) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if w.Disabled {
		return
	}
	w.U64(uint64(p.WireLen))
	w.U64(uint64(p.SnapL3Len))
	w.U64(uint64(p.SnapL4Len))
	w.U64(uint64(p.SnapL7Len))
	w.U64(uint64(p.L3Len))
	w.U64(uint64(p.UDPLen))
	w.U64(uint64(p.L7Len))
	w.U64(uint64(p.PadLen))
}

// length is the packet length PACKETLENGTH selects. Packets without an
// IP header count their payload for the L3 and L4 choices.
func (b *BasicStats) length(p *packet.Packet) uint32 {
	switch b.lenLayer {
	case 0:
		return p.WireLen
	case 1:
		if p.IPVer != 0 {
			return p.L3Len
		}
	case 2:
		if p.IPVer != 0 {
			if p.L3Len >= uint32(p.IPHdrLen) {
				return p.L3Len - uint32(p.IPHdrLen)
			}
			return 0
		}
	}
	return p.L7Len
}

// OnNewFlow resets the slot and remembers the pairing, so a flow still
// finds its opposite's counts if the core unlinks the pair before both
// records are written.
func (b *BasicStats) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(b.st) {
		return
	}
	b.st[f.Slot] = flowStats{opp: f.Opposite}
	if f.Opposite != flow.None && int(f.Opposite) < len(b.st) {
		b.st[f.Opposite].opp = f.Slot
	}
}

// PrefetchSlot implements plugin.Prefetcher.
func (b *BasicStats) PrefetchSlot(slot int32, pb *prefetch.Batch) {
	if int(slot) < len(b.st) {
		pb.Add(unsafe.Pointer(&b.st[slot]))
	}
}

// OnLayer2 handles packets of layer-2 flows.
func (b *BasicStats) OnLayer2(p *packet.Packet, f *flow.Flow) { b.onPacket(p, f) }

// OnLayer4 handles packets of IP flows.
func (b *BasicStats) OnLayer4(p *packet.Packet, f *flow.Flow) { b.onPacket(p, f) }

func (b *BasicStats) onPacket(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(b.st) {
		return
	}
	s := &b.st[f.Slot]
	// T2 keeps packet lengths in 16 bits, also in the byte sums.
	l := uint16(b.length(p))
	s.pkts++
	s.bytes += uint64(l)
	s.pad += uint64(p.PadLen)
	if !b.statsOn {
		return
	}
	// f.Last is the previous packet's time (f.First for a new flow), so
	// the first packet contributes an IAT of 0.
	iat := t2IAT(p.TS, f.Last)
	x := float32(l)
	if s.pkts == 1 {
		s.minL, s.maxL = l, l
		s.avgL, s.varL = x, 0
		s.minIAT, s.maxIAT = iat, iat
		s.avgIAT, s.varIAT = iat, 0
		return
	}
	s.minL = min(s.minL, l)
	s.maxL = max(s.maxL, l)
	s.minIAT = min(s.minIAT, iat)
	s.maxIAT = max(s.maxIAT, iat)
	n := float32(s.pkts)
	s.avgL, s.varL = running(s.avgL, s.varL, x, n)
	s.avgIAT, s.varIAT = running(s.avgIAT, s.varIAT, iat, n)
}

// t2IAT is a-b in seconds computed as T2 does, so the float32 result is
// the same bit for bit: whole seconds converted to float32, plus the
// nanosecond difference converted to float32 and divided in double. T2
// subtracts the seconds as uint32, so a jump back across a second
// boundary wraps to about 4.29e9 s; we subtract them signed, so the IAT
// is negative then (docs/differences-from-t2.md).
func t2IAT(a, b packet.Time) float32 {
	as, an := a.Split()
	bs, bn := b.Split()
	sec := float32(as - bs)
	ns := float32(an - bn)
	return float32(float64(sec) + float64(ns)/1e9)
}

// t2Seconds converts a duration to float32 seconds as T2 does for the
// rates: (seconds + nanoseconds/1e9) in double, then float32 (T2's
// uint32 seconds wrap when the capture's time runs backwards; ours are
// signed, as in t2IAT).
func t2Seconds(d packet.Time) float32 {
	return float32(float64(d.Sec()) + float64(d.Nsec())/1e9)
}

// running updates T2's running mean and variance estimate with x, the
// n-th value.
func running(avg, v, x, n float32) (float32, float32) {
	m := x - avg
	avg += m / n
	v += (m*m - v) / n
	return avg, v
}

func mean(sum, n uint64) float32 {
	if n == 0 {
		return 0
	}
	return float32(sum) / float32(n)
}

func sqrt32(v float32) float32 {
	if v <= 0 {
		return 0
	}
	return float32(math.Sqrt(float64(v)))
}

// opposite returns the state of f's opposite flow, or nil.
func (b *BasicStats) opposite(f *flow.Flow) *flowStats {
	o := f.Opposite
	if o == flow.None && int(f.Slot) < len(b.st) {
		o = b.st[f.Slot].opp
	}
	if o == flow.None || int(o) >= len(b.st) || b.st[o].opp != f.Slot {
		return nil
	}
	return &b.st[o]
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f, the state of f's slot and of its opposite's
// (found through f.Opposite or, once the link is gone, the pairing kept
// in the slot; pairs leave together, so that slot is the opposite's)
// and the settings; the aggregates it updates (maxLoad, maxBps, the
// talkers) are written by no other hook, read only by Report and
// MonitorReport.
func (b *BasicStats) ConcurrentTerminate() {}

// OnFlowTerminate appends the flow's columns and updates the report
// aggregates (also when no sink writes flows).
func (b *BasicStats) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	if int(f.Slot) >= len(b.st) {
		return
	}
	s := &b.st[f.Slot]
	var oppPkts, oppBytes uint64
	o := b.opposite(f)
	if o != nil {
		oppPkts, oppBytes = o.pkts, o.bytes
	}

	var pktps, bytps float32
	// A flow whose capture time ran backwards (d < 0) gets negative
	// rates, as T2 gives them on malformed-timestamp-invalid-usec.pcap.
	if d := f.Last - f.First; d != 0 {
		dur := t2Seconds(d)
		pktps = float32(s.pkts) / dur
		bytps = float32(s.bytes) / dur
	}
	var pktAsm, bytAsm float32
	if t := s.pkts + oppPkts; t > 0 {
		pktAsm = (float32(s.pkts) - float32(oppPkts)) / float32(t)
		if o == nil && f.Status&packet.L3FlowInvert != 0 {
			pktAsm = -pktAsm
		}
	}
	if t := s.bytes + oppBytes; t > 0 {
		bytAsm = (float32(s.bytes) - float32(oppBytes)) / float32(t)
	}

	b.aggregate(f, s, bytps)

	if w.Disabled {
		return
	}
	w.U64(s.pkts)
	if b.revCnt {
		w.U64(oppPkts)
	}
	if b.padOn {
		w.I64(int64(s.pad))
	}
	w.U64(s.bytes)
	if b.revCnt {
		w.U64(oppBytes)
	}
	if !b.statsOn {
		return
	}
	w.U64s(uint64(s.minL), uint64(s.maxL))
	// T2 prints the exact mean (bytes/packets); the running mean only
	// feeds the variance. They can differ in the last digit (flow 2 A of
	// the sample: 6.571429, the running mean gives 6.571428).
	w.F32(mean(s.bytes, s.pkts))
	sdL, sdIAT := sqrt32(s.varL), sqrt32(s.varIAT)
	if math.Float32bits(sdL)|math.Float32bits(s.minIAT)|math.Float32bits(s.maxIAT)|math.Float32bits(s.avgIAT)|
		math.Float32bits(sdIAT)|math.Float32bits(pktps)|math.Float32bits(bytps) == 0 {
		// all +0, as in most one-packet flows
		w.AppendBlock(zeroStats)
	} else {
		w.F32s(sdL, s.minIAT, s.maxIAT, s.avgIAT, sdIAT, pktps, bytps)
	}
	w.F32s(pktAsm, bytAsm)
}

// zeroStats are the columns pktLenStd..bytps when all are +0 (the F
// values of the individual calls: jsonSink renders by type).
var zeroStats = record.NewBlock(func(w *record.Writer) {
	for range 7 {
		w.F32(0)
	}
})

func (b *BasicStats) aggregate(f *flow.Flow, s *flowStats, bytps float32) {
	if b.statsOn {
		if avg := mean(s.bytes, s.pkts); avg > b.maxLoad {
			b.maxLoad = avg
		}
		if bytps > b.maxBps {
			b.maxBps, b.maxBpsPkts = bytps, s.pkts
		}
	}
	k := &f.Key
	if k.IPVer == 4 || k.IPVer == 6 {
		b.l3Pkts.offer(s.pkts, k.IPVer, &k.SrcIP)
		b.l3Bytes.offer(s.bytes, k.IPVer, &k.SrcIP)
		return
	}
	// Layer-2 flows keep the MAC addresses in the key's address fields.
	b.l2Pkts.offer(s.pkts, 0, &k.SrcIP)
	b.l2Bytes.offer(s.bytes, 0, &k.SrcIP)
}

// addrString renders the talker's address: a MAC address for layer 2,
// an IP address for layer 3 (empty when no flow was taken, as in T2).
func (t *talker) addrString(l2 bool) string {
	if l2 {
		var m [6]byte
		copy(m[:], t.addr[:6])
		return string(record.AppendMAC(nil, m))
	}
	if t.ipVer != 4 && t.ipVer != 6 {
		return ""
	}
	return string(record.AppendIP(nil, t.ipVer, &t.addr))
}

// Report writes the end-report lines.
func (b *BasicStats) Report(r *report.Writer) { b.lines(r) }

func (b *BasicStats) lines(r *report.Writer) {
	// The talkers cover every flow released so far, so their shares are
	// of the run's totals (env.Counters), also in a diff-mode USR1 report
	// whose r.C holds only the interval (that gave shares above 100%).
	c := b.counters
	if c == nil {
		c = r.C
	}
	var pkts, bytes float64
	if c != nil {
		pkts = float64(c.Packets)
		bytes = float64(c.ABytes + c.BBytes)
	}
	if b.statsOn {
		r.Plugin(registration.Name, "Flow max(pktload): %s", report.Num(uint64(b.maxLoad)))
		r.Plugin(registration.Name, "Flow max(b/s), pkts: %s, %s", bitsPerSec(uint64(b.maxBps*8)), report.Num(b.maxBpsPkts))
	}
	// The byte line follows the packet line even when no flow had a byte
	// (T2 then prints a zero address and 0).
	talk := func(p, by *talker, layer string) {
		if p.val == 0 {
			return
		}
		l2 := layer == "L2"
		r.Plugin(registration.Name, "Biggest %s flow talker: %s: %s%s packets", layer, p.addrString(l2),
			report.Num(p.val), report.Pct(float64(p.val), pkts))
		r.Plugin(registration.Name, "Biggest %s flow talker: %s: %s%s bytes", layer, by.addrString(l2),
			report.Num(by.val), report.Pct(float64(by.val), bytes))
	}
	talk(&b.l2Pkts, &b.l2Bytes, "L2")
	talk(&b.l3Pkts, &b.l3Bytes, "L3")
}

// bitsPerSec renders v as T2 does in this line: the bare number, then the
// suffix carrying the unit ("1026 (1.03 Kb/s)").
func bitsPerSec(v uint64) string {
	return string(report.AppendSuffix(strconv.AppendUint(nil, v, 10), v, "b/s"))
}

// MonitorColumns returns nil: basicStats has no machine-report columns.
func (b *BasicStats) MonitorColumns() []string { return nil }

// MonitorValues appends nothing (no machine-report columns).
func (b *BasicStats) MonitorValues(w *record.Writer, diff bool) {}

// MonitorReport prints the report lines in the human USR1 report; the
// values cover the flows released so far in either mode.
func (b *BasicStats) MonitorReport(r *report.Writer, diff bool) { b.lines(r) }

func (b *BasicStats) ReportCombine() report.Combine { return report.CombineMax } // maxima: docs/plugins.md
