// Package dnsdecode is the dnsDecode plugin (T2 number 251): it decodes
// DNS, mDNS, LLMNR and NetBIOS name service messages (UDP or TCP port 53,
// 137, 5353 or 5355) into per-flow header aggregates and lists of
// questions and records.
//
// The record lists follow T2's layout (docs/plugins.md): entry j of every
// per-record column describes the same record. Two T2 bugs are fixed
// (docs/differences-from-t2.md): dnsATTL holds the full 32-bit TTL, and
// an SOA record takes one list entry (T2 spends a second one on RNAME and
// the MINIMUM field).
//
// Per-flow state exists only for DNS flows and is pooled; names are
// copied into buffers that keep their capacity, so steady-state traffic
// does not allocate.
package dnsdecode

import (
	_ "embed"
	"fmt"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed dnsDecode.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of dnsDecode.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &DNSDecode{} }})

// The hooks this plugin implements, checked by the compiler.
var (
	_ plugin.Initer         = (*DNSDecode)(nil)
	_ plugin.FlowColumns    = (*DNSDecode)(nil)
	_ plugin.NewFlowHandler = (*DNSDecode)(nil)
	_ plugin.Layer4Handler  = (*DNSDecode)(nil)
	_ plugin.FlowTerminator = (*DNSDecode)(nil)
	_ plugin.PacketColumns  = (*DNSDecode)(nil)
	_ plugin.Reporter       = (*DNSDecode)(nil)
	_ plugin.Prefetcher     = (*DNSDecode)(nil)

	_ plugin.ConcurrentTerminator = (*DNSDecode)(nil)
)

// DNS ports: DNS, NetBIOS name service, mDNS, LLMNR.
const (
	portDNS     = 53
	portNetBIOS = 137
	portMDNS    = 5353
	portLLMNR   = 5355
)

func isDNSPort(p uint16) bool {
	return p == portDNS || p == portNetBIOS || p == portMDNS || p == portLLMNR
}

// DNSDecode is the plugin instance.
type DNSDecode struct {
	parser
	counters *counters.Counters
	st       []*state // per slot; nil unless the flow is DNS
	pool     []*state

	aggStat uint16
	aggHFlg uint8
	aggOpC  uint16
	aggRetC uint16
}

// Init reads the settings and sizes the per-flow slice.
func (d *DNSDecode) Init(env *plugin.Env) error {
	lim := defaultLimits()
	if c := env.Settings; c != nil {
		lim.mode = int(c.Int("DNS_MODE"))
		lim.qmax = int(c.Int("DNS_QRECMAX"))
		lim.amax = int(c.Int("DNS_ARECMAX"))
	}
	if err := lim.check(); err != nil {
		return err
	}
	d.lim = lim
	d.pkt.ips = make([]ipEntry, 0, lim.amax)
	d.counters = env.Counters
	n := 0
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	d.st = make([]*state, n)
	return nil
}

// check rejects limits outside the ranges of dnsDecode.toml (the
// configuration checks them first; this guards other callers).
func (l limits) check() error {
	switch {
	case l.mode < 0 || l.mode > 4:
		return fmt.Errorf("%s: DNS_MODE %d out of range [0 - 4]", registration.Name, l.mode)
	case l.qmax < 2 || l.qmax > 1000:
		return fmt.Errorf("%s: DNS_QRECMAX %d out of range [2 - 1000]", registration.Name, l.qmax)
	case l.amax < 2 || l.amax > 1000:
		return fmt.Errorf("%s: DNS_ARECMAX %d out of range [2 - 1000]", registration.Name, l.amax)
	}
	return nil
}

// Columns implements plugin.FlowColumns.
func (d *DNSDecode) Columns() []record.Column {
	return []record.Column{
		{Name: "dnsStat", Type: "H16", Desc: "DNS status, warnings and errors"},
		{Name: "dnsHdrOPField", Type: "H16", Desc: "DNS last header field"},
		{Name: "dnsHFlg_OpC_RetC", Type: "H8_H16_H16", Desc: "DNS aggregated header flags, operational and return code"},
		{Name: "dnsCntQu_Asw_Aux_Add", Type: "U16_U16_U16_U16", Desc: "DNS number of question, answer, auxiliary and additional records"},
		{Name: "dnsAAAqF", Type: "F", Desc: "DNS DDOS AAA / query factor"},
		{Name: "dnsQname", Type: "S:R", Desc: "DNS query name"},
		{Name: "dnsAname", Type: "S:R", Desc: "DNS answer name record"},
		{Name: "dnsAPname", Type: "S:R", Desc: "DNS name CNAME entries"},
		{Name: "dns4Aaddress", Type: "IP4:R", Desc: "DNS address entries IPv4"},
		{Name: "dns6Aaddress", Type: "IP6:R", Desc: "DNS address entries IPv6"},
		{Name: "dnsQType", Type: "U16:R", Desc: "DNS query record type entries"},
		{Name: "dnsQClass", Type: "U16:R", Desc: "DNS query record class entries"},
		{Name: "dnsAType", Type: "U16:R", Desc: "DNS answer record type entries"},
		{Name: "dnsAClass", Type: "U16:R", Desc: "DNS answer record class entries"},
		{Name: "dnsATTL", Type: "U32:R", Desc: "DNS answer record TTL entries"},
		{Name: "dnsMXpref", Type: "U16:R", Desc: "DNS MX record preference entries"},
		{Name: "dnsSRVprio", Type: "U16:R", Desc: "DNS SRV record priority entries"},
		{Name: "dnsSRVwgt", Type: "U16:R", Desc: "DNS SRV record weight entries"},
		{Name: "dnsSRVprt", Type: "U16:R", Desc: "DNS SRV record port entries"},
		{Name: "dnsOptStat", Type: "H32:R", Desc: "DNS option status"},
	}
}

func (d *DNSDecode) newState() *state {
	if n := len(d.pool); n > 0 {
		s := d.pool[n-1]
		d.pool = d.pool[:n-1]
		return s
	}
	return newState(d.lim)
}

func (d *DNSDecode) free(slot int32) {
	if s := d.st[slot]; s != nil {
		s.reset()
		d.pool = append(d.pool, s)
		d.st[slot] = nil
	}
}

// PrefetchSlot implements plugin.Prefetcher.
func (d *DNSDecode) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(d.st) {
		b.Add(unsafe.Pointer(&d.st[slot]))
	}
}

// OnNewFlow gives DNS flows their state and, like T2, corrects the
// direction of a UDP flow with equal ports and no opposite by the QR bit
// of its first message.
func (d *DNSDecode) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	slot := f.Slot
	if int(slot) >= len(d.st) {
		return
	}
	d.free(slot) // the state of the slot's previous flow
	k := &f.Key
	if (k.Proto != ipproto.TCP && k.Proto != ipproto.UDP) || !(isDNSPort(k.SrcPort) || isDNSPort(k.DstPort)) {
		return
	}
	s := d.newState()
	s.stat = StatDNS
	if k.SrcPort == portNetBIOS || k.DstPort == portNetBIOS {
		s.stat |= StatNetBIOS
		s.netbios = true
	}
	if k.Proto == ipproto.TCP {
		if s.spare == nil {
			s.spare = newTCPStream()
		}
		s.tcp = s.spare
		if p.TCPFlags&0x02 != 0 { // SYN
			s.tcp.started = true
			s.tcp.haveSeq, s.tcp.next = true, p.TCPSeq+1
		}
	} else if k.SrcPort == k.DstPort && f.Opposite == flow.None && len(p.Payload) >= minMessageLen && !fragmentTail(p) {
		if p.Payload[2]&0x80 != 0 {
			f.Status |= packet.L3FlowInvert
		} else {
			f.Status &^= packet.L3FlowInvert
		}
	}
	d.st[slot] = s
}

func fragmentTail(p *packet.Packet) bool { return p.IsFrag && p.FragOff != 0 }

// OnLayer4 decodes the packet's DNS message(s).
func (d *DNSDecode) OnLayer4(p *packet.Packet, f *flow.Flow) {
	d.pkt.num, d.pkt.seen, d.pkt.ips = p.Num, false, d.pkt.ips[:0]
	if int(f.Slot) >= len(d.st) {
		return
	}
	s := d.st[f.Slot]
	if s == nil || fragmentTail(p) || s.dead {
		return
	}
	if s.tcp == nil {
		if len(p.Payload) > 0 {
			d.message(s, p.Payload, true)
		}
		return
	}
	if len(p.Payload) == 0 {
		if p.TCPFlags&0x02 != 0 && !s.tcp.haveSeq {
			s.tcp.haveSeq, s.tcp.next = true, p.TCPSeq+1
		}
		return
	}
	if !s.tcp.started {
		s.stat |= StatCorrupt
		s.dead = true
		return
	}
	d.segment(s, p.TCPSeq, p.Payload)
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads the state of f's slot and the limits set at
// Init, and writes the agg* aggregates, which no other hook writes
// (Report reads them). It does not return the state to the pool (shared
// with OnNewFlow): the OnNewFlow of the slot's next flow does. The
// parser's scratch and packet counters (OnLayer4's) are not touched.
func (d *DNSDecode) ConcurrentTerminate() {}

// OnFlowTerminate writes the columns; the state stays in the slot until
// the slot's next flow.
func (d *DNSDecode) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	var s *state
	if int(f.Slot) < len(d.st) {
		s = d.st[f.Slot]
	}
	if s != nil {
		d.aggStat |= s.stat
		d.aggHFlg |= s.hflg
		d.aggOpC |= s.opc
		d.aggRetC |= s.retc
	}
	if !w.Disabled {
		d.write(w, s)
	}
}

// write appends the 20 columns of s (nil: not a DNS flow).
func (d *DNSDecode) write(w *record.Writer, s *state) {
	if s == nil {
		w.H16(0)
		w.H16(0)
		w.Field()
		w.AppendHex(0, 2)
		w.Under()
		w.AppendHex(0, 4)
		w.Under()
		w.AppendHex(0, 4)
		w.Field()
		w.RawString("0_0_0_0")
		w.F32(0)
		for i := 0; i < 15; i++ {
			w.Empty()
		}
		return
	}
	w.H16(s.stat)
	w.H16(s.hdrOp)
	w.Field()
	w.AppendHex(uint64(s.hflg), 2)
	w.Under()
	w.AppendHex(uint64(s.opc), 4)
	w.Under()
	w.AppendHex(uint64(s.retc), 4)
	w.Field()
	for i, c := range s.cnt {
		if i > 0 {
			w.Under()
		}
		w.AppendU64(uint64(c))
	}
	var f float32
	if s.respHQ > 0 {
		f = float32(float64(s.respLen) / float64(s.respHQ))
	}
	w.F32(f)

	nq, qPhantom := s.qn.count(d.lim.qmax)
	na, aPhantom := s.rn.count(d.lim.amax)
	// A phantom entry is T2's empty last slot (see slots).
	qs := func(i int) *question {
		if qPhantom && i == nq-1 {
			return &emptyQuestion
		}
		return &s.qs[i]
	}
	rs := func(i int) *rr {
		if aPhantom && i == na-1 {
			return &emptyRR
		}
		return &s.rs[i]
	}
	w.Field()
	for i := 0; i < nq; i++ {
		semi(w, i)
		w.AppendStr(qs(i).name)
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendStr(rs(i).name)
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendStr(rs(i).pname)
	}
	w.Field()
	if s.seenA {
		var a [16]byte
		for i := 0; i < na; i++ {
			semi(w, i)
			copy(a[:4], rs(i).ip4[:])
			w.AppendIP(4, &a)
		}
	}
	w.Field()
	if s.seen6 {
		for i := 0; i < na; i++ {
			semi(w, i)
			w.AppendIP(6, &rs(i).ip6)
		}
	}
	w.Field()
	for i := 0; i < nq; i++ {
		semi(w, i)
		w.AppendU64(uint64(qs(i).qtype))
	}
	w.Field()
	for i := 0; i < nq; i++ {
		semi(w, i)
		w.AppendU64(uint64(qs(i).qclass))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).rtype))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).rclass))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).ttl))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).mx))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).prio))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).wgt))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendU64(uint64(rs(i).port))
	}
	w.Field()
	for i := 0; i < na; i++ {
		semi(w, i)
		w.AppendHex(uint64(rs(i).opt), 8)
	}
}

var (
	emptyQuestion question
	emptyRR       rr
)

func semi(w *record.Writer, i int) {
	if i > 0 {
		w.Semi()
	}
}

// PacketColumns implements plugin.PacketColumns.
func (d *DNSDecode) PacketColumns() []string {
	return []string{"dnsIPs", "dnsStat", "dnsHdr", "dnsCntQu_Asw_Aux_Add"}
}

// WritePacket writes this packet's addresses, the flow status, and the
// header of the packet's (last) message.
func (d *DNSDecode) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	var s *state
	if f != nil && int(f.Slot) < len(d.st) {
		s = d.st[f.Slot]
	}
	cur := d.pkt.num == p.Num
	w.Field()
	if cur {
		for i := range d.pkt.ips {
			e := &d.pkt.ips[i]
			w.AppendIP(e.ver, &e.addr)
			w.RawString(";")
		}
	}
	if s == nil {
		w.H16(0)
	} else {
		w.H16(s.stat)
	}
	if cur && d.pkt.seen {
		w.H16(d.pkt.flags)
		w.Field()
		for i, c := range d.pkt.cnt {
			if i > 0 {
				w.Under()
			}
			w.AppendU64(uint64(c))
		}
		return
	}
	w.Empty()
	w.Field()
	w.RawString("0_0_0_0")
}

// Report writes the end-report lines.
func (d *DNSDecode) Report(r *report.Writer) {
	if d.aggStat == 0 {
		return
	}
	r.Plugin(registration.Name, "Aggregated dnsStat=0x%04x", d.aggStat)
	if d.aggHFlg != 0 {
		r.Plugin(registration.Name, "Aggregated dnsHFlg=0x%02x", d.aggHFlg)
	}
	if d.aggOpC != 0 {
		r.Plugin(registration.Name, "Aggregated dnsOpC=0x%04x", d.aggOpC)
	}
	if d.aggRetC != 0 {
		r.Plugin(registration.Name, "Aggregated dnsRetC=0x%04x", d.aggRetC)
	}
	c := r.C
	if c == nil {
		c = d.counters
	}
	var total float64
	if c != nil {
		total = float64(c.Packets)
	}
	r.Plugin(registration.Name, "Number of DNS packets: %s%s", report.Num(d.dnsPkts), report.Pct(float64(d.dnsPkts), total))
	if d.qPkts > 0 {
		r.Plugin(registration.Name, "Number of DNS Q packets: %s%s", report.Num(d.qPkts), report.Pct(float64(d.qPkts), float64(d.dnsPkts)))
	}
	if d.rPkts > 0 {
		r.Plugin(registration.Name, "Number of DNS R packets: %s%s", report.Num(d.rPkts), report.Pct(float64(d.rPkts), float64(d.dnsPkts)))
	}
}
