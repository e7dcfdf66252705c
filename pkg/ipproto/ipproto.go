// Package ipproto names the IP protocol numbers (IANA "Assigned Internet
// Protocol Numbers", the IPv4 protocol / IPv6 next-header field) and the
// EtherTypes that the decoder, the flow table and the plugins compare
// against, so no package spells them as bare numbers.
package ipproto

// IP protocol numbers.
const (
	HopOpts  uint8 = 0   // IPv6 hop-by-hop options
	ICMP     uint8 = 1   // ICMP
	IGMP     uint8 = 2   // IGMP
	IPIP     uint8 = 4   // IPv4 encapsulated in IP
	TCP      uint8 = 6   // TCP
	UDP      uint8 = 17  // UDP
	IPv6     uint8 = 41  // IPv6 encapsulated in IP
	Routing  uint8 = 43  // IPv6 routing header
	Fragment uint8 = 44  // IPv6 fragment header
	GRE      uint8 = 47  // GRE
	ESP      uint8 = 50  // IPsec ESP
	AH       uint8 = 51  // IPsec AH
	ICMPv6   uint8 = 58  // ICMPv6
	NoNext   uint8 = 59  // IPv6 no next header
	DstOpts  uint8 = 60  // IPv6 destination options
	OSPF     uint8 = 89  // OSPF
	EtherIP  uint8 = 97  // Ethernet in IP
	PIM      uint8 = 103 // PIM
	L2TP     uint8 = 115 // L2TPv3
	SCTP     uint8 = 132 // SCTP
	Mobility uint8 = 135 // IPv6 mobility header
	UDPLite  uint8 = 136 // UDP-Lite
)

// IP versions as they appear in the flow key.
const (
	V4 uint8 = 4
	V6 uint8 = 6
)

// EtherTypes.
const (
	EtherIPv4   uint16 = 0x0800
	EtherARP    uint16 = 0x0806
	EtherRARP   uint16 = 0x8035
	EtherVLAN   uint16 = 0x8100
	EtherIPv6   uint16 = 0x86dd
	EtherMPLS   uint16 = 0x8847
	EtherMPLSMC uint16 = 0x8848
	EtherPPPoED uint16 = 0x8863
	EtherPPPoES uint16 = 0x8864
	EtherQinQ   uint16 = 0x88a8
	EtherLLDP   uint16 = 0x88cc
)

// HasPorts reports whether proto carries 16-bit source and destination
// ports at the start of its header (the protocols whose flows are keyed
// by port).
func HasPorts(proto uint8) bool {
	return proto == TCP || proto == UDP || proto == SCTP || proto == UDPLite
}
