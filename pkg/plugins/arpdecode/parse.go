package arpdecode

import "encoding/binary"

// Message is a decoded ARP/RARP header (RFC 826). The addresses are
// valid only for the usual sizes: MACs when HwSize is 6, IPv4 addresses
// when ProtoSize is 4.
type Message struct {
	HwType, ProtoType    uint16
	HwSize, ProtoSize    uint8
	Opcode               uint16
	SenderMAC, TargetMAC [6]byte
	SenderIP, TargetIP   [4]byte
	HasMAC, HasIP        bool
}

// ARP opcodes that feed the MAC/IP list.
const (
	OpRequest   = 1
	OpReply     = 2
	OpRARPReply = 4
)

// Parse decodes the ARP message at the start of b; ok is false when the
// fixed 8-byte part or the announced addresses are not all captured.
func Parse(b []byte) (m Message, ok bool) {
	if len(b) < 8 {
		return m, false
	}
	m.HwType = binary.BigEndian.Uint16(b)
	m.ProtoType = binary.BigEndian.Uint16(b[2:])
	m.HwSize, m.ProtoSize = b[4], b[5]
	m.Opcode = binary.BigEndian.Uint16(b[6:])
	hs, ps := int(m.HwSize), int(m.ProtoSize)
	if len(b) < 8+2*hs+2*ps {
		return m, true // header only: the addresses stay unset
	}
	m.HasMAC, m.HasIP = hs == 6, ps == 4
	sha, spa := b[8:], b[8+hs:]
	tha, tpa := b[8+hs+ps:], b[8+2*hs+ps:]
	if m.HasMAC {
		copy(m.SenderMAC[:], sha)
		copy(m.TargetMAC[:], tha)
	}
	if m.HasIP {
		copy(m.SenderIP[:], spa)
		copy(m.TargetIP[:], tpa)
	}
	return m, true
}

// arpStat bits.
const (
	StatARP          uint8 = 0x01 // the flow carries ARP or RARP
	StatGratuitous   uint8 = 0x02 // request or reply with sender IP = target IP
	StatProbe        uint8 = 0x04 // request, target MAC zero, sender IP 0.0.0.0
	StatAnnouncement uint8 = 0x08 // gratuitous request, target MAC zero or broadcast
	StatListFull     uint8 = 0x20 // MAC/IP list full (ARP_MAX_IP)
	StatSpoof        uint8 = 0x80 // an IP announced with another MAC than first seen
)

// classify returns the gratuitous/probe/announcement bits of m.
func classify(m *Message) uint8 {
	if !m.HasIP {
		return 0
	}
	var st uint8
	grat := (m.Opcode == OpRequest || m.Opcode == OpReply) && m.SenderIP == m.TargetIP
	if grat {
		st |= StatGratuitous
	}
	zeroMAC := m.HasMAC && m.TargetMAC == [6]byte{}
	bcast := m.HasMAC && m.TargetMAC == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if m.Opcode == OpRequest && zeroMAC && m.SenderIP == [4]byte{} {
		st |= StatProbe
	}
	if grat && m.Opcode == OpRequest && (zeroMAC || bcast) {
		st |= StatAnnouncement
	}
	return st
}
