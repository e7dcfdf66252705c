package macrecorder

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

func newMR(t testing.TB, set map[string]int64) (*MacRecorder, *flow.Flow) {
	tab := flow.NewTable(16, 182e9)
	m := &MacRecorder{}
	if err := m.Init(plugintest.With(t, embedded, set, plugin.Env{Table: tab})); err != nil {
		t.Fatal(err)
	}
	k := flow.Key{IPVer: 4, Proto: 6}
	f := tab.Create(&k, 0)
	m.OnNewFlow(&packet.Packet{}, f)
	return m, f
}

func pkt(src, dst byte) *packet.Packet {
	return &packet.Packet{HasMAC: true, SrcMAC: [6]byte{0, 0x21, 0x70, 0, 0, src}, DstMAC: [6]byte{0, 0x26, 0x0b, 0, 0, dst}}
}

func TestPairs(t *testing.T) {
	m, f := newMR(t, map[string]int64{"MR_MAX_MAC": 2})
	for _, p := range []*packet.Packet{pkt(1, 2), pkt(1, 2), pkt(3, 2), pkt(4, 2), {}} {
		m.OnLayer4(p, f)
	}
	var w record.Writer
	m.OnFlowTerminate(f, &w)
	want := "0x01\t2\t00:21:70:00:00:01_00:26:0b:00:00:02_2;00:21:70:00:00:03_00:26:0b:00:00:02_1\tDellInc,US_CiscoSyst,US;DellInc,US_CiscoSyst,US"
	if got := strings.TrimPrefix(string(w.Bytes()), "\t"); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLabels(t *testing.T) {
	l, err := loadLabels(labelData)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mac  [6]byte
		want string
	}{
		{[6]byte{0x00, 0x21, 0x70, 1, 2, 3}, "DellInc,US"},
		{[6]byte{0x08, 0x00, 0x27, 0x19, 0x1c, 0x78}, "PcsSystem,US"},
		{[6]byte{0x00, 0x20, 0xd2, 1, 2, 3}, "RadDataCo,KZ"},
		{[6]byte{0x01, 0x00, 0x5e, 0, 0, 0xfb}, "IPv4Multi"},
		{[6]byte{0x33, 0x33, 0, 0, 0, 0x16}, "IPv6Multi"},
		{[6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "Broadcast"},
		{[6]byte{}, "-"},
		{[6]byte{0x1e, 0xea, 0x69, 0x2a, 0x6f, 0xcf}, "-"},      // locally administered
		{[6]byte{0x00, 0x55, 0xda, 0x0f, 0, 0}, "ShinkoTec,JP"}, // 28-bit MA-M inside an MA-L
	} {
		if got := string(l.lookup(tc.mac)); got != tc.want {
			t.Errorf("%x: %q, want %q", tc.mac, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	m, f := newMR(t, map[string]int64{})
	a, b := pkt(1, 2), pkt(3, 4)
	var w record.Writer
	m.OnLayer4(a, f)
	m.OnLayer4(b, f)
	if n := testing.AllocsPerRun(1000, func() { m.OnLayer4(a, f); m.OnLayer4(b, f) }); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
	if n := testing.AllocsPerRun(1000, func() {
		w.Reset()
		m.OnFlowTerminate(f, &w)
		m.OnNewFlow(a, f)
		m.OnLayer4(a, f)
		m.OnLayer4(b, f)
	}); n != 0 {
		t.Errorf("%v allocations per flow", n)
	}
}

func BenchmarkPacket(b *testing.B) {
	m, f := newMR(b, map[string]int64{})
	p := pkt(1, 2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.OnLayer4(p, f)
	}
}

func BenchmarkFlowTerminate(b *testing.B) {
	m, f := newMR(b, map[string]int64{})
	m.OnLayer4(pkt(1, 2), f)
	var w record.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		m.OnFlowTerminate(f, &w)
	}
}

// refRecord formats the flow's pairs value by value, as the plugin did
// before it prepared pair texts: the cached texts must give the same.
func refRecord(m *MacRecorder, s *slot) string {
	var w record.Writer
	w.H8(s.stat)
	if m.npairs {
		w.U64(uint64(s.npairs))
	}
	extra := m.extra(s)
	mac := func(a [6]byte) {
		v := macValue(a)
		switch m.macFmt {
		case 0:
			w.AppendHex(v, 16)
		case 1:
			w.AppendMAC(a)
		default:
			w.AppendU64(v)
		}
	}
	w.Field()
	for i := 0; i < int(s.npairs); i++ {
		p := m.pairAt(s, extra, i)
		if i > 0 {
			w.Semi()
		}
		mac(p.src)
		w.Under()
		mac(p.dst)
		w.Under()
		w.AppendU64(p.n)
	}
	if m.labels {
		w.Field()
		for i := 0; i < int(s.npairs); i++ {
			p := m.pairAt(s, extra, i)
			if i > 0 {
				w.Semi()
			}
			w.AppendStrClass(m.lbl.lookup(p.src))
			w.Under()
			w.AppendStrClass(m.lbl.lookup(p.dst))
		}
	}
	return string(w.Bytes())
}

// TestPreparedTexts runs more addresses than the label cache holds (so
// entries are replaced and collide), in every address format, with a
// long label needing escapes, plain and deferred.
func TestPreparedTexts(t *testing.T) {
	long := "Very\tLong \"Vendor\" Name With Escapes \x01 And More Text"
	for fmtN := int64(0); fmtN < 3; fmtN++ {
		m, f := newMR(t, map[string]int64{"MR_MAC_FMT": fmtN})
		// 02:00:00:.. (locally administered, no real label) gets the long one.
		k := uint64(24<<48 | 0x020000)
		at, found := slices.BinarySearch(m.lbl.keys, k)
		if found {
			t.Fatal("02:00:00 has a label")
		}
		m.lbl.keys = slices.Insert(m.lbl.keys, at, k)
		m.lbl.names = slices.Insert(m.lbl.names, at, []byte(long))
		longSeen := false
		for i := 0; i < 3*lblCacheSize; i++ {
			m.OnNewFlow(&packet.Packet{}, f)
			for j := 0; j <= i%3; j++ {
				p := &packet.Packet{HasMAC: true,
					SrcMAC: [6]byte{0, 0x21, 0x70, byte(i >> 8), byte(i), byte(j)},
					DstMAC: [6]byte{0, 0x26, 0x0b, 0, byte(i % 7), byte(j)}}
				if i%5 == 0 {
					p.DstMAC = [6]byte{2, 0, 0, 0, byte(i), byte(j)}
				}
				m.OnLayer4(p, f)
			}
			want := refRecord(m, &m.st[f.Slot])
			longSeen = longSeen || strings.Contains(want, "Very\\tLong")
			for _, deferred := range []bool{false, true} {
				w := record.Writer{Deferred: deferred}
				m.OnFlowTerminate(f, &w)
				got := string(w.Bytes())
				if deferred {
					got = string(record.Render(nil, w.Bytes()))
				}
				if got != want {
					t.Fatalf("fmt %d flow %d deferred %v:\ngot  %q\nwant %q", fmtN, i, deferred, got, want)
				}
			}
		}
		if !longSeen {
			t.Error("the long label was not used")
		}
	}
}

// TestSlotSize keeps a flow's state within one cache line (two per line).
func TestSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(slot{}); n != 32 {
		t.Errorf("slot is %d bytes, want 32", n)
	}
}
