package engine

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// The engine runs without configuration, report streams or signals: a
// capture source, an in-test plugin and no-op hooks are enough.

// probe counts what the engine hands a plugin and sink.
type probe struct {
	mu                    sync.Mutex
	newFlows, l4, l2, end int
	lines                 int
	cols                  int
}

func (p *probe) Name() string                                   { return "probe" }
func (p *probe) Number() int                                    { return 1 }
func (p *probe) OnNewFlow(*packet.Packet, *flow.Flow)           { p.newFlows++ }
func (p *probe) OnLayer4(*packet.Packet, *flow.Flow)            { p.l4++ }
func (p *probe) OnLayer2(*packet.Packet, *flow.Flow)            { p.l2++ }
func (p *probe) Columns() []record.Column                       { return []record.Column{{Name: "numPkts", Type: "U64"}} }
func (p *probe) OnFlowTerminate(f *flow.Flow, w *record.Writer) { p.end++; w.U64(f.NumPkts) }
func (p *probe) StartSink(s plugin.SinkStart) error             { p.cols = len(s.Columns); return nil }
func (p *probe) WriteFlow([]byte) error {
	p.mu.Lock() // the render goroutine
	p.lines++
	p.mu.Unlock()
	return nil
}

var (
	_ plugin.NewFlowHandler = (*probe)(nil)
	_ plugin.Layer4Handler  = (*probe)(nil)
	_ plugin.Layer2Handler  = (*probe)(nil)
	_ plugin.FlowTerminator = (*probe)(nil)
	_ plugin.Sink           = (*probe)(nil)
)

type nopHooks struct{ first int }

func (h *nopHooks) FirstPacket(packet.Time) { h.first++ }
func (*nopHooks) ReportDue()                {}
func (*nopHooks) Gap(packet.Time)           {}
func (*nopHooks) BatchDone()                {}
func (*nopHooks) Idle()                     {}
func (*nopHooks) FileOpened(capture.Info)   {}
func (*nopHooks) FileError(error)           {}
func (*nopHooks) Info(string)               {}
func (*nopHooks) Warn(string)               {}

// runFile runs one engine over a capture file and returns its counters
// and the probe.
func runFile(tb testing.TB, path string) (*counters.Counters, *probe, *nopHooks) {
	tb.Helper()
	h := &nopHooks{}
	e := New(Options{Capacity: 1 << 16, FlowTimeout: packet.FromSeconds(182), RegularFile: true}, h)
	src, err := capture.OpenFile(path, capture.Options{OnFile: e.OnFile, Stop: e.Stopping(), MaxBytes: BatchBytes})
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	e.SetSource(src)
	p := &probe{}
	if err := e.SetPlugins([]plugin.Plugin{p}, plugin.SinkStart{}); err != nil {
		tb.Fatal(err)
	}
	if err := e.Run(nil); err != nil {
		tb.Fatal(err)
	}
	if err := e.Finish(); err != nil {
		tb.Fatal(err)
	}
	return e.Counters(), p, h
}

const (
	web = "../../testdata/pcaps/http-web-browsing.pcap"
	dns = "../../testdata/pcaps/dns-mdns-llmnr.pcap"
)

func TestEngineAlone(t *testing.T) {
	c, p, h := runFile(t, web)
	// tshark's counts (testdata/pcaps/EXPECTED.tsv): 4631 frames, all IPv4.
	if c.Packets != 4631 || c.V4Packets != 4631 {
		t.Errorf("packets %d, IPv4 %d; want 4631 (tshark)", c.Packets, c.V4Packets)
	}
	if h.first != 1 {
		t.Errorf("FirstPacket hook called %d times", h.first)
	}
	if p.l4 != int(c.Packets) {
		t.Errorf("OnLayer4 %d times for %d IP packets", p.l4, c.Packets)
	}
	if uint64(p.newFlows) != c.Flows() || p.end != p.newFlows || p.lines != p.end {
		t.Errorf("flows: %d created (counters %d), %d terminated, %d records", p.newFlows, c.Flows(), p.end, p.lines)
	}
	if p.cols != 3 {
		t.Errorf("sink got %d columns, want dir, flowInd, numPkts", p.cols)
	}
	if c.MaxFlows == 0 || c.MaxFlows > c.Flows() {
		t.Errorf("flow peak %d for %d flows", c.MaxFlows, c.Flows())
	}
}

// Two engines run at once in one process, each on its own capture, and
// come out exactly as when run alone: no state is shared. Their counters
// add up.
func TestEnginesRunSideBySide(t *testing.T) {
	aloneWeb, _, _ := runFile(t, web)
	aloneDNS, _, _ := runFile(t, dns)
	var wg sync.WaitGroup
	got := make([]*counters.Counters, 2)
	for i, path := range []string{web, dns} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _, _ = runFile(t, path)
		}()
	}
	wg.Wait()
	if *got[0] != *aloneWeb || *got[1] != *aloneDNS {
		t.Fatal("an engine counted differently next to another engine")
	}
	sum := counters.New()
	sum.Add(got[0])
	sum.Add(got[1])
	if sum.Packets != aloneWeb.Packets+aloneDNS.Packets || sum.Flows() != aloneWeb.Flows()+aloneDNS.Flows() {
		t.Errorf("sum: %d packets, %d flows", sum.Packets, sum.Flows())
	}
}

// BenchmarkEngine measures the packet path alone (no reports, no text
// rendering beyond the probe's record).
func BenchmarkEngine(b *testing.B) {
	b.ReportAllocs()
	var pkts uint64
	for i := 0; i < b.N; i++ {
		c, _, _ := runFile(b, web)
		pkts += c.Packets
	}
	b.ReportMetric(float64(pkts)/b.Elapsed().Seconds(), "packets/s")
}

// skipper is a Layer4Handler that, like tcpStates or icmpDecode on a
// packet of another protocol, returns at once.
type skipper struct{ n int }

func (s *skipper) OnLayer4(p *packet.Packet, _ *flow.Flow) {
	if p.L4Proto == 250 {
		s.n++
	}
}

// BenchmarkHookDispatch is flowPacket with 0 or 8 OnLayer4 hooks that do
// nothing for the packet: the difference over 8 is what one hook call
// costs the packet loop.
func BenchmarkHookDispatch(b *testing.B) {
	for _, n := range []int{0, 8} {
		b.Run(map[int]string{0: "hooks=0", 8: "hooks=8"}[n], func(b *testing.B) {
			e := New(Options{Capacity: 16, FlowTimeout: 1e12}, &nopHooks{})
			for i := 0; i < n; i++ {
				e.l4 = append(e.l4, &skipper{})
			}
			var k flow.Key
			k.IPVer, k.Proto = 4, 17
			f := e.table.Create(&k, 0)
			p := &packet.Packet{IPVer: 4, L4Proto: 17, CapLen: 60}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.flowPacket(p, f)
			}
		})
	}
}

// preparer is a Preparer that leaves a mark derived from the packet's
// bytes in p.Prep; its OnLayer4 checks that every packet it sees carries
// the mark of its own bytes.
type preparer struct {
	prepared atomic.Int64 // Prepare calls (reader goroutine)
	seen     int          // OnLayer4 calls (packet goroutine)
	bad      int          // packets without their mark
}

func prepMark(p *packet.Packet) uint16 {
	return uint16(len(p.Raw))<<4 ^ uint16(p.L4Proto) ^ uint16(p.IPID)
}

func (q *preparer) Prepare(p *packet.Packet) {
	q.prepared.Add(1)
	p.Prep.L4Sum = prepMark(p)
	p.Prep.Flags |= packet.PrepL4Sum
}

func (q *preparer) OnLayer4(p *packet.Packet, _ *flow.Flow) {
	q.seen++
	if p.Prep.Flags&packet.PrepL4Sum == 0 || p.Prep.L4Sum != prepMark(p) {
		q.bad++
	}
}

var _ plugin.Preparer = (*preparer)(nil)

// The engine calls Prepare once per packet, on the reader goroutine before
// the packet's other hooks, and the prepared values reach OnLayer4 with
// their packet (capture workers run the same engine loop).
func TestPrepareBeforeHooks(t *testing.T) {
	h := &nopHooks{}
	e := New(Options{Capacity: 1 << 16, FlowTimeout: packet.FromSeconds(182), RegularFile: true}, h)
	src, err := capture.OpenFile(web, capture.Options{OnFile: e.OnFile, Stop: e.Stopping(), MaxBytes: BatchBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	e.SetSource(src)
	q := &preparer{}
	if err := e.SetPlugins([]plugin.Plugin{q}, plugin.SinkStart{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Finish(); err != nil {
		t.Fatal(err)
	}
	c := e.Counters()
	if n := q.prepared.Load(); n != int64(c.Packets) || c.Packets != 4631 {
		t.Errorf("Prepare called %d times for %d packets (want 4631)", n, c.Packets)
	}
	if q.seen != int(c.Packets) || q.bad != 0 {
		t.Errorf("OnLayer4 saw %d packets, %d without their prepared value", q.seen, q.bad)
	}
}
