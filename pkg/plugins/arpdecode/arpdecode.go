// Package arpdecode is the arpDecode plugin (T2 number 179): it decodes
// ARP and RARP packets of layer-2 flows, lists the MAC/IP pairs each flow
// announced and flags gratuitous ARP, probes, announcements and MAC
// changes of an IP address (spoofing).
//
// A capture-wide table remembers the first MAC seen for each IPv4
// address. Per-flow state exists only for ARP flows and is pooled.
package arpdecode

import (
	_ "embed"
	"fmt"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed arpDecode.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of arpDecode.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &ARPDecode{} }})

// The hooks this plugin implements, checked by the compiler.
var (
	_ plugin.Initer         = (*ARPDecode)(nil)
	_ plugin.FlowColumns    = (*ARPDecode)(nil)
	_ plugin.NewFlowHandler = (*ARPDecode)(nil)
	_ plugin.Layer2Handler  = (*ARPDecode)(nil)
	_ plugin.FlowTerminator = (*ARPDecode)(nil)
	_ plugin.PacketColumns  = (*ARPDecode)(nil)
	_ plugin.Reporter       = (*ARPDecode)(nil)
	_ plugin.Prefetcher     = (*ARPDecode)(nil)

	_ plugin.ConcurrentTerminator = (*ARPDecode)(nil)
)

const (
	// maxTableIPs bounds the capture-wide IP -> MAC table; addresses past
	// it are not remembered (a flood of forged addresses cannot grow
	// memory without limit).
	maxTableIPs = 1 << 16
)

// pair is one entry of arpMac_Ip_Cnt.
type pair struct {
	mac [6]byte
	ip  [4]byte
	cnt uint16
}

type state struct {
	stat   uint8
	hwType uint16
	hwSet  bool
	opcode uint16 // OR of 1 << opcode
	tried  uint16 // arpIpMacCnt
	pairs  []pair
}

// ARPDecode is the plugin instance.
type ARPDecode struct {
	maxIP int
	log   plugin.Logger
	st    []*state
	pool  []*state
	table map[[4]byte][6]byte
	agg   uint8
	warnd bool

	pktNum uint64 // packet the fields below describe
	pktMsg Message
}

// Init reads ARP_MAX_IP and sizes the per-flow slice.
func (a *ARPDecode) Init(env *plugin.Env) error {
	a.maxIP = 10
	if c := env.Settings; c != nil {
		a.maxIP = int(c.Int("ARP_MAX_IP"))
	}
	if a.maxIP < 1 || a.maxIP > 255 { // the configuration checks the range first
		return fmt.Errorf("%s: ARP_MAX_IP %d out of range [1 - 255]", registration.Name, a.maxIP)
	}
	a.log = env.Log
	n := 0
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	a.st = make([]*state, n)
	a.table = make(map[[4]byte][6]byte, 256)
	return nil
}

// Columns implements plugin.FlowColumns.
func (a *ARPDecode) Columns() []record.Column {
	return []record.Column{
		{Name: "arpStat", Type: "H8", Desc: "ARP status"},
		{Name: "arpHwType", Type: "U16", Desc: "ARP hardware type"},
		{Name: "arpOpcode", Type: "H16", Desc: "ARP opcode"},
		{Name: "arpIpMacCnt", Type: "U16", Desc: "ARP Number of distinct MAC / IP pairs"},
		{Name: "arpMac_Ip_Cnt", Type: "MAC_IP4_U16:R", Desc: "ARP MAC/IP pairs found and number of times the pair appeared"},
	}
}

// PrefetchSlot implements plugin.Prefetcher.
func (a *ARPDecode) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(a.st) {
		b.Add(unsafe.Pointer(&a.st[slot]))
	}
}

func (a *ARPDecode) free(slot int32) {
	if s := a.st[slot]; s != nil {
		*s = state{pairs: s.pairs[:0]}
		a.pool = append(a.pool, s)
		a.st[slot] = nil
	}
}

// OnNewFlow returns the state of the slot's previous flow to the pool
// and gives ARP/RARP flows their state.
func (a *ARPDecode) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(a.st) {
		return
	}
	a.free(f.Slot)
	if !p.L2Only || (f.Key.EthType != ipproto.EtherARP && f.Key.EthType != ipproto.EtherRARP) {
		return
	}
	var s *state
	if n := len(a.pool); n > 0 {
		s, a.pool = a.pool[n-1], a.pool[:n-1]
	} else {
		s = &state{pairs: make([]pair, 0, a.maxIP)}
	}
	a.st[f.Slot] = s
}

// OnLayer2 decodes an ARP packet and updates the flow's list.
func (a *ARPDecode) OnLayer2(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(a.st) {
		return
	}
	s := a.st[f.Slot]
	if s == nil {
		return
	}
	m, ok := Parse(p.Payload)
	if !ok {
		return
	}
	a.pktNum, a.pktMsg = p.Num, m
	s.stat |= StatARP | classify(&m)
	if !s.hwSet {
		s.hwType, s.hwSet = m.HwType, true
	}
	if m.Opcode < 16 {
		s.opcode |= 1 << m.Opcode
	}
	if !m.HasMAC || !m.HasIP {
		return
	}
	switch m.Opcode {
	case OpRequest:
		a.announce(s, m.SenderMAC, m.SenderIP)
	case OpReply, OpRARPReply:
		a.announce(s, m.SenderMAC, m.SenderIP)
		a.announce(s, m.TargetMAC, m.TargetIP)
	}
}

// announce checks the pair (mac, ip) against the capture-wide table and
// records it in the flow's list.
func (a *ARPDecode) announce(s *state, mac [6]byte, ip [4]byte) {
	known, ok := a.table[ip]
	switch {
	case !ok:
		if len(a.table) < maxTableIPs {
			a.table[ip] = mac
		}
		a.count(s, mac, ip, 1)
	case known == mac:
		a.count(s, mac, ip, 1)
	default:
		if ip != [4]byte{} {
			s.stat |= StatSpoof
		}
		a.count(s, mac, ip, 1)
		a.count(s, known, ip, 0)
	}
}

// count adds inc to the pair's count, appending the pair if new (an
// existing pair with inc 0 stays as it is).
func (a *ARPDecode) count(s *state, mac [6]byte, ip [4]byte, inc uint16) {
	for i := range s.pairs {
		if s.pairs[i].mac == mac && s.pairs[i].ip == ip {
			if s.pairs[i].cnt < 0xffff {
				s.pairs[i].cnt += inc
			}
			return
		}
	}
	if s.tried < 0xffff {
		s.tried++
	}
	if len(s.pairs) == a.maxIP {
		s.stat |= StatListFull
		if !a.warnd && a.log != nil {
			a.warnd = true
			a.log.Warnf("%s: MAC/IP list full... increase ARP_MAX_IP", registration.Name)
		}
		return
	}
	s.pairs = append(s.pairs, pair{mac: mac, ip: ip, cnt: inc})
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads only the state of f's slot and writes agg, which
// no other hook writes (Report reads it). It does not return the state
// to the pool (shared with OnNewFlow): the OnNewFlow of the slot's next
// flow does. The capture-wide IP -> MAC table is not touched.
func (a *ARPDecode) ConcurrentTerminate() {}

// OnFlowTerminate writes the columns; the state stays in the slot until
// the slot's next flow.
func (a *ARPDecode) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	var s *state
	if int(f.Slot) < len(a.st) {
		s = a.st[f.Slot]
	}
	if s == nil {
		if !w.Disabled {
			w.H8(0)
			w.U64(0)
			w.H16(0)
			w.U64(0)
			w.Empty()
		}
		return
	}
	a.agg |= s.stat
	if !w.Disabled {
		w.H8(s.stat)
		w.U64(uint64(s.hwType))
		w.H16(s.opcode)
		w.U64(uint64(s.tried))
		w.Field()
		var ip [16]byte
		for i := range s.pairs {
			e := &s.pairs[i]
			if i > 0 {
				w.Semi()
			}
			w.AppendMAC(e.mac)
			w.Under()
			copy(ip[:4], e.ip[:])
			w.AppendIP(4, &ip)
			w.Under()
			w.AppendU64(uint64(e.cnt))
		}
	}
}

// PacketColumns implements plugin.PacketColumns.
func (a *ARPDecode) PacketColumns() []string {
	return []string{"arpStat", "arpHwType", "arpProtoType", "arpHwSize", "arpProtoSize",
		"arpOpcode", "arpSenderMAC", "arpSenderIP", "arpTargetMAC", "arpTargetIP"}
}

// WritePacket writes the flow status after this packet and the packet's
// ARP fields (empty for other packets).
func (a *ARPDecode) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if a.pktNum != p.Num || f == nil || int(f.Slot) >= len(a.st) || a.st[f.Slot] == nil {
		w.H8(0)
		for i := 0; i < 9; i++ {
			w.Empty()
		}
		return
	}
	m := &a.pktMsg
	w.H8(a.st[f.Slot].stat)
	w.U64(uint64(m.HwType))
	w.H16(m.ProtoType)
	w.U64(uint64(m.HwSize))
	w.U64(uint64(m.ProtoSize))
	w.U64(uint64(m.Opcode))
	var ip [16]byte
	addr := func(mac [6]byte, a4 [4]byte) {
		if m.HasMAC {
			w.MAC(mac)
		} else {
			w.Empty()
		}
		if m.HasIP {
			copy(ip[:4], a4[:])
			w.IP(4, &ip)
		} else {
			w.Empty()
		}
	}
	addr(m.SenderMAC, m.SenderIP)
	addr(m.TargetMAC, m.TargetIP)
}

// Report writes the end-report line.
func (a *ARPDecode) Report(r *report.Writer) {
	if a.agg != 0 {
		r.Plugin(registration.Name, "Aggregated arpStat=0x%02x", a.agg)
	}
}
