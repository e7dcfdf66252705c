package decode

import (
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// BenchmarkDecode decodes the packets of http-web-browsing.pcap, preloaded
// in memory, and reports packets per second.
func BenchmarkDecode(b *testing.B) {
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
			decodeRecord(d, &p, r, uint64(i+1))
		}
		n += len(recs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
}
