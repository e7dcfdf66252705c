package connstat

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

// TestMatchesReference drives the plugin and the map-based reference
// model (ref_test.go) with the same random flows, packets and
// terminations over a few hosts (so that pairs, hosts and slots are
// shared, removed and reused often), and compares every column and the
// report's values, for each setting of CS_HSDRM and CS_PBNMAX.
func TestMatchesReference(t *testing.T) {
	for _, hsdrm := range []int64{0, 1} {
		for _, pbn := range []int64{0, 1} {
			for seed := int64(1); seed <= 20; seed++ {
				t.Run(fmt.Sprintf("hsdrm%d/pbn%d/seed%d", hsdrm, pbn, seed), func(t *testing.T) {
					matchReference(t, seed, map[string]int64{"CS_HSDRM": hsdrm, "CS_PBNMAX": pbn})
				})
			}
		}
	}
}

func matchReference(t *testing.T, seed int64, set map[string]int64) {
	rng := rand.New(rand.NewSource(seed))
	tab := flow.NewTable(256, 182e9)
	c, r := &ConnStat{}, &refConnStat{}
	if err := c.Init(plugintest.With(t, embedded, set, plugin.Env{Table: tab})); err != nil {
		t.Fatal(err)
	}
	if err := r.Init(plugintest.With(t, embedded, set, plugin.Env{Table: tab})); err != nil {
		t.Fatal(err)
	}
	nHosts := 3 + rng.Intn(40)
	host := func() ([16]byte, uint8) {
		i := rng.Intn(nHosts)
		var a [16]byte
		ver := uint8(4)
		switch i % 5 {
		case 3: // the same bytes as an IPv4 address, but IPv6
			ver = 6
			a[3] = byte(i)
		case 4:
			ver = 6
			a[0], a[1], a[15] = 0xfe, 0x80, byte(i)
		default:
			a[0], a[3] = 10, byte(i)
		}
		return a, ver
	}
	var live []*flow.Flow
	var wc, wr record.Writer
	end := func(i int) {
		f := live[i]
		wc.Reset()
		wr.Reset()
		c.OnFlowTerminate(f, &wc)
		r.OnFlowTerminate(f, &wr)
		if got, want := string(wc.Bytes()), string(wr.Bytes()); got != want {
			t.Fatalf("flow %v inv=%v: columns %q, reference %q", f.Key, f.IsInverted(), got, want)
		}
		tab.Remove(f)
		live[i] = live[len(live)-1]
		live = live[:len(live)-1]
	}
	for step := 0; step < 20000; step++ {
		switch x := rng.Intn(10); {
		case x < 3 && !tab.Full():
			s, v := host()
			d, _ := host()
			k := flow.Key{IPVer: v, Proto: 6, SrcIP: s, DstIP: d,
				SrcPort: uint16(rng.Intn(4)), DstPort: uint16(rng.Intn(4))}
			if tab.Lookup(&k) != nil {
				continue
			}
			f := tab.Create(&k, 0)
			if rng.Intn(2) == 0 {
				f.Status |= packet.L3FlowInvert
			}
			p := &packet.Packet{IPVer: v, L4Proto: 6, L7Len: uint32(rng.Intn(1500))}
			if rng.Intn(20) == 0 {
				p.IPVer = 0
			}
			c.OnNewFlow(p, f)
			r.OnNewFlow(p, f)
			live = append(live, f)
		case x < 8 && len(live) > 0:
			f := live[rng.Intn(len(live))]
			p := &packet.Packet{IPVer: f.Key.IPVer, L4Proto: 6, L7Len: uint32(rng.Intn(1500))}
			c.OnLayer4(p, f)
			r.OnLayer4(p, f)
		case len(live) > 0:
			end(rng.Intn(len(live)))
		}
	}
	for len(live) > 0 {
		end(len(live) - 1)
	}
	got := fmt.Sprint(c.newSrc, c.newDst, c.creations, c.maxPair, c.maxPort, c.maxSrc, c.maxDst,
		c.maxSrcIP, c.maxDstIP, c.talkP, c.talkB, c.talkPIP, c.talkBIP)
	want := fmt.Sprint(r.newSrc, r.newDst, r.creations, r.maxPair, r.maxPort, r.maxSrc, r.maxDst,
		ip(r.maxSrcIP), ip(r.maxDstIP), r.talkP, r.talkB, ip(r.talkPIP), ip(r.talkBIP))
	if got != want {
		t.Errorf("report values\n%s, reference\n%s", got, want)
	}
	if set["CS_HSDRM"] == 1 {
		for _, n := range []int{c.dst.x.n, c.pairs.x.n, c.ports.x.n} {
			if n != 0 {
				t.Errorf("%d entries left after every flow ended", n)
			}
		}
	}
}
