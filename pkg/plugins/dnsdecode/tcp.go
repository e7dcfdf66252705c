package dnsdecode

import "encoding/binary"

// tcpStream reassembles the length-prefixed DNS messages of one TCP
// direction. Segments must arrive in order: a retransmission is ignored,
// a gap stops the flow's decoding (as T2 does).
type tcpStream struct {
	started bool   // the flow's first packet had SYN
	haveSeq bool   // next is known
	next    uint32 // next expected sequence number
	buf     []byte // an incomplete message with its 2-byte length prefix (at most 65537 bytes)
}

func newTCPStream() *tcpStream { return &tcpStream{buf: make([]byte, 0, 512)} }

func (t *tcpStream) reset() { *t = tcpStream{buf: t.buf[:0]} }

// segment feeds the payload of one in-order segment with sequence number
// seq and decodes every message it completes.
func (p *parser) segment(s *state, seq uint32, payload []byte) {
	t := s.tcp
	if t.haveSeq && seq != t.next {
		if int32(seq-t.next) < 0 { // retransmission or overlap
			return
		}
		s.stat |= StatCorrupt
		s.dead = true
		return
	}
	t.haveSeq, t.next = true, seq+uint32(len(payload))
	data := payload
	if len(t.buf) > 0 {
		// Complete the pending message first.
		for len(data) > 0 {
			if len(t.buf) < 2 {
				n := min(2-len(t.buf), len(data))
				t.buf = append(t.buf, data[:n]...)
				data = data[n:]
				continue
			}
			want := 2 + int(binary.BigEndian.Uint16(t.buf))
			n := min(want-len(t.buf), len(data))
			t.buf = append(t.buf, data[:n]...)
			data = data[n:]
			if len(t.buf) == want {
				s.stat = s.stat&^StatTCPPend | StatTCPSplit
				p.message(s, t.buf[2:], false)
				t.buf = t.buf[:0]
				break
			}
		}
		if len(t.buf) > 0 {
			p.continuation(s)
			return
		}
	}
	for len(data) >= 2 {
		l := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+l {
			break
		}
		p.message(s, data[2:2+l], false)
		data = data[2+l:]
	}
	if len(data) > 0 {
		t.buf = append(t.buf[:0], data...)
		s.stat |= StatTCPPend
	}
}

// continuation counts a segment that only carried part of a message: it
// is a query or response packet, but no DNS packet (no header read).
func (p *parser) continuation(s *state) {
	s.stat |= StatTCPPend
	if s.tcp != nil && len(s.tcp.buf) >= 5 && s.tcp.buf[4]&0x80 != 0 {
		p.rPkts++
	} else {
		p.qPkts++
	}
}
