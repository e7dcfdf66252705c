package flow

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
)

func key(a, b byte, sp, dp uint16) Key {
	var k Key
	k.IPVer, k.EthType, k.Proto = 4, 0x0800, 6
	k.SrcIP[0], k.DstIP[0] = a, b
	k.SrcPort, k.DstPort = sp, dp
	return k
}

func sec(s float64) packet.Time { return packet.FromSeconds(s) }

func TestCreateLinksOppositeAndSharesIndex(t *testing.T) {
	tab := NewTable(16, sec(182))
	k := key(1, 2, 1000, 80)
	a := tab.Create(&k, sec(1))
	rk := k.Reverse()
	b := tab.Create(&rk, sec(2))
	if a.IsB || !b.IsB {
		t.Fatalf("A/B roles: a.IsB=%v b.IsB=%v", a.IsB, b.IsB)
	}
	if a.Index != 1 || b.Index != 1 {
		t.Fatalf("findex a=%d b=%d, want 1 and 1", a.Index, b.Index)
	}
	if a.Opposite != b.Slot || b.Opposite != a.Slot {
		t.Fatal("flows not linked")
	}
	k2 := key(3, 4, 1, 2)
	c := tab.Create(&k2, sec(3))
	if c.Index != 2 || c.IsB {
		t.Fatalf("third flow findex %d IsB %v", c.Index, c.IsB)
	}
	if tab.Lookup(&rk) != b || tab.Len() != 3 {
		t.Fatal("lookup/len")
	}
}

func TestSelfReverseKeyIsAFlow(t *testing.T) {
	tab := NewTable(4, sec(182))
	k := key(1, 1, 7, 7)
	f := tab.Create(&k, 0)
	if f.IsB || f.Opposite != None {
		t.Fatal("a flow whose reverse key is itself must be a lone A flow")
	}
}

func TestExpiredReleasesPairsOnlyWhenBothIdle(t *testing.T) {
	tab := NewTable(16, sec(10))
	short := tab.AddTimeout(sec(1))
	_ = short
	k := key(1, 2, 1000, 80)
	a := tab.Create(&k, sec(0))
	rk := k.Reverse()
	b := tab.Create(&rk, sec(0))
	tab.SetTimeout(b, sec(1)) // b times out quickly, a after 10 s
	tab.Touch(a, sec(5))
	var released []uint64
	rel := func(f *Flow) {
		released = append(released, f.Index)
		if f.Opposite != None {
			tab.Remove(tab.Flow(f.Opposite))
		}
		tab.Remove(f)
	}
	tab.Expired(sec(3), rel) // b idle 3 s (> 1 s) but a active: b parks
	if len(released) != 0 || !tab.Parked(b) {
		t.Fatalf("released %v parked %v; b must wait for a", released, tab.Parked(b))
	}
	for i := 0; i < 1000; i++ { // parked flows cost nothing on later scans
		tab.Expired(sec(4), rel)
	}
	tab.Expired(sec(15), rel) // a idle 10 s: the pair leaves
	if len(released) != 1 || tab.Len() != 0 {
		t.Fatalf("released %v, %d flows left", released, tab.Len())
	}
}

func TestParkedFlowRejoinsOnPacket(t *testing.T) {
	tab := NewTable(16, sec(10))
	k := key(1, 2, 1000, 80)
	a := tab.Create(&k, sec(0))
	rk := k.Reverse()
	b := tab.Create(&rk, sec(0))
	tab.SetTimeout(b, sec(1))
	tab.Touch(a, sec(5))
	tab.Expired(sec(3), func(*Flow) { t.Fatal("nothing may be released") })
	if !tab.Parked(b) {
		t.Fatal("b not parked")
	}
	tab.Touch(b, sec(3.5))
	if tab.Parked(b) {
		t.Fatal("b still parked after a packet")
	}
	n := 0
	tab.Expired(sec(4.6), func(f *Flow) { n++ })
	if n != 0 {
		t.Fatal("b released although a is active")
	}
}

func TestAllOrdersByLastSeenIncludingParked(t *testing.T) {
	tab := NewTable(16, sec(10))
	tab.AddTimeout(sec(1))
	var fs []*Flow
	for i := 0; i < 4; i++ {
		k := key(byte(i), 9, uint16(i), 1)
		fs = append(fs, tab.Create(&k, sec(float64(10-i))))
	}
	tab.SetTimeout(fs[0], sec(1))
	all := tab.All()
	if len(all) != 4 {
		t.Fatalf("All returned %d flows", len(all))
	}
	for i := 1; i < len(all); i++ {
		if tab.Flow(all[i-1]).Last > tab.Flow(all[i]).Last {
			t.Fatal("All not ordered by last packet")
		}
	}
}

func TestFullTableAndSlotReuse(t *testing.T) {
	tab := NewTable(2, sec(10))
	k1, k2, k3 := key(1, 2, 1, 1), key(3, 4, 1, 1), key(5, 6, 1, 1)
	f1 := tab.Create(&k1, sec(1))
	tab.Create(&k2, sec(2))
	if !tab.Full() {
		t.Fatal("table of 2 with 2 flows not full")
	}
	if tab.Oldest() != f1 {
		t.Fatal("Oldest is not the least recently used flow")
	}
	tab.Remove(f1)
	f3 := tab.Create(&k3, sec(3))
	if f3.Index != 3 || tab.Lookup(&k1) != nil {
		t.Fatal("slot reuse broke the index")
	}
}

func BenchmarkLookupTouch(b *testing.B) {
	tab := NewTable(1<<18, sec(182))
	keys := make([]Key, 100000)
	for i := range keys {
		keys[i] = key(byte(i), byte(i>>8), uint16(i), 80)
		tab.Create(&keys[i], 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := &keys[i%len(keys)]
		f := tab.Lookup(k)
		tab.Touch(f, packet.Time(i))
		tab.Expired(packet.Time(i), func(*Flow) {})
	}
}

// BenchmarkLookupRandom looks up and touches the flows of a full table
// in random order, as packets of many flows do: the table is bigger than
// the caches and, with 4 KB pages, than the TLB's reach ("4k" vs "huge":
// the effect of NewTable's huge-page hint).
func BenchmarkLookupRandom(b *testing.B) {
	for _, huge := range []bool{false, true} {
		name := "4k"
		if huge {
			name = "huge"
		}
		b.Run(name, func(b *testing.B) {
			const n = 1 << 19
			tab := newTable(n, sec(1<<30), huge)
			keys := make([]Key, n)
			for i := range keys {
				keys[i] = key(byte(i), byte(i>>8), uint16(i>>16), uint16(i))
				tab.Create(&keys[i], 0)
			}
			order := rand.New(rand.NewPCG(1, 2)).Perm(n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := &keys[order[i%n]]
				f := tab.Lookup(k)
				tab.Touch(f, packet.Time(i))
			}
		})
	}
}

func TestFlowIsTwoCacheLines(t *testing.T) {
	if n := unsafe.Sizeof(Flow{}); n != 128 {
		t.Fatalf("Flow is %d bytes, want 128 (two cache lines)", n)
	}
	tb := NewTable(1000, 1e9)
	if a := uintptr(unsafe.Pointer(&tb.flows[0])); a%64 != 0 {
		t.Fatalf("flow slice at %#x is not cache-line aligned", a)
	}
}

// The prefetch callback hears of the slot the next Create takes (the
// top of the free list) after each Create, and of a new LRU tail and its
// opposite when the tail leaves.
func TestPrefetchCallbackSlots(t *testing.T) {
	tab := NewTable(4, sec(10))
	var got []int32
	tab.SetTailPrefetch(func(slot int32, _ *prefetch.Batch) { got = append(got, slot) })
	next := func() int32 { return tab.free[len(tab.free)-1] }
	k1, k2, k3 := key(1, 2, 1000, 80), key(2, 1, 80, 1000), key(3, 4, 5, 6)
	f1 := tab.Create(&k1, sec(0))
	if want := []int32{next()}; !slices.Equal(got, want) {
		t.Fatalf("after the first Create: %v, want %v", got, want)
	}
	got = nil
	f2 := tab.Create(&k2, sec(1)) // f1's opposite
	f3 := tab.Create(&k3, sec(2))
	if want := []int32{f3.Slot, next()}; !slices.Equal(got, want) {
		t.Fatalf("after two Creates: %v, want %v", got, want)
	}
	// Removing the tail pair (f1, then f2) makes f2, then f3 the tail
	// (f2 has lost its opposite, f3 has none).
	got = nil
	tab.Remove(f1)
	tab.Remove(f2)
	if want := []int32{f2.Slot, f3.Slot}; !slices.Equal(got, want) {
		t.Fatalf("after the tail left: %v, want %v", got, want)
	}
	// The free list is LIFO: the next flow takes f2's slot.
	got = nil
	f4 := tab.Create(&k1, sec(3))
	if f4.Slot != f2.Slot || !slices.Equal(got, []int32{f1.Slot}) {
		t.Fatalf("slot %d (want %d), prefetched %v (want [%d])", f4.Slot, f2.Slot, got, f1.Slot)
	}
}

// With a random workload, a table with the prefetch callback installed
// (and PrefetchRemove called) releases the same flows in the same order
// as one without.
func TestPrefetchChangesNothing(t *testing.T) {
	run := func(hook bool) []uint64 {
		tab := NewTable(64, sec(5))
		if hook {
			tab.SetTailPrefetch(func(int32, *prefetch.Batch) {})
			tab.SetReleasePrefetch(func(slot int32, stage int, _ *prefetch.Batch) {
				if slot < 0 || int(slot) >= tab.Capacity() || stage < 0 || stage > 1 {
					t.Fatalf("release prefetch of slot %d, stage %d", slot, stage)
				}
			})
		}
		rng := rand.New(rand.NewPCG(7, 8))
		var out []uint64
		release := func(f *Flow) {
			out = append(out, f.Index)
			if f.Opposite != None {
				o := tab.Flow(f.Opposite)
				if hook {
					tab.PrefetchRemove(o)
					tab.PrefetchRemove(f)
				}
				out = append(out, o.Index)
				tab.Remove(o)
			}
			tab.Remove(f)
		}
		for i := 0; i < 20000; i++ {
			ts := sec(float64(i) / 100)
			tab.Expired(ts, release)
			randomPacket(tab, rng, ts, release)
		}
		return out
	}
	a, b := run(false), run(true)
	if len(a) < 1000 || !slices.Equal(a, b) {
		t.Fatalf("%d releases without the callback, %d with; equal %v", len(a), len(b), slices.Equal(a, b))
	}
}

// The table writes no slot before a flow takes it, and the LIFO free list
// keeps the slots in use below the peak of flows in memory: the slots
// above it stay untouched (no page faults, no RSS).
func TestSlotsAbovePeakUntouched(t *testing.T) {
	tab := NewTable(1000, sec(10))
	rng := rand.New(rand.NewPCG(5, 6))
	var live []*Flow
	peak := 0
	for i := 0; i < 5000; i++ {
		if len(live) > 0 && (len(live) >= 50 || rng.IntN(2) == 0) {
			j := rng.IntN(len(live))
			tab.Remove(live[j])
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
			continue
		}
		k := key(byte(i), byte(i>>8), uint16(i>>16), 1)
		f := tab.Create(&k, sec(float64(i)))
		if &tab.flows[f.Slot] != f {
			t.Fatalf("flow in slot %d says slot %d", (uintptr(unsafe.Pointer(f))-uintptr(unsafe.Pointer(&tab.flows[0])))/128, f.Slot)
		}
		live = append(live, f)
		peak = max(peak, len(live))
	}
	for i := range tab.flows {
		if used := tab.flows[i] != (Flow{}); used != (i < peak) {
			t.Fatalf("slot %d written %v, peak %d", i, used, peak)
		}
	}
}

// checkLists verifies each LRU list against want (its slots, most
// recently used first): the links both ways, head, tail and the tail's
// deadline.
func checkLists(t *testing.T, tab *Table, want [][]int32) {
	t.Helper()
	for li, l := range tab.lists {
		var fwd []int32
		for s := l.head; s != None; s = tab.flows[s].next {
			fwd = append(fwd, s)
			if len(fwd) > len(tab.flows) {
				t.Fatal("cycle in list")
			}
		}
		var back []int32
		for s := l.tail; s != None; s = tab.flows[s].prev {
			back = append([]int32{s}, back...)
			if len(back) > len(tab.flows) {
				t.Fatal("cycle in list")
			}
		}
		if !slices.Equal(fwd, want[li]) || !slices.Equal(back, want[li]) {
			t.Fatalf("list %d: forward %v, backward %v, want %v", li, fwd, back, want[li])
		}
		if l.tail != None && l.tailDL != tab.flows[l.tail].Last+l.timeout {
			t.Fatalf("list %d: tail deadline %d, want %d", li, l.tailDL, tab.flows[l.tail].Last+l.timeout)
		}
	}
}

// Random creates, touches (often of the head), timeout changes and
// removals keep every LRU list in the order of a plain reference: slots
// by last use, most recent first.
func TestTouchKeepsLRUOrder(t *testing.T) {
	tab := NewTable(32, sec(10))
	cls := []packet.Time{sec(10), sec(20)}
	tab.AddTimeout(cls[1])
	ref := make([][]int32, 2)
	drop := func(s int32) {
		for li := range ref {
			ref[li] = slices.DeleteFunc(ref[li], func(x int32) bool { return x == s })
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	var live []*Flow
	for i := 0; i < 20000; i++ {
		ts := sec(float64(rng.IntN(1000))) // not monotonic: Touch must not care
		switch r := rng.IntN(10); {
		case r < 2 && !tab.Full():
			k := key(byte(i), byte(i>>8), uint16(i>>16), 7)
			f := tab.Create(&k, ts)
			live = append(live, f)
			ref[0] = append([]int32{f.Slot}, ref[0]...)
		case r < 3 && len(live) > 0:
			j := rng.IntN(len(live))
			tab.Remove(live[j])
			drop(live[j].Slot)
			live = slices.Delete(live, j, j+1)
		case r < 4 && len(live) > 0:
			f := live[rng.IntN(len(live))]
			li := rng.IntN(2)
			if f.Timeout != cls[li] {
				tab.SetTimeout(f, cls[li])
				drop(f.Slot)
				ref[li] = append([]int32{f.Slot}, ref[li]...)
			}
		case len(live) > 0:
			f := live[rng.IntN(len(live))]
			if rng.IntN(2) == 0 && len(ref[0]) > 0 {
				f = tab.Flow(ref[0][0]) // the head of list 0
			}
			tab.Touch(f, ts)
			li := int(f.list)
			drop(f.Slot)
			ref[li] = append([]int32{f.Slot}, ref[li]...)
		}
		checkLists(t, tab, ref)
	}
}

// Expired's shortcut (nextDL) never skips a due flow: after each call no
// list's tail is due, with several timeout classes, flows moving between
// them and packet times that sometimes go back.
func TestExpiredLeavesNoDueTail(t *testing.T) {
	tab := NewTable(64, sec(5))
	classes := []packet.Time{sec(5), sec(1), sec(3), sec(0.5)}
	for _, d := range classes[1:] {
		tab.AddTimeout(d)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	release := func(f *Flow) {
		if f.Opposite != None {
			tab.Remove(tab.Flow(f.Opposite))
		}
		tab.Remove(f)
	}
	released := 0
	ts := sec(0)
	for i := 0; i < 20000; i++ {
		ts += sec(float64(rng.IntN(30)) / 100)
		if rng.IntN(10) == 0 {
			ts -= sec(float64(rng.IntN(200)) / 100) // a time jump back
		}
		n := tab.Len()
		tab.Expired(ts, release)
		released += n - tab.Len()
		for li, l := range tab.lists {
			if l.tail != None && ts >= l.tailDL {
				t.Fatalf("step %d: list %d's tail is due at %d, now %d", i, li, l.tailDL, ts)
			}
		}
		f := randomPacket(tab, rng, ts, release)
		if rng.IntN(4) == 0 {
			tab.SetTimeout(f, classes[rng.IntN(len(classes))])
		}
	}
	if released < 1000 {
		t.Fatalf("only %d flows released", released)
	}
}

// CreateHashes with the reverse hash given links the opposite as Create
// does.
func TestCreateHashesLinksOpposite(t *testing.T) {
	tab := NewTable(8, sec(10))
	k := key(1, 2, 1000, 80)
	a := tab.CreateHashes(&k, k.Hash(), k.ReverseHash(), sec(1))
	rk := k.Reverse()
	b := tab.CreateHashes(&rk, rk.Hash(), rk.ReverseHash(), sec(2))
	if !b.IsB || a.Opposite != b.Slot || b.Opposite != a.Slot || a.Index != b.Index {
		t.Fatalf("a %+v, b %+v: not linked", a, b)
	}
}

// randomPacket is a packet of one of a few hundred random keys at ts: it
// finds or creates the flow (releasing the oldest when the table is full)
// and touches it.
func randomPacket(tab *Table, rng *rand.Rand, ts packet.Time, release func(*Flow)) *Flow {
	k := key(byte(rng.IntN(6)), byte(rng.IntN(6)), uint16(rng.IntN(4)), uint16(rng.IntN(4)))
	f := tab.Lookup(&k)
	if f == nil {
		if tab.Full() {
			release(tab.Oldest())
		}
		f = tab.Create(&k, ts)
	}
	tab.Touch(f, ts)
	return f
}
