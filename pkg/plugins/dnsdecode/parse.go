package dnsdecode

import "encoding/binary"

// dnsStat bits (docs/plugins.md, table A).
const (
	StatDNS       uint16 = 0x0001 // a DNS port: the flow is handled as DNS
	StatNetBIOS   uint16 = 0x0002 // NetBIOS name service (port 137)
	StatTCPSplit  uint16 = 0x0004 // a TCP message spread over several segments was seen
	StatTCPPend   uint16 = 0x0008 // TCP reassembly of a message still pending
	StatANY       uint16 = 0x0020 // ANY query or record (type 255)
	StatIXFR      uint16 = 0x0040 // incremental zone transfer (251)
	StatAXFR      uint16 = 0x0080 // zone transfer (252)
	StatLongUDP   uint16 = 0x0100 // UDP message longer than 548 bytes
	StatUnknown   uint16 = 0x0200 // record type not decoded, its data skipped
	StatQFull     uint16 = 0x0400 // question list full (DNS_QRECMAX)
	StatAFull     uint16 = 0x0800 // record list full (DNS_ARECMAX)
	StatOverrun   uint16 = 0x1000 // a record or name runs past the message
	StatBadPtr    uint16 = 0x2000 // bad compression pointer or label type
	StatShort     uint16 = 0x4000 // message shorter than the minimum
	StatCorrupt   uint16 = 0x8000 // corrupt header, TCP gap, TCP flow without SYN
	minMessageLen        = 17     // T2's minimum DNS message (header + 5)
	maxUDPLen            = 548    // longer UDP messages set StatLongUDP
	maxNameLen           = 255    // longest name kept (the DNS limit); longer ones are cut
)

// Record types with a decoder.
const (
	typeA     = 1
	typeNS    = 2
	typeCNAME = 5
	typeSOA   = 6
	typePTR   = 12
	typeMX    = 15
	typeTXT   = 16
	typeAAAA  = 28
	typeSRV   = 33
	typeOPT   = 41
	typeRRSIG = 46
	typeNB    = 32 // NetBIOS general name service resource record
	typeIXFR  = 251
	typeAXFR  = 252
	typeANY   = 255
)

// header is the fixed 12-byte part of a DNS message.
type header struct {
	flags             uint16
	qd, an, ns, ar    uint16
	opcode, rcode     uint8
	response, zBitSet bool
}

func parseHeader(m []byte) header {
	h := header{
		flags: binary.BigEndian.Uint16(m[2:]),
		qd:    binary.BigEndian.Uint16(m[4:]),
		an:    binary.BigEndian.Uint16(m[6:]),
		ns:    binary.BigEndian.Uint16(m[8:]),
		ar:    binary.BigEndian.Uint16(m[10:]),
	}
	h.response = h.flags&0x8000 != 0
	h.opcode = uint8(h.flags>>11) & 0xf
	h.rcode = uint8(h.flags & 0xf)
	h.zBitSet = h.flags&0x0040 != 0
	return h
}

// hflg maps the flags word to T2's 8-bit dnsHFlg: QR 0x80, AA 0x40, TC
// 0x20, RD 0x10, RA 0x08, Z 0x04, AD 0x02, CD 0x01.
func (h header) hflg() uint8 { return uint8(h.flags>>8)&0x80 | uint8(h.flags>>4)&0x7f }

// sane applies T2's header checks: a set Z bit, an opcode above 7, an
// rcode above 10, or counts that cannot fit the message mark it corrupt
// (its records are not parsed).
func (h header) sane(msgLen int) bool {
	if h.zBitSet || h.opcode >= 8 || h.rcode >= 11 {
		return false
	}
	return 5*int(h.qd)+13*(int(h.an)+int(h.ns)+int(h.ar))-16 <= msgLen
}

// readName appends the name at off in m to dst in dotted form (the root
// is empty) and returns the offset after the name where it starts (past
// the first compression pointer) and the error bits. Each compression
// pointer must point before the target of the previous one (the first
// before itself), so a hostile message cannot loop: the targets strictly
// decrease. A name longer than maxNameLen is cut (StatOverrun).
func readName(dst []byte, m []byte, off int) ([]byte, int, uint16) {
	start := len(dst)
	end := -1 // offset after the name in the record, set at the first jump
	pos := off
	limit := len(m) // pointer targets must stay below
	var stat uint16
	for {
		if pos >= len(m) {
			stat |= StatOverrun
			break
		}
		l := int(m[pos])
		switch l & 0xc0 {
		case 0xc0:
			if pos+1 >= len(m) {
				return dst, len(m), stat | StatOverrun
			}
			target := (l&0x3f)<<8 | int(m[pos+1])
			if end < 0 {
				end = pos + 2
			}
			if target >= pos || target >= limit {
				return dst, end, stat | StatBadPtr
			}
			pos, limit = target, target
			continue
		case 0x40, 0x80: // extended or reserved label types
			if end < 0 {
				end = pos + 1
			}
			return dst, end, stat | StatBadPtr
		}
		if l == 0 {
			pos++
			break
		}
		if pos+1+l > len(m) {
			stat |= StatOverrun
			pos = len(m)
			break
		}
		if len(dst) > start {
			if len(dst)-start < maxNameLen {
				dst = append(dst, '.')
			} else {
				stat |= StatOverrun
			}
		}
		label := m[pos+1 : pos+1+l]
		if room := maxNameLen - (len(dst) - start); len(label) > room {
			if room < 0 {
				room = 0
			}
			label = label[:room]
			stat |= StatOverrun
		}
		dst = append(dst, label...)
		pos += 1 + l
	}
	if end < 0 {
		end = pos
	}
	return dst, end, stat
}

// decodeNetBIOS rewrites a NetBIOS first-level encoded name (32 letters
// A-P as its first label, RFC 1001 §14.1) in place as its 15 name bytes
// without trailing spaces followed by the suffix byte as <XX>; a scope
// after the first label is kept. Other names are left as they are.
func decodeNetBIOS(name []byte) []byte {
	if len(name) < 32 || (len(name) > 32 && name[32] != '.') {
		return name
	}
	for _, c := range name[:32] {
		if c < 'A' || c > 'P' {
			return name
		}
	}
	var raw [16]byte
	for i := range raw {
		raw[i] = (name[2*i]-'A')<<4 | (name[2*i+1] - 'A')
	}
	n := 15
	for n > 0 && raw[n-1] == ' ' {
		n--
	}
	var out [64]byte
	o := append(out[:0], raw[:n]...)
	o = append(o, '<', hexUpper[raw[15]>>4], hexUpper[raw[15]&0xf], '>')
	// The decoded form (at most 19 bytes) is shorter than the 32 letters,
	// so it and the scope fit in place (copy moves overlapping bytes).
	w := copy(name, o)
	w += copy(name[w:], name[32:])
	return name[:w]
}

const hexUpper = "0123456789ABCDEF"
