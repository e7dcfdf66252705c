package basicstats

import (
	"testing"

	"github.com/t2go/t2go/pkg/record"
)

// BenchmarkRecordRender is a one-packet flow's columns (the most common
// flow) with deferred rendering.
func BenchmarkRecordRender(b *testing.B) {
	r := newRig(b, defaults())
	f := r.feed(pkt(1, 40, false))
	w := record.Writer{Deferred: true}
	var out []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		r.bs.OnFlowTerminate(f, &w)
		out = record.Render(out[:0], w.Bytes())
	}
}
