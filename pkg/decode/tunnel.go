package decode

import (
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
)

// gre dissects a GRE header at g. It returns done when the encapsulated
// packet took over; otherwise the flow stays on the enclosing IP header
// and l4hl is the GRE header length.
func (s *state) gre(g int) (done bool, l4hl int) {
	p := s.p
	nested := p.Enc&packet.EncGRE != 0
	s.hdr("gre")
	p.Status |= packet.L2GRE
	p.Enc |= packet.EncGRE
	if !s.has(g, 4) {
		s.stop(packet.L4HdrShrtLen)
		return false, 4
	}
	flags, proto := s.be16(g), s.be16(g+2)
	ver := flags & 0x0007
	n := 4
	if flags&0xc000 != 0 { // checksum and/or routing: checksum + offset
		n += 4
	}
	if flags&0x2000 != 0 { // key (call ID in enhanced GRE)
		n += 4
	}
	if flags&0x1000 != 0 { // sequence number
		n += 4
	}
	if ver == 1 && flags&0x0080 != 0 { // acknowledgment number (enhanced GRE)
		n += 4
	}
	in := g + n
	if nested {
		// T2 follows one GRE level: GRE inside GRE stays the payload of
		// the IP header that carries it, and that header gets the flow.
		s.stop(0)
		return false, n
	}
	switch proto {
	case ipproto.EtherIPv4, ipproto.EtherIPv6:
		if !s.has(in, 1) || !s.enter() {
			s.stop(packet.L3HdrShrtLen)
			return false, n
		}
		if proto == ipproto.EtherIPv4 {
			s.ipByVersion(in, 4)
		} else {
			s.ipByVersion(in, 6)
		}
		return true, 0
	case ethTypePPP:
		s.hdr("ppp")
		p.Status |= packet.L2PPP
		if ver == 1 && s.has(g, 6) && s.be16(g+4) == 0 { // no payload: acknowledgment only
			s.stop(0)
			return false, n
		}
		if s.enter() && s.ppp(in) {
			return true, 0
		}
		return false, n
	case ethTypeTEB:
		if s.tunnelEth(in) {
			return true, 0
		}
		return false, n
	case ethTypeERSPAN2, ethTypeERSPAN3:
		s.hdr("erspan")
		p.Status |= packet.L2ERSPAN
		skip := 0
		if proto == ethTypeERSPAN3 { // type III: 12 bytes, 8 more with the platform subheader
			skip = 12
			if s.has(in, 12) && s.b[in+11]&0x01 != 0 {
				skip += 8
			}
		} else if flags&0x1000 != 0 { // type II (type I has no sequence number and no header)
			skip = 8
		}
		if s.tunnelEth(in + skip) {
			return true, 0
		}
		return false, n
	case ethTypeWCCP: // redirect header, then IP
		s.hdr("wccp")
		p.Status |= packet.L2WCCP
		if s.has(in+4, 1) && s.enter() {
			switch s.b[in+4] >> 4 {
			case 4:
				s.ipv4(in + 4)
				return true, 0
			case 6:
				s.ipv6(in + 4)
				return true, 0
			}
		}
		s.stop(0)
		return false, n
	default:
		s.ethName(proto)
		s.stop(0)
		return false, n
	}
}

// ppp dissects a PPP header (optional address/control, 1- or 2-byte
// protocol) at pos. It returns done when an IP packet or MPLS stack
// followed.
func (s *state) ppp(pos int) bool {
	if s.has(pos, 2) && s.b[pos] == 0xff && s.b[pos+1] == 0x03 {
		pos += 2
	}
	if !s.has(pos, 1) {
		s.stop(packet.PPPNoHdr)
		return false
	}
	var proto uint16
	if s.b[pos]&0x01 != 0 { // protocol field compressed to one byte
		proto = uint16(s.b[pos])
		pos++
	} else {
		if !s.has(pos, 2) {
			s.stop(packet.PPPNoHdr)
			return false
		}
		proto = s.be16(pos)
		pos += 2
	}
	switch proto {
	case pppIPv4:
		s.ipByVersion(pos, 4)
		return true
	case pppIPv6:
		s.ipByVersion(pos, 6)
		return true
	case pppMPLS, pppMPLSMC:
		s.mpls(pos, proto == pppMPLSMC)
		return true
	case pppCompressed:
		s.hdr("comp_data")
		s.stop(packet.PPPNoHdr)
		return false
	default:
		s.pppName(proto)
		s.stop(0)
		return false
	}
}

// udpTunnel tries the UDP-based encapsulations on the UDP payload at pos.
func (s *state) udpTunnel(pos int, sp, dp uint16) bool {
	p := s.p
	b := s.b
	switch {
	case sp == vxlanPort || dp == vxlanPort || sp == vxlanOldPort || dp == vxlanOldPort:
		if s.has(pos, 8) && b[pos+1] == 0 && b[pos+2] == 0 && b[pos+3] == 0 && b[pos+7] == 0 {
			s.hdr("vxlan")
			p.Status |= packet.L3VXLAN
			return s.tunnelEth(pos + 8)
		}
	case sp == vxlanGPEPort || dp == vxlanGPEPort:
		if s.has(pos, 8) && b[pos+1] == 0 && b[pos+2] == 0 && b[pos+7] == 0 {
			s.hdr("vxlan_gpe")
			p.Status |= packet.L3VXLAN
			np := b[pos+3]
			if b[pos]&0x04 == 0 { // no next-protocol: Ethernet
				np = 3
			}
			switch np {
			case 1, 2: // IPv4, IPv6
				if s.enter() {
					if np == 1 {
						s.ipByVersion(pos+8, 4)
					} else {
						s.ipByVersion(pos+8, 6)
					}
					return true
				}
			case 3:
				return s.tunnelEth(pos + 8)
			case 4:
				s.hdr("nsh")
			case 5:
				s.hdr("mpls")
			}
			s.stop(0)
			return false
		}
	case sp == genevePort || dp == genevePort:
		if s.has(pos, 8) && b[pos]>>6 == 0 && s.be16(pos+2) == ethTypeTEB && b[pos+1]&0x3f == 0 && b[pos+7] == 0 {
			s.hdr("geneve")
			p.Status |= packet.L3GENEVE
			return s.tunnelEth(pos + 8 + int(b[pos]&0x3f)*4)
		}
	case isGTPPort(sp) && dp > 1024 || isGTPPort(dp) && sp > 1024:
		if s.gtp(pos) {
			return true
		}
	case sp == l2tpPort || dp == l2tpPort:
		if s.l2tp(pos) {
			return true
		}
	}
	if p.Status&packet.StopDissect == 0 && sp > 1024 && dp > 1024 && s.teredo(pos, sp, dp) {
		return true
	}
	return false
}

func isGTPPort(p uint16) bool { return p == 2152 || p == 2123 || p == 3386 }

// gtp follows the user-plane PDU (message type 0xff) of GTP v0 or v1 into
// the IP packet it carries.
func (s *state) gtp(pos int) bool {
	p := s.p
	b := s.b
	if !s.has(pos, 8) || b[pos+1] != 0xff {
		return false
	}
	q := pos + 8
	switch b[pos] >> 5 {
	case 0: // GTP'97: 20-byte header
		q += 12
	case 1:
		if b[pos]&0x07 != 0 { // sequence number, N-PDU number, next extension type
			if !s.has(pos, 12) {
				return false
			}
			next := b[pos+11]
			q = pos + 12
			if b[pos]&0x04 == 0 {
				next = 0
			}
			for i := 0; next != 0 && i < 16; i++ { // extension headers: length in 4-byte units, last byte names the next
				if !s.has(q, 1) || b[q] == 0 || !s.has(q, int(b[q])*4) {
					s.stop(0)
					return false
				}
				l := int(b[q]) * 4
				next = b[q+l-1]
				q += l
			}
		}
	default:
		s.stop(0)
		return false
	}
	if !s.has(q, 1) {
		return false
	}
	switch b[q] >> 4 {
	case 4, 6:
		if !s.enter() {
			return false
		}
		s.hdr("gtp")
		p.Status |= packet.L3GTP
		if b[q]>>4 == 4 {
			s.ipv4(q)
		} else {
			s.ipv6(q)
		}
		return true
	}
	s.stop(0)
	return false
}

// tunnelEth dissects an Ethernet frame carried inside an IP tunnel. It
// reports whether an IP header inside took over the packet; if not (ARP,
// unknown ethertype, truncation before any IP header) the flow stays on
// the outer IP header, as in T2.
func (s *state) tunnelEth(pos int) bool {
	p := s.p
	et, try := p.EthType, s.ipTry
	s.innerEthernet(pos)
	if s.ipTry != try {
		return true
	}
	p.EthType = et
	s.stop(0)
	return false
}

// l2tp dissects an L2TP header over UDP at pos. Only L2TPv2 data messages
// are followed (into PPP); control messages stop dissection.
func (s *state) l2tp(pos int) bool {
	p := s.p
	if !s.has(pos, 2) {
		return false
	}
	flags := s.be16(pos)
	ver := flags & 0x000f
	if flags&0x30f0 != 0 || (ver != 2 && ver != 3) { // reserved bits set: not L2TP
		return false
	}
	s.hdr("l2tp")
	p.Status |= packet.L2L2TP
	if flags&0x8000 != 0 || ver == 3 { // control message; L2TPv3 data has no payload type
		s.stop(0)
		return false
	}
	q := pos + 2
	if flags&0x4000 != 0 { // length
		q += 2
	}
	q += 4                 // tunnel and session ID
	if flags&0x0800 != 0 { // Ns, Nr
		q += 4
	}
	if flags&0x0200 != 0 { // offset size and padding
		if !s.has(q, 2) {
			s.stop(packet.L4HdrShrtLen)
			return false
		}
		q += 2 + int(s.be16(q))
	}
	s.hdr("ppp")
	p.Status |= packet.L2PPP
	return s.enter() && s.ppp(q)
}

// teredo recognises IPv6 in UDP (RFC 4380): port 3544 or a Teredo
// address (2001:0::/32) on either side, after the optional
// authentication and origin indication headers.
func (s *state) teredo(pos int, sp, dp uint16) bool {
	p := s.p
	b := s.b
	if s.has(pos, 4) && s.be16(pos) == 0x0001 { // authentication
		pos += 4 + int(b[pos+2]) + int(b[pos+3]) + 8 + 1
	}
	if s.has(pos, 8) && s.be16(pos) == 0x0000 { // origin indication
		pos += 8
	}
	if !s.has(pos, 1) || b[pos]>>4 != 6 {
		return false
	}
	if sp != teredoPort && dp != teredoPort {
		if !s.has(pos, 40) || (s.be32(pos+8) != 0x20010000 && s.be32(pos+24) != 0x20010000) {
			return false
		}
	}
	if !s.enter() {
		return false
	}
	s.hdr("teredo")
	p.Status |= packet.L3Teredo
	p.Enc |= packet.EncTeredo
	s.ipv6(pos)
	return true
}
