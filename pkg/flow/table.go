package flow

import (
	"sort"
	"sync/atomic"
	"unsafe"

	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
)

// Table holds the flows in memory. Capacity is fixed at creation (T2's
// HASHCHAINTABLE_BASE_SIZE × hash factor); slots are reused through a free
// list, so steady-state operation does not allocate.
type Table struct {
	flows []Flow
	index index
	free  []int32
	lists []lruList // one LRU list per distinct timeout value
	// nextDL is at most the earliest tailDL of the lists: before it,
	// Expired has nothing to do and reads no list (it runs per packet).
	nextDL packet.Time
	nextFI uint64
	count  int
	// sharedFI, when set, numbers the flows of several tables (one per
	// capture worker) from one counter, so findex values stay unique.
	sharedFI *atomic.Uint64

	tailPrefetch func(slot int32, b *prefetch.Batch)            // see SetTailPrefetch
	noTailState  bool                                           // see SetTailStatePrefetch
	relPrefetch  func(slot int32, stage int, b *prefetch.Batch) // see SetReleasePrefetch
	tailBatch    prefetch.Batch
	// freeBatch prefetches the next free slot for writing: Create and
	// the plugins' OnNewFlow overwrite it, and the retire goroutine's
	// core read it last.
	freeBatch prefetch.Batch

	// Populating slot memory ahead of use (populate.go).
	slotMem    []slotMem   // the registered arrays (PerSlot)
	high       int32       // slots below it were handed out at least once
	populated  int32       // slots below it were populated (or are being)
	populating atomic.Bool // a populating goroutine runs
}

type lruList struct {
	timeout    packet.Time
	head, tail int32 // head = most recently used
	// tailDL is when the tail flow times out (its Last + timeout), kept
	// here so the per-packet check in Expired reads no flow memory (a
	// cache miss per list per packet otherwise).
	tailDL packet.Time
}

// NewTable makes a table for at most capacity flows with the default
// timeout (seconds).
func NewTable(capacity int, defaultTimeout packet.Time) *Table {
	return newTable(capacity, defaultTimeout, true)
}

// newTable is NewTable; huge asks for huge pages (prefetch.HugePages)
// for the flows and the index, false only to measure their effect.
func newTable(capacity int, defaultTimeout packet.Time, huge bool) *Table {
	if capacity < 2 {
		capacity = 2
	}
	t := &Table{
		flows:  make([]Flow, capacity),
		index:  newIndex(capacity),
		free:   make([]int32, capacity),
		nextDL: noDeadline,
	}
	t.freeBatch.Write = true
	if huge {
		// The flows and the index are read at random, a few lines per
		// packet: 4 KB pages would add a TLB miss to most of those
		// reads. Advised before the first write, so the pages are huge
		// from the start.
		prefetch.HugeSlice(t.flows)
		prefetch.HugeSlice(t.index.ents)
	}
	PerSlot(t, t.flows)
	// The flows are not written here: Create sets a slot's fields when
	// it first takes it, and the free list hands out the lowest slots
	// first and reuses the last freed (LIFO), so the slots beyond the
	// peak of flows in memory are never touched (no page faults, no RSS:
	// the bench peaks at 42% of T2's default 262144).
	for i := range t.free {
		t.free[i] = int32(capacity - 1 - i)
	}
	t.AddTimeout(defaultTimeout)
	return t
}

// AddTimeout registers a timeout class and returns its index. Registering
// the same value twice returns the existing class.
func (t *Table) AddTimeout(d packet.Time) int {
	for i, l := range t.lists {
		if l.timeout == d {
			return i
		}
	}
	t.lists = append(t.lists, lruList{timeout: d, head: None, tail: None})
	return len(t.lists) - 1
}

// Capacity is the maximum number of flows in memory.
func (t *Table) Capacity() int { return len(t.flows) }

// Len is the number of flows in memory.
func (t *Table) Len() int { return t.count }

// Full reports whether no slot is free.
func (t *Table) Full() bool { return len(t.free) == 0 }

// Flow returns the flow in slot i.
func (t *Table) Flow(i int32) *Flow { return &t.flows[i] }

// Lookup returns the flow with key k, or nil.
func (t *Table) Lookup(k *Key) *Flow {
	if i := t.index.find(t.flows, k, k.hash(), false); i != None {
		return &t.flows[i]
	}
	return nil
}

// LookupHash is Lookup with the key's hash (k.Hash()) computed by the
// caller.
func (t *Table) LookupHash(k *Key, h uint64) *Flow {
	if i := t.index.find(t.flows, k, h, false); i != None {
		return &t.flows[i]
	}
	return nil
}

// Prefetch starts loading, without waiting, the index positions where
// lookups of hash h (a packet's key) and rh (its reverse key) begin. It
// changes nothing: the packet loop calls it some packets ahead (the
// reader goroutine computed the hashes), so the lookup later finds the
// lines in cache instead of stalling on memory.
func (t *Table) Prefetch(h, rh uint64, b *prefetch.Batch) {
	x := &t.index
	b.Add2(unsafe.Pointer(&x.ents[h>>x.shift]), unsafe.Pointer(&x.ents[rh>>x.shift]))
}

// PrefetchFlow starts loading the flow that a lookup of hash h will
// probably find, or, when the index says no such flow exists, the
// reverse flow (hash rh) that creating it will look up. Called some
// packets after Prefetch(h, rh) brought the index lines in.
func (t *Table) PrefetchFlow(h, rh uint64, b *prefetch.Batch) {
	x := &t.index
	e := x.ents[h>>x.shift]
	if e.slot1 == 0 {
		if e = x.ents[rh>>x.shift]; e.slot1 == 0 {
			return
		}
	}
	f := unsafe.Pointer(&t.flows[e.slot1-1])
	b.Add2(f, unsafe.Add(f, 64))
}

// PrefetchLinks starts loading the LRU neighbours of the flow that a
// lookup of hash h will probably find: touching the flow rewrites their
// links. Called some packets after PrefetchFlow(h, ...) brought the flow
// in.
func (t *Table) PrefetchLinks(h uint64, b *prefetch.Batch) {
	x := &t.index
	e := x.ents[h>>x.shift]
	if e.slot1 == 0 {
		return
	}
	f := &t.flows[e.slot1-1]
	p, q := f.prev, f.next
	if p == None || f.parked {
		p = f.Slot
	}
	if q == None || f.parked {
		q = f.Slot
	}
	b.Add2(unsafe.Pointer(&t.flows[p]), unsafe.Pointer(&t.flows[q]))
}

// ShareIndex makes the table take findex values from next (shared by the
// tables of one run's capture workers) instead of its own counter.
func (t *Table) ShareIndex(next *atomic.Uint64) { t.sharedFI = next }

// SetTailPrefetch installs fn, called with the slots of the flow that
// just became the tail of an LRU list and of its opposite (they are the
// next to be released) and with the slot the next new flow will take:
// fn may prefetch their per-flow state.
func (t *Table) SetTailPrefetch(fn func(slot int32, b *prefetch.Batch)) { t.tailPrefetch = fn }

// SetReleasePrefetch installs fn, called as the LRU tails move: with
// stage 1 for the flow that just became a tail (the next to be
// released), with stage 0 for the flow after it (its stage 1 comes when
// it becomes the tail) and for the tail's opposite, which leaves with it.
// fn may prefetch what releasing them touches beyond the flows: at stage
// 0 their per-flow state, at stage 1 (which may read that state) what it
// points at.
func (t *Table) SetReleasePrefetch(fn func(slot int32, stage int, b *prefetch.Batch)) {
	t.relPrefetch = fn
}

// Create inserts a flow for k, links it to the reverse flow if one exists
// and assigns the findex and A/B role. The caller must make room first
// when Full and must not create a key that is in the table. ts is the
// packet time.
func (t *Table) Create(k *Key, ts packet.Time) *Flow {
	return t.CreateHash(k, k.hash(), ts)
}

// CreateHash is Create with the key's hash (k.Hash()) computed by the
// caller, who usually has it from the lookup that found no flow.
func (t *Table) CreateHash(k *Key, h uint64, ts packet.Time) *Flow {
	return t.CreateHashes(k, h, k.ReverseHash(), ts)
}

// CreateHashes is CreateHash with the reverse key's hash (k.ReverseHash())
// computed by the caller too: the engine's reader goroutine computes both.
func (t *Table) CreateHashes(k *Key, h, rh uint64, ts packet.Time) *Flow {
	n := len(t.free) - 1
	slot := t.free[n]
	t.free = t.free[:n]
	t.grew(slot)
	f := &t.flows[slot]
	// Field by field: a composite literal would be built on the stack
	// and copied, with store-forwarding stalls.
	*f = Flow{}
	f.Key, f.Slot, f.Opposite, f.hash, f.inUse = *k, slot, None, h, true
	f.First, f.Last, f.Timeout = ts, ts, t.lists[0].timeout
	f.prev, f.next = None, None
	t.index.insert(h, slot)
	t.count++
	if !k.Symmetric() {
		if oi := t.index.find(t.flows, k, rh, true); oi != None {
			o := &t.flows[oi]
			if o.Opposite == None {
				f.Opposite, o.Opposite = oi, slot
				f.Index = o.Index
				f.IsB = true
			}
		}
	}
	if !f.IsB {
		if t.sharedFI != nil {
			f.Index = t.sharedFI.Add(1)
		} else {
			t.nextFI++
			f.Index = t.nextFI
		}
	}
	t.pushHead(0, slot)
	t.prefetchFree()
	return f
}

// prefetchFree starts loading the flow in the slot the next Create takes
// (the top of the free list) and, through tailPrefetch, the plugins'
// state there: that slot was mostly released long ago (or never used),
// so its lines are not in cache, and creating a flow writes all of them.
// A release before the next Create puts its own slot on top, which is
// in cache anyway.
func (t *Table) prefetchFree() {
	n := len(t.free)
	if n == 0 {
		return
	}
	slot := t.free[n-1]
	b := &t.freeBatch
	fp := unsafe.Pointer(&t.flows[slot])
	b.Add2(fp, unsafe.Add(fp, 64))
	if t.tailPrefetch != nil {
		t.tailPrefetch(slot, b)
	}
	b.Flush()
}

// Touch marks f as used at ts (moves it to the head of its LRU list).
func (t *Table) Touch(f *Flow, ts packet.Time) {
	f.Last = ts
	t.unlink(f)
	t.pushHead(f.list, f.Slot)
}

// Parked reports whether f timed out and waits for its opposite.
func (t *Table) Parked(f *Flow) bool { return f.parked }

// SetTimeout changes the flow's idle timeout, moving it to that class's
// list. The class must have been registered with AddTimeout.
func (t *Table) SetTimeout(f *Flow, d packet.Time) {
	if f.Timeout == d {
		return
	}
	cls := int8(t.AddTimeout(d))
	f.Timeout = d
	t.unlink(f)
	t.pushHead(cls, f.Slot)
}

// Expired calls release for every flow idle for at least its timeout at
// time now whose opposite, if any, is idle too (T2's rule: a pair leaves
// together). release receives the flow and must Remove it and its
// opposite. A timed-out flow whose opposite is still active is parked:
// taken out of the LRU lists, so later scans do not walk over it again; it
// leaves with its opposite, or rejoins its list when it sees a packet.
// Each call therefore costs O(1 + flows released or parked).
func (t *Table) Expired(now packet.Time, release func(*Flow)) {
	if now < t.nextDL {
		return
	}
	t.expired(now, release)
}

// noDeadline is nextDL when every list is empty.
const noDeadline = packet.Time(1<<63 - 1)

func (t *Table) expired(now packet.Time, release func(*Flow)) {
	for li := range t.lists {
		l := &t.lists[li]
		for l.tail != None {
			if now < l.tailDL {
				break
			}
			f := &t.flows[l.tail]
			if f.Opposite != None {
				o := &t.flows[f.Opposite]
				if now-o.Last < o.Timeout {
					t.unlink(f)
					f.parked = true
					continue
				}
			}
			release(f)
		}
	}
	// A release may change any list's tail (its opposite's list), so
	// the earliest deadline is taken after all of them.
	next := noDeadline
	for li := range t.lists {
		if l := &t.lists[li]; l.tail != None && l.tailDL < next {
			next = l.tailDL
		}
	}
	t.nextDL = next
}

// Oldest returns the least recently used flow across all lists, or nil.
func (t *Table) Oldest() *Flow {
	var best *Flow
	for _, l := range t.lists {
		if l.tail == None {
			continue
		}
		f := &t.flows[l.tail]
		if best == nil || f.Last < best.Last {
			best = f
		}
	}
	return best
}

// Remove deletes f from the table; its slot becomes free. The opposite
// flow, if any, loses its link.
func (t *Table) Remove(f *Flow) {
	if !f.inUse {
		return
	}
	if f.Opposite != None {
		t.flows[f.Opposite].Opposite = None
	}
	t.Detach(f)
	t.Free(f.Slot)
}

// All returns the slots of all flows in memory, least recently used first.
// It allocates and is meant for the end of a run.
// Flows with the same last packet time keep their LRU order (the list
// walked from its tail; then the next list; parked flows last), so the
// order never depends on which slots the flows took.
func (t *Table) All() []int32 {
	out := make([]int32, 0, t.count)
	for _, l := range t.lists {
		for s := l.tail; s != None; s = t.flows[s].prev {
			out = append(out, s)
		}
	}
	for i := range t.flows {
		if f := &t.flows[i]; f.inUse && f.parked {
			out = append(out, int32(i))
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return t.flows[out[a]].Last < t.flows[out[b]].Last })
	return out
}

func (t *Table) pushHead(li int8, slot int32) {
	l := &t.lists[li]
	f := &t.flows[slot]
	f.list = li
	f.parked = false
	f.prev = None
	f.next = l.head
	if l.head != None {
		t.flows[l.head].prev = slot
	}
	l.head = slot
	if l.tail == None {
		l.tail = slot
		l.tailDL = f.Last + l.timeout
		t.nextDL = min(t.nextDL, l.tailDL)
	}
}

// prefetchTail starts loading what releasing tail flow f and the flow
// after it would touch: f's opposite and the next tail. Expired walks the
// list one dependent load at a time, so this keeps it one step ahead.
func (t *Table) prefetchTail(f *Flow) {
	b := &t.tailBatch
	if f.Opposite != None {
		o := unsafe.Pointer(&t.flows[f.Opposite])
		b.Add2(o, unsafe.Add(o, 64))
	}
	if f.prev != None {
		// The next tail: unlinking f reads its Last (second line),
		// releasing it later its links and key (first line).
		p := unsafe.Pointer(&t.flows[f.prev])
		b.Add2(p, unsafe.Add(p, 64))
	}
	b.Add(unsafe.Pointer(&t.index.ents[f.hash>>t.index.shift]))
	if t.tailPrefetch != nil && !t.noTailState {
		t.tailPrefetch(f.Slot, b)
		if f.Opposite != None {
			t.tailPrefetch(f.Opposite, b)
		}
		b.Flush() // the batch has room for 32 lines
	}
	if rp := t.relPrefetch; rp != nil {
		// One tail ahead, what f's state points at (stage 1: the
		// state was requested when f became the next tail); two
		// ahead, the state of the next tail and of f's opposite (its
		// stage 0 only: what it points at is mostly f's).
		rp(f.Slot, 1, b)
		if f.Opposite != None {
			rp(f.Opposite, 0, b)
		}
		if f.prev != None {
			rp(f.prev, 0, b)
		}
	}
	b.Flush()
}

func (t *Table) unlink(f *Flow) {
	if f.parked {
		return // not in any list
	}
	l := &t.lists[f.list]
	if f.prev != None {
		t.flows[f.prev].next = f.next
	} else if l.head == f.Slot {
		l.head = f.next
	}
	if f.next != None {
		t.flows[f.next].prev = f.prev
	} else if l.tail == f.Slot {
		l.tail = f.prev
		if l.tail != None {
			nt := &t.flows[l.tail]
			l.tailDL = nt.Last + l.timeout
			t.nextDL = min(t.nextDL, l.tailDL)
			t.prefetchTail(nt)
		}
	}
	f.prev, f.next = None, None
}

// PrefetchRemove starts loading what Remove(f) will touch besides f:
// its index entry and its LRU neighbours. The release calls it for a
// pair before rendering both records, so the removal that follows finds
// them in cache (the tail's were prefetched when it became the tail, its
// opposite's not).
func (t *Table) PrefetchRemove(f *Flow) {
	b := &t.tailBatch
	b.Add(unsafe.Pointer(&t.index.ents[f.hash>>t.index.shift]))
	if !f.parked {
		if f.prev != None {
			b.Add(unsafe.Pointer(&t.flows[f.prev]))
		}
		if f.next != None {
			b.Add(unsafe.Pointer(&t.flows[f.next]))
		}
	}
	b.Flush()
}

// Detach takes f out of the table like Remove, but keeps its slot: the
// flow is no longer found, listed or counted, its fields (Opposite
// included: the pair leaves together) stay as they are until Free gives
// the slot back. The engine's retire goroutine reads a detached flow
// while the packet goroutine goes on with the others.
func (t *Table) Detach(f *Flow) {
	if !f.inUse {
		return
	}
	t.unlink(f)
	t.index.remove(t.flows, f.hash, f.Slot)
	f.inUse = false
	t.count--
}

// Free returns the slot of a detached flow to the free list.
func (t *Table) Free(slot int32) { t.free = append(t.free, slot) }

// SetTailStatePrefetch chooses whether the tail prefetch (SetTailPrefetch)
// also runs for flows that became an LRU tail, or only for the slot the
// next new flow takes: when records are built on another goroutine, the
// packet goroutine does not read the released flows' plugin state.
func (t *Table) SetTailStatePrefetch(on bool) { t.noTailState = !on }

// InUse reports whether f is a live flow of the table.
func (t *Table) InUse(f *Flow) bool { return f.inUse }
