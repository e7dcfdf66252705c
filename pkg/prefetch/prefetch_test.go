package prefetch

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

func TestBatchChangesNothing(t *testing.T) {
	for _, w := range []bool{false, true} {
		batchChangesNothing(t, w)
	}
}

// batchChangesNothing checks one kind of prefetch (write: PREFETCHW).
func batchChangesNothing(t *testing.T, write bool) {
	buf := make([]byte, 64*100)
	for i := range buf {
		buf[i] = byte(i)
	}
	b := Batch{Write: write}
	for i := 0; i < 100; i++ { // more than a batch holds: the rest is ignored
		b.Add(unsafe.Pointer(&buf[i*64]))
	}
	if b.Len() != maxBatch {
		t.Fatalf("Len %d after 100 adds, want %d", b.Len(), maxBatch)
	}
	b.Flush()
	if b.Len() != 0 {
		t.Fatalf("Len %d after Flush", b.Len())
	}
	for i := range buf {
		if buf[i] != byte(i) {
			t.Fatalf("byte %d changed", i)
		}
	}
}

func BenchmarkBatch8(b *testing.B) {
	buf := make([]byte, 1<<22)
	var pb Batch
	for i := 0; i < b.N; i++ {
		for j := 0; j < 8; j++ {
			pb.Add(unsafe.Pointer(&buf[(i*8+j)*4096&(len(buf)-1)]))
		}
		pb.Flush()
	}
}

// queued returns the queued addresses.
func (b *Batch) queued() []uintptr { return append([]uintptr(nil), b.addrs[:b.n]...) }

// AddRange queues exactly the lines the range touches and AddSeq the
// lines that begin inside it; walking an array with AddSeq (after an
// AddRange of its first entry) queues every line of the array once.
func TestAddRangeAndSeq(t *testing.T) {
	buf := make([]byte, 64*64)
	base := uintptr(unsafe.Pointer(&buf[0]))
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 2000; iter++ {
		off := uintptr(rng.IntN(64 * 32))
		n := uintptr(1 + rng.IntN(64*8))
		p := unsafe.Pointer(&buf[off])
		var want, wantSeq []uintptr
		for a := base + off; a < base+off+n; a++ {
			l := a &^ 63
			if len(want) == 0 || want[len(want)-1] != l {
				want = append(want, l)
			}
			if a&63 == 0 {
				wantSeq = append(wantSeq, a)
			}
		}
		var b Batch
		b.AddRange(p, n)
		if got := b.queued(); !slices.Equal(got, want) {
			t.Fatalf("AddRange(+%d, %d) = %x, want %x", off, n, got, want)
		}
		b.Flush()
		b.AddSeq(p, n)
		if got := b.queued(); !slices.Equal(got, wantSeq) {
			t.Fatalf("AddSeq(+%d, %d) = %x, want %x", off, n, got, wantSeq)
		}
		b.Flush()
	}
	// An array of 24-byte entries walked in order: each line once.
	const size = 24
	var b Batch
	var got []uintptr
	b.AddRange(unsafe.Pointer(&buf[8]), size)
	for i := 1; i < 100; i++ {
		b.AddSeq(unsafe.Pointer(&buf[8+i*size]), size)
		got = append(got, b.queued()...)
		b.Flush()
	}
	var want []uintptr
	for l := (base + 8) &^ 63; l < base+8+100*size; l += 64 {
		want = append(want, l)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("array walk queued %x, want %x", got, want)
	}
	// A full batch ignores the rest of a range.
	b.AddRange(unsafe.Pointer(&buf[0]), uintptr(len(buf)))
	if b.Len() != maxBatch {
		t.Fatalf("Len %d after a range of %d lines", b.Len(), len(buf)/64)
	}
}
