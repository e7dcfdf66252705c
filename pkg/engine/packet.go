package engine

import (
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
)

// synAck: a first packet with SYN and ACK set comes from the server.
const synAck = 0x12

// handlePacket is the hot path: count, find or create the flow, run the
// plugins. p was dissected by the reader goroutine (decodeBatch). It must
// not allocate in steady state.
func (e *Engine) handlePacket(p *packet.Packet, key *ipKey) {
	c := e.c
	if !e.haveFirst {
		e.haveFirst = true
		e.firstTS = p.TS
		e.hooks.FirstPacket(p.TS)
	}
	if e.trig != nil {
		e.reportAfter = e.trig.Before(p.TS, e.gapFn)
	}
	e.actTime = p.TS
	e.table.Expired(p.TS, e.release)

	c.Packets++
	p.Num = c.Packets
	c.RawBytes += uint64(p.WireLen)
	c.BytesProcessed += uint64(p.CapLen)

	if nh := p.NumHdrs; nh > 0 {
		if nh < c.MinHdrs {
			c.MinHdrs = nh
		}
		if nh > c.MaxHdrs {
			c.MaxHdrs = nh
		}
		c.SumHdrs += uint64(nh)
		c.HdrPackets++
	}
	if p.NumVLAN > c.MaxVLAN {
		c.MaxVLAN = p.NumVLAN
	}
	if p.NumMPLS > c.MaxMPLS {
		c.MaxMPLS = p.NumMPLS
	}
	if enc := p.Enc; enc != 0 {
		e.countEnc(enc)
	}
	c.PadBytes += uint64(p.PadLen)

	var f *flow.Flow
	if p.Status&packet.L3IPVX != 0 {
		c.VxPackets++
	}
	switch {
	case p.IPVer == 4 || p.IPVer == 6:
		f = e.ipFlow(p, key)
	case p.L2Only && e.opt.L2Flows:
		c.L2Packets++
		f = e.l2Flow(p)
	}
	if f != nil {
		e.flowPacket(p, f)
		// Plugins may raise run-wide bits (httpSniffer: SIP/RTP) that T2
		// shows only in the aggregate, not in the flow's flowStat.
		c.GlobalWarn |= p.Status
	}
	// After the plugins: tcpFlags raises TimeJump on the packet.
	c.GlobalWarn |= p.Status
	if e.reportAfter {
		e.reportAfter = false
		e.Sync()
		e.hooks.ReportDue()
	}
}

func (e *Engine) countEnc(enc uint16) {
	c := e.c
	if enc&packet.EncLLC != 0 {
		c.LLCPackets++
	}
	if enc&packet.EncGRE != 0 {
		c.GREPackets++
	}
	if enc&packet.EncTeredo != 0 {
		c.TeredoPackets++
	}
	if enc&packet.EncAYIYA != 0 {
		c.AYIYAPackets++
	}
	if enc&packet.EncLAPD != 0 {
		c.LAPDPackets++
	}
	if enc&packet.EncDTLS != 0 {
		c.DTLSPackets++
	}
}

// ipFlow counts an IP packet and returns its flow (nil when no flow may
// be created).
func (e *Engine) ipFlow(p *packet.Packet, key *ipKey) *flow.Flow {
	c := e.c
	if p.IPVer == 4 {
		c.V4Packets++
		// Bandwidth counts the IP datagram plus its layer-2 header.
		l3 := p.OuterL3Len
		if rest := p.WireLen - min(p.WireLen, p.L2Len); l3 == 0 || l3 > rest {
			l3 = rest
		}
		c.BytesOnWire += uint64(p.L2Len) + uint64(l3)
	} else {
		c.V6Packets++
		c.BytesOnWire += uint64(p.WireLen)
	}
	if p.IsFrag {
		if p.IPVer == 4 {
			c.FragV4Packets++
		} else {
			c.FragV6Packets++
		}
		if p.FragOff > 0 {
			if f := e.frags.lookup(p, e.table); f != nil {
				e.frags.more(p, f)
				return f
			}
			// No first fragment: like T2 (FRAG_HLST_CRFT=1) the fragment
			// gets the flow of its own key (ports 0) and opens a datagram
			// there as a first fragment would.
			p.Status |= packet.IPv4FragHdSeq
		}
	}
	k := &key.k
	f := e.table.LookupHash(k, key.hash)
	if f == nil {
		if e.noNewFlows {
			return nil
		}
		f = e.createFlow(p, k, key.hash, key.rhash)
		if p.IPVer == 4 {
			c.V4Flows++
		} else {
			c.V6Flows++
		}
	}
	if p.IsFrag && (p.MoreFrag || p.FragOff > 0) {
		e.frags.start(p, f, e.table)
	} else if f.Status&packet.IPv4FragPending != 0 {
		// An unfragmented packet while the flow's datagram is incomplete.
		p.Status |= packet.IPv4FragErr
	}
	return f
}

// l2Flow returns the layer-2 flow of a non-IP packet (MAC pair,
// ethertype and VLAN).
func (e *Engine) l2Flow(p *packet.Packet) *flow.Flow {
	var k flow.Key
	copy(k.SrcIP[:6], p.SrcMAC[:])
	copy(k.DstIP[:6], p.DstMAC[:])
	k.EthType = p.EthType
	if p.NumVLAN > 0 {
		k.VLAN = p.VLAN[0] & 0x0fff
	}
	h := k.Hash()
	f := e.table.LookupHash(&k, h)
	if f == nil {
		if e.noNewFlows {
			return nil
		}
		f = e.createFlow(p, &k, h, k.ReverseHash())
		e.c.L2Flows++
	}
	return f
}

// createFlow makes room if needed, creates the flow and applies T2's A/B
// rules (which end is the client: docs/flowstat.md, bit 0). h is k's hash,
// rh its reverse's.
func (e *Engine) createFlow(p *packet.Packet, k *flow.Key, h, rh uint64) *flow.Flow {
	if e.table.Full() {
		// Slots of released flows whose records are still being
		// built come back first; only a table full of live flows
		// calls the autopilot.
		e.Sync()
		if e.table.Full() {
			e.autopilot()
		}
	}
	f := e.table.CreateHashes(k, h, rh, p.TS)
	c := e.c
	// The peak is kept here, where it can only grow, so the end report's
	// "Max number of flows in memory" does not depend on when reports ran.
	if n := uint64(e.table.Len()); n > c.MaxFlows {
		c.MaxFlows = n
	}
	if f.IsB {
		c.BFlows++
		if !e.table.Flow(f.Opposite).IsInverted() {
			f.Status |= packet.L3FlowInvert
		}
	} else {
		c.AFlows++
		sp, dp := k.SrcPort, k.DstPort
		if (sp < 1024 && sp < dp) || sp&0xfff6 == 8080 ||
			(p.L4Proto == ipproto.TCP && p.TCPFlags&synAck == synAck) {
			f.Status |= packet.L3FlowInvert
		}
		if p.L4Proto == ipproto.TCP && k.Symmetric() {
			f.Status |= packet.LandAttack
		}
	}
	if len(e.newPrefetchers) > 0 {
		for _, h := range e.newPrefetchers {
			h.PrefetchNewFlow(p, f, &e.npb)
		}
		e.npb.Flush()
	}
	for _, h := range e.newFlow {
		h.OnNewFlow(p, f)
	}
	return f
}

// flowPacket counts a packet of flow f and runs the plugins on it.
func (e *Engine) flowPacket(p *packet.Packet, f *flow.Flow) {
	c := e.c
	f.Status |= p.Status
	f.NumPkts++
	if f.IsInverted() {
		c.BPackets++
		c.BBytes += uint64(p.CapLen)
	} else {
		c.APackets++
		c.ABytes += uint64(p.CapLen)
	}
	c.PktsL2[p.EthType]++
	c.BytesL2[p.EthType] += uint64(p.CapLen)
	if p.IPVer != 0 {
		if p.IPVer == 4 {
			dupIPID(p, f)
		}
		c.PktsL3[p.L4Proto]++
		c.BytesL3[p.L4Proto] += uint64(p.CapLen)
		for _, h := range e.l4 {
			h.OnLayer4(p, f)
		}
	} else {
		for _, h := range e.l2 {
			h.OnLayer2(p, f)
		}
	}
	if e.pktOut != nil {
		e.writePacketLine(p, f)
	}
	e.table.Touch(f, p.TS)
}

// writePacketLine appends one line to _packets.txt (-s).
func (e *Engine) writePacketLine(p *packet.Packet, f *flow.Flow) {
	w := &e.prec
	w.Reset()
	w.U64(p.Num)
	w.U64(f.Index)
	for _, pc := range e.pktCols {
		pc.WritePacket(p, f, w)
	}
	w.Field()
	w.AppendContent(p.Payload)
	w.RawString("\n")
	e.pktOut.Write(w.Bytes())
}

// dupIPID raises flowStat DUPIPID (bit 44) on an IPv4 packet whose
// non-zero ID equals the previous packet's of the same flow (direction),
// the flow's second packet not compared with its first, as T2's core
// does for any plugin set (TestDupIPID, e2e TestT2Outputs). f.NumPkts
// counts p already.
func dupIPID(p *packet.Packet, f *flow.Flow) {
	if f.NumPkts < 2 {
		return
	}
	id := uint16(p.IPID)
	if id != 0 && id == f.PrevIPID {
		f.Status |= packet.DupIPID
		p.Status |= packet.DupIPID
	}
	f.PrevIPID = id
}
