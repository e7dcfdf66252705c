package icmpdecode

import (
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

// BenchmarkRecordRender is a non-ICMP flow's columns (new flow, record,
// deferred rendering): what nearly every flow of a capture costs.
func BenchmarkRecordRender(b *testing.B) {
	d, tab := newDecoder(b)
	k := flow.Key{IPVer: 4, Proto: 6, SrcPort: 1, DstPort: 2}
	f := tab.Create(&k, 0)
	p := &packet.Packet{IPVer: 4, L4Proto: 6}
	w := record.Writer{Deferred: true}
	var out []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.OnNewFlow(p, f)
		d.OnLayer4(p, f)
		w.Reset()
		d.OnFlowTerminate(f, &w)
		out = record.Render(out[:0], w.Bytes())
	}
}
