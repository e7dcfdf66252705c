package decode

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// Packet builders for hand-made test frames.

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func zeros(n int) []byte  { return make([]byte, n) }

// macs is a destination and a source MAC address.
func macs() []byte {
	return []byte{0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02}
}

// eth is an untagged Ethernet header of type t.
func eth(t uint16) []byte { return cat(macs(), u16(t)) }

// ipv4h builds an IPv4 packet; frag is the flags/fragment-offset field,
// totLen overrides the total length when not 0.
func ipv4h(proto byte, payload []byte, frag uint16, totLen int) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	l := 20 + len(payload)
	if totLen != 0 {
		l = totLen
	}
	binary.BigEndian.PutUint16(h[2:], uint16(l))
	binary.BigEndian.PutUint16(h[4:], 0x1234)
	binary.BigEndian.PutUint16(h[6:], frag)
	h[8] = 64
	h[9] = proto
	copy(h[12:], []byte{10, 0, 0, 1})
	copy(h[16:], []byte{10, 0, 0, 2})
	return cat(h, payload)
}

func ipv4(proto byte, payload []byte) []byte { return ipv4h(proto, payload, 0x4000, 0) }

func ipv6(nh byte, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6] = nh
	h[7] = 64
	h[8], h[23] = 0xfe, 1
	h[24], h[39] = 0xff, 2
	return cat(h, payload)
}

func udp(sp, dp uint16, payload []byte) []byte {
	return cat(u16(sp), u16(dp), u16(uint16(8+len(payload))), u16(0), payload)
}

func tcp(sp, dp uint16, flags byte, payload []byte) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h, sp)
	binary.BigEndian.PutUint16(h[2:], dp)
	binary.BigEndian.PutUint32(h[4:], 1000)
	h[12] = 5 << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 512)
	return cat(h, payload)
}

func arp() []byte {
	return cat(u16(1), u16(0x0800), []byte{6, 4}, u16(1), zeros(20))
}

// pad fills a frame up to the Ethernet minimum of 60 bytes.
func pad(b []byte) []byte {
	if len(b) < 60 {
		b = append(b, zeros(60-len(b))...)
	}
	return b
}

// decodeCase is one hand-made frame and what T2 would make of it.
type decodeCase struct {
	name  string
	lt    uint16
	data  []byte
	wire  int    // 0: len(data)
	desc  string // header description
	bits  uint64 // status bits that must be set
	nbits uint64 // status bits that must not be set
	check func(p *packet.Packet) error
}

func want(cond bool, format string, a ...any) error {
	if !cond {
		return fmt.Errorf(format, a...)
	}
	return nil
}

var decodeCases = []decodeCase{
	{
		name: "isl 01:00:0c", lt: LinkEthernet,
		data: cat([]byte{0x01, 0, 0x0c, 0, 0}, zeros(21), eth(0x0800), ipv4(17, udp(1, 2, zeros(8)))),
		desc: "isl:eth:ipv4:udp", bits: packet.L2IPv4,
	},
	{
		name: "isl 03:00:0c", lt: LinkEthernet,
		data: cat([]byte{0x03, 0, 0x0c, 0, 0}, zeros(21), eth(0x0800), ipv4(17, udp(1, 2, zeros(8)))),
		desc: "isl:eth:ipv4:udp", bits: packet.L2IPv4,
	},
	{
		name: "not isl 05:00:0c", lt: LinkEthernet,
		data: cat([]byte{0x05, 0, 0x0c, 0, 0, 1}, macs()[6:], u16(0x0800), ipv4(17, udp(1, 2, zeros(8)))),
		desc: "eth:ipv4:udp", bits: packet.L2IPv4,
	},
	{
		name: "ipv4 tcp padded", lt: LinkEthernet, data: pad(cat(eth(0x0800), ipv4(6, tcp(1234, 80, 0x02, nil)))),
		desc: "eth:ipv4:tcp", bits: packet.L2IPv4 | packet.FSIPv4Pkt, nbits: packet.StopDissect | packet.L3SnapLength,
		check: func(p *packet.Packet) error {
			return want(p.PadLen == 6 && p.SnapL3Len == 40 && p.SnapL7Len == 0 && p.L4Off == 34 && p.TCPFlags == 0x02 &&
				p.SrcPort == 1234 && p.DstPort == 80 && p.L2Len == 14 && p.OuterL3Len == 40 && p.IPVer == 4,
				"pad %d snapL3 %d snapL7 %d l4off %d flags %x ports %d/%d l2 %d", p.PadLen, p.SnapL3Len, p.SnapL7Len, p.L4Off, p.TCPFlags, p.SrcPort, p.DstPort, p.L2Len)
		},
	},
	{
		name: "ipv4 header length < 20", lt: LinkEthernet,
		data: func() []byte { b := cat(eth(0x0800), ipv4(17, udp(1, 2, zeros(20)))); b[14] = 0x44; return b }(),
		desc: "eth:ipv4", bits: packet.IPv4HLTooShort | packet.FSIPv4Pkt, nbits: packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.IPVer == 0, "IPVer %d", p.IPVer) },
	},
	{
		name: "ipv4 snapped", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(6, tcp(1, 2, 0x10, zeros(100))))[:14+20+10], wire: 14 + 140,
		desc: "eth:ipv4:tcp", bits: packet.L3SnapLength | packet.L4HdrShrtLen | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.L3Len == 140 && p.SnapL3Len == 30 && p.SnapL4Len == 10 && p.SnapL7Len == 0 && p.L7Len == 100 && p.SrcPort == 1,
				"l3 %d snap %d/%d/%d l7 %d", p.L3Len, p.SnapL3Len, p.SnapL4Len, p.SnapL7Len, p.L7Len)
		},
	},
	{
		name: "ipv4 snapped inside the header", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(6, tcp(1, 2, 0, nil)))[:14+12], wire: 54,
		desc: "eth:ipv4", bits: packet.L3HdrShrtLen | packet.StopDissect, nbits: packet.L2IPv4,
	},
	{
		name: "ipv4 length claims more than the frame", lt: LinkEthernet, data: cat(eth(0x0800), ipv4h(17, udp(1, 2, nil), 0x4000, 300)),
		desc: "eth:ipv4:udp", bits: packet.IPPLMismatch | packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.L3Len == 28, "l3Len %d", p.L3Len) },
	},
	{
		name: "ipv4 first fragment", lt: LinkEthernet, data: cat(eth(0x0800), ipv4h(17, udp(53, 53, zeros(32)), 0x2000, 0)),
		desc: "eth:ipv4:udp", bits: packet.IPv4Frag | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.IsFrag && p.MoreFrag && p.FragOff == 0 && p.FragID == 0x1234 && p.SrcPort == 53 && p.L4Off >= 0,
				"frag %v more %v off %d id %x port %d", p.IsFrag, p.MoreFrag, p.FragOff, p.FragID, p.SrcPort)
		},
	},
	{
		name: "ipv4 later fragment", lt: LinkEthernet, data: cat(eth(0x0800), ipv4h(17, zeros(40), 0x0005, 0)),
		desc: "eth:ipv4:udp", bits: packet.IPv4Frag | packet.L2IPv4 | packet.StopDissect,
		check: func(p *packet.Packet) error {
			return want(p.IsFrag && !p.MoreFrag && p.FragOff == 40 && p.L4Off == -1 && p.SrcPort == 0 && p.UDPLen == 0 &&
				p.SnapL4Len == 40 && p.SnapL7Len == 40 && p.L7Len == 40 && p.IPVer == 4,
				"off %d l4off %d port %d snap %d/%d l7 %d", p.FragOff, p.L4Off, p.SrcPort, p.SnapL4Len, p.SnapL7Len, p.L7Len)
		},
	},
	{
		name: "ipv6 fragments", lt: LinkEthernet,
		data: cat(eth(0x86dd), ipv6(44, cat([]byte{58, 0}, u16(1448|1), u32(0xdeadbeef), zeros(24)))),
		desc: "eth:ipv6:ipv6.fraghdr", bits: packet.IPv4Frag | packet.L2IPv6 | packet.FSIPv6Pkt, nbits: packet.StopDissect,
		check: func(p *packet.Packet) error {
			return want(p.FragOff == 1448 && p.MoreFrag && p.FragID == 0xdeadbeef && p.L4Off == -1 && p.L4Proto == 58 && p.IPHdrLen == 48,
				"off %d id %x l4 %d proto %d hl %d", p.FragOff, p.FragID, p.L4Off, p.L4Proto, p.IPHdrLen)
		},
	},
	{
		name: "ipv6 hop-by-hop icmpv6", lt: LinkEthernet,
		data: cat(eth(0x86dd), ipv6(0, cat([]byte{58, 0, 5, 2, 0, 0, 1, 0}, []byte{143, 0, 0, 0}, zeros(4)))),
		desc: "eth:ipv6:ipv6.hopopts:icmpv6", bits: packet.L2IPv6,
		check: func(p *packet.Packet) error {
			return want(p.ICMPType == 143 && p.IPHdrLen == 48 && p.L4Proto == 58, "type %d hl %d", p.ICMPType, p.IPHdrLen)
		},
	},
	{
		name: "ipv6 AH then tcp", lt: LinkEthernet,
		data: cat(eth(0x86dd), ipv6(51, cat([]byte{6, 4}, zeros(22), tcp(1, 2, 0x10, nil)))),
		desc: "eth:ipv6:ah:tcp", bits: packet.L3IPSecAH | packet.L2IPv6,
		check: func(p *packet.Packet) error { return want(p.IPHdrLen == 64 && p.DstPort == 2, "hl %d", p.IPHdrLen) },
	},
	{
		name: "vlan 0 and qinq", lt: LinkEthernet,
		data: pad(cat(macs(), u16(0x88a8), u16(0x0064), u16(0x8100), u16(0x2000), u16(0x0806), arp())),
		desc: "eth:vlan{2}:arp", bits: packet.L2VLAN | packet.FSVLAN0 | packet.L2ARP | packet.L2Flow,
		check: func(p *packet.Packet) error {
			return want(p.NumVLAN == 2 && p.VLAN[0] == 100 && p.VLAN[1] == 0 && p.L2Only && p.NumHdrs == 4 && p.EthType == 0x0806,
				"vlans %d %v numHdrs %d", p.NumVLAN, p.VLAN, p.NumHdrs)
		},
	},
	{
		name: "arp padding", lt: LinkEthernet, data: pad(cat(eth(0x0806), arp())),
		desc: "eth:arp", bits: packet.L2ARP | packet.L2Flow,
		check: func(p *packet.Packet) error {
			return want(p.PadLen == 18 && p.SnapL3Len == 46 && p.L7Len == 46 && p.L3Len == 0 && p.IPVer == 0,
				"pad %d snap %d l7 %d", p.PadLen, p.SnapL3Len, p.L7Len)
		},
	},
	{
		name: "bogus ip version", lt: LinkEthernet, data: pad(cat(eth(0x0800), []byte{0x55}, zeros(30))),
		desc: "eth:ipvx", bits: packet.L3IPVX, nbits: packet.L2IPv4 | packet.FSIPv4Pkt,
	},
	{
		name: "mpls multicast", lt: LinkEthernet, data: cat(eth(0x8848), u32(100<<12), u32(200<<12|0x100|64), ipv4(17, udp(5, 6, nil))),
		desc: "eth:mpls{2}:ipv4:udp", bits: packet.L2MPLSMcast | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.NumMPLS == 2 && p.MPLS[1]>>12 == 200 && p.EthType == 0x0800, "mpls %d %x", p.NumMPLS, p.MPLS)
		},
	},
	{
		name: "mpls pseudowire ethernet", lt: LinkEthernet, data: cat(eth(0x8847), u32(16<<12|0x100), u32(0), eth(0x0800), ipv4(1, zeros(8))),
		desc: "eth:mpls:pwethcw:eth:ipv4:icmp", bits: packet.L2MPLSUcast | packet.L2IPv4,
	},
	{
		name: "pppoe discovery", lt: LinkEthernet, data: pad(cat(eth(0x8863), []byte{0x11, 0x09}, zeros(4))),
		desc: "eth:pppoed", bits: packet.L2PPPoED | packet.L2Flow,
	},
	{
		name: "pppoe session ipv6", lt: LinkEthernet, data: cat(eth(0x8864), []byte{0x11, 0}, u16(1), u16(50), u16(0x0057), ipv6(17, udp(546, 547, nil))),
		desc: "eth:pppoes:ppp:ipv6:udp", bits: packet.L2PPPoES | packet.L2IPv6, nbits: packet.L2PPP,
	},
	{
		name: "pppoe session lcp", lt: LinkEthernet, data: pad(cat(eth(0x8864), []byte{0x11, 0}, u16(1), u16(6), u16(0xc021), zeros(4))),
		desc: "eth:pppoes:ppp:lcp", bits: packet.L2PPPoES | packet.L2Flow,
	},
	{
		name: "llc stp", lt: LinkEthernet, data: pad(cat(macs(), u16(38), []byte{0x42, 0x42, 0x03}, zeros(35))),
		desc: "eth:llc:stp", bits: packet.L2Flow,
		check: func(p *packet.Packet) error {
			return want(p.Enc&packet.EncLLC != 0 && p.EthType == 0x4242 && p.PadLen == 8, "enc %x ethType %x pad %d", p.Enc, p.EthType, p.PadLen)
		},
	},
	{
		name: "snap cdp", lt: LinkEthernet, data: pad(cat(macs(), u16(40), []byte{0xaa, 0xaa, 0x03, 0, 0, 0x0c}, u16(0x2000), zeros(32))),
		desc: "eth:llc:cdp", bits: packet.L2Flow,
		check: func(p *packet.Packet) error { return want(p.EthType == 0x2000, "ethType %x", p.EthType) },
	},
	{
		name: "ssdp", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(50000, 1900, zeros(10)))),
		desc: "eth:ipv4:udp:ssdp", bits: packet.L4UPNP,
	},
	{
		name: "ipsec nat-t esp", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(4500, 4500, cat(u32(7), zeros(20))))),
		desc: "eth:ipv4:udp:udpencap:esp", bits: packet.L3IPSecESP,
	},
	{
		name: "esp", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(50, zeros(40))),
		desc: "eth:ipv4:esp", bits: packet.L3IPSecESP | packet.L2IPv4,
	},
	{
		name: "igmp", lt: LinkEthernet, data: pad(cat(eth(0x0800), ipv4(2, []byte{0x16, 0, 0, 0, 224, 0, 0, 251}))),
		desc: "eth:ipv4:igmp", bits: packet.L2IPv4,
	},
	{
		name: "sctp", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(132, cat(u16(7), u16(8), u32(0xabcdef01), u32(0), zeros(16)))),
		desc: "eth:ipv4:sctp", bits: packet.L4SCTP | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.SrcPort == 7 && p.SCTPTag == 0xabcdef01 && p.L7Len == 16, "port %d tag %x l7 %d", p.SrcPort, p.SCTPTag, p.L7Len)
		},
	},
	{
		name: "4in4", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(4, ipv4(17, udp(1, 2, nil)))),
		desc: "eth:ipv4:ipv4:udp", bits: packet.L3IPIP | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.L3Off == 34 && p.OuterL3Len == 48 && p.L3Len == 28 && p.NumHdrs == 4, "l3off %d outer %d l3 %d", p.L3Off, p.OuterL3Len, p.L3Len)
		},
	},
	{
		name: "6in4", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(41, ipv6(6, tcp(1, 2, 0x02, nil)))),
		desc: "eth:ipv4:ipv6:tcp", bits: packet.L3IPIP | packet.L2IPv6 | packet.FSIPv4Pkt | packet.FSIPv6Pkt, nbits: packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.IPVer == 6, "IPVer %d", p.IPVer) },
	},
	{
		name: "4in6", lt: LinkEthernet, data: cat(eth(0x86dd), ipv6(4, ipv4(1, zeros(8)))),
		desc: "eth:ipv6:ipv4:icmp", bits: packet.L3IPIP | packet.L2IPv4, nbits: packet.L2IPv6,
	},
	{
		name: "6in6", lt: LinkEthernet, data: cat(eth(0x86dd), ipv6(41, ipv6(17, udp(1, 2, nil)))),
		desc: "eth:ipv6:ipv6:udp", bits: packet.L3IPIP | packet.L2IPv6,
	},
	{
		name: "gre ipv4", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0x2000), u16(0x0800), u32(5), ipv4(1, zeros(8))))),
		desc: "eth:ipv4:gre:ipv4:icmp", bits: packet.L2GRE | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.Enc&packet.EncGRE != 0 && p.L3Off == 42, "enc %x l3off %d", p.Enc, p.L3Off)
		},
	},
	{
		name: "gre transparent ethernet bridging", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0), u16(0x6558), eth(0x86dd), ipv6(58, zeros(8))))),
		desc: "eth:ipv4:gre:eth:ipv6:icmpv6", bits: packet.L2GRE | packet.L2IPv6,
	},
	{
		name: "pptp enhanced gre ppp", lt: LinkEthernet,
		data: cat(eth(0x0800), ipv4(47, cat(u16(0x3081), u16(0x880b), u16(30), u16(7), u32(1), u32(0), []byte{0xff, 0x03}, u16(0x0021), ipv4(17, udp(1, 2, nil))))),
		desc: "eth:ipv4:gre:ppp:ipv4:udp", bits: packet.L2GRE | packet.L2PPP | packet.L2IPv4,
	},
	{
		name: "pptp ack only", lt: LinkEthernet, data: pad(cat(eth(0x0800), ipv4(47, cat(u16(0x2081), u16(0x880b), u16(0), u16(7), u32(1))))),
		desc: "eth:ipv4:gre:ppp", bits: packet.L2GRE | packet.L2PPP | packet.L2IPv4 | packet.StopDissect,
		check: func(p *packet.Packet) error {
			return want(p.L4Proto == 47 && p.L4HdrLen == 12, "proto %d l4hl %d", p.L4Proto, p.L4HdrLen)
		},
	},
	{
		name: "erspan II", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0x1000), u16(0x88be), u32(1), zeros(8), eth(0x0800), ipv4(6, tcp(1, 2, 0, nil))))),
		desc: "eth:ipv4:gre:erspan:eth:ipv4:tcp", bits: packet.L2GRE | packet.L2ERSPAN | packet.L2IPv4,
	},
	{
		name: "erspan III", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0x1000), u16(0x22eb), u32(1), zeros(12), eth(0x0800), ipv4(6, tcp(1, 2, 0, nil))))),
		desc: "eth:ipv4:gre:erspan:eth:ipv4:tcp", bits: packet.L2ERSPAN | packet.L2IPv4,
	},
	{
		name: "vxlan", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(40000, 4789, cat([]byte{8, 0, 0, 0, 0, 0, 1, 0}, eth(0x0800), ipv4(6, tcp(1, 2, 0, nil)))))),
		desc: "eth:ipv4:udp:vxlan:eth:ipv4:tcp", bits: packet.L3VXLAN | packet.L2IPv4,
		check: func(p *packet.Packet) error {
			return want(p.DstPort == 2 && p.L3Off == 14+20+8+8+14 && p.L2Len == 14, "port %d l3off %d", p.DstPort, p.L3Off)
		},
	},
	{
		name: "geneve", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(40000, 6081, cat([]byte{1, 0}, u16(0x6558), u32(0x100), zeros(4), eth(0x0806), arp())))),
		desc: "eth:ipv4:udp:geneve:eth:arp", bits: packet.L3GENEVE | packet.L2IPv4 | packet.StopDissect, nbits: packet.L2Flow,
		check: func(p *packet.Packet) error {
			return want(!p.L2Only && p.IPVer == 4 && p.DstPort == 6081 && p.EthType == 0x0800 && p.L4Proto == 17,
				"L2Only %v IPVer %d port %d ethType %x", p.L2Only, p.IPVer, p.DstPort, p.EthType)
		},
	},
	{
		name: "etherip", lt: LinkEthernet, data: cat(eth(0x86dd), ipv6(97, cat(u16(0x3000), eth(0x0800), ipv4(17, udp(1, 2, nil))))),
		desc: "eth:ipv6:etherip:eth:ipv4:udp", bits: packet.L3EthIPF | packet.L2IPv4,
	},
	{
		name: "gtp-u with extension header", lt: LinkEthernet,
		data: cat(eth(0x0800), ipv4(17, udp(2152, 2152, cat([]byte{0x34, 0xff}, u16(40), u32(1), zeros(3), []byte{0x85}, []byte{1, 0x10, 0, 0}, ipv4(6, tcp(1, 2, 0, nil)))))),
		desc: "eth:ipv4:udp:gtp:ipv4:tcp", bits: packet.L3GTP | packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.L3Off == 14+20+8+16, "l3off %d", p.L3Off) },
	},
	{
		name: "vxlan-gpe ipv6", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(40000, 4790, cat([]byte{0x0c, 0, 0, 2, 0, 0, 1, 0}, ipv6(58, zeros(8)))))),
		desc: "eth:ipv4:udp:vxlan_gpe:ipv6:icmpv6", bits: packet.L3VXLAN | packet.L2IPv6,
	},
	{
		name: "gre bridging arp stays on the outer flow", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0), u16(0x6558), eth(0x0806), arp()))),
		desc: "eth:ipv4:gre:eth:arp", bits: packet.L2GRE | packet.L2IPv4 | packet.StopDissect, nbits: packet.L2Flow,
		check: func(p *packet.Packet) error { return want(p.L4Proto == 47 && p.L4HdrLen == 4, "proto %d", p.L4Proto) },
	},
	{
		name: "teredo needs unprivileged ports", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(3544, 53, ipv6(59, nil)))),
		desc: "eth:ipv4:udp", bits: packet.L2IPv4, nbits: packet.L3Teredo,
	},
	{
		name: "l2tp v2 ppp", lt: LinkEthernet,
		data: cat(eth(0x0800), ipv4(17, udp(1701, 1701, cat(u16(0x4002), u16(40), u16(1), u16(2), []byte{0xff, 0x03}, u16(0x0021), ipv4(1, zeros(8)))))),
		desc: "eth:ipv4:udp:l2tp:ppp:ipv4:icmp", bits: packet.L2L2TP | packet.L2PPP | packet.L2IPv4,
	},
	{
		name: "l2tp control", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(1701, 1701, cat(u16(0xc802), u16(12), zeros(8))))),
		desc: "eth:ipv4:udp:l2tp", bits: packet.L2L2TP | packet.StopDissect | packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.SrcPort == 1701, "port %d", p.SrcPort) },
	},
	{
		name: "teredo", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(3544, 50000, ipv6(59, nil)))),
		desc: "eth:ipv4:udp:teredo:ipv6", bits: packet.L3Teredo | packet.L2IPv6,
		check: func(p *packet.Packet) error { return want(p.Enc&packet.EncTeredo != 0, "enc %x", p.Enc) },
	},
	{
		name: "null ipv6", lt: LinkNull, data: cat([]byte{30, 0, 0, 0}, ipv6(17, udp(1, 2, nil))),
		desc: "null:ipv6:udp", bits: packet.L2NoEth | packet.L2IPv6,
	},
	{
		name: "loop ipv4", lt: LinkLoop, data: cat(u32(2), ipv4(17, udp(1, 2, nil))),
		desc: "null:ipv4:udp", bits: packet.L2NoEth | packet.L2IPv4,
	},
	{
		name: "raw ipv4", lt: LinkRaw, data: ipv4(6, tcp(1, 2, 0, nil)),
		desc: "raw:ipv4:tcp", bits: packet.L2NoEth | packet.L2IPv4,
		check: func(p *packet.Packet) error { return want(p.L2Len == 0 && p.L3Off == 0, "l2 %d", p.L2Len) },
	},
	{
		name: "linktype ipv6", lt: LinkIPv6, data: ipv6(17, udp(1, 2, nil)),
		desc: ":ipv6:udp", bits: packet.L2NoEth | packet.L2IPv6,
		check: func(p *packet.Packet) error { return want(p.NumHdrs == 2, "%d headers", p.NumHdrs) },
	},
	{
		// A 39-byte IPv6 header: nothing is read past the frame
		// (T2 reads the missing byte and a UDP header there).
		name: "ipv6 header cut at 39 bytes", lt: LinkEthernet, data: cat(eth(0x86dd), ipv6(17, udp(1, 2, nil))[:39]),
		desc: "eth:ipv6", bits: packet.L3HdrShrtLen | packet.StopDissect | packet.FSIPv6Pkt, nbits: packet.L2IPv6,
		check: func(p *packet.Packet) error {
			return want(p.IPVer == 0 && p.DstPort == 0, "ipver %d dport %d", p.IPVer, p.DstPort)
		},
	},
	{
		// An unknown PPP protocol in network byte order (T2 swaps it).
		name: "ppp unknown protocol", lt: LinkEthernet, data: pad(cat(eth(0x8864), []byte{0x11, 0, 0, 1, 0, 4}, u16(0x8057), zeros(2))),
		desc: "eth:pppoes:ppp:UNK(0x8057)",
	},
	{
		// T2 reads the SLL header's first 12 bytes as MAC addresses.
		name: "sll macs", lt: LinkLinuxSLL, data: cat([]byte{0, 4, 0, 1, 0, 6, 8, 0, 0x27, 0x19, 0x1c, 0x78, 0, 0}, u16(0x0806), arp()),
		desc: "sll:arp", bits: packet.L2ARP | packet.L2Flow, nbits: packet.L2NoEth,
		check: func(p *packet.Packet) error {
			return want(p.HasMAC && p.DstMAC == [6]byte{0, 4, 0, 1, 0, 6} && p.SrcMAC == [6]byte{8, 0, 0x27, 0x19, 0x1c, 0x78}, "macs %x %x", p.DstMAC, p.SrcMAC)
		},
	},
	{
		name: "ethernet bogus ip version", lt: LinkEthernet, data: cat(eth(0x0800), zeros(30)),
		desc: "eth:ipvx", bits: packet.L3IPVX | packet.L2Flow, nbits: packet.StopDissect,
		check: func(p *packet.Packet) error { return want(p.L2Only, "not a layer-2 packet") },
	},
	{
		name: "gre in gre", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(47, cat(u16(0), u16(0x0800), ipv4(47, cat(u16(0), u16(0x0800), ipv4(1, zeros(8))))))),
		desc: "eth:ipv4:gre:ipv4:gre", bits: packet.L2IPv4 | packet.L2GRE | packet.StopDissect,
		check: func(p *packet.Packet) error {
			return want(p.L4Proto == 47 && p.L3Off == 38, "proto %d at %d", p.L4Proto, p.L3Off)
		},
	},
	{
		name: "vxlan inner macs", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(17, udp(40000, 4789, cat([]byte{8, 0, 0, 0, 0, 0, 1, 0}, []byte{6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7}, u16(0x0800), ipv4(1, zeros(8)))))),
		desc: "eth:ipv4:udp:vxlan:eth:ipv4:icmp", bits: packet.L2IPv4 | packet.L3VXLAN,
		check: func(p *packet.Packet) error {
			// Bandwidth counts the inner frame, as T2: 14 + 28 bytes.
			return want(p.DstMAC == [6]byte{6, 6, 6, 6, 6, 6} && p.SrcMAC == [6]byte{7, 7, 7, 7, 7, 7} && p.L2Len == 14 && p.OuterL3Len == 28,
				"macs %x %x, l2 %d, l3 %d", p.DstMAC, p.SrcMAC, p.L2Len, p.OuterL3Len)
		},
	},
	{
		// The inner packet continues in the later fragments of the
		// carrier: neither a framing mismatch nor a snap.
		name: "gtp in first fragment", lt: LinkEthernet,
		data: cat(eth(0x0800), ipv4h(17, udp(2152, 2152, cat([]byte{0x30, 0xff, 0x05, 0xdc, 0, 0, 1, 0}, ipv4h(6, zeros(40), 0x4000, 1500))), 0x2000, 0)),
		desc: "eth:ipv4:udp:gtp:ipv4:tcp", bits: packet.L2IPv4 | packet.L3GTP, nbits: packet.IPPLMismatch | packet.L3SnapLength,
	},
	{
		name: "sll vlan", lt: LinkLinuxSLL, data: cat(zeros(14), u16(0x8100), u16(5), u16(0x0800), ipv4(17, udp(1, 2, nil))),
		desc: "sll:vlan:ipv4:udp", bits: packet.L2VLAN | packet.L2IPv4,
	},
	{
		name: "sll2 arp", lt: LinkLinuxSLL2, data: cat(u16(0x0806), zeros(18), arp()),
		desc: "sll2:arp", bits: packet.L2ARP | packet.L2Flow | packet.L2NoEth,
	},
	{
		name: "ppp hdlc ipv4", lt: LinkPPP, data: cat([]byte{0xff, 0x03}, u16(0x0021), ipv4(17, udp(1, 2, nil))),
		desc: "ppp:ipv4:udp", bits: packet.L2PPP | packet.L2NoEth | packet.L2IPv4,
	},
	{
		name: "radiotap data llc ipv4", lt: LinkRadiotap,
		data: cat([]byte{0, 0, 8, 0, 0, 0, 0, 0}, []byte{0x08, 0x01}, zeros(2), macs(), macs()[:6], zeros(2),
			[]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, u16(0x0800), ipv4(17, udp(1, 2, nil))),
		desc: "radiotap:wlan:llc:ipv4:udp", bits: packet.L2IPv4, nbits: packet.L2NoEth,
		// The 802.11 addresses, not the header's first 12 bytes as T2
		// (docs/differences-from-t2.md): to-DS clear, so DA = addr1, SA = addr2.
		check: func(p *packet.Packet) error {
			return want(p.HasMAC && p.DstMAC == [6]byte{2, 0, 0, 0, 0, 1} && p.SrcMAC == [6]byte{2, 0, 0, 0, 0, 2}, "macs %x %x", p.DstMAC, p.SrcMAC)
		},
	},
	{
		name: "radiotap beacon", lt: LinkRadiotap, data: cat([]byte{0, 0, 8, 0, 0, 0, 0, 0}, []byte{0x80, 0}, zeros(40)),
		desc: "radiotap:wlan", nbits: packet.L2Flow | packet.StopDissect | packet.L2NoEth,
	},
	{
		name: "unknown ethertype", lt: LinkEthernet, data: pad(cat(eth(0x1234), zeros(10))),
		desc: "eth:UNK(0x1234)", bits: packet.StopDissect | packet.L2Flow,
	},
	{
		name: "unknown ip protocol", lt: LinkEthernet, data: cat(eth(0x0800), ipv4(253, zeros(12))),
		desc: "eth:ipv4:UNK(253)", bits: packet.StopDissect | packet.L2IPv4,
	},
	{
		name: "ethernet too short", lt: LinkEthernet, data: zeros(10),
		desc: "", bits: packet.L2SnapLength | packet.StopDissect,
	},
}

func TestDecodeCases(t *testing.T) {
	d := New(Options{})
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			wire := tc.wire
			if wire == 0 {
				wire = len(tc.data)
			}
			var p packet.Packet
			decodeRecord(d, &p, record{tc.lt, uint32(wire), tc.data}, 1)
			checkInvariants(t, &p, tc.name)
			if got := string(p.HdrDescBytes()); got != tc.desc {
				t.Errorf("hdrDesc %q, want %q", got, tc.desc)
			}
			if p.Status&tc.bits != tc.bits {
				t.Errorf("status 0x%016x lacks 0x%016x", p.Status, tc.bits&^p.Status)
			}
			if p.Status&tc.nbits != 0 {
				t.Errorf("status 0x%016x has unexpected 0x%016x", p.Status, p.Status&tc.nbits)
			}
			if tc.check != nil {
				if err := tc.check(&p); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestSupported(t *testing.T) {
	d := New(Options{})
	for _, lt := range []uint16{0, 1, 9, 12, 14, 101, 108, 113, 127, 228, 229, 276} {
		if !d.Supported(lt) {
			t.Errorf("link type %d should be supported", lt)
		}
	}
	for _, lt := range []uint16{6, 147, 192, 65535} {
		if d.Supported(lt) {
			t.Errorf("link type %d should not be supported", lt)
		}
	}
}

func TestNoL2Flows(t *testing.T) {
	d := New(Options{NoL2Flows: true})
	var p packet.Packet
	decodeRecord(d, &p, record{LinkEthernet, 60, pad(cat(eth(0x0806), arp()))}, 1)
	if p.L2Only || p.Status&packet.L2Flow != 0 || p.Status&packet.L2ARP == 0 {
		t.Errorf("L2Only %v status 0x%016x", p.L2Only, p.Status)
	}
}
