package prefetch

import (
	"testing"
	"unsafe"
)

func TestBatchChangesNothing(t *testing.T) {
	buf := make([]byte, 64*100)
	for i := range buf {
		buf[i] = byte(i)
	}
	var b Batch
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
