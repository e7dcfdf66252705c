package prefetch

import (
	"testing"
	"unsafe"
)

func TestLinesChangesNothing(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	Lines(unsafe.Pointer(&b[0]), unsafe.Pointer(&b[200]))
	for i := range b {
		if b[i] != byte(i) {
			t.Fatalf("byte %d changed", i)
		}
	}
}

func BenchmarkLines(b *testing.B) {
	buf := make([]byte, 1<<20)
	for i := 0; i < b.N; i++ {
		Lines(unsafe.Pointer(&buf[(i*4096)&(len(buf)-1)]), unsafe.Pointer(&buf[(i*4096+64)&(len(buf)-1)]))
	}
}
