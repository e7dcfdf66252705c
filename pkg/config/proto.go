package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Symbolic names accepted in MONPROTL2 (ethertypes, as in <net/ethernet.h>
// and T2's networkHeaders.h) and MONPROTL3 (IP protocol numbers).
var (
	etherTypes = map[string]uint16{
		"ETHERTYPE_PUP":        0x0200,
		"ETHERTYPE_SPRITE":     0x0500,
		"ETHERTYPE_IP":         0x0800,
		"ETHERTYPE_ARP":        0x0806,
		"ETHERTYPE_REVARP":     0x8035,
		"ETHERTYPE_RARP":       0x8035,
		"ETHERTYPE_AT":         0x809b,
		"ETHERTYPE_AARP":       0x80f3,
		"ETHERTYPE_VLAN":       0x8100,
		"ETHERTYPE_IPX":        0x8137,
		"ETHERTYPE_IPV6":       0x86dd,
		"ETHERTYPE_PPP":        0x880b,
		"ETHERTYPE_MPLS_UCAST": 0x8847,
		"ETHERTYPE_MPLS_MCAST": 0x8848,
		"ETHERTYPE_PPPOE_D":    0x8863,
		"ETHERTYPE_PPPOE_S":    0x8864,
		"ETHERTYPE_EAPOL":      0x888e,
		"ETHERTYPE_QINQ":       0x88a8,
		"ETHERTYPE_LLDP":       0x88cc,
		"ETHERTYPE_MACSEC":     0x88e5,
		"ETHERTYPE_PTP":        0x88f7,
		"ETHERTYPE_LOOPBACK":   0x9000,
	}
	l3Protos = map[string]uint16{
		"L3_HHOPT6":  0,
		"L3_ICMP":    1,
		"L3_IGMP":    2,
		"L3_IPIP4":   4,
		"L3_TCP":     6,
		"L3_UDP":     17,
		"L3_IPIP6":   41,
		"L3_IPV6":    41,
		"L3_ROUT6":   43,
		"L3_FRAG6":   44,
		"L3_RSVP":    46,
		"L3_GRE":     47,
		"L3_ESP":     50,
		"L3_AH":      51,
		"L3_ICMP6":   58,
		"L3_NXTH6":   59,
		"L3_DOPT6":   60,
		"L3_OSPF":    89,
		"L3_ETHIP":   97,
		"L3_PIM":     103,
		"L3_IPCOMP":  108,
		"L3_VRRP":    112,
		"L3_PGM":     113,
		"L3_L2TP":    115,
		"L3_SCTP":    132,
		"L3_MOB6":    135,
		"L3_UDPLITE": 136,
	}
)

// ParseProtoList converts the entries of MONPROTL2 (kind "MONPROTL2" or
// "L2": ethertypes) or MONPROTL3 (kind "MONPROTL3" or "L3": IP protocols)
// to numbers. Entries are symbolic names (ETHERTYPE_ARP, L3_TCP; any case)
// or numbers in decimal or 0x hexadecimal. The error names the bad entry.
func ParseProtoList(kind string, entries []string) ([]uint16, error) {
	var names map[string]uint16
	var max uint64
	var what string
	switch strings.ToUpper(kind) {
	case "MONPROTL2", "L2":
		names, max, what = etherTypes, 0xffff, "an ethertype (ETHERTYPE_NAME or a number 0-0xffff)"
	case "MONPROTL3", "L3":
		names, max, what = l3Protos, 255, "an IP protocol (L3_NAME or a number 0-255)"
	default:
		return nil, fmt.Errorf("unknown protocol list kind %q", kind)
	}
	out := make([]uint16, 0, len(entries))
	seen := map[uint16]string{}
	for _, e := range entries {
		t := strings.TrimSpace(e)
		v, ok := names[strings.ToUpper(t)]
		if !ok {
			n, err := strconv.ParseUint(t, 0, 32)
			if err != nil || n > max {
				return nil, fmt.Errorf("list entry \"%s\": expected %s", clip(e), what)
			}
			v = uint16(n)
		}
		// Each entry is a report column: a repeated protocol would
		// repeat columns (and thousands of them make the report useless).
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("list entry \"%s\": protocol 0x%x is already listed as \"%s\"", clip(e), v, clip(prev))
		}
		seen[v] = e
		out = append(out, v)
	}
	return out, nil
}
