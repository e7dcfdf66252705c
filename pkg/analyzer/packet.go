package analyzer

import (
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/report"
)

// handlePacket is the hot path: count, find or create the flow, run the
// plugins. p was dissected by the reader goroutine (decodeBatch). It must
// not allocate in steady state.
func (a *Analyzer) handlePacket(p *packet.Packet, key *ipKey) {
	c := a.c
	if !a.haveFirst {
		a.haveFirst = true
		a.firstTS = p.TS
		a.intervalTS = p.TS
		if a.cfg.verbose > 0 {
			report.WriteDumpStart(a.repW, &report.State{FirstPacket: p.TS})
			a.rep.Flush()
		}
	}
	if a.trig != nil {
		a.reportAfter = a.trig.Before(p.TS, a.gapReport)
	}
	a.actTime = p.TS
	a.table.Expired(p.TS, a.release)

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
	if e := p.Enc; e != 0 {
		a.countEnc(e)
	}
	c.PadBytes += uint64(p.PadLen)

	var f *flow.Flow
	switch {
	case p.Status&packet.L3IPVX != 0:
		c.VxPackets++
	case p.IPVer == 4 || p.IPVer == 6:
		f = a.ipFlow(p, key)
	case p.L2Only && a.cfg.ethActivate > 0:
		c.L2Packets++
		f = a.l2Flow(p)
	}
	if f != nil {
		a.flowPacket(p, f)
	}
	// After the plugins: tcpFlags raises TimeJump on the packet.
	c.GlobalWarn |= p.Status
	if a.reportAfter {
		a.reportAfter = false
		a.printReport()
	}
}

func (a *Analyzer) countEnc(e uint16) {
	c := a.c
	if e&packet.EncLLC != 0 {
		c.LLCPackets++
	}
	if e&packet.EncGRE != 0 {
		c.GREPackets++
	}
	if e&packet.EncTeredo != 0 {
		c.TeredoPackets++
	}
	if e&packet.EncAYIYA != 0 {
		c.AYIYAPackets++
	}
	if e&packet.EncLAPD != 0 {
		c.LAPDPackets++
	}
	if e&packet.EncDTLS != 0 {
		c.DTLSPackets++
	}
}

// ipFlow counts an IP packet and returns its flow (nil when no flow may
// be created or a later fragment has no first fragment).
func (a *Analyzer) ipFlow(p *packet.Packet, key *ipKey) *flow.Flow {
	c := a.c
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
			f := a.frags.lookup(p, a.table)
			if f == nil {
				p.Status |= packet.IPv4FragHdSeq
			}
			return f
		}
	}
	k := &key.k
	f := a.table.LookupHash(k, key.hash)
	if f == nil {
		if a.noNewFlows {
			return nil
		}
		f = a.createFlow(p, k, key.hash)
		if p.IPVer == 4 {
			c.V4Flows++
		} else {
			c.V6Flows++
		}
	}
	if p.IsFrag && p.FragOff == 0 && p.MoreFrag {
		a.frags.add(p, f)
	}
	return f
}

// setIPKey sets k to the flow key of IP packet p.
func setIPKey(k *flow.Key, p *packet.Packet) {
	*k = flow.Key{}
	k.IPVer = p.IPVer
	k.SrcIP, k.DstIP = p.SrcIP, p.DstIP
	if p.IPVer == 4 {
		k.EthType = 0x0800
	} else {
		k.EthType = 0x86dd
	}
	if p.NumVLAN > 0 {
		k.VLAN = p.VLAN[0] & 0x0fff
	}
	k.Proto = p.L4Proto
	k.SrcPort, k.DstPort = p.SrcPort, p.DstPort
}

// l2Flow returns the layer-2 flow of a non-IP packet (MAC pair,
// ethertype and VLAN).
func (a *Analyzer) l2Flow(p *packet.Packet) *flow.Flow {
	var k flow.Key
	copy(k.SrcIP[:6], p.SrcMAC[:])
	copy(k.DstIP[:6], p.DstMAC[:])
	k.EthType = p.EthType
	if p.NumVLAN > 0 {
		k.VLAN = p.VLAN[0] & 0x0fff
	}
	h := k.Hash()
	f := a.table.LookupHash(&k, h)
	if f == nil {
		if a.noNewFlows {
			return nil
		}
		f = a.createFlow(p, &k, h)
		a.c.L2Flows++
	}
	return f
}

// createFlow makes room if needed, creates the flow and applies T2's A/B
// rules (t2-core §5.1). h is k's hash.
func (a *Analyzer) createFlow(p *packet.Packet, k *flow.Key, h uint64) *flow.Flow {
	if a.table.Full() {
		a.autopilot()
	}
	f := a.table.CreateHash(k, h, p.TS)
	c := a.c
	if f.IsB {
		c.BFlows++
		if !a.table.Flow(f.Opposite).IsInverted() {
			f.Status |= packet.L3FlowInvert
		}
	} else {
		c.AFlows++
		sp, dp := k.SrcPort, k.DstPort
		if (sp < 1024 && sp < dp) || sp&0xfff6 == 8080 ||
			(p.L4Proto == 6 && p.TCPFlags&0x12 == 0x12) {
			f.Status |= packet.L3FlowInvert
		}
		if p.L4Proto == 6 && k.Symmetric() {
			f.Status |= packet.LandAttack
		}
	}
	for _, h := range a.newFlow {
		h.OnNewFlow(p, f)
	}
	return f
}

// flowPacket counts a packet of flow f and runs the plugins on it.
func (a *Analyzer) flowPacket(p *packet.Packet, f *flow.Flow) {
	c := a.c
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
		c.PktsL3[p.L4Proto]++
		c.BytesL3[p.L4Proto] += uint64(p.CapLen)
		for _, h := range a.l4 {
			h.OnLayer4(p, f)
		}
	} else {
		for _, h := range a.l2 {
			h.OnLayer2(p, f)
		}
	}
	if a.pkt != nil {
		a.writePacketLine(p, f)
	}
	a.table.Touch(f, p.TS)
}

// writePacketLine appends one line to _packets.txt (-s).
func (a *Analyzer) writePacketLine(p *packet.Packet, f *flow.Flow) {
	w := &a.prec
	w.Reset()
	w.U64(p.Num)
	w.U64(f.Index)
	for _, pc := range a.pktCols {
		pc.WritePacket(p, f, w)
	}
	w.Field()
	w.AppendContent(p.Payload)
	w.RawString("\n")
	a.pkt.Write(w.Bytes())
}
