package tcpstates

import "testing"

// FuzzSegments plays arbitrary flag/direction/ack sequences: the machine
// must not panic and must end in a defined state.
func FuzzSegments(f *testing.F) {
	f.Add([]byte{0x02, 0x92, 0x10, 0x18, 0x11, 0x91, 0x10})
	f.Add([]byte{0x04, 0x84, 0x00, 0x29, 0x01})
	f.Fuzz(func(t *testing.T, script []byte) {
		h := newHarness(t)
		for i, b := range script {
			// bit 7: direction; bits 0-5: TCP flags; bit 6: use a "right" ack
			s := seg{fromServer: b&0x80 != 0, flags: b & 0x3f, seq: uint32(100 + i), ack: uint32(i)}
			if b&0x40 != 0 {
				s.ack = 101
				if !s.fromServer {
					s.ack = 501
				}
			}
			h.send(s)
		}
		if h.a != nil && h.ts.conns[h.a.Slot].state >= numStates {
			t.Fatal("undefined state")
		}
		h.end()
	})
}
