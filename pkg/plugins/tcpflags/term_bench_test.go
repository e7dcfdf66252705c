package tcpflags

import (
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/record"
)

// BenchmarkOnFlowTerminateKinds renders the flows most common in the
// bench capture: a one-packet UDP flow (all TCP columns and the RTT ones
// constant) and a SYN scan probe (the RTT ones constant).
func BenchmarkOnFlowTerminateKinds(b *testing.B) {
	for _, c := range []struct {
		name  string
		frame func() []byte
	}{
		{"UDP", func() []byte {
			return frame(b, &layers.IPv4{}, &layers.UDP{SrcPort: 1000, DstPort: 53}, []byte("query"))
		}},
		{"SYN", func() []byte {
			return frame(b, &layers.IPv4{}, &layers.TCP{SrcPort: 40000, DstPort: 22, Seq: 7, SYN: true, Window: 1024, Options: synOpts(0)[:1]}, nil)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := newRig(b, nil)
			var f *flow.Flow = r.feed(b, c.frame(), 1)
			w := record.Writer{Deferred: true}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Reset()
				r.tf.OnFlowTerminate(f, &w)
			}
		})
	}
}
