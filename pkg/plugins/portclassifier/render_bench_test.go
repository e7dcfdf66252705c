package portclassifier

import (
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/record"
)

// BenchmarkRecordRender is a flow's columns with deferred rendering,
// over a known and an unknown port.
func BenchmarkRecordRender(b *testing.B) {
	c := newPC(b)
	fs := []*flow.Flow{{Key: flow.Key{Proto: 17, SrcPort: 40000, DstPort: 53}}, {Key: flow.Key{Proto: 6, SrcPort: 40000, DstPort: 61000}}}
	w := record.Writer{Deferred: true}
	var out []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		c.OnFlowTerminate(fs[i&1], &w)
		out = record.Render(out[:0], w.Bytes())
	}
}
