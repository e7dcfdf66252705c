package control

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/t2go/t2go/pkg/config"
	_ "github.com/t2go/t2go/pkg/plugins/all"
)

const benchCapture = "../../testdata/pcaps/http-web-browsing.pcap"

// replicate writes copies of a little-endian microsecond pcap one after
// the other, each shifted by an hour (so the flows of one copy have timed
// out when the next starts), and returns the packet count.
func replicate(tb testing.TB, src, dst string, copies int) int {
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		tb.Fatal("benchmark capture is not a little-endian pcap")
	}
	out := append([]byte(nil), b[:24]...)
	pkts := 0
	for c := 0; c < copies; c++ {
		for i := 24; i+16 <= len(b); {
			n := int(binary.LittleEndian.Uint32(b[i+8:]))
			rec := append([]byte(nil), b[i:i+16+n]...)
			binary.LittleEndian.PutUint32(rec, binary.LittleEndian.Uint32(rec)+uint32(c*3600))
			out = append(out, rec...)
			i += 16 + n
			pkts++
		}
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		tb.Fatal(err)
	}
	return pkts
}

// runOnce runs t2 with the tutorial plugin set (txtSink on) over input.
func runOnce(tb testing.TB, sig *Signals, input, outDir string) {
	cfg, err := config.LoadDefaults(config.Options{Home: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	list := filepath.Join(outDir, "plugins.txt")
	if err := os.WriteFile(list, []byte("basicFlow\nbasicStats\ntcpStates\nftpDecode\ntxtSink\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	r, err := New(Options{InputKind: InputFile, Input: input, Prefix: outDir + "/", LogFile: true,
		HashFactor: 1, SensorID: -1, MonInterval: -1, PluginList: list, Config: cfg, Signals: sig,
		Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.Execute(); err != nil {
		tb.Fatal(err)
	}
}

// TestNoPerPacketAllocs checks that the whole packet path (capture,
// dissection, flow table, plugins, flow output) does not allocate per
// packet: eight copies of a capture cost no more allocations than one,
// beyond a small constant.
func TestNoPerPacketAllocs(t *testing.T) {
	sig := testSignals()
	dir := t.TempDir()
	mallocs := func(copies int) (uint64, int) {
		in := filepath.Join(dir, "in.pcap")
		n := replicate(t, benchCapture, in, copies)
		out := t.TempDir()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		runOnce(t, sig, in, out)
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs, n
	}
	m1, n1 := mallocs(1)
	m8, n8 := mallocs(8)
	perPkt := (float64(m8) - float64(m1)) / float64(n8-n1)
	t.Logf("mallocs: %d for %d packets, %d for %d packets: %.4f per extra packet", m1, n1, m8, n8, perPkt)
	if perPkt > 0.01 {
		t.Errorf("%.4f allocations per packet, want 0", perPkt)
	}
}

// BenchmarkRun measures a whole run (tutorial plugins, txtSink on) over
// 16 copies of http-web-browsing.pcap.
func BenchmarkRun(b *testing.B) {
	sig := testSignals()
	in := filepath.Join(b.TempDir(), "in.pcap")
	n := replicate(b, benchCapture, in, 16)
	out := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runOnce(b, sig, in, out)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// testSignals is a signal subscription that never receives a signal.
func testSignals() *Signals {
	return &Signals{Events: make(chan Event, 16), interrupted: make(chan struct{})}
}
