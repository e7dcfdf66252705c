// Package basicflow is the basicFlow plugin (T2 number 100): it identifies
// each flow (status, first/last time, duration, the distinct header stacks
// seen, MAC addresses, ethertype, VLAN IDs, 5-tuple) and, in packet mode,
// adds the identification columns of every packet.
//
// Header descriptions repeat across millions of flows, so each distinct
// text is stored once in an intern table and flows keep small ids.
package basicflow

import (
	_ "embed"
	"errors"
	"strconv"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
)

//go:embed basicFlow.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of basicFlow.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &BasicFlow{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer         = (*BasicFlow)(nil)
	_ plugin.FlowColumns    = (*BasicFlow)(nil)
	_ plugin.NewFlowHandler = (*BasicFlow)(nil)
	_ plugin.Layer2Handler  = (*BasicFlow)(nil)
	_ plugin.Layer4Handler  = (*BasicFlow)(nil)
	_ plugin.FlowTerminator = (*BasicFlow)(nil)
	_ plugin.Prefetcher     = (*BasicFlow)(nil)
	_ plugin.PacketColumns  = (*BasicFlow)(nil)

	_ plugin.ConcurrentTerminator = (*BasicFlow)(nil)
)

// desc is one header description, kept under its packet.DescIDs number.
type desc struct {
	text    []byte // "eth:ipv4:tcp"
	numHdrs uint16 // headers in it (a {n} suffix counts n)
}

// descChunkBits sizes the chunks of descTable.
const descChunkBits = 8

// descTable holds the header descriptions by packet.DescIDs number, in
// chunks that never move once allocated, and each entry is written once
// (the first time its number is seen). So OnFlowTerminate, also on the
// engine's retire goroutine, reads the entries of its flow's numbers
// (written before the flow left the table) while OnLayer4 adds others:
// unlike a slice that append grows, nothing it reads is written again.
type descTable struct {
	chunks  [packet.MaxDescIDs>>descChunkBits + 1]*[1 << descChunkBits]desc
	learned int // entries written (tests)
}

// at returns the entry of id, nil when id was never learned.
func (t *descTable) at(id uint16) *desc {
	c := t.chunks[id>>descChunkBits]
	if c == nil || c[id&(1<<descChunkBits-1)].text == nil {
		return nil
	}
	return &c[id&(1<<descChunkBits-1)]
}

// set writes the entry of id.
func (t *descTable) set(id uint16, d desc) {
	c := t.chunks[id>>descChunkBits]
	if c == nil {
		c = new([1 << descChunkBits]desc)
		t.chunks[id>>descChunkBits] = c
	}
	if d.text == nil {
		d.text = []byte{} // an entry is known by its non-nil text
	}
	c[id&(1<<descChunkBits-1)] = d
	t.learned++
}

// Room in flowState for the header descriptions and MAC addresses of a
// flow: with the defaults (BFO_MAX_HDRDESC 4, BFO_MAX_MAC 3) everything
// a packet and the flow's record touch is in one cache line. Larger
// maxima keep the entries beyond in flat slices indexed by slot × extra.
const (
	inlineDesc = 4
	inlineMAC  = 3
)

// flowState is a flow's state: 64 bytes, one cache line of the
// (page-aligned) slice.
type flowState struct {
	nDesc   uint8
	nSrc    uint8
	nDst    uint8
	nVLAN   uint8
	ethType uint16
	vlan    [packet.MaxVLAN]uint16
	desc    [inlineDesc]uint16 // the first header description ids
	src     [inlineMAC][6]byte // the first source MAC addresses
	dst     [inlineMAC][6]byte // the first destination MAC addresses
	_       [8]byte
}

// BasicFlow is one run's instance of the plugin.
type BasicFlow struct {
	table *flow.Table

	// configuration
	sensorOn bool
	sensorID uint32
	macOn    bool
	ethOn    bool
	vlanOn   bool
	pktCnt   bool
	maxDesc  int
	maxMAC   int
	maxVLAN  int

	// header descriptions by Packet.HdrID, copied from the first packet
	// carrying each (0 is unused)
	descs descTable

	// per-flow state, indexed by slot
	st []flowState
	// the entries beyond flowState's room: slot*moreDesc, slot*moreMAC
	// (nil with the defaults)
	moreDesc, moreMAC int
	descMore          []uint16
	srcMore, dstMore  [][6]byte
	descCnt           []uint64 // slot*maxDesc, only with BFO_HDRDESC_PKTCNT
	// a flow's lists in one piece for its record, with larger maxima
	// (only OnFlowTerminate uses them)
	idScratch  []uint16
	macScratch [][6]byte

	// packet mode: values of the packet being processed, for WritePacket
	pktMode   bool
	iat, trip float64
	num       [40]byte
}

func clamp(v, lo, hi int64) int {
	if v < lo {
		return int(lo)
	}
	if v > hi {
		return int(hi)
	}
	return int(v)
}

// Init reads the configuration and sizes the per-flow state for the
// table's capacity.
func (b *BasicFlow) Init(env *plugin.Env) error {
	if env.Table == nil {
		return errors.New("basicFlow: no flow table")
	}
	b.table = env.Table
	b.pktMode = env.PacketMode
	b.sensorOn = env.Settings.Bool("BFO_SENSORID")
	if b.sensorOn {
		b.sensorID = uint32(env.Core.Int("T2_SENSORID"))
	}
	b.macOn = env.Settings.Bool("BFO_MAC")
	b.ethOn = env.Settings.Bool("BFO_ETHERTYPE")
	b.vlanOn = env.Settings.Bool("BFO_VLAN")
	b.pktCnt = env.Settings.Bool("BFO_HDRDESC_PKTCNT")
	b.maxDesc = clamp(env.Settings.Int("BFO_MAX_HDRDESC"), 1, 255)
	b.maxMAC = clamp(env.Settings.Int("BFO_MAX_MAC"), 1, 255)
	b.maxVLAN = clamp(env.Settings.Int("BFO_MAX_VLAN"), 1, packet.MaxVLAN)

	n := env.Table.Capacity()
	b.st = make([]flowState, n)
	flow.PerSlot(env.Table, b.st)
	b.moreDesc = max(b.maxDesc-inlineDesc, 0)
	b.moreMAC = max(b.maxMAC-inlineMAC, 0)
	if b.moreDesc > 0 {
		b.descMore = make([]uint16, n*b.moreDesc)
		flow.PerSlot(env.Table, b.descMore)
		b.idScratch = make([]uint16, 0, b.maxDesc)
	}
	if b.pktCnt {
		b.descCnt = make([]uint64, n*b.maxDesc)
		flow.PerSlot(env.Table, b.descCnt)
	}
	if b.macOn && b.moreMAC > 0 {
		b.srcMore = make([][6]byte, n*b.moreMAC)
		b.dstMore = make([][6]byte, n*b.moreMAC)
		b.macScratch = make([][6]byte, 0, b.maxMAC)
	}
	return nil
}

// descList is a flow's header description ids: the first in its state,
// the others in descMore. Its length is the maximum.
type descList struct {
	in   []uint16
	more []uint16
}

func (l descList) at(i int) uint16 {
	if i < len(l.in) {
		return l.in[i]
	}
	return l.more[i-len(l.in)]
}

func (l descList) set(i int, id uint16) {
	if i < len(l.in) {
		l.in[i] = id
	} else {
		l.more[i-len(l.in)] = id
	}
}

func (b *BasicFlow) descList(slot int32, s *flowState) descList {
	l := descList{in: s.desc[:min(b.maxDesc, inlineDesc)]}
	if b.moreDesc > 0 && int(slot) < len(b.st) {
		i := int(slot) * b.moreDesc
		l.more = b.descMore[i : i+b.moreDesc]
	}
	return l
}

// macList is a flow's source or destination MAC addresses, split as
// descList.
type macList struct {
	in   [][6]byte
	more [][6]byte
}

func (l macList) at(i int) [6]byte {
	if i < len(l.in) {
		return l.in[i]
	}
	return l.more[i-len(l.in)]
}

func (b *BasicFlow) macLists(slot int32, s *flowState) (src, dst macList) {
	n := min(b.maxMAC, inlineMAC)
	src.in, dst.in = s.src[:n], s.dst[:n]
	if b.srcMore != nil && int(slot) < len(b.st) {
		i := int(slot) * b.moreMAC
		src.more, dst.more = b.srcMore[i:i+b.moreMAC], b.dstMore[i:i+b.moreMAC]
	}
	return src, dst
}

// Columns declares the flow-file columns.
func (b *BasicFlow) Columns() []record.Column {
	var c []record.Column
	if b.sensorOn {
		c = append(c, record.Column{Name: "sensorID", Type: "U32", Desc: "Sensor ID"})
	}
	c = append(c,
		record.Column{Name: "flowStat", Type: "H64", Desc: "Flow status and warnings"},
		record.Column{Name: "timeFirst", Type: "U64.U32", Desc: "Date time of first packet"},
		record.Column{Name: "timeLast", Type: "U64.U32", Desc: "Date time of last packet"},
		record.Column{Name: "duration", Type: "U64.U32", Desc: "Flow duration"},
		record.Column{Name: "numHdrDesc", Type: "U8", Desc: "Number of different headers descriptions"},
		record.Column{Name: "numHdrs", Type: "U16:R", Desc: "Number of headers (depth) in hdrDesc"},
	)
	if b.pktCnt {
		c = append(c, record.Column{Name: "hdrDesc_pktCnt", Type: "SC_U64:R", Desc: "Headers description and packet count"})
	} else {
		c = append(c, record.Column{Name: "hdrDesc", Type: "SC:R", Desc: "Headers description"})
	}
	if b.macOn {
		c = append(c,
			record.Column{Name: "srcMac", Type: "MAC:R", Desc: "Mac source"},
			record.Column{Name: "dstMac", Type: "MAC:R", Desc: "Mac destination"})
	}
	if b.ethOn {
		c = append(c, record.Column{Name: "ethType", Type: "H16", Desc: "Ethernet type"})
	}
	if b.vlanOn {
		c = append(c, record.Column{Name: "vlanID", Type: "U16:R", Desc: "VLAN IDs"})
	}
	return append(c,
		record.Column{Name: "srcIP", Type: "IPX", Desc: "Source IP address"},
		record.Column{Name: "srcPort", Type: "U16", Desc: "Source port"},
		record.Column{Name: "dstIP", Type: "IPX", Desc: "Destination IP address"},
		record.Column{Name: "dstPort", Type: "U16", Desc: "Destination port"},
		record.Column{Name: "l4Proto", Type: "U8", Desc: "Layer 4 protocol"},
	)
}

// PacketColumns declares the packet-file columns (-s).
func (b *BasicFlow) PacketColumns() []string {
	c := []string{"flowStat", "time", "pktIAT", "pktTrip", "flowDuration", "numHdrs", "hdrDesc"}
	if b.vlanOn {
		c = append(c, "vlanID")
	}
	return append(c, "srcMac", "dstMac", "ethType", "srcIP", "srcPort", "dstIP", "dstPort", "l4Proto")
}

// PrefetchSlot implements plugin.Prefetcher.
func (b *BasicFlow) PrefetchSlot(slot int32, pb *prefetch.Batch) {
	if int(slot) >= len(b.st) {
		return
	}
	pb.Add(unsafe.Pointer(&b.st[slot]))
	if b.moreDesc > 0 {
		pb.Add(unsafe.Pointer(&b.descMore[int(slot)*b.moreDesc]))
	}
	if b.srcMore != nil {
		i := int(slot) * b.moreMAC
		pb.Add(unsafe.Pointer(&b.srcMore[i]))
		pb.Add(unsafe.Pointer(&b.dstMore[i]))
	}
}

// OnNewFlow resets the slot's state and records what T2 takes from a
// flow's first packet (ethertype, VLAN IDs).
func (b *BasicFlow) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(b.st) {
		return
	}
	s := &b.st[f.Slot]
	*s = flowState{ethType: p.EthType}
	n := int(p.NumVLAN)
	if n > b.maxVLAN {
		n = b.maxVLAN
	}
	copy(s.vlan[:n], p.VLAN[:n])
	s.nVLAN = uint8(n)
}

// OnLayer2 handles packets of layer-2 flows.
func (b *BasicFlow) OnLayer2(p *packet.Packet, f *flow.Flow) { b.onPacket(p, f) }

// OnLayer4 handles packets of IP flows.
func (b *BasicFlow) OnLayer4(p *packet.Packet, f *flow.Flow) { b.onPacket(p, f) }

func (b *BasicFlow) onPacket(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(b.st) {
		return
	}
	s := &b.st[f.Slot]
	b.addDesc(f, s, p)
	if b.macOn && p.HasMAC {
		if b.moreMAC == 0 {
			n := min(b.maxMAC, inlineMAC)
			s.nSrc = addMAC(s.src[:n], s.nSrc, p.SrcMAC)
			s.nDst = addMAC(s.dst[:n], s.nDst, p.DstMAC)
		} else {
			src, dst := b.macLists(f.Slot, s)
			s.nSrc = addMACSplit(src, s.nSrc, p.SrcMAC)
			s.nDst = addMACSplit(dst, s.nDst, p.DstMAC)
		}
	}
	if !b.pktMode {
		return
	}
	// Like T2, the packet-file times (and the TIMEJUMP check that goes
	// with them) are only computed in packet mode. f.Last is still the
	// previous packet's time (f.First for a new flow).
	b.iat = t2Diff(p.TS, f.Last)
	if b.iat < 0 {
		f.Status |= packet.TimeJump
	}
	b.trip = 0
	if f.Opposite != flow.None && b.table != nil {
		b.trip = t2Trip(p.TS, b.table.Flow(f.Opposite).Last)
	}
}

// t2Diff is a-b as T2 computes packet-file intervals: the seconds are
// subtracted as uint32 (so a jump back across a second boundary wraps to
// about 4294967295 s and is not seen as negative), the nanoseconds as a
// signed integer.
func t2Diff(a, b packet.Time) float64 {
	sec := uint32(a.Sec()) - uint32(b.Sec())
	return float64(sec) + float64(a.Nsec()-b.Nsec())/1e9
}

// t2Trip is a-b as T2 computes pktTrip: signed seconds, and the
// nanosecond parts converted to float32 before subtracting, which rounds
// values above 2^24 ns (T2's output shows the rounding).
func t2Trip(a, b packet.Time) float64 {
	ns := float32(a.Nsec()) - float32(b.Nsec())
	return float64(a.Sec()-b.Sec()) + float64(ns)/1e9
}

// addMAC appends m to list[:n] unless present or the list is full and
// returns the new length.
func addMAC(list [][6]byte, n uint8, m [6]byte) uint8 {
	for i := 0; i < int(n); i++ {
		if list[i] == m {
			return n
		}
	}
	if int(n) < len(list) {
		list[n] = m
		n++
	}
	return n
}

// addMACSplit is addMAC for a list split in two.
func addMACSplit(l macList, n uint8, m [6]byte) uint8 {
	for i := 0; i < int(n); i++ {
		if l.at(i) == m {
			return n
		}
	}
	switch {
	case int(n) < len(l.in):
		l.in[n] = m
	case int(n) < len(l.in)+len(l.more):
		l.more[int(n)-len(l.in)] = m
	default:
		return n
	}
	return n + 1
}

// learn copies the text of the packet's header description, the first
// time its number is seen.
func (b *BasicFlow) learn(p *packet.Packet) {
	b.descs.set(p.HdrID, desc{text: append([]byte(nil), p.HdrDescBytes()...), numHdrs: p.NumHdrs})
}

// addDesc records the packet's header description for the flow. As in
// T2, once the flow holds BFO_MAX_HDRDESC descriptions every further
// packet sets HDOVRN and is not counted, known description or not.
func (b *BasicFlow) addDesc(f *flow.Flow, s *flowState, p *packet.Packet) {
	if int(s.nDesc) >= b.maxDesc {
		f.Status |= packet.HdrDescOverrun
		return
	}
	id := p.HdrID
	if id == 0 { // more distinct descriptions than packet.MaxDescIDs
		f.Status |= packet.HdrDescOverrun
		return
	}
	if b.descs.at(id) == nil {
		b.learn(p)
	}
	base := int(f.Slot) * b.maxDesc
	n := int(s.nDesc)
	if b.moreDesc == 0 && !b.pktCnt {
		// the defaults: all ids in s.desc
		for _, x := range s.desc[:n] {
			if x == id {
				return
			}
		}
		s.desc[n] = id
		s.nDesc++
		return
	}
	l := b.descList(f.Slot, s)
	for i := 0; i < n; i++ {
		if l.at(i) == id {
			if b.pktCnt {
				b.descCnt[base+i]++
			}
			return
		}
	}
	l.set(n, id)
	if b.pktCnt {
		b.descCnt[base+n] = 1
	}
	s.nDesc++
}

// hasPorts reports whether T2 prints ports for IP protocol proto (TCP,
// UDP, SCTP, UDP-Lite); other protocols show 0 in flows and nothing in
// the packet file.
func hasPorts(proto uint8) bool { return ipproto.HasPorts(proto) }

func isIP(k *flow.Key) bool { return k.IPVer == ipproto.V4 || k.IPVer == ipproto.V6 }

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f, the state of f's slot (st, descMore, srcMore,
// dstMore, descCnt), the settings and descTable entries that never change
// once written; idScratch and macScratch are used by OnFlowTerminate only.
func (b *BasicFlow) ConcurrentTerminate() {}

// OnFlowTerminate appends the flow's columns.
func (b *BasicFlow) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	if w.Disabled {
		return
	}
	var zero flowState
	s := &zero
	if int(f.Slot) < len(b.st) {
		s = &b.st[f.Slot]
	}
	ids := b.descIDs(f.Slot, s)
	if b.sensorOn {
		w.U64(uint64(b.sensorID))
	}
	w.H64(f.Status)
	w.Time(f.First)
	w.Time(f.Last)
	w.Time(f.Last - f.First)
	w.U64(uint64(s.nDesc))

	base := int(f.Slot) * b.maxDesc
	w.Field()
	for i := 0; i < int(s.nDesc); i++ {
		if i > 0 {
			w.Semi()
		}
		w.AppendU64(uint64(b.descs.at(ids[i]).numHdrs))
	}
	w.Field()
	for i := 0; i < int(s.nDesc); i++ {
		if i > 0 {
			w.Semi()
		}
		w.AppendStrClass(b.descs.at(ids[i]).text)
		if b.pktCnt {
			w.Under()
			w.AppendU64(b.descCnt[base+i])
		}
	}
	if b.macOn {
		if b.moreMAC == 0 {
			appendMACs(w, s.src[:s.nSrc])
			appendMACs(w, s.dst[:s.nDst])
		} else {
			src, dst := b.macLists(f.Slot, s)
			appendMACs(w, b.joinMACs(src, int(s.nSrc)))
			appendMACs(w, b.joinMACs(dst, int(s.nDst)))
		}
	}
	if b.ethOn {
		w.H16(s.ethType)
	}
	if b.vlanOn {
		w.Field()
		for i := 0; i < int(s.nVLAN); i++ {
			if i > 0 {
				w.Semi()
			}
			w.AppendU64(uint64(s.vlan[i]))
		}
	}
	k := &f.Key
	if !isIP(k) {
		w.IP(0, &k.SrcIP)
		w.U64(0)
		w.IP(0, &k.DstIP)
		w.U64s(0, 0)
		return
	}
	var sp, dp uint16
	if hasPorts(k.Proto) {
		sp, dp = k.SrcPort, k.DstPort
	}
	w.IP(k.IPVer, &k.SrcIP)
	w.U64(uint64(sp))
	w.IP(k.IPVer, &k.DstIP)
	w.U64s(uint64(dp), uint64(k.Proto))
}

func appendMACs(w *record.Writer, list [][6]byte) {
	w.Field()
	for i, m := range list {
		if i > 0 {
			w.Semi()
		}
		w.AppendMAC(m)
	}
}

// descIDs returns the flow's header description ids: in its state with
// the defaults, else copied into b.idScratch.
func (b *BasicFlow) descIDs(slot int32, s *flowState) []uint16 {
	n := int(s.nDesc)
	if b.moreDesc == 0 {
		return s.desc[:n]
	}
	l := b.descList(slot, s)
	b.idScratch = b.idScratch[:0]
	for i := 0; i < n; i++ {
		b.idScratch = append(b.idScratch, l.at(i))
	}
	return b.idScratch
}

// joinMACs returns the first n addresses of l, copied into b.macScratch.
func (b *BasicFlow) joinMACs(l macList, n int) [][6]byte {
	b.macScratch = b.macScratch[:0]
	for i := 0; i < n; i++ {
		b.macScratch = append(b.macScratch, l.at(i))
	}
	return b.macScratch
}

// WritePacket appends the packet-file columns of p. Unlike the flow
// columns, srcMac, dstMac and ethType are always present here (as in T2).
func (b *BasicFlow) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if w.Disabled {
		return
	}
	w.H64(f.Status)
	w.Time(p.TS)
	b.fixed9(w, b.iat)
	b.fixed9(w, b.trip)
	b.fixed9(w, t2Diff(p.TS, f.First))
	w.U64(uint64(p.NumHdrs))
	w.StrClass(p.HdrDescBytes())
	if b.vlanOn {
		// T2 prints the flow's VLAN IDs (from its first packet) on every
		// packet that carries VLAN tags.
		w.Field()
		if p.NumVLAN > 0 && int(f.Slot) < len(b.st) {
			s := &b.st[f.Slot]
			for i := 0; i < int(s.nVLAN); i++ {
				if i > 0 {
					w.Semi()
				}
				w.AppendU64(uint64(s.vlan[i]))
			}
		}
	}
	if p.HasMAC {
		w.MAC(p.SrcMAC)
		w.MAC(p.DstMAC)
	} else {
		w.Empty()
		w.Empty()
	}
	w.H16(p.EthType)
	k := &f.Key
	if !isIP(k) {
		for i := 0; i < 5; i++ {
			w.Empty()
		}
		return
	}
	ports := hasPorts(k.Proto)
	w.IP(k.IPVer, &k.SrcIP)
	if ports {
		w.U64(uint64(k.SrcPort))
	} else {
		w.Empty()
	}
	w.IP(k.IPVer, &k.DstIP)
	if ports {
		w.U64(uint64(k.DstPort))
	} else {
		w.Empty()
	}
	w.U64(uint64(k.Proto))
}

// fixed9 appends v as C's %.9f.
func (b *BasicFlow) fixed9(w *record.Writer, v float64) {
	w.Field()
	w.Raw(strconv.AppendFloat(b.num[:0], v, 'f', 9, 64))
}
