package basicstats

import (
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"strings"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

type fakeConfig map[string]int64

func defaults() fakeConfig {
	return fakeConfig{"BS_REV_CNT": 1, "BS_PAD": 1, "BS_STATS": 1, "PACKETLENGTH": 3}
}

type rig struct {
	table *flow.Table
	bs    *BasicStats
	w     record.Writer
}

func newRig(t testing.TB, cfg fakeConfig) *rig {
	r := &rig{table: flow.NewTable(16, 182e9), bs: &BasicStats{}}
	if err := r.bs.Init(plugintest.With(t, embedded, cfg, plugin.Env{Table: r.table})); err != nil {
		t.Fatal(err)
	}
	return r
}

// pkt is an IPv4/UDP packet with an l7-byte payload; reply swaps the
// addresses and ports.
func pkt(ts float64, l7 uint32, reply bool) *packet.Packet {
	p := &packet.Packet{}
	p.Reset()
	p.TS = packet.FromSeconds(ts)
	p.IPVer, p.L4Proto, p.SrcPort, p.DstPort = 4, 17, 5353, 53
	copy(p.SrcIP[:], []byte{192, 168, 1, 104})
	copy(p.DstIP[:], []byte{8, 8, 8, 8})
	if reply {
		p.SrcIP, p.DstIP = p.DstIP, p.SrcIP
		p.SrcPort, p.DstPort = p.DstPort, p.SrcPort
	}
	p.IPHdrLen = 20
	p.L7Len = l7
	p.L3Len = l7 + 28
	p.WireLen = p.L3Len + 14
	if p.WireLen < 60 {
		p.PadLen = 60 - p.WireLen
		p.WireLen = 60
	}
	return p
}

func (r *rig) feed(p *packet.Packet) *flow.Flow {
	k := flow.Key{IPVer: p.IPVer, Proto: p.L4Proto, SrcPort: p.SrcPort, DstPort: p.DstPort, SrcIP: p.SrcIP, DstIP: p.DstIP}
	f := r.table.Lookup(&k)
	if f == nil {
		f = r.table.Create(&k, p.TS)
		r.bs.OnNewFlow(p, f)
	}
	f.Status |= p.Status
	f.NumPkts++
	r.bs.OnLayer4(p, f)
	r.table.Touch(f, p.TS)
	return f
}

func (r *rig) record(f *flow.Flow) []string {
	r.w.Reset()
	r.bs.OnFlowTerminate(f, &r.w)
	return strings.Split(string(r.w.Bytes()), "\t")
}

func (r *rig) field(rec []string, name string) string {
	for i, c := range r.bs.Columns() {
		if c.Name == name {
			return rec[i]
		}
	}
	return "<no column " + name + ">"
}

// TestRunningEstimates drives single flows with the packet lengths and
// times of test_flows.txt rows and checks T2's printed statistics.
func TestRunningEstimates(t *testing.T) {
	tests := []struct {
		name  string
		times []float64
		lens  []uint32
		want  map[string]string
	}{
		{"flow 1 A", []float64{0, .166, .167, .331, .501}, []uint32{0, 0, 27, 0, 0}, map[string]string{
			"avgL7PktSz": "5.4", "stdL7PktSz": "13.081", "minIAT": "0", "maxIAT": "0.17",
			"avgIAT": "0.1002", "stdIAT": "0.1035651", "pktps": "9.980041", "bytps": "53.89222"}},
		{"flow 2 A", []float64{0, .02, .8, 2.2, 3.6, 5, 6.4}, []uint32{0, 0, 16, 13, 6, 5, 6}, map[string]string{
			"minL7PktSz": "0", "maxL7PktSz": "16", "avgL7PktSz": "6.571429", "stdL7PktSz": "6.769519",
			"maxIAT": "1.4", "avgIAT": "0.9142857", "stdIAT": "0.6952652", "pktps": "1.09375", "bytps": "7.1875"}},
		{"one packet", []float64{3}, []uint32{46}, map[string]string{
			"minL7PktSz": "46", "maxL7PktSz": "46", "avgL7PktSz": "46", "stdL7PktSz": "0",
			"minIAT": "0", "maxIAT": "0", "avgIAT": "0", "stdIAT": "0", "pktps": "0", "bytps": "0",
			"pktAsm": "1", "bytAsm": "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, defaults())
			var f *flow.Flow
			for i, ts := range tc.times {
				p := pkt(ts, tc.lens[i], false)
				p.TS += 1258544216e9 // exact, unlike adding in float64
				f = r.feed(p)
			}
			rec := r.record(f)
			for k, v := range tc.want {
				if got := r.field(rec, k); got != v {
					t.Errorf("%s = %s, want %s", k, got, v)
				}
			}
		})
	}
}

func TestPairAndAsymmetry(t *testing.T) {
	r := newRig(t, defaults())
	a := r.feed(pkt(1, 10, false))
	r.feed(pkt(2, 20, false))
	b := r.feed(pkt(3, 90, true))
	recA := r.record(a)
	// The core may unlink the pair before B's record is written; B must
	// still see A's counts.
	r.table.Remove(a)
	recB := r.record(b)
	for _, c := range []struct {
		rec        []string
		name, want string
	}{
		{recA, "pktsSnt", "2"}, {recA, "pktsRcvd", "1"}, {recA, "l7BytesSnt", "30"}, {recA, "l7BytesRcvd", "90"},
		{recA, "padBytesSnt", "8"}, {recA, "pktAsm", "0.3333333"}, {recA, "bytAsm", "-0.5"},
		{recB, "pktsRcvd", "2"}, {recB, "l7BytesRcvd", "30"}, {recB, "pktAsm", "-0.3333333"}, {recB, "bytAsm", "0.5"},
	} {
		if got := r.field(c.rec, c.name); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
	// An unanswered flow that T2 thinks came from the server counts
	// negative packet asymmetry.
	p := pkt(4, 5, false)
	p.SrcPort = 9999
	p.Status = packet.L3FlowInvert
	lone := r.feed(p)
	rec := r.record(lone)
	if got := r.field(rec, "pktAsm"); got != "-1" {
		t.Errorf("unanswered inverted pktAsm = %s", got)
	}
	if got := r.field(rec, "bytAsm"); got != "1" {
		t.Errorf("unanswered inverted bytAsm = %s", got)
	}
}

func TestPacketLengthLayer(t *testing.T) {
	tests := []struct {
		layer      int64
		name, want string
	}{
		{0, "l2BytesSnt", "60"}, {1, "l3BytesSnt", "38"}, {2, "l4BytesSnt", "18"}, {3, "l7BytesSnt", "10"},
	}
	for _, tc := range tests {
		cfg := defaults()
		cfg["PACKETLENGTH"] = tc.layer
		r := newRig(t, cfg)
		f := r.feed(pkt(1, 10, false))
		if got := r.field(r.record(f), tc.name); got != tc.want {
			t.Errorf("PACKETLENGTH=%d: %s = %s, want %s", tc.layer, tc.name, got, tc.want)
		}
	}
}

func TestColumnCounts(t *testing.T) {
	for mask := 0; mask < 8; mask++ {
		cfg := defaults()
		cfg["BS_REV_CNT"] = int64(mask & 1)
		cfg["BS_PAD"] = int64(mask >> 1 & 1)
		cfg["BS_STATS"] = int64(mask >> 2 & 1)
		r := newRig(t, cfg)
		p := pkt(1, 10, false)
		f := r.feed(p)
		if n := len(r.record(f)); n != len(r.bs.Columns()) {
			t.Errorf("mask %03b: %d fields for %d columns", mask, n, len(r.bs.Columns()))
		}
		r.w.Reset()
		r.bs.WritePacket(p, f, &r.w)
		if n := r.w.Fields(); n != len(r.bs.PacketColumns()) {
			t.Errorf("mask %03b: %d packet fields for %d columns", mask, n, len(r.bs.PacketColumns()))
		}
	}
}

func TestReportWithoutFlows(t *testing.T) {
	r := newRig(t, defaults())
	var out strings.Builder
	r.bs.Report(&report.Writer{W: &out, C: counters.New()})
	want := "basicStats: Flow max(pktload): 0\nbasicStats: Flow max(b/s), pkts: 0, 0\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestNoAllocPerPacket(t *testing.T) {
	r := newRig(t, defaults())
	p := pkt(1, 10, false)
	f := r.feed(p)
	allocs := testing.AllocsPerRun(1000, func() {
		p.TS += 1000
		r.bs.OnLayer4(p, f)
		r.w.Reset()
		r.bs.WritePacket(p, f, &r.w)
		r.w.Reset()
		r.bs.OnFlowTerminate(f, &r.w)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet", allocs)
	}
}

func BenchmarkOnLayer4(b *testing.B) {
	r := newRig(b, defaults())
	p := pkt(1, 10, false)
	f := r.feed(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.TS += 1000
		r.bs.OnLayer4(p, f)
	}
}

func BenchmarkFlowRecord(b *testing.B) {
	r := newRig(b, defaults())
	f := r.feed(pkt(1, 10, false))
	r.feed(pkt(1.5, 30, false))
	r.feed(pkt(1.7, 90, true))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.w.Reset()
		r.bs.OnFlowTerminate(f, &r.w)
	}
}

func TestReportEdgeCases(t *testing.T) {
	// Only empty flows: the byte talker was never taken.
	r := newRig(t, defaults())
	f := r.feed(pkt(1, 0, false))
	r.record(f)
	var out strings.Builder
	c := counters.New()
	c.Packets, c.ABytes = 4, 60
	r.bs.Report(&report.Writer{W: &out, C: c})
	want := "basicStats: Flow max(pktload): 0\n" +
		"basicStats: Flow max(b/s), pkts: 0, 0\n" +
		"basicStats: Biggest L3 flow talker: 192.168.1.104: 1 [25.00%] packets\n" +
		"basicStats: Biggest L3 flow talker: : 0 [0.00%] bytes\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	// BS_STATS=0 drops the "Flow max" lines.
	cfg := defaults()
	cfg["BS_STATS"] = 0
	r = newRig(t, cfg)
	r.record(r.feed(pkt(1, 10, false)))
	out.Reset()
	r.bs.Report(&report.Writer{W: &out, C: c})
	if strings.Contains(out.String(), "Flow max") || !strings.Contains(out.String(), "10 [16.67%] bytes") {
		t.Errorf("BS_STATS=0 report:\n%s", out.String())
	}

	// Big numbers get T2's suffix.
	r = newRig(t, defaults())
	f = r.feed(pkt(1, 1000, false))
	for i := 0; i < 1499; i++ {
		f = r.feed(pkt(1+float64(i+1)/1000, 1000, false))
	}
	r.record(f)
	out.Reset()
	r.bs.Report(&report.Writer{W: &out, C: c})
	if want := "basicStats: Flow max(pktload): 1000 (1.00 K)\nbasicStats: Flow max(b/s), pkts: 8005337 (8.01 Mb/s), 1500 (1.50 K)\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("got\n%s\nwant prefix\n%s", out.String(), want)
	}
}

func TestIATQuirks(t *testing.T) {
	tests := []struct {
		a, b packet.Time
		want float32
	}{
		{1_166_000_000, 1_000_000_000, 0.166},
		{5_020_000_000, 1_000_000_000, 4.02},
		// A jump back across a second is negative (T2's uint32 seconds
		// wrap to 4294967295.8).
		{1_900_000_000, 2_100_000_000, -0.2},
		{1_000_000_000, 3_500_000_000, -2.5},
		// Within a second it is negative.
		{2_100_000_000, 2_300_000_000, -0.2},
	}
	for _, tc := range tests {
		if got := t2IAT(tc.a, tc.b); got != tc.want {
			t.Errorf("t2IAT(%d, %d) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// A diff-mode USR1 report passes the interval's counters; the talkers
// cover all flows released so far, so their shares are of the run's
// totals (they showed e.g. 1000% when set against the interval).
func TestMonitorReportSharesOfRunTotals(t *testing.T) {
	run := counters.New()
	table := flow.NewTable(16, 182e9)
	bs := &BasicStats{}
	if err := bs.Init(plugintest.With(t, embedded, defaults(), plugin.Env{Table: table, Counters: run})); err != nil {
		t.Fatal(err)
	}
	r := &rig{table: table, bs: bs}
	for i := 0; i < 10; i++ {
		r.feed(pkt(float64(1+i), 10, false))
	}
	r.record(r.table.Lookup(&flow.Key{IPVer: 4, Proto: 17, SrcPort: 5353, DstPort: 53,
		SrcIP: pkt(1, 0, false).SrcIP, DstIP: pkt(1, 0, false).DstIP}))
	run.Packets, run.ABytes = 20, 200
	interval := counters.New()
	interval.Packets, interval.ABytes = 1, 10
	var out strings.Builder
	bs.MonitorReport(&report.Writer{W: &out, C: interval}, true)
	if !strings.Contains(out.String(), "10 [50.00%] packets") || !strings.Contains(out.String(), "100 [50.00%] bytes") {
		t.Errorf("shares not of the run's totals:\n%s", out.String())
	}
}

// TestStateOneLine keeps a flow's state at one cache line.
func TestStateOneLine(t *testing.T) {
	if n := unsafe.Sizeof(flowStats{}); n != 64 {
		t.Errorf("flowStats is %d bytes, want 64", n)
	}
}
