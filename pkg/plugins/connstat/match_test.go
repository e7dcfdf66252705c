package connstat

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
)

// TestMatchesReference drives the plugin and the map-based reference
// model (ref_test.go) with the same random flows, packets and
// terminations over a few hosts (so that pairs, hosts and slots are
// shared, removed and reused often), and compares every column and the
// report's values, for each setting of CS_HSDRM and CS_PBNMAX.
//
// The flows end one or two at a time (two: a flow and its opposite, in
// record order). The plugin is driven twice, by the two engines' call
// patterns: one instance gets only OnFlowTerminate (the flow's release
// done inside it); the other gets OnFlowRelease for the flows, in the
// same order, and their OnFlowTerminate calls in release order: right
// after the releases (now), or later, after packets and flows of the
// others (deferred), or so on another goroutine while the packet hooks
// go on (async: the engine's retire goroutine, which -race checks). Both
// must write the reference's columns, which are the values at the
// release. The releasing instance also gets the prefetch calls
// (PrefetchNewFlow before each OnNewFlow, PrefetchRelease for random
// slots, live or not), which must change nothing.
func TestMatchesReference(t *testing.T) {
	for _, hsdrm := range []int64{0, 1} {
		for _, pbn := range []int64{0, 1} {
			for _, mode := range []retireMode{retireNow, retireDeferred, retireAsync} {
				// The terminate-only instance runs in every mode (their
				// workloads differ), so it sees 20 in all.
				for seed := int64(1); seed <= [...]int64{10, 6, 4}[mode]; seed++ {
					t.Run(fmt.Sprintf("hsdrm%d/pbn%d/%s/seed%d", hsdrm, pbn, mode, seed), func(t *testing.T) {
						matchReference(t, seed, map[string]int64{"CS_HSDRM": hsdrm, "CS_PBNMAX": pbn}, mode)
					})
				}
			}
		}
	}
}

// retireMode is when matchReference's released flows are terminated.
type retireMode int

const (
	retireNow retireMode = iota
	retireDeferred
	retireAsync
)

func (m retireMode) String() string { return [...]string{"now", "deferred", "async"}[m] }

func matchReference(t *testing.T, seed int64, set map[string]int64, mode retireMode) {
	rng := rand.New(rand.NewSource(seed))
	tab := flow.NewTable(256, 182e9)
	// c: terminate only; rel: release, then terminate; r: the reference.
	c, rel, r := &ConnStat{}, &ConnStat{}, &refConnStat{}
	for _, x := range []plugin.Initer{c, rel, r} {
		if err := x.Init(plugintest.With(t, embedded, set, plugin.Env{Table: tab})); err != nil {
			t.Fatal(err)
		}
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
	// rel's released flows and the reference's columns for them, in
	// release order; their slots stay taken until rel's OnFlowTerminate.
	type released struct {
		f    *flow.Flow
		want string
	}
	var queue, inflight []released
	var done chan bool // closed when inflight's terminations returned, nil if none
	terminate := func(batch []released, w *record.Writer) bool {
		for _, q := range batch {
			w.Reset()
			rel.OnFlowTerminate(q.f, w)
			if got := string(w.Bytes()); got != q.want {
				t.Errorf("flow %v inv=%v released: columns %q, reference %q", q.f.Key, q.f.IsInverted(), got, q.want)
				return false
			}
		}
		return true
	}
	// wait waits for the async terminations and frees their slots.
	wait := func() {
		if done == nil {
			return
		}
		<-done
		done = nil
		for _, q := range inflight {
			tab.Remove(q.f)
		}
		inflight = inflight[:0]
	}
	retire := func(n int) {
		batch := append([]released(nil), queue[:n]...)
		queue = append(queue[:0], queue[n:]...)
		if mode != retireAsync {
			if !terminate(batch, &wc) {
				t.FailNow()
			}
			for _, q := range batch {
				tab.Remove(q.f)
			}
			return
		}
		wait()
		inflight, done = batch, make(chan bool)
		go func(ch chan bool) {
			var w record.Writer
			terminate(batch, &w)
			close(ch)
		}(done)
	}
	// end ends live[i] and, with two, another live flow after it.
	end := func(i int, two bool) {
		fs := []*flow.Flow{live[i]}
		live[i] = live[len(live)-1]
		live = live[:len(live)-1]
		if two && len(live) > 0 {
			j := rng.Intn(len(live))
			fs = append(fs, live[j])
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
		}
		for _, f := range fs {
			wc.Reset()
			wr.Reset()
			c.OnFlowTerminate(f, &wc)
			r.OnFlowTerminate(f, &wr)
			if got, want := string(wc.Bytes()), string(wr.Bytes()); got != want {
				t.Fatalf("flow %v inv=%v: columns %q, reference %q", f.Key, f.IsInverted(), got, want)
			}
			queue = append(queue, released{f, string(wr.Bytes())})
		}
		for _, f := range fs {
			rel.OnFlowRelease(f)
		}
		if mode == retireNow {
			retire(len(queue))
		}
	}
	var pb prefetch.Batch
	for step := 0; step < 20000 && !t.Failed(); step++ {
		if rng.Intn(3) == 0 {
			rel.PrefetchRelease(int32(rng.Intn(tab.Capacity())), rng.Intn(2), &pb)
			pb.Flush()
		}
		if len(queue) > 0 && (rng.Intn(4) == 0 || tab.Full()) {
			retire(1 + rng.Intn(len(queue)))
		}
		if tab.Full() {
			wait()
		}
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
			rel.PrefetchNewFlow(p, f, &pb)
			pb.Flush()
			rel.OnNewFlow(p, f)
			r.OnNewFlow(p, f)
			live = append(live, f)
		case x < 8 && len(live) > 0:
			f := live[rng.Intn(len(live))]
			p := &packet.Packet{IPVer: f.Key.IPVer, L4Proto: 6, L7Len: uint32(rng.Intn(1500))}
			c.OnLayer4(p, f)
			rel.OnLayer4(p, f)
			r.OnLayer4(p, f)
		case len(live) > 0:
			end(rng.Intn(len(live)), rng.Intn(2) == 0)
		}
	}
	for len(live) > 0 {
		end(len(live)-1, rng.Intn(2) == 0)
	}
	if len(queue) > 0 {
		retire(len(queue))
	}
	wait()
	want := fmt.Sprint(r.newSrc, r.newDst, r.creations, r.maxPair, r.maxPort, r.maxSrc, r.maxDst,
		ip(r.maxSrcIP), ip(r.maxDstIP), r.talkP, r.talkB, ip(r.talkPIP), ip(r.talkBIP))
	for _, x := range []*ConnStat{c, rel} {
		got := fmt.Sprint(x.newSrc, x.newDst, x.creations, x.maxPair, x.maxPort, x.maxSrc, x.maxDst,
			x.maxSrcIP, x.maxDstIP, x.talkP, x.talkB, x.talkPIP, x.talkBIP)
		if got != want {
			t.Errorf("report values\n%s, reference\n%s", got, want)
		}
		if set["CS_HSDRM"] == 1 {
			for _, n := range []int{x.dst.x.n, x.pairs.x.n, x.ports.x.n} {
				if n != 0 {
					t.Errorf("%d entries left after every flow ended", n)
				}
			}
		}
		for i := range x.outs {
			if x.outs[i].pair != 0 {
				t.Fatalf("slot %d: out %+v left after every flow ended", i, x.outs[i])
			}
		}
	}
}
