package decode

import (
	"encoding/binary"

	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
)

// The header descriptions of the packets fast dissects.
var (
	chainIPv4TCP = packet.NewHdrChain("eth", "ipv4", "tcp")
	chainIPv4UDP = packet.NewHdrChain("eth", "ipv4", "udp")
	chainIPv6TCP = packet.NewHdrChain("eth", "ipv6", "tcp")
	chainIPv6UDP = packet.NewHdrChain("eth", "ipv6", "udp")
)

// fast dissects the commonest Ethernet packets in one straight pass: no
// ISL or VLAN header, IPv4 neither fragmented nor claiming more (or
// nothing) than the frame holds, or IPv6 without extension headers
// likewise, then a TCP header of at least 20 captured bytes on no SSDP
// port, or a UDP header on ports that lead to no tunnel or other
// dissection. Anything else it leaves alone (returning false before
// writing anything) for the general path. What it writes is exactly
// what the general path would (TestFastEqualsGeneral, FuzzDecode): the
// conditions below are those under which the general path takes the
// same branches, and the values are its formulas with those branches
// taken. p must be freshly Reset.
func fast(p *packet.Packet) bool {
	b := p.Raw
	n := len(b)
	if n < 14+20+8 {
		return false
	}
	if b[0]|0x02 == 0x03 && binary.BigEndian.Uint32(b[1:]) == 0x000c0000 {
		return false // Cisco ISL
	}
	wire := max(int(p.WireLen), n)
	et := binary.BigEndian.Uint16(b[12:])
	var hl, l3Len int
	var proto uint8
	v6 := false
	switch et {
	case ipproto.EtherIPv4:
		if b[14]>>4 != 4 {
			return false
		}
		hl = int(b[14]&0x0f) * 4
		l3Len = int(binary.BigEndian.Uint16(b[16:]))
		if hl < 20 || l3Len == 0 || l3Len > wire-14 || binary.BigEndian.Uint16(b[20:])&0x3fff != 0 {
			return false
		}
		proto = b[23]
	case ipproto.EtherIPv6:
		if n < 14+40+8 || b[14]>>4 != 6 {
			return false
		}
		pl := int(binary.BigEndian.Uint16(b[18:]))
		hl, l3Len = 40, pl+40
		if pl == 0 || l3Len > wire-14 {
			return false
		}
		proto = b[20]
		v6 = true
	default:
		return false
	}
	end := min(n, 14+l3Len) // the IP length drops the padding
	snapped := n-14 < l3Len
	l4 := 14 + hl
	if l4 > end {
		return false
	}
	h := b[l4:end] // the layer-4 bytes, read through h with their bounds known
	avail := len(h)
	if avail < 8 {
		return false
	}
	sp, dp := binary.BigEndian.Uint16(h), binary.BigEndian.Uint16(h[2:])
	var l4hl int
	switch proto {
	case ipproto.TCP:
		if avail < 20 || (!v6 && l3Len < 40) || sp == upnpPort || dp == upnpPort {
			return false
		}
		l4hl = int(h[12]>>4) * 4
	case ipproto.UDP:
		if (!v6 && l3Len < 28) || !plainUDPPort(sp) || !plainUDPPort(dp) || (sp > 1024 && dp > 1024 && !noHighTunnel(b, l4+8, end, sp, dp)) {
			return false
		}
		l4hl = 8
	default:
		return false
	}

	p.HasMAC = true
	copy(p.DstMAC[:], b[0:6])
	copy(p.SrcMAC[:], b[6:12])
	p.EthType = et
	p.L2Len = 14
	p.L3Off = 14
	p.L3Len = uint32(l3Len)
	p.OuterL3Len = uint32(l3Len)
	p.IPHdrLen = uint16(hl)
	p.L4Proto = proto
	p.SrcPort, p.DstPort = sp, dp
	status := uint64(0)
	if v6 {
		p.IPVer = 6
		status = packet.FSIPv6Pkt | packet.L2IPv6
		p.TTL = b[21]
		copy(p.SrcIP[:], b[22:38])
		copy(p.DstIP[:], b[38:54])
	} else {
		p.IPVer = 4
		status = packet.FSIPv4Pkt | packet.L2IPv4
		p.IPID = uint32(binary.BigEndian.Uint16(b[18:]))
		p.TTL = b[22]
		copy(p.SrcIP[:4], b[26:30])
		copy(p.DstIP[:4], b[30:34])
	}
	if proto == ipproto.TCP {
		t := h[:20]
		p.TCPSeq = binary.BigEndian.Uint32(t[4:])
		p.TCPAck = binary.BigEndian.Uint32(t[8:])
		p.TCPFlags = t[13]
		p.TCPWin = binary.BigEndian.Uint16(t[14:])
		if v6 {
			p.SetHdrChain(chainIPv6TCP)
		} else {
			p.SetHdrChain(chainIPv4TCP)
		}
	} else {
		p.UDPLen = binary.BigEndian.Uint16(h[4:])
		if v6 {
			p.SetHdrChain(chainIPv6UDP)
		} else {
			p.SetHdrChain(chainIPv4UDP)
		}
	}
	if snapped {
		status |= packet.L3SnapLength
		if avail < l4hl {
			status |= packet.L4HdrShrtLen
		}
	}
	p.Status |= status
	// finishIP's lengths (end-14 >= hl: avail is at least 8).
	snapL4 := end - l4
	snapL7 := 0
	if l4hl < snapL4 {
		snapL7 = snapL4 - l4hl
	}
	p.SnapL3Len, p.SnapL4Len, p.SnapL7Len = uint32(end-14), uint32(snapL4), uint32(snapL7)
	p.L7Len = uint32(max(l3Len-hl-l4hl, 0))
	p.L4HdrLen = uint16(l4hl)
	if avail >= l4hl { // (and >= 1: avail is at least 8)
		p.L4Off = int32(l4)
	}
	if wire <= minRawLen {
		if pad := wire - l3Len - 14; pad > 0 {
			p.PadLen = uint32(pad)
		}
	}
	// finishPayload.
	if l7 := l4 + l4hl; l7 <= n {
		p.L7Off = int32(l7)
		p.Payload = b[l7:min(l7+snapL7, n)]
	}
	return true
}

// plainUDPPort reports whether a UDP port leads the general path into
// nothing but the UDP header (tunnels, IPsec NAT traversal, SSDP do).
// GTP and Teredo need both ports above 1024 (noHighTunnel).
func plainUDPPort(port uint16) bool {
	switch port {
	case vxlanPort, vxlanOldPort, vxlanGPEPort, genevePort, l2tpPort, upnpPort, ipsecNATTPort:
		return false
	}
	return true
}

// noHighTunnel reports whether a UDP packet with both ports above 1024,
// payload at b[pos:end], leads the general path into neither GTP nor
// Teredo (udpTunnel): no GTP port, and a payload that cannot start a
// Teredo packet on any port, as it neither starts with an
// authentication or origin indication header (0x0001, 0x0000; any
// payload of two bytes or more starting with a zero byte and 0 or 1 is
// left to the general path) nor with the version nibble of IPv6.
func noHighTunnel(b []byte, pos, end int, sp, dp uint16) bool {
	if isGTPPort(sp) || isGTPPort(dp) {
		return false
	}
	if pos >= end {
		return true
	}
	if b[pos]>>4 == 6 || (end-pos >= 2 && b[pos] == 0 && b[pos+1] <= 1) {
		return false
	}
	return true
}
