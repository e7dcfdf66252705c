package dnsdecode

import (
	"encoding/binary"
	"strings"
)

// msg builds DNS messages for the tests: header fields, then questions
// and records appended in wire format.
type msg struct {
	b []byte
}

func newMsg(flags uint16, qd, an, ns, ar uint16) *msg {
	m := &msg{b: make([]byte, 12)}
	binary.BigEndian.PutUint16(m.b[0:], 0x1234)
	binary.BigEndian.PutUint16(m.b[2:], flags)
	binary.BigEndian.PutUint16(m.b[4:], qd)
	binary.BigEndian.PutUint16(m.b[6:], an)
	binary.BigEndian.PutUint16(m.b[8:], ns)
	binary.BigEndian.PutUint16(m.b[10:], ar)
	return m
}

// name appends a name in uncompressed form ("" is the root).
func (m *msg) name(s string) *msg {
	if s != "" {
		for _, l := range strings.Split(s, ".") {
			m.b = append(m.b, byte(len(l)))
			m.b = append(m.b, l...)
		}
	}
	m.b = append(m.b, 0)
	return m
}

// ptr appends a compression pointer to off.
func (m *msg) ptr(off int) *msg {
	m.b = append(m.b, 0xc0|byte(off>>8), byte(off))
	return m
}

func (m *msg) u16(v uint16) *msg  { m.b = binary.BigEndian.AppendUint16(m.b, v); return m }
func (m *msg) u32(v uint32) *msg  { m.b = binary.BigEndian.AppendUint32(m.b, v); return m }
func (m *msg) raw(b ...byte) *msg { m.b = append(m.b, b...); return m }

func (m *msg) question(name string, qtype, qclass uint16) *msg {
	return m.name(name).u16(qtype).u16(qclass)
}

// rr appends a record whose owner is name and whose data is rdata.
func (m *msg) rr(name string, rtype, rclass uint16, ttl uint32, rdata []byte) *msg {
	m.name(name).u16(rtype).u16(rclass).u32(ttl).u16(uint16(len(rdata)))
	m.b = append(m.b, rdata...)
	return m
}

// wireName is name in uncompressed wire form.
func wireName(s string) []byte { return (&msg{}).name(s).b }
