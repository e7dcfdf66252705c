package feed

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
)

// BenchmarkFeed100k measures -m on a 100,000-row live stream (0.9.3 live
// header, 38 data sources, trailing TABs) into a new database with T2's
// AVERAGE and Holt-Winters archives, through librrd in process. Reported
// as rows/s; bench/t2rrd-bench.sh compares it with one rrdtool process per
// row (T2's way).
func BenchmarkFeed100k(b *testing.B) {
	needRRDTool(b)
	const rows = 100000
	s := &stream{header: liveHeader093, start: 1700000000, interval: 1, trailTab: true}
	in := s.text(rows)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := rrddb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.rrd"), "")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Feed(strings.NewReader(in), db, Options{})
		if err != nil || sum.Stored != rows {
			b.Fatalf("stored %d: %v", sum.Stored, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
