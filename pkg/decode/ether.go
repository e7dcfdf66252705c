package decode

import (
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
)

const islHeaderLen = 26

// ethernet dissects an Ethernet header at off (the outermost one; inner
// Ethernet headers of tunnels go through innerEthernet).
func (s *state) ethernet(off int) {
	p := s.p
	if !s.has(off, 14) {
		s.stop(packet.L2SnapLength)
		return
	}
	// Cisco ISL wraps the whole Ethernet frame in a 26-byte header
	// addressed to 01:00:0c:00:00:xx or 03:00:0c:00:00:xx.
	// (Compared as integers: this runs for every packet.)
	if d := s.b[off : off+5]; d[0]|0x02 == 0x03 && s.be32(off+1) == 0x000c0000 {
		s.hdr("isl")
		off += islHeaderLen
		if !s.has(off, 14) {
			s.stop(packet.L2SnapLength)
			return
		}
	}
	s.hdr("eth")
	p.HasMAC = true
	copy(p.DstMAC[:], s.b[off:off+6])
	copy(p.SrcMAC[:], s.b[off+6:off+12])
	s.typeField(off + 12)
}

// innerEthernet dissects an Ethernet header carried by a tunnel (VXLAN,
// GENEVE, GRE bridging, ERSPAN, MPLS pseudowire).
func (s *state) innerEthernet(off int) {
	s.hdr("eth")
	if !s.enter() {
		return
	}
	if !s.has(off, 14) {
		s.stop(packet.L2SnapLength)
		return
	}
	// The innermost Ethernet header's addresses are the flow's MACs, and
	// like T2 the bandwidth counts this frame (its framing plus the IP
	// packet it carries) once an IP header follows; should none follow,
	// the outer framing and IP length stay.
	p := s.p
	if s.l2off {
		s.l2off, s.l2start = false, off
	}
	p.HasMAC = true
	copy(p.DstMAC[:], s.b[off:off+6])
	copy(p.SrcMAC[:], s.b[off+6:off+12])
	s.typeField(off + 12)
}

func isVLANType(t uint16) bool { return t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200 }

// vlans skips the 802.1Q/802.1ad tags starting with the type field at
// pos and returns the position of the type field after them.
func (s *state) vlans(pos int) int {
	p := s.p
	n := 0
	for s.has(pos, 4) && isVLANType(s.be16(pos)) {
		id := s.be16(pos+2) & 0x0fff
		if id == 0 {
			p.Status |= packet.FSVLAN0
		}
		if int(p.NumVLAN) < packet.MaxVLAN {
			p.VLAN[p.NumVLAN] = id
		}
		if p.NumVLAN < 255 {
			p.NumVLAN++
		}
		if n == 0 {
			s.hdr("vlan")
		} else {
			p.AddHdr("vlan")
		}
		n++
		pos += 4
	}
	if n > 0 {
		p.Status |= packet.L2VLAN
	}
	return pos
}

// typeField handles the Ethernet type/length field at pos, after any VLAN
// tags: 802.3 length fields lead to LLC, everything else is an ethertype.
func (s *state) typeField(pos int) {
	pos = s.vlans(pos)
	if !s.has(pos, 2) {
		s.stop(packet.L2SnapLength)
		return
	}
	t := s.be16(pos)
	if t < 0x600 || t == ethTypeJumboLLC {
		s.llc(pos, t)
		return
	}
	s.etherTypeAt(t, pos+2)
}

// llc dissects an IEEE 802.2 LLC header; pos is the 802.3 length field.
func (s *state) llc(pos int, length uint16) {
	p := s.p
	s.hdr("llc")
	p.Enc |= packet.EncLLC
	if !s.has(pos, 5) {
		s.stop(packet.L2SnapLength)
		return
	}
	dsap, ssap := s.b[pos+2], s.b[pos+3]
	if dsap == 0xaa && ssap == 0xaa { // SNAP: 3 more bytes of OUI, then an ethertype
		if !s.has(pos+8, 2) {
			s.stop(packet.L2SnapLength)
			return
		}
		s.etherTypeAt(s.be16(pos+8), pos+10)
		return
	}
	hl := 5 // length field, DSAP, SSAP, 1-byte control (U frames)
	if s.b[pos+4]&0x03 != 0x03 {
		hl++ // I and S frames have a 2-byte control field
	}
	data := pos + hl
	if dsap == 0x06 { // IP directly over LLC
		if s.has(data, 1) {
			switch s.b[data] >> 4 {
			case 4:
				s.ipv4(data)
				return
			case 6:
				s.ipv6(data)
				return
			}
		}
		s.hdr("ipvx")
		p.Status |= packet.L3IPVX
	} else {
		s.llcName(dsap)
	}
	p.EthType = uint16(dsap)<<8 | uint16(ssap)
	pad := -1
	if s.wire <= minRawLen {
		pad = s.wire - int(length) - (pos + 2)
	}
	s.l2Dispatch(min(data, s.end), pad)
}

// etherTypeAt dispatches on ethertype t;
// data is where the payload starts (pos+2 except for SLL2).
func (s *state) etherTypeAt(t uint16, data int) {
	p := s.p
	p.EthType = t
	switch t {
	case ipproto.EtherIPv4:
		s.ipByVersion(data, 4)
		return
	case ipproto.EtherIPv6:
		s.ipByVersion(data, 6)
		return
	case ipproto.EtherARP:
		s.hdr("arp")
		p.Status |= packet.L2ARP
		pad := -1
		if s.wire <= minRawLen {
			pad = s.wire - 28 - data // 28 = ARP message for IPv4 over Ethernet
		}
		s.l2Dispatch(data, pad)
		return
	case ethTypeAARP:
		s.hdr("aarp")
		p.Status |= packet.L2ARP
	case ipproto.EtherRARP:
		s.hdr("rarp")
		p.Status |= packet.L2RARP
	case ipproto.EtherMPLS, ipproto.EtherMPLSMC:
		s.mpls(data, t == ipproto.EtherMPLSMC)
		return
	case ethTypeERSPAN2: // directly in Ethernet
		s.hdr("erspan")
		p.Status |= packet.L2ERSPAN
		s.innerEthernet(data + 8)
		return
	case ipproto.EtherPPPoED:
		s.hdr("pppoed")
		p.Status |= packet.L2PPPoED
	case ipproto.EtherPPPoES:
		s.hdr("pppoes")
		p.Status |= packet.L2PPPoES
		s.hdr("ppp")
		if !s.has(data, 8) {
			s.stop(packet.L2SnapLength)
			return
		}
		switch proto := s.be16(data + 6); proto {
		case pppIPv4:
			s.ipByVersion(data+8, 4)
			return
		case pppIPv6:
			s.ipByVersion(data+8, 6)
			return
		default:
			s.pppName(proto)
		}
	case ipproto.EtherLLDP:
		s.hdr("lldp")
		p.Status |= packet.L2LLDP
	case ethTypeSlow:
		s.hdr("slow")
		if s.has(data, 1) {
			switch s.b[data] {
			case 1:
				s.hdr("lacp")
			case 2:
				s.hdr("marker")
			case 3:
				s.hdr("oampdu")
			case 10:
				s.hdr("ossp")
			}
		}
	default:
		s.ethName(t)
	}
	// T2 counts the whole payload of a short non-ARP layer-2 frame as
	// padding (it does not know the message length); kept for identical
	// pad counters.
	pad := -1
	if s.wire <= minRawLen {
		pad = s.wire - data
	}
	s.l2Dispatch(min(data, s.end), pad)
}

// mpls walks an MPLS label stack at pos and guesses the payload from the
// first nibble after the bottom label.
func (s *state) mpls(pos int, mcast bool) {
	p := s.p
	if mcast {
		p.Status |= packet.L2MPLSMcast
	} else {
		p.Status |= packet.L2MPLSUcast
	}
	n := 0
	for {
		if !s.has(pos, 4) || n >= maxMPLSLabels {
			if n > 0 {
				s.hdr("mpls")
				for i := 1; i < n; i++ {
					p.AddHdr("mpls")
				}
			}
			s.stop(packet.L2SnapLength)
			return
		}
		h := s.be32(pos)
		if int(p.NumMPLS) < packet.MaxMPLS {
			p.MPLS[p.NumMPLS] = h
		}
		if p.NumMPLS < 255 {
			p.NumMPLS++
		}
		n++
		pos += 4
		if h&0x100 != 0 { // bottom of stack
			break
		}
	}
	s.hdr("mpls")
	for i := 1; i < n; i++ {
		p.AddHdr("mpls")
	}
	if !s.has(pos, 1) {
		s.stop(packet.L3HdrShrtLen)
		return
	}
	switch s.b[pos] >> 4 {
	case 4:
		s.ipv4(pos)
	case 6:
		s.ipv6(pos)
	case 0: // pseudowire control word (RFC 4448) before an Ethernet frame
		s.hdr("pwethcw")
		s.innerEthernet(pos + 4)
	default:
		s.innerEthernet(pos)
	}
}

// l2Dispatch finishes a packet without usable IP layer: it becomes a
// layer-2 flow packet (T2's t2_dispatch_l2_packet). l7 is where the
// layer-2 payload starts; pad is the Ethernet padding, or < 0 if none.
//
// Inside an IP tunnel (VXLAN, GENEVE, GRE bridging, ERSPAN) T2 does not
// create a layer-2 flow: the flow stays on the outer IP header and only
// StopDissect is raised; the tunnel code then falls back (see tunnelEth).
func (s *state) l2Dispatch(l7 int, pad int) {
	p := s.p
	if s.nIP > 0 {
		s.stop(0)
		return
	}
	if pad > 0 {
		p.PadLen = uint32(pad)
	}
	if s.opt.NoL2Flows {
		return
	}
	p.L2Only = true
	p.Status |= packet.L2Flow
	if l7 > len(s.b) {
		l7 = len(s.b)
	}
	p.L2Len = uint32(l7)
	if w := s.wire - l7; w > 0 {
		p.L7Len = uint32(w)
	}
	snap := uint32(len(s.b) - l7)
	p.SnapL3Len, p.SnapL4Len, p.SnapL7Len = snap, snap, snap
	p.L7Off = int32(l7)
}

// ieee80211 dissects an 802.11 frame at off: data frames carrying
// LLC/SNAP are followed into their ethertype; everything else stops.
func (s *state) ieee80211(off int) {
	p := s.p
	s.hdr("wlan")
	if !s.has(off, 24) {
		s.stop(packet.L2SnapLength)
		return
	}
	// Management, control, protected and null-function frames carry
	// nothing to follow; T2 does not count them as stopping early.
	fc0, fc1 := s.b[off], s.b[off+1]
	if (fc0>>2)&0x03 != 2 { // management or control frame
		return
	}
	toDS, fromDS := fc1&0x01 != 0, fc1&0x02 != 0
	hl := 24
	if toDS && fromDS {
		hl += 6
	}
	if fc0&0x80 != 0 { // QoS data
		hl += 2
		if fc1&0x80 != 0 { // +HTC
			hl += 4
		}
	}
	if !s.has(off, hl) {
		s.stop(packet.L2SnapLength)
		return
	}
	a1, a2, a3 := off+4, off+10, off+16
	da, sa := a1, a2
	switch {
	case toDS && fromDS:
		da, sa = a3, off+24
	case toDS:
		da, sa = a3, a2
	case fromDS:
		da, sa = a1, a3
	}
	p.HasMAC = true
	copy(p.DstMAC[:], s.b[da:da+6])
	copy(p.SrcMAC[:], s.b[sa:sa+6])
	if fc1&0x40 != 0 || fc0&0x40 != 0 { // protected (encrypted) or null function (no payload)
		return
	}
	pos := off + hl
	if !s.has(pos, 8) || s.b[pos] != 0xaa || s.b[pos+1] != 0xaa {
		s.stop(0)
		return
	}
	s.hdr("llc")
	p.Enc |= packet.EncLLC // T2 counts 802.11 LLC/SNAP as LLC packets too
	s.etherTypeAt(s.be16(pos+6), pos+8)
}
