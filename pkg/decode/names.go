package decode

// Header description names.
//
// The spellings follow T2 0.9.3's header descriptions (hdrDesc.c,
// ethertype.c, linktype.c, packetCapture.c and the tunnel dissectors of
// the public tranalyzer2 sources): "eth", "vlan", "mpls", "llc", "arp",
// "rarp", "aarp", "pppoed", "pppoes", "ppp", "chdlc", "lldp", "slow",
// "erspan", "ipv4", "ipv6", "ipvx", "ipv6.hopopts", "ipv6.routing",
// "ipv6.fraghdr", "ipv6.dstopts", "tcp", "udp", "udplite", "icmp",
// "icmpv6", "igmp", "sctp", "gre", "esp", "ah", "l2tp", "teredo",
// "vxlan", "vxlan_gpe", "nsh", "geneve", "etherip", "gtp", "ssdp", "udpencap", "isakmp", "comp_data", "wccp",
// "sll", "null", "raw", "radiotap", "wlan", "isl", "pwethcw", "UNK(...)".
//
// Names T2 0.9.3 does not have and which we chose:
//   - "sll2"  Linux cooked capture v2 (LINKTYPE 276; T2 0.9.3 rejects it)
//   - "null"  also for LINKTYPE_LOOP (108), same framing as NULL with the
//     family in network byte order (T2 0.9.3 rejects it)
//   - LINKTYPE_IPV4/IPV6 (228/229) add no link-layer name, as in T2.

// ethName appends T2's name for an ethertype that is not dissected
// further (T2's t2_pktdesc_add_ethproto). Unknown types stop dissection.
func (s *state) ethName(t uint16) {
	var n string
	switch t {
	case 0x0600:
		n = "idp"
	case 0x0800:
		n = "ipv4"
	case 0x2000:
		n = "cdp"
	case 0x8100, 0x88a8:
		n = "vlan"
	case 0x9000:
		n = "loop"
	case 0x2001:
		n = "nhrp"
	case 0x8902:
		n = "cfm"
	case 0x2003:
		n = "vtp"
	case 0x6003:
		n = "dec_dna"
	case 0x0104:
		n = "pagp"
	case 0x2004:
		n = "dtp"
	case 0x6004:
		n = "lat"
	case 0x0806:
		n = "arp"
	case 0x8906:
		s.hdr("fcoe")
		n = "fc"
	case 0x8809:
		n = "slow"
	case 0x010b:
		n = "stp"
	case 0x880b:
		n = "ppp"
	case 0x890d:
		n = "wlan"
	case 0x0111:
		n = "udld"
	case 0x872d:
		n = "wlccp"
	case 0x8035:
		n = "rarp"
	case 0x8137:
		n = "ipx"
	case 0x8038:
		n = "dec_stp"
	case 0x883e:
		n = "wccp"
	case 0x8847, 0x8848:
		n = "mpls"
	case 0x6558:
		n = "eth"
	case 0x6002:
		n = "dec_mop"
	case 0x8863:
		n = "pppoed"
	case 0x8864:
		n = "pppoes"
	case 0x886f:
		n = "msnlb"
	case 0x8870:
		n = "llc"
	case 0x888e:
		n = "eapol"
	case 0x809b:
		n = "ddp"
	case 0x88a2:
		n = "aoe"
	case 0x0bad:
		n = "vines_ip"
	case 0x00bb:
		n = "edp"
	case 0x88bb:
		n = "lwapp"
	case 0x88be:
		n = "erspan"
	case 0x88cc:
		n = "lldp"
	case 0x86dd:
		n = "ipv6"
	case 0x80f3:
		n = "aarp"
	case 0x88f7:
		n = "ptp"
	default:
		s.unknown16(t)
		return
	}
	s.hdr(n)
}

// pppName appends T2's name for a PPP protocol that is not dissected
// further. Unknown protocols stop dissection.
func (s *state) pppName(proto uint16) {
	var n string
	switch proto {
	case 0x0021:
		n = "ipv4"
	case 0x8021:
		n = "ipcp"
	case 0xc021:
		n = "lcp"
	case 0x0023:
		n = "osi"
	case 0xc023:
		n = "pap"
	case 0xc223:
		n = "chap"
	case 0x003d:
		s.hdr("ppp")
		n = "mp"
	case 0x0057:
		n = "ipv6"
	case 0x0281, 0x0283:
		n = "mpls"
	case 0x00fd:
		n = "comp_data"
	case 0x80fd:
		n = "ccp"
	default:
		s.unknown16(proto)
		return
	}
	s.hdr(n)
}

// llcName appends T2's name for an LLC service access point; some SAPs
// add no name.
func (s *state) llcName(sap uint8) {
	var n string
	switch sap {
	case 0x00, 0x01, 0x02, 0x03, 0x06, 0xaa, 0xff:
		return
	case 0x04, 0x05, 0x08, 0x0c, 0x40, 0xc8:
		n = "sna"
	case 0x10, 0xe0:
		n = "ipx"
	case 0x14, 0x20, 0x34, 0x54, 0xfe:
		n = "osi"
	case 0x42:
		n = "stp"
	case 0x7e:
		n = "x25"
	case 0x80:
		n = "3comxns"
	case 0x82:
		n = "bacnet"
	case 0xbc:
		n = "vines_llc"
	case 0xf0:
		n = "netbios"
	case 0xf4:
		n = "hpext"
	case 0xfc:
		n = "rpl"
	default:
		s.unknown8hex(sap)
		return
	}
	s.hdr(n)
}

// protoName appends T2's name for an IP protocol number that is not
// dissected further (T2's t2_pktdesc_add_proto). Unknown protocols stop
// dissection; "no next header" adds nothing.
func (s *state) protoName(proto uint8) {
	var n string
	switch proto {
	case 0:
		n = "ipv6.hopopts"
	case 1:
		n = "icmp"
	case 2:
		n = "igmp"
	case 4:
		n = "ipv4"
	case 6:
		n = "tcp"
	case 8:
		n = "egp"
	case 9:
		n = "igp"
	case 17:
		n = "udp"
	case 33:
		n = "dccp"
	case 36:
		n = "xtp"
	case 37:
		n = "ddp"
	case 41:
		n = "ipv6"
	case 43:
		n = "ipv6.routing"
	case 44:
		n = "ipv6.fraghdr"
	case 45:
		n = "idrp"
	case 46:
		n = "rsvp"
	case 47:
		n = "gre"
	case 48:
		n = "dsr"
	case 50:
		n = "esp"
	case 51:
		n = "ah"
	case 53:
		n = "swipe"
	case 54:
		n = "nhrp"
	case 58:
		n = "icmpv6"
	case 59:
		return
	case 60:
		n = "ipv6.dstopts"
	case 80: // ISO-IP
		n = "osi"
	case 83:
		n = "vines"
	case 88:
		n = "eigrp"
	case 89:
		n = "ospf"
	case 93:
		n = "ax25"
	case 97:
		n = "etherip"
	case 103:
		n = "pim"
	case 108:
		n = "ipcomp"
	case 112:
		n = "vrrp"
	case 113:
		n = "pgm"
	case 115:
		n = "l2tp"
	case 132:
		n = "sctp"
	case 134:
		n = "rsvp-e2ei"
	case 135:
		n = "mipv6"
	case 136:
		n = "udplite"
	case 137:
		n = "mpls"
	case 139:
		n = "hip"
	case 140:
		n = "shim6"
	default:
		var buf [12]byte
		b := append(buf[:0], "UNK("...)
		b = appendDec(b, uint(proto))
		b = append(b, ')')
		s.hdr(string(b))
		s.stop(0)
		return
	}
	s.hdr(n)
}

const hexDigits = "0123456789abcdef"

// unknown16 appends "UNK(0xhhhh)" and stops dissection.
func (s *state) unknown16(v uint16) {
	b := [11]byte{'U', 'N', 'K', '(', '0', 'x',
		hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf], ')'}
	s.hdr(string(b[:]))
	s.stop(0)
}

// unknown8hex appends "UNK(0xhh)" and stops dissection.
func (s *state) unknown8hex(v uint8) {
	b := [9]byte{'U', 'N', 'K', '(', '0', 'x', hexDigits[v>>4], hexDigits[v&0xf], ')'}
	s.hdr(string(b[:]))
	s.stop(0)
}

func appendDec(b []byte, v uint) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
