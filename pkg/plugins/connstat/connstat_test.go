package connstat

import (
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

func newCS(t testing.TB) (*ConnStat, *flow.Table) {
	tab := flow.NewTable(64, 182e9)
	c := &ConnStat{}
	if err := c.Init(plugintest.With(t, embedded, map[string]int64{}, plugin.Env{Table: tab})); err != nil {
		t.Fatal(err)
	}
	return c, tab
}

func addr(b byte) [16]byte { return [16]byte{10, 0, 0, b} }

func open(c *ConnStat, tab *flow.Table, s, d byte, sp, dp uint16, inv bool) *flow.Flow {
	k := flow.Key{IPVer: 4, Proto: 6, SrcIP: addr(s), DstIP: addr(d), SrcPort: sp, DstPort: dp}
	f := tab.Create(&k, 0)
	if inv {
		f.Status |= packet.L3FlowInvert
	}
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L7Len: 100}
	c.OnNewFlow(p, f)
	c.OnLayer4(p, f)
	return f
}

func cols(c *ConnStat, f *flow.Flow) string {
	var w record.Writer
	c.OnFlowTerminate(f, &w)
	return strings.TrimPrefix(string(w.Bytes()), "\t")
}

// TestConversation ends three flows in turn, with OnFlowTerminate alone
// and with all three OnFlowRelease calls first (the retire goroutine's
// pattern): the columns are the same.
func TestConversation(t *testing.T) {
	for _, release := range []bool{false, true} {
		c, tab := newCS(t)
		a := open(c, tab, 1, 2, 40000, 80, false)
		b := open(c, tab, 2, 1, 80, 40000, true) // the reply: same (s, d, port)
		other := open(c, tab, 1, 3, 40001, 80, false)
		if release {
			c.OnFlowRelease(a)
			c.OnFlowRelease(b)
			c.OnFlowRelease(other)
		}
		if got, want := cols(c, a), "2\t1\t2\t3\t1.5\t1.5\t2\t200"; got != want {
			t.Errorf("release=%v: A flow: %q, want %q", release, got, want)
		}
		// B flow: connSip is the distinct clients of its source (10.0.0.2).
		if got, want := cols(c, b), "1\t2\t1\t2\t2\t2\t1\t100"; got != want {
			t.Errorf("release=%v: B flow: %q, want %q", release, got, want)
		}
		if got, want := cols(c, other), "1\t1\t1\t1\t1\t1\t2\t200"; got != want {
			t.Errorf("release=%v: third flow: %q, want %q", release, got, want)
		}
	}
}

// TestNewIPStartsFromZero checks the decided fix: an IP that takes the
// table slot of another gets no packets or bytes of that IP.
func TestNewIPStartsFromZero(t *testing.T) {
	c, tab := newCS(t)
	f := open(c, tab, 1, 2, 1, 80, false)
	for i := 0; i < 9; i++ {
		c.OnLayer4(&packet.Packet{IPVer: 4, L7Len: 100}, f)
	}
	cols(c, f)
	tab.Remove(f)
	g := open(c, tab, 5, 2, 1, 80, false) // 10.0.0.5 reuses 10.0.0.1's slot
	if got := cols(c, g); !strings.HasSuffix(got, "\t1\t100") {
		t.Errorf("new IP inherited counts: %q", got)
	}
	tab.Remove(g)
	h := open(c, tab, 5, 2, 1, 80, false) // the same IP again keeps its counts
	if got := cols(c, h); !strings.HasSuffix(got, "\t2\t200") {
		t.Errorf("same IP lost its counts: %q", got)
	}
}

func TestNoAllocs(t *testing.T) {
	c, tab := newCS(t)
	f := open(c, tab, 1, 2, 1, 80, false)
	p := &packet.Packet{IPVer: 4, L7Len: 100}
	if n := testing.AllocsPerRun(1000, func() { c.OnLayer4(p, f) }); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
	var w record.Writer
	k := f.Key
	tab.Remove(f)
	if n := testing.AllocsPerRun(1000, func() {
		g := tab.Create(&k, 0)
		c.OnNewFlow(p, g)
		c.OnLayer4(p, g)
		w.Reset()
		c.OnFlowTerminate(g, &w)
		tab.Remove(g)
	}); n != 0 {
		t.Errorf("%v allocations per flow", n)
	}
	if n := testing.AllocsPerRun(1000, func() {
		g := tab.Create(&k, 0)
		c.OnNewFlow(p, g)
		c.OnLayer4(p, g)
		c.OnFlowRelease(g)
		w.Reset()
		c.OnFlowTerminate(g, &w)
		tab.Remove(g)
	}); n != 0 {
		t.Errorf("%v allocations per released flow", n)
	}
}

func BenchmarkPacket(b *testing.B) {
	c, tab := newCS(b)
	f := open(c, tab, 1, 2, 1, 80, false)
	p := &packet.Packet{IPVer: 4, L7Len: 100}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.OnLayer4(p, f)
	}
}

func BenchmarkFlow(b *testing.B) {
	c, tab := newCS(b)
	k := flow.Key{IPVer: 4, Proto: 6, SrcIP: addr(1), DstIP: addr(2), SrcPort: 1, DstPort: 80}
	p := &packet.Packet{IPVer: 4, L7Len: 100}
	var w record.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g := tab.Create(&k, 0)
		c.OnNewFlow(p, g)
		w.Reset()
		c.OnFlowTerminate(g, &w)
		tab.Remove(g)
	}
}
