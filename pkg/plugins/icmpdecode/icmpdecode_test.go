package icmpdecode

import (
	"bytes"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

// echo builds an IPv4 ICMP packet of type t with sequence seq.
func echo(t uint8, seq uint16) *packet.Packet {
	raw := make([]byte, 64)
	raw[0] = t
	raw[6], raw[7] = byte(seq>>8), byte(seq)
	return &packet.Packet{IPVer: 4, L4Proto: 1, ICMPType: t, L4Off: 0, Raw: raw}
}

func newDecoder(t testing.TB) (*ICMPDecode, *flow.Table) {
	tab := flow.NewTable(16, 182e9)
	d := &ICMPDecode{}
	if err := d.Init(plugintest.With(t, embedded, map[string]int64{"ICMP_STATFILE": 0}, plugin.Env{Table: tab})); err != nil {
		t.Fatal(err)
	}
	return d, tab
}

func TestFlowColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkts []*packet.Packet
		inv  bool
		want string
	}{
		{"echo requests in sequence", []*packet.Packet{echo(8, 1), echo(8, 2)}, false, "0x01\t2\t0x00000000_0x00000100_0x0001\t0x00000000\t0\t0"},
		{"sequence jump", []*packet.Packet{echo(8, 1), echo(8, 5)}, false, "0x21\t2\t0x00000000_0x00000100_0x0001\t0x00000000\t0\t0"},
		{"TTL exceeded is inverted", []*packet.Packet{echo(11, 0)}, true, "0x01\t1\t0x00000000_0x00000800_0x0001\t0x00000000\t0\t0"},
		{"type >= 32 sets the high field", []*packet.Packet{echo(33, 0)}, true, "0x01\t1\t0x00000002_0x00000000_0x0001\t0x00000000\t0\t0"},
	} {
		d, tab := newDecoder(t)
		k := flow.Key{IPVer: 4, Proto: 1, SrcIP: [16]byte{10, 0, 0, 1}, DstIP: [16]byte{10, 0, 0, 2}}
		f := tab.Create(&k, 0)
		d.OnNewFlow(tc.pkts[0], f)
		for _, p := range tc.pkts {
			d.OnLayer4(p, f)
		}
		if f.IsInverted() != tc.inv {
			t.Errorf("%s: inverted %v", tc.name, f.IsInverted())
		}
		var w record.Writer
		d.OnFlowTerminate(f, &w)
		if got := strings.TrimPrefix(string(w.Bytes()), "\t"); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestParentIndex checks the decided fix: an ICMP error gives the index
// of the flow it quotes, not its own.
func TestParentIndex(t *testing.T) {
	d, tab := newDecoder(t)
	ka := flow.Key{IPVer: 4, Proto: 17, SrcIP: [16]byte{10, 0, 0, 1}, DstIP: [16]byte{10, 0, 0, 2}, SrcPort: 5000, DstPort: 53}
	parent := tab.Create(&ka, 0)
	parent.Index = 7
	kicmp := flow.Key{IPVer: 4, Proto: 1, SrcIP: [16]byte{10, 0, 0, 2}, DstIP: [16]byte{10, 0, 0, 1}}
	f := tab.Create(&kicmp, 0)
	f.Index = 8
	p := echo(3, 0)
	p.ICMPCode = 3
	q := p.Raw[8:]
	q[0], q[9] = 0x45, 17
	copy(q[12:16], ka.SrcIP[:4])
	copy(q[16:20], ka.DstIP[:4])
	q[20], q[21], q[22], q[23] = 5000>>8, 5000&0xff, 0, 53
	d.OnNewFlow(p, f)
	d.OnLayer4(p, f)
	if d.st[f.Slot].parent != 7 {
		t.Errorf("icmpPFindex %d, want 7", d.st[f.Slot].parent)
	}
}

func TestNoAllocs(t *testing.T) {
	d, tab := newDecoder(t)
	k := flow.Key{IPVer: 4, Proto: 1}
	f := tab.Create(&k, 0)
	p := echo(8, 1)
	var w record.Writer
	if n := testing.AllocsPerRun(1000, func() { d.OnLayer4(p, f) }); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
	if n := testing.AllocsPerRun(1000, func() { w.Reset(); d.OnFlowTerminate(f, &w) }); n != 0 {
		t.Errorf("%v allocations per flow", n)
	}
}

func BenchmarkEchoPacket(b *testing.B) {
	d, tab := newDecoder(b)
	k := flow.Key{IPVer: 4, Proto: 1}
	f := tab.Create(&k, 0)
	p := echo(8, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.OnLayer4(p, f)
	}
}

func BenchmarkNonICMPPacket(b *testing.B) {
	d, tab := newDecoder(b)
	k := flow.Key{IPVer: 4, Proto: 6}
	f := tab.Create(&k, 0)
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.OnLayer4(p, f)
	}
}

// TestZeroColumnsBlock checks that the block of a flow without ICMP state
// is what the full path writes for a zero state (deferred ops and text,
// with and without icmpPFindex).
func TestZeroColumnsBlock(t *testing.T) {
	for _, parent := range []bool{false, true} {
		for _, deferred := range []bool{true, false} {
			var out [2][]byte
			var fields [2]int
			for i, proto := range []uint8{6, 1} { // block, full path (zero state)
				d := &ICMPDecode{parent: parent, st: make([]state, 2)}
				w := record.Writer{Deferred: deferred}
				w.U64(1)
				d.OnFlowTerminate(&flow.Flow{Slot: 0, Opposite: flow.None, Key: flow.Key{IPVer: 4, Proto: proto}}, &w)
				out[i], fields[i] = expandOps(w.Bytes(), deferred), w.Fields() // a block is a reference
			}
			if !bytes.Equal(out[0], out[1]) || fields[0] != fields[1] {
				t.Fatalf("parent %v deferred %v: block %q (%d fields), full path %q (%d fields)",
					parent, deferred, out[0], fields[0], out[1], fields[1])
			}
		}
	}
}

// expandOps returns a deferred record with its block references replaced
// by the blocks' ops (a text line as it is).
func expandOps(b []byte, deferred bool) []byte {
	if deferred {
		return record.ExpandBlocks(b)
	}
	return append([]byte(nil), b...)
}

// TestSlotReuse runs flows of several protocols through one slot: an
// ICMP flow's state must not reach the next ICMP flow in the slot, and a
// flow of another protocol writes zeros whatever the slot held (its
// state is neither cleared nor read).
func TestSlotReuse(t *testing.T) {
	d, tab := newDecoder(t)
	zero := "0x00\t0\t0x00000000_0x00000000_0x0000\t0x00000000\t0\t0"
	term := func(f *flow.Flow) string {
		var w record.Writer
		d.OnFlowTerminate(f, &w)
		return string(w.Bytes())
	}
	for round := 0; round < 3; round++ {
		k := flow.Key{IPVer: 4, Proto: 1, SrcIP: [16]byte{10, 0, 0, 1}, DstIP: [16]byte{10, 0, 0, 2}}
		f := tab.Create(&k, 0)
		d.OnNewFlow(echo(8, 1), f)
		if got := term(f); got != zero {
			t.Fatalf("round %d: new ICMP flow %q, want %q", round, got, zero)
		}
		d.OnLayer4(echo(8, 1), f)
		d.OnLayer4(echo(8, 9), f)
		if got := term(f); got == zero {
			t.Fatalf("round %d: ICMP flow with packets wrote zeros", round)
		}
		tab.Remove(f)
		// An ICMP packet given to a non-ICMP flow (no engine does that)
		// is ignored too.
		k = flow.Key{IPVer: 4, Proto: 17, SrcIP: [16]byte{10, 0, 0, 1}, DstIP: [16]byte{10, 0, 0, 2}, SrcPort: 1, DstPort: 2}
		g := tab.Create(&k, 0)
		if g.Slot != f.Slot {
			t.Fatalf("slot %d reused as %d", f.Slot, g.Slot)
		}
		d.OnNewFlow(&packet.Packet{IPVer: 4, L4Proto: 17, L4Off: 0}, g)
		d.OnLayer4(echo(8, 1), g)
		if got := term(g); got != zero {
			t.Fatalf("round %d: UDP flow in an ICMP flow's slot %q, want %q", round, got, zero)
		}
		tab.Remove(g)
	}
}
