package tcpstates

import (
	"bytes"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// seg is one TCP segment of a scripted conversation: from the client
// (A) or the server (B).
type seg struct {
	fromServer bool
	flags      uint8
	seq, ack   uint32
	payload    uint32
}

type harness struct {
	t     *testing.T
	ts    *TCPStates
	table *flow.Table
	a, b  *flow.Flow
	ck    flow.Key
	now   packet.Time
}

func newHarness(t *testing.T) *harness {
	table := flow.NewTable(64, packet.FromSeconds(182))
	ts := &TCPStates{}
	if err := ts.Init(plugintest.With[int64](t, embedded, nil, plugin.Env{Table: table})); err != nil {
		t.Fatal(err)
	}
	k := flow.Key{Proto: 6, IPVer: 4, SrcPort: 40000, DstPort: 80, EthType: 0x0800}
	copy(k.SrcIP[:], []byte{10, 0, 0, 1})
	copy(k.DstIP[:], []byte{10, 0, 0, 2})
	return &harness{t: t, ts: ts, table: table, ck: k, now: packet.FromSeconds(1000)}
}

// send delivers one segment the way the core does: find or create the
// flow, update status/packet count, call the plugin.
func (h *harness) send(s seg) {
	h.now += packet.FromSeconds(0.01)
	k := h.ck
	if s.fromServer {
		k = k.Reverse()
	}
	p := &packet.Packet{TS: h.now, L4Proto: 6, L4Off: 34, SnapL4Len: 20 + s.payload,
		TCPFlags: s.flags, TCPSeq: s.seq, TCPAck: s.ack, L7Len: s.payload,
		SrcPort: k.SrcPort, DstPort: k.DstPort, IPVer: 4}
	f := h.table.Lookup(&k)
	if f == nil {
		f = h.table.Create(&k, h.now)
		if f.IsB {
			f.Status |= packet.L3FlowInvert
		}
		h.ts.OnNewFlow(p, f)
		if s.fromServer {
			h.b = f
		} else {
			h.a = f
		}
	}
	f.NumPkts++
	h.ts.OnLayer4(p, f)
	h.table.Touch(f, h.now)
}

// end releases both flows as the core does (A first, then B after A was
// removed) and returns their final column values.
func (h *harness) end() (a, b uint8) {
	get := func(f *flow.Flow) uint8 {
		if f == nil {
			return 0xff
		}
		var w record.Writer
		h.ts.OnFlowTerminate(f, &w)
		var v uint8
		if _, err := fmtSscan(w.Bytes(), &v); err != nil {
			h.t.Fatalf("bad column %q", w.Bytes())
		}
		h.table.Remove(f)
		return v
	}
	return get(h.a), get(h.b)
}

func fmtSscan(b []byte, v *uint8) (int, error) {
	var x uint64
	if len(b) != 4 || b[0] != '0' || b[1] != 'x' {
		return 0, errBad
	}
	for _, c := range b[2:] {
		x <<= 4
		switch {
		case c >= '0' && c <= '9':
			x |= uint64(c - '0')
		case c >= 'a' && c <= 'f':
			x |= uint64(c-'a') + 10
		default:
			return 0, errBad
		}
	}
	*v = uint8(x)
	return 1, nil
}

type badErr struct{}

func (badErr) Error() string { return "bad hex" }

var errBad = badErr{}

const (
	S  = fSYN
	SA = fSYN | fACK
	A  = fACK
	PA = fPSH | fACK
	FA = fFIN | fACK
	R  = fRST
	RA = fRST | fACK
	F  = fFIN
)

func handshake() []seg {
	return []seg{
		{false, S, 100, 0, 0},
		{true, SA, 500, 101, 0},
		{false, A, 101, 501, 0},
	}
}

func join(parts ...[]seg) []seg {
	var out []seg
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestStateMachine(t *testing.T) {
	cleanClose := []seg{
		{false, PA, 101, 501, 10},
		{true, PA, 501, 111, 20},
		{false, FA, 111, 521, 0},
		{true, FA, 521, 112, 0},
		{false, A, 112, 522, 0},
	}
	tests := []struct {
		name       string
		segs       []seg
		wantA      uint8
		wantB      uint8
		wantStateA uint8
	}{
		{"clean handshake and teardown", join(handshake(), cleanClose), 0x00, 0x00, stClosed},
		{"handshake, no teardown", join(handshake(), []seg{{false, PA, 101, 501, 5}}), 0x02, 0x02, stEstablished},
		{"wrong ack in handshake (test.pcap flow 7)", []seg{
			{false, S, 7000, 0, 0}, {true, SA, 8000, 7001, 0}, {false, A, 7001, 1, 0}, {true, A, 8001, 7001, 0},
		}, 0x03, 0x03, stEstablished},
		{"client resets established", join(handshake(), []seg{{false, RA, 101, 501, 0}}), 0x42, 0x02, stReset},
		{"packets after reset", join(handshake(), []seg{{false, RA, 101, 501, 0}, {true, PA, 501, 101, 3}}), 0x42, 0x12, stReset},
		{"SYN scan answered by RST+ACK", []seg{{false, S, 100, 0, 0}, {true, RA, 0, 101, 0}}, 0x03, 0x43, stReset},
		{"RST to nothing", []seg{{false, R, 100, 0, 0}}, 0xc3, 0xff, stReset},
		{"NULL scan", []seg{{false, 0, 100, 0, 0}}, 0x83, 0xff, stEstablished},
		{"XMAS scan", []seg{{false, fFIN | fPSH | fURG, 100, 0, 0}}, 0x83, 0xff, stNew},
		{"bare FIN (FIN scan)", []seg{{false, F, 100, 0, 0}}, 0x83, 0xff, stNew},
		{"FIN+ACK without reverse flow", []seg{{false, FA, 100, 5, 0}}, 0x83, 0xff, stClosing},
		{"only a SYN", []seg{{false, S, 100, 0, 0}}, 0x03, 0xff, stNew},
		{"SYN inside established", join(handshake(), []seg{{false, S, 101, 0, 0}}), 0x06, 0x06, stEstablished},
		{"packets after close", join(handshake(), cleanClose, []seg{{true, A, 522, 112, 0}}), 0x00, 0x08, stClosed},
		{"reset after close", join(handshake(), cleanClose, []seg{{false, R, 112, 0, 0}}), 0x4a, 0x02, stReset},
		{"midstream without handshake", []seg{{false, PA, 1, 1, 5}, {true, PA, 1, 6, 5}}, 0x03, 0x03, stEstablished},
		// teredo.pcap flow 3: the capture starts with the server's FIN
		// (a FIN-scan candidate); both FINs are acknowledged, then the
		// server resets. A reset teardown is not clean, so the server
		// side keeps 0x80 (T2: A 0x03, B 0xc3).
		{"FIN first, both FINs acked, then reset (teredo flow 3)", []seg{
			{true, FA, 4041691595, 1974006671, 0},
			{false, A, 1974006671, 4041691596, 0},
			{false, FA, 1974006671, 4041691596, 0},
			{true, A, 4041691596, 1974006672, 0},
			{true, RA, 4041691596, 1974006672, 0},
		}, 0x03, 0xc3, stReset},
		// The same opening ended by the FIN exchange alone is a clean
		// teardown: the FIN-scan mark goes.
		{"FIN first, both FINs acked", []seg{
			{true, FA, 4041691595, 1974006671, 0},
			{false, A, 1974006671, 4041691596, 0},
			{false, FA, 1974006671, 4041691596, 0},
			{true, A, 4041691596, 1974006672, 0},
		}, 0x01, 0x01, stClosing},
		// Deliberate fix (docs/differences-from-t2.md): a FIN carrying
		// data occupies the sequence number after the data, and its ACK
		// is seq+len+1 (ftp-data-transfers.pcap flows 4 and 5, T2 0x02).
		{"FIN with data, acked after the data", join(handshake(), []seg{
			{true, fFIN | PA, 501, 101, 996},
			{false, A, 101, 1498, 0},
			{false, FA, 101, 1498, 0},
			{true, A, 1498, 102, 0},
		}), 0x00, 0x00, stClosed},
		{"FIN with data, ACK of the segment start + 1 only", join(handshake(), []seg{
			{true, fFIN | PA, 501, 101, 996},
			{false, A, 101, 502, 0},
			{false, FA, 101, 502, 0},
			{true, A, 502, 102, 0},
		}), 0x02, 0x02, stClosing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			for _, s := range tc.segs {
				h.send(s)
			}
			if st := h.ts.conns[h.a.Slot].state; st != tc.wantStateA {
				t.Errorf("state of A = %d, want %d", st, tc.wantStateA)
			}
			a, b := h.end()
			if a != tc.wantA || b != tc.wantB {
				t.Errorf("flags A=0x%02x B=0x%02x, want A=0x%02x B=0x%02x", a, b, tc.wantA, tc.wantB)
			}
		})
	}
}

func TestTimeoutsFollowState(t *testing.T) {
	h := newHarness(t)
	h.send(seg{false, S, 100, 0, 0})
	if got := h.a.Timeout; got != packet.FromSeconds(120) {
		t.Fatalf("timeout after SYN = %v", got)
	}
	for _, s := range handshake()[1:] {
		h.send(s)
	}
	if h.a.Timeout != packet.FromSeconds(610) || h.b.Timeout != packet.FromSeconds(610) {
		t.Fatalf("established timeouts %v %v", h.a.Timeout, h.b.Timeout)
	}
	h.send(seg{true, RA, 501, 101, 0})
	if h.a.Timeout != packet.FromSeconds(0.1) || h.b.Timeout != packet.FromSeconds(0.1) {
		t.Fatalf("reset timeouts %v %v", h.a.Timeout, h.b.Timeout)
	}
}

type fakeConfig map[string]float64

func TestConfiguredTimeouts(t *testing.T) {
	table := flow.NewTable(8, packet.FromSeconds(182))
	ts := &TCPStates{}
	cfg := fakeConfig{"TCP_TIMEOUT_NEW": 5, "TCP_TIMEOUT_ESTABLISHED": 60,
		"TCP_TIMEOUT_CLOSING": 7, "TCP_TIMEOUT_CLOSED": 1, "TCP_TIMEOUT_RESET": 0.5}
	if err := ts.Init(plugintest.With(t, embedded, cfg, plugin.Env{Table: table})); err != nil {
		t.Fatal(err)
	}
	if ts.timeouts[stEstablished] != packet.FromSeconds(60) || ts.timeouts[stReset] != packet.FromSeconds(0.5) {
		t.Fatalf("timeouts %v", ts.timeouts)
	}
}

func TestPacketColumnAndReport(t *testing.T) {
	h := newHarness(t)
	segs := []seg{{false, S, 7000, 0, 0}, {true, SA, 8000, 7001, 0}, {false, A, 7001, 1, 0}}
	var col []string
	for _, s := range segs {
		h.send(s)
		f := h.a
		if s.fromServer {
			f = h.b
		}
		var w record.Writer
		h.ts.WritePacket(nil, f, &w)
		col = append(col, string(w.Bytes()))
	}
	if want := []string{"0x00", "0x00", "0x01"}; col[0] != want[0] || col[1] != want[1] || col[2] != want[2] {
		t.Fatalf("packet column %v, want %v", col, want)
	}
	var w record.Writer
	h.ts.WritePacket(nil, nil, &w)
	if string(w.Bytes()) != "0x00" {
		t.Fatalf("no-flow packet column %q", w.Bytes())
	}
	var buf bytes.Buffer
	r := &report.Writer{W: &buf}
	h.ts.Report(r)
	if buf.Len() != 0 {
		t.Fatalf("report before any flow ended: %q", buf.String())
	}
	h.end()
	h.ts.Report(r)
	if got := buf.String(); got != "tcpStates: Aggregated tcpStatesAFlags=0x03\n" {
		t.Fatalf("report %q", got)
	}
}

func TestNonTCPFlow(t *testing.T) {
	h := newHarness(t)
	k := h.ck
	k.Proto = 17
	f := h.table.Create(&k, h.now)
	h.ts.OnNewFlow(nil, f)
	h.ts.OnLayer4(&packet.Packet{L4Proto: 17, L4Off: 34, SnapL4Len: 8}, f)
	var w record.Writer
	h.ts.OnFlowTerminate(f, &w)
	if string(w.Bytes()) != "0x00" || h.ts.aggregate != 0 {
		t.Fatalf("UDP flow column %q aggregate %x", w.Bytes(), h.ts.aggregate)
	}
}

func BenchmarkOnLayer4Established(b *testing.B) {
	h := newHarness(&testing.T{})
	for _, s := range handshake() {
		h.send(s)
	}
	p := &packet.Packet{L4Proto: 6, L4Off: 34, SnapL4Len: 40, TCPFlags: PA, TCPSeq: 101, TCPAck: 501, L7Len: 20}
	f := h.a
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ts.OnLayer4(p, f)
	}
}

func BenchmarkOnLayer4NonTCP(b *testing.B) {
	h := newHarness(&testing.T{})
	k := h.ck
	k.Proto = 17
	f := h.table.Create(&k, h.now)
	p := &packet.Packet{L4Proto: 17, L4Off: 34, SnapL4Len: 8}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ts.OnLayer4(p, f)
	}
}

func TestTruncatedTCPFlowGetsVerdict(t *testing.T) {
	h := newHarness(t)
	f := h.table.Create(&h.ck, h.now)
	h.ts.OnNewFlow(nil, f)
	h.ts.OnLayer4(&packet.Packet{L4Proto: 6, L4Off: 34, SnapL4Len: 8}, f) // flags not captured
	var w record.Writer
	h.ts.OnFlowTerminate(f, &w)
	if string(w.Bytes()) != "0x03" {
		t.Fatalf("column %q, want 0x03", w.Bytes())
	}
}

// TestSlotReuseAcrossProtocols: a non-TCP flow in the slot of a TCP flow
// with anomalies writes 0 (flow and packet column) without clearing the
// slot, and the next TCP flow there starts from a clean state.
func TestSlotReuseAcrossProtocols(t *testing.T) {
	h := newHarness(t)
	col := func(f *flow.Flow) (string, string) {
		var w, pw record.Writer
		h.ts.WritePacket(nil, f, &pw)
		h.ts.OnFlowTerminate(f, &w)
		return string(w.Bytes()), string(pw.Bytes())
	}
	for round := 0; round < 3; round++ {
		tcp := h.table.Create(&h.ck, h.now)
		h.ts.OnNewFlow(nil, tcp)
		if _, pkt := col(tcp); pkt != "0x00" {
			t.Fatalf("round %d: new TCP flow packet column %q", round, pkt)
		}
		// a NULL scan packet: potentially hostile, malformed opening
		h.ts.OnLayer4(&packet.Packet{L4Proto: 6, L4Off: 34, SnapL4Len: 20}, tcp)
		if _, pkt := col(tcp); pkt != "0x81" {
			t.Fatalf("round %d: TCP flow packet column %q, want 0x81", round, pkt)
		}
		slot := tcp.Slot
		h.table.Remove(tcp)
		k := h.ck
		k.Proto = 17
		udp := h.table.Create(&k, h.now)
		if udp.Slot != slot {
			t.Fatalf("slot %d reused as %d", slot, udp.Slot)
		}
		h.ts.OnNewFlow(nil, udp)
		h.ts.OnLayer4(&packet.Packet{L4Proto: 6, L4Off: 34, SnapL4Len: 20}, udp) // never for a UDP flow
		if fl, pkt := col(udp); fl != "0x00" || pkt != "0x00" {
			t.Fatalf("round %d: UDP flow in a TCP flow's slot: %q, packet %q", round, fl, pkt)
		}
		h.table.Remove(udp)
	}
}
