package macrecorder

import (
	"testing"

	"github.com/t2go/t2go/pkg/record"
)

// BenchmarkRecordRender is a one-pair flow's columns (new flow, packet,
// record, deferred rendering), over 16 different pairs.
func BenchmarkRecordRender(b *testing.B) {
	m, f := newMR(b, map[string]int64{})
	w := record.Writer{Deferred: true}
	var out []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := pkt(byte(i&15), 2)
		m.OnNewFlow(p, f)
		m.OnLayer4(p, f)
		w.Reset()
		m.OnFlowTerminate(f, &w)
		out = record.Render(out[:0], w.Bytes())
	}
}
