package dnsdecode

import (
	"testing"
)

// FuzzMessage feeds arbitrary bytes as a UDP DNS message (DNS and
// NetBIOS ports), as a TCP stream cut in two segments and to readName
// directly: nothing may panic, the record must keep its 20 columns and
// no kept name may exceed maxNameLen.
func FuzzMessage(f *testing.F) {
	good := newMsg(0x8180, 1, 2, 0, 1).question("www.example.com", 1, 1).
		ptr(12).u16(5).u16(1).u32(300).u16(2).ptr(12).
		rr("a.example.com", 1, 1, 60, a4(192, 0, 2, 1)).rr("", 41, 512, 0, nil).b
	loop := newMsg(0x8180, 1, 1, 0, 0).raw(0xc0, 12, 0, 1, 0, 1).b // question name points at itself
	fwd := newMsg(0x8180, 1, 1, 0, 0).question("x", 1, 1).raw(0xc0, 0xff, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4).b
	long := newMsg(0x0100, 1, 0, 0, 0).b
	for i := 0; i < 8; i++ {
		long = append(long, 63)
		long = append(long, make([]byte, 63)...)
	}
	long = append(long, 0, 0, 1, 0, 1)
	for _, s := range [][]byte{good, loop, fwd, long, {}, make([]byte, 17), newMsg(0x8000, 0xffff, 0xffff, 0xffff, 0xffff).b} {
		f.Add(s, uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, payload []byte, cut uint16) {
		s := newSession(t, defaults())
		for _, port := range []uint16{53, 137} {
			fl := s.udp(40000, port, payload)
			fl2 := s.udp(port, 40000, payload) // second message, other direction
			checkState(t, s.d.st[fl.Slot])
			s.columns(fl)
			s.columns(fl2)
		}
		stream := append([]byte{byte(len(payload) >> 8), byte(len(payload))}, payload...)
		c := int(cut) % (len(stream) + 1)
		fl := s.send(6, 40001, 53, 0x02, 0, nil)
		s.send(6, 40001, 53, 0x18, 1, stream[:c])
		s.send(6, 40001, 53, 0x18, 1+uint32(c), stream[c:])
		checkState(t, s.d.st[fl.Slot])
		s.columns(fl)
		for off := 0; off < len(payload) && off < 64; off++ {
			name, end, _ := readName(nil, payload, off)
			if len(name) > maxNameLen || end < off || end > len(payload) {
				t.Fatalf("readName at %d: %d bytes, end %d", off, len(name), end)
			}
		}
	})
}

func checkState(t *testing.T, s *state) {
	t.Helper()
	if s == nil {
		t.Fatal("no state for a DNS flow")
	}
	for _, q := range s.qs {
		if len(q.name) > maxNameLen {
			t.Fatalf("question name of %d bytes", len(q.name))
		}
	}
	for _, r := range s.rs {
		if len(r.name) > maxNameLen || len(r.pname) > maxNameLen {
			t.Fatalf("record names of %d/%d bytes", len(r.name), len(r.pname))
		}
	}
	if s.tcp != nil && cap(s.tcp.buf) > 2+65535+512 {
		t.Fatalf("TCP buffer of %d bytes", cap(s.tcp.buf))
	}
}
