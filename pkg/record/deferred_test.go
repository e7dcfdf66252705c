package record

import (
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// fill makes the same random sequence of calls on w for a given seed.
func fill(w *Writer, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	w.Reset()
	for i := 0; i < 60; i++ {
		fillStep(w, rng)
	}
}

// fillStep makes one random call (or a few) on w.
func fillStep(w *Writer, rng *rand.Rand) {
	{
		var ip [16]byte
		rng.Read(ip[:])
		str := make([]byte, rng.Intn(12))
		rng.Read(str)
		switch rng.Intn(27) {
		case 0:
			w.U64(rng.Uint64() >> uint(rng.Intn(64)))
		case 1:
			w.I64(rng.Int63() - rng.Int63())
		case 2:
			w.H8(uint8(rng.Uint32()))
		case 3:
			w.H16(uint16(rng.Uint32()))
		case 4:
			w.H32(rng.Uint32())
		case 5:
			w.H64(rng.Uint64())
		case 6:
			w.F32(math.Float32frombits(rng.Uint32()))
		case 7:
			w.F32(float32(rng.NormFloat64() * 100))
		case 8:
			w.F64(rng.NormFloat64() * 1e6)
		case 9:
			w.Time(packet.Time(rng.Int63() >> 2))
		case 10:
			w.MAC([6]byte(ip[:6]))
		case 11:
			w.IP(uint8(rng.Intn(3)*2), &ip)
		case 12:
			w.Str(str)
		case 13:
			w.StrClass(str)
		case 14:
			w.Char('A' + byte(rng.Intn(2)))
		case 15:
			w.Empty()
		case 16:
			w.Semi()
			w.AppendU64(uint64(rng.Intn(1000)))
		case 17:
			w.Under()
			w.RawString("x_y")
		case 18:
			w.Raw(str)
		case 19:
			w.Field()
			w.AppendContent(str)
		case 20:
			// Every operand width of the integer ops, and their edges.
			v := uint64(1) << uint(rng.Intn(64))
			w.U64(v + uint64(rng.Intn(3)) - 1)
			w.I64(-int64(v>>1) + int64(rng.Intn(3)) - 1)
		case 21:
			w.Field()
			w.AppendHex(rng.Uint64()>>uint(rng.Intn(64)), rng.Intn(20))
		case 22:
			w.Time(-packet.Time(rng.Int63() >> uint(rng.Intn(63))))
			w.Time(packet.Time(rng.Intn(3)) * 1e9)
		case 23:
			w.F32(float32(rng.Intn(2e7) - 1e7))
			w.F32(float32(math.Copysign(0, -1)))
			w.F64(float64(rng.Int63n(4e15) - 2e15))
			w.F64(math.Copysign(0, float64(rng.Intn(2)-1)))
		case 24:
			w.Field()
			w.AppendU64(uint64(rng.Intn(300)))
			w.Under()
			w.AppendHex(uint64(rng.Intn(300)), 2)
			w.Semi()
			w.AppendI64(int64(rng.Intn(300) - 150))
		case 25:
			long := make([]byte, 100+rng.Intn(300))
			rng.Read(long)
			w.Str(long)
			w.RawString(string(long))
		case 26:
			w.H8(uint8(rng.Intn(2)))
			w.H16(uint16(rng.Intn(2)))
			w.H32(uint32(rng.Intn(2)))
			w.H64(uint64(rng.Intn(2)))
			w.U64(uint64(rng.Intn(70)))
		}
	}
}

func TestDeferredRendersSameText(t *testing.T) {
	for seed := int64(0); seed < 2000; seed++ {
		var text, ops Writer
		ops.Deferred = true
		fill(&text, seed)
		fill(&ops, seed)
		if got, want := string(Render(nil, ops.Bytes())), string(text.Bytes()); got != want {
			t.Fatalf("seed %d:\n got %q\nwant %q", seed, got, want)
		}
		if ops.Fields() != text.Fields() {
			t.Fatalf("seed %d: fields %d, want %d", seed, ops.Fields(), text.Fields())
		}
		// After earlier lines, in a buffer with any spare capacity (render
		// reserves its room itself and must not touch the lines before).
		prefix := make([]byte, int(seed%97), int(seed%97)+int(seed%13))
		for i := range prefix {
			prefix[i] = 'p'
		}
		if got, want := string(Render(prefix, ops.Bytes())), string(prefix)+string(text.Bytes()); got != want {
			t.Fatalf("seed %d after %d bytes:\n got %q\nwant %q", seed, len(prefix), got, want)
		}
	}
}

// BenchmarkDeferredRecord fills a flow-record-like deferred record (the
// packet goroutine's share of writing a flow).
func BenchmarkDeferredRecord(b *testing.B) {
	var w Writer
	w.Deferred = true
	ip := [16]byte{192, 168, 1, 104}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		w.Char('A')
		w.U64(uint64(i))
		w.H64(0x0400000000004000)
		w.Time(packet.Time(i))
		w.Time(packet.Time(i))
		w.Time(0)
		for j := 0; j < 10; j++ {
			w.U64(uint64(j))
			w.F32(float32(j) / 3)
		}
		w.IP(4, &ip)
		w.U64(80)
		w.IP(4, &ip)
		w.U64(1234)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestJSONWalksEveryOp runs the JSON layout over the random records with
// every column kept and with a random selection: skipping the operands
// of unselected columns must stay in step with the ops (a wrong operand
// size panics or loses keys).
func TestJSONWalksEveryOp(t *testing.T) {
	cols := make([]Column, 200)
	for i := range cols {
		cols[i] = Column{Name: "c" + strconv.Itoa(i), Type: "SC:R"}
	}
	rng := rand.New(rand.NewSource(5))
	for seed := int64(0); seed < 500; seed++ {
		var w Writer
		w.Deferred = true
		fill(&w, seed)
		keep := make([]bool, len(cols))
		kept := 0
		for i := range keep {
			if keep[i] = rng.Intn(2) == 0; keep[i] && i < w.Fields() {
				kept++
			}
		}
		for _, k := range [][]bool{nil, keep} {
			out := string(NewJSONLayout(cols, JSONOptions{Keep: k}).Append(nil, w.Bytes()))
			want := w.Fields()
			if k != nil {
				want = kept
			}
			if got := strings.Count(out, `":[`); got != want {
				t.Fatalf("seed %d keep %v: %d keys, want %d: %s", seed, k != nil, got, want, out)
			}
		}
	}
}

// FuzzDeferredRendersSameText is TestDeferredRendersSameText for any
// seed, after a prefix of any length, with some runs of calls as blocks.
func FuzzDeferredRendersSameText(f *testing.F) {
	f.Add(int64(1), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, seed int64, prefix, blocks uint8) {
		rng := rand.New(rand.NewSource(seed))
		var text, ops Writer
		ops.Deferred = true
		for i := 0; i < 40; i++ {
			step := rng.Int63()
			write := func(w *Writer) { fillStep(w, rand.New(rand.NewSource(step))) }
			if blocks>>(i%8)&1 != 0 {
				b := NewBlock(write)
				text.AppendBlock(b)
				ops.AppendBlock(b)
			} else {
				write(&text)
				write(&ops)
			}
		}
		p := make([]byte, prefix, int(prefix)+int(blocks%7))
		if got, want := string(Render(p, ops.Bytes())), string(p)+string(text.Bytes()); got != want {
			t.Fatalf("\n got %q\nwant %q", got, want)
		}
	})
}
