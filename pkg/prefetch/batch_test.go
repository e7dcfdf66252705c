package prefetch

import (
	"testing"
	"unsafe"
)

// The batch's bookkeeping: Add2 queues what Add(p); Add(q) would, even
// when only one address fits, and AddRange/AddSeq stop at a full batch.
func TestBatchAddsLikeAdd(t *testing.T) {
	buf := make([]byte, 80*lineSize)
	at := func(i int) unsafe.Pointer { return unsafe.Pointer(&buf[i]) }
	for pre := 0; pre <= maxBatch; pre++ {
		var a, b Batch
		for i := 0; i < pre; i++ {
			a.Add(at(i))
			b.Add(at(i))
		}
		a.Add(at(1000))
		a.Add(at(2000))
		b.Add2(at(1000), at(2000))
		if a.n != b.n || a.addrs != b.addrs {
			t.Fatalf("after %d: Add2 gave %d addresses, Add twice %d", pre, b.n, a.n)
		}
	}
	var b Batch
	base := (uintptr(at(0)) + lineSize - 1) &^ (lineSize - 1)
	o := int(base - uintptr(at(0)))
	b.AddRange(at(o+36), 80) // lines 0 and 1
	b.AddSeq(at(o+36), 80)   // line 1 only
	if b.n != 3 || b.addrs[0] != base || b.addrs[1] != base+lineSize || b.addrs[2] != base+lineSize {
		t.Fatalf("got %d addresses", b.n)
	}
	b.AddRange(at(o), 64*lineSize)
	if b.n != maxBatch || b.addrs[3] != base || b.addrs[maxBatch-1] != base+(maxBatch-4)*lineSize {
		t.Fatalf("full batch: %d addresses", b.n)
	}
}
