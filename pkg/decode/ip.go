package decode

import (
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
)

// beginIP does the bookkeeping shared by IPv4 and IPv6 headers at off
// whose header says the IP packet is hdrLen bytes long (0 = unknown):
// it derives T2's L3 length, raises the length-mismatch and snap bits and
// trims s.end to the IP length so that Ethernet padding is not counted.
// It returns the L3 length and whether the capture is shorter than it.
func (s *state) beginIP(off, hdrLen int) (l3Len int, snapped bool) {
	p := s.p
	calc := s.wire - off // what the frame can carry from here on
	l3Len = hdrLen
	// Inside the first fragment of an outer datagram the rest of the
	// inner packet is in the later fragments: its length is neither a
	// framing mismatch nor a snap (T2 raises neither).
	inFrag := s.inFrag && hdrLen != 0
	if !inFrag && (hdrLen == 0 || hdrLen > calc) {
		l3Len = calc
		p.Status |= packet.IPPLMismatch
	}
	s.nIP++
	if !s.l2off {
		s.recordL2(off)
		p.OuterL3Len = uint32(l3Len)
	}
	switch {
	case s.end-off >= l3Len:
		s.end = off + l3Len
	case !inFrag:
		snapped = true
		p.Status |= packet.L3SnapLength
	}
	p.L3Len = uint32(l3Len)
	p.L3Off = int32(off)
	// A new IP header replaces whatever an outer one left behind.
	p.IsFrag, p.MoreFrag, p.FragOff, p.FragID, p.IPID = false, false, 0, 0, 0
	p.SrcPort, p.DstPort, p.UDPLen = 0, 0, 0
	p.TCPFlags, p.TCPSeq, p.TCPAck, p.TCPWin = 0, 0, 0, 0
	p.ICMPType, p.ICMPCode, p.SCTPTag = 0, 0, 0
	return l3Len, snapped
}

// startIP records the start of an IP header at off (name, the flowStat
// bit fs and ethertype of its version); false (the packet marked as cut
// short) when fewer than n bytes of it were captured.
func (s *state) startIP(off int, name string, fs uint64, ethType uint16, n int) bool {
	p := s.p
	s.ipTry++
	p.Status |= fs
	p.EthType = ethType
	p.IPVer = 0
	p.L3Off = int32(off)
	s.hdr(name)
	if !s.has(off, n) {
		s.stop(packet.L3HdrShrtLen)
		return false
	}
	return true
}

// ipv4 dissects an IPv4 header at off.
func (s *state) ipv4(off int) {
	p := s.p
	if !s.startIP(off, "ipv4", packet.FSIPv4Pkt, ipproto.EtherIPv4, 20) {
		return
	}
	b := s.b
	hl := int(b[off]&0x0f) * 4
	if hl < 20 {
		s.stop(packet.IPv4HLTooShort)
		return
	}
	l3Len, snapped := s.beginIP(off, int(s.be16(off+2)))
	if l3Len < 20 {
		p.Status |= packet.L3HdrShrtLen
	}
	p.IPHdrLen = uint16(hl)
	p.IPID = uint32(s.be16(off + 4))
	p.TTL = b[off+8]
	p.SrcIP, p.DstIP = [16]byte{}, [16]byte{}
	copy(p.SrcIP[:4], b[off+12:off+16])
	copy(p.DstIP[:4], b[off+16:off+20])
	frag := s.be16(off + 6)
	fo, mf := frag&0x1fff, frag&0x2000 != 0
	if fo != 0 || mf {
		p.IsFrag, p.MoreFrag = true, mf
		p.FragOff = fo * 8
		p.FragID = p.IPID
		p.Status |= packet.IPv4Frag
	}
	proto := b[off+9]
	p.L4Proto = proto
	if fo != 0 { // a later fragment carries no L4 header
		s.stop(0)
		s.protoName(proto)
		s.finishIP(4, off, hl, l3Len, 0, snapped, true)
		return
	}
	s.inFrag = s.inFrag || mf
	done, l4hl := s.transport(4, off+hl, proto, l3Len, snapped)
	if done {
		return
	}
	s.finishIP(4, off, hl, l3Len, l4hl, snapped, false)
}

// ipv6 dissects an IPv6 header and its extension headers at off.
func (s *state) ipv6(off int) {
	p := s.p
	if !s.startIP(off, "ipv6", packet.FSIPv6Pkt, ipproto.EtherIPv6, 40) {
		return
	}
	b := s.b
	pl := int(s.be16(off + 4))
	hdrLen := 0
	if pl != 0 {
		hdrLen = pl + 40
	}
	l3Len, snapped := s.beginIP(off, hdrLen)
	p.TTL = b[off+7]
	copy(p.SrcIP[:], b[off+8:off+24])
	copy(p.DstIP[:], b[off+24:off+40])

	nh, hl, later := b[off+6], 40, false
ext:
	for j := 0; j < maxIPv6ExtHdrs; j++ {
		l4 := off + hl
		if s.end-l4 < 8 {
			break
		}
		switch nh {
		case ipproto.HopOpts, ipproto.Routing, ipproto.DstOpts:
			s.protoName(nh)
			nh = b[l4]
			hl += (int(b[l4+1]) + 1) * 8
		case ipproto.Fragment:
			s.hdr("ipv6.fraghdr")
			fo := s.be16(l4 + 2)
			p.IsFrag, p.MoreFrag = true, fo&1 != 0
			p.FragOff = fo &^ 7
			p.FragID = s.be32(l4 + 4)
			p.Status |= packet.IPv4Frag
			nh = b[l4]
			hl += 8
			if p.FragOff != 0 {
				later = true
				break ext
			}
		case ipproto.AH:
			s.hdr("ah")
			p.Status |= packet.L3IPSecAH
			nh = b[l4]
			hl += (int(b[l4+1]) + 2) * 4
		default:
			break ext
		}
	}
	p.L4Proto = nh
	p.IPHdrLen = uint16(min(hl, 0xffff))
	l4 := off + hl
	if later {
		// Unlike a later IPv4 fragment, T2 does not count a later IPv6
		// fragment as stopping early (ipv6-fragments.pcapng has no
		// STPDSCT in T2's flows).
		s.finishIP(6, off, hl, l3Len, 0, snapped, true)
		return
	}
	if s.end-l4 < 8 {
		// Too little left for any upper-layer header (T2 adds no name).
		if nh != ipproto.NoNext && s.end-l4 < l3Len-hl {
			p.Status |= packet.L4HdrShrtLen
		}
		s.finishIP(6, off, hl, l3Len, 0, snapped, false)
		return
	}
	s.inFrag = s.inFrag || p.MoreFrag
	done, l4hl := s.transport(6, l4, nh, l3Len, snapped)
	if done {
		return
	}
	s.finishIP(6, off, hl, l3Len, l4hl, snapped, false)
}

// l4 describes the upper-layer header of an IP packet for the transport
// handlers: where it starts, its protocol, the IP packet's T2 length, and
// whether the capture cut the packet. defHL is the L4 header length T2
// assumes for payloads it does not dissect: 8 bytes after IPv4, 0 after IPv6.
type l4 struct {
	ver     int
	off     int
	proto   uint8
	l3Len   int
	snapped bool
	defHL   int
}

// transport handles the upper-layer protocol of an IP packet. It returns
// done when a tunnel took over the packet, otherwise the L4 header length
// T2 assumes for the length columns. (A switch over named methods rather
// than a table of functions: calling through a function value would make
// the per-packet state escape to the heap.)
func (s *state) transport(ver int, off int, proto uint8, l3Len int, snapped bool) (done bool, l4hl int) {
	h := l4{ver: ver, off: off, proto: proto, l3Len: l3Len, snapped: snapped, defHL: 8}
	if ver == 6 {
		h.defHL = 0
	}
	switch proto {
	case ipproto.TCP:
		return false, s.tcp(h)
	case ipproto.UDP, ipproto.UDPLite:
		return s.udp(h)
	case ipproto.ICMP, ipproto.ICMPv6:
		return false, s.icmp(h)
	case ipproto.IGMP:
		return false, s.igmp(h)
	case ipproto.SCTP:
		return false, s.sctp(h)
	case ipproto.GRE:
		return s.gre(off)
	case ipproto.IPIP, ipproto.IPv6:
		return s.ipInIP(h)
	case ipproto.ESP:
		s.hdr("esp")
		s.p.Status |= packet.L3IPSecESP
		return false, h.defHL
	case ipproto.AH: // IPv4 only; IPv6 handles AH as an extension header
		s.hdr("ah")
		s.p.Status |= packet.L3IPSecAH
		if s.has(off, 1) {
			s.protoName(s.b[off])
		}
		return false, h.defHL
	case ipproto.EtherIP:
		return s.etherIP(h)
	case ipproto.L2TP:
		s.hdr("l2tp")
		s.p.Status |= packet.L2L2TP
		return false, h.defHL
	case ipproto.OSPF:
		s.hdr("ospf")
		if s.has(off, 1) && s.b[off] == 2 { // OSPFv2
			return false, 24
		}
		return false, 16
	case ipproto.PIM:
		return s.pim(h)
	case ipproto.NoNext:
		return false, 0
	}
	s.protoName(proto)
	return false, h.defHL
}

func (s *state) tcp(h l4) (l4hl int) {
	p, b, off := s.p, s.b, h.off
	avail := s.end - off
	s.hdr("tcp")
	l4hl = 20
	if s.has(off, 13) && !(h.snapped && avail < 20) {
		l4hl = int(b[off+12]>>4) * 4
	}
	if (h.ver == 4 && h.l3Len < 40) || avail < 4 {
		p.Status |= packet.L4HdrShrtLen
	} else {
		p.SrcPort, p.DstPort = s.be16(off), s.be16(off+2)
		s.ssdp()
	}
	if s.has(off, 20) {
		p.TCPSeq = s.be32(off + 4)
		p.TCPAck = s.be32(off + 8)
		p.TCPFlags = b[off+13]
		p.TCPWin = s.be16(off + 14)
	} else {
		p.Status |= packet.L4HdrShrtLen
	}
	return l4hl
}

// udp handles UDP and UDP-Lite; UDP payloads may be tunnels.
func (s *state) udp(h l4) (done bool, l4hl int) {
	p, b, off := s.p, s.b, h.off
	if h.proto == ipproto.UDP {
		s.hdr("udp")
	} else {
		s.hdr("udplite")
	}
	if (h.ver == 4 && h.l3Len < 28) || s.end-off < 8 {
		p.Status |= packet.L4HdrShrtLen
		if s.end-off >= 4 {
			p.SrcPort, p.DstPort = s.be16(off), s.be16(off+2)
		}
		return false, 8
	}
	sp, dp := s.be16(off), s.be16(off+2)
	p.SrcPort, p.DstPort = sp, dp
	p.UDPLen = s.be16(off + 4)
	if h.proto == ipproto.UDP && sp != 0 && dp != 0 && s.udpTunnel(off+8, sp, dp) {
		return true, 8
	}
	if p.Status&packet.StopDissect != 0 {
		return false, 8
	}
	if !s.ssdp() && (sp == ipsecNATTPort || dp == ipsecNATTPort) {
		s.hdr("udpencap")
		switch {
		case s.has(off+8, 1) && b[off+8] == 0xff && p.UDPLen == 9: // NAT keep-alive
		case s.has(off+8, 4) && s.be32(off+8) != 0:
			s.hdr("esp")
			p.Status |= packet.L3IPSecESP
		default:
			s.hdr("isakmp")
		}
	}
	return false, 8
}

func (s *state) icmp(h l4) (l4hl int) {
	if h.proto == ipproto.ICMP {
		s.hdr("icmp")
	} else {
		s.hdr("icmpv6")
	}
	if s.has(h.off, 2) {
		s.p.ICMPType, s.p.ICMPCode = s.b[h.off], s.b[h.off+1]
	}
	return 8
}

func (s *state) igmp(h l4) (l4hl int) {
	p, b, off := s.p, s.b, h.off
	s.hdr("igmp")
	if s.has(off, 1) {
		switch t := b[off]; {
		case t == 0x13:
			s.hdr("dvmrp")
		case t == 0x14:
			s.hdr("pim")
		case t >= 0xfc && h.ver == 4 && p.DstIP[0] == 224 && p.DstIP[1] == 0 && p.DstIP[2] == 0 && p.DstIP[3] == 25:
			s.hdr("rgmp")
		}
		p.ICMPType = b[off]
	}
	return h.defHL
}

func (s *state) sctp(h l4) (l4hl int) {
	p, off := s.p, h.off
	avail := s.end - off
	s.hdr("sctp")
	p.Status |= packet.L4SCTP
	if (h.ver == 4 && h.l3Len < 36) || (h.ver == 6 && avail < 16) || avail < 4 {
		p.Status |= packet.L4HdrShrtLen
	} else {
		p.SrcPort, p.DstPort = s.be16(off), s.be16(off+2)
	}
	if s.has(off, 8) {
		p.SCTPTag = s.be32(off + 4)
	}
	return 12
}

// ipInIP follows IPv4 or IPv6 carried directly in IP.
func (s *state) ipInIP(h l4) (done bool, l4hl int) {
	s.p.Status |= packet.L3IPIP
	if s.has(h.off, 1) && s.enter() {
		if h.proto == ipproto.IPIP {
			s.ipByVersion(h.off, 4)
		} else {
			s.ipByVersion(h.off, 6)
		}
		return true, 0
	}
	s.protoName(h.proto)
	s.stop(0)
	return false, h.defHL
}

// etherIP follows EtherIP (RFC 3378): a 4-bit version 3, then an Ethernet
// frame.
func (s *state) etherIP(h l4) (done bool, l4hl int) {
	if s.has(h.off, 2) && s.b[h.off]>>4 == 3 {
		s.hdr("etherip")
		s.p.Status |= packet.L3EthIPF
		if s.tunnelEth(h.off + 2) {
			return true, 0
		}
		return false, 2
	}
	s.protoName(h.proto)
	return false, h.defHL
}

// pim follows a PIM register message into the IP packet it carries.
func (s *state) pim(h l4) (done bool, l4hl int) {
	b, off := s.b, h.off
	s.hdr("pim")
	if s.has(off+8, 1) && b[off]&0x0f == 1 && s.enter() { // register: an IP packet follows
		switch b[off+8] >> 4 {
		case 4:
			s.ipv4(off + 8)
			return true, 0
		case 6:
			s.ipv6(off + 8)
			return true, 0
		}
	}
	return false, h.defHL
}

// ssdp flags SSDP/UPnP (port 1900 against an unprivileged port).
func (s *state) ssdp() bool {
	p := s.p
	if (p.DstPort == upnpPort && p.SrcPort > 1024) || (p.SrcPort == upnpPort && p.DstPort > 1024) {
		s.hdr("ssdp")
		p.Status |= packet.L4UPNP
		return true
	}
	return false
}

// finishIP fills the length columns of the innermost IP header at off
// (header length hl, T2 L3 length l3Len, assumed L4 header length l4hl)
// and marks the packet as an IPv4/IPv6 flow packet.
func (s *state) finishIP(ver int, off, hl, l3Len, l4hl int, snapped, later bool) {
	p := s.p
	l4 := off + hl
	snapL3 := max(s.end-off, 0)
	snapL4, snapL7 := 0, 0
	if snapL3 >= hl {
		snapL4 = snapL3 - hl
	}
	if l4hl < snapL4 {
		snapL7 = snapL4 - l4hl
	}
	if !later && snapped && s.end-l4 < l4hl {
		p.Status |= packet.L4HdrShrtLen
	}
	p.SnapL3Len, p.SnapL4Len, p.SnapL7Len = uint32(snapL3), uint32(snapL4), uint32(snapL7)
	p.L7Len = uint32(max(l3Len-hl-l4hl, 0))
	p.L4HdrLen = uint16(l4hl)
	if !later && s.has(l4, max(l4hl, 1)) {
		p.L4Off = int32(l4)
	} else {
		p.L4Off = -1
	}
	if l7 := l4 + l4hl; l7 <= len(s.b) {
		p.L7Off = int32(l7)
	}
	if s.wire <= minRawLen {
		if pad := s.wire - l3Len - off; pad > 0 {
			p.PadLen = uint32(pad)
		}
	}
	if ver == 4 {
		p.IPVer = 4
		p.Status |= packet.L2IPv4
	} else {
		p.IPVer = 6
		p.Status |= packet.L2IPv6
	}
}
