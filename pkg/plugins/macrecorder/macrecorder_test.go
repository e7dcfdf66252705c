package macrecorder

import (
	"strings"
	"testing"

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
