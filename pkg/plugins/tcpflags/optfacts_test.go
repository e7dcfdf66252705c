package tcpflags

import (
	"math/rand/v2"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// tcpOptFactsWalk is tcpOptFacts without its NOP, NOP, timestamp step:
// the plain walk, the reference of TestOptFactsNopNopTS.
func tcpOptFactsWalk(b []byte, off, n int, x *packet.HdrFacts) {
	optWalk(b, off, 0, n, x)
}

// TestOptFactsNopNopTS: tcpOptFacts, which takes options starting with
// NOP, NOP, timestamp in one step, summarises every option run as the
// plain walk does: those options alone, followed by others (SACK, a
// second timestamp, MPTCP, corrupt ones, padding), cut by the capture or
// the header length, at every offset in the buffer.
func TestOptFactsNopNopTS(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tails := [][]byte{
		nil,
		{0, 0, 0, 0},
		{1, 1, 5, 10, 1, 2, 3, 4, 5, 6, 7, 8},
		{1, 1, 8, 10, 9, 9, 9, 9, 8, 8, 8, 8},
		{30, 8, 0x20, 1, 2, 3, 4, 5},
		{2, 0},
		{1, 3, 3, 7},
		{2, 4, 5, 0xb4, 4, 2},
	}
	for _, tail := range tails {
		opts := append([]byte{1, 1, 8, 10, 0xa1, 0xa2, 0xa3, 0xa4, 0xb1, 0xb2, 0xb3, 0xb4}, tail...)
		for lead := 0; lead < 3; lead++ {
			buf := append(make([]byte, lead), opts...)
			for cut := 0; cut <= len(buf); cut++ {
				b := buf[:cut]
				for n := 0; n <= len(opts)+4; n++ {
					var got, want packet.HdrFacts
					tcpOptFacts(b, lead, n, &got)
					tcpOptFactsWalk(b, lead, n, &want)
					if got != want {
						t.Fatalf("tail %v lead %d cut %d n %d:\n got %+v\nwant %+v", tail, lead, cut, n, got, want)
					}
				}
			}
		}
	}
	// random option bytes, half of them starting NOP, NOP, timestamp
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(48))
		for j := range b {
			b[j] = byte(rng.IntN(12))
		}
		if i%2 == 0 && len(b) >= 4 {
			copy(b, []byte{1, 1, 8, 10})
		}
		off := 0
		if len(b) > 0 {
			off = rng.IntN(len(b))
		}
		if i%4 == 0 {
			off = 0
		}
		n := rng.IntN(44)
		var got, want packet.HdrFacts
		tcpOptFacts(b, off, n, &got)
		tcpOptFactsWalk(b, off, n, &want)
		if got != want {
			t.Fatalf("% x off %d n %d:\n got %+v\nwant %+v", b, off, n, got, want)
		}
	}
}
