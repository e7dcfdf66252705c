package decode

import (
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// BenchmarkDecode decodes the packets of http-web-browsing.pcap, preloaded
// in memory, and reports packets per second.
func BenchmarkDecode(b *testing.B) { benchDecode(b, (*Decoder).Decode) }

// BenchmarkDecodeGeneral is BenchmarkDecode without the fast path.
func BenchmarkDecodeGeneral(b *testing.B) { benchDecode(b, (*Decoder).general) }

func benchDecode(b *testing.B, decode func(*Decoder, *packet.Packet)) {
	recs, err := readCapture("../../testdata/pcaps/http-web-browsing.pcap")
	if err != nil {
		b.Fatal(err)
	}
	d := New(Options{})
	var p packet.Packet
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for i, r := range recs {
			p.Raw = r.data
			p.Reset()
			p.Raw = r.data
			p.Num = uint64(i + 1)
			p.CapLen = uint32(len(r.data))
			p.WireLen = r.wireLen
			p.LinkType = r.linkType
			decode(d, &p)
		}
		n += len(recs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
}
