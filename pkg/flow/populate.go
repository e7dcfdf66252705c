package flow

import (
	"unsafe"

	"github.com/t2go/t2go/pkg/prefetch"
)

// Memory indexed by slot (the flows and the plugins' per-flow state) is
// allocated for the table's full capacity but touched only as the flows
// in memory grow: the free list hands out the lowest slots first, so the
// slots in use are those below a high-water mark. The first touch of
// each fresh page costs a page fault and a page clear, and on the packet
// goroutine (the bottleneck of a run) these faults cost as much as a
// tenth of its time while the table fills. So the table populates the
// pages of every registered array ahead of the high-water mark, on a
// goroutine of its own (prefetch.Populate), by as many slots as are in
// use (populateMin at least, populateAhead at most); the slots beyond
// are still never touched (no RSS for a capacity that is not used, and
// little for a small capture).

// populateMin and populateAhead bound how many slots beyond the
// high-water mark are populated. At ~1 KB of state per slot (T2's
// default set) populateAhead is 16 MB of memory that may never be used,
// and about one step of the table's growth at a burst of new flows.
const (
	populateMin   = 1024
	populateAhead = 16384
)

// slotMem is one array indexed by slot: size bytes per slot from base.
type slotMem struct {
	base unsafe.Pointer
	size uintptr
}

// PerSlot registers s, an array indexed by slot (t.Capacity() entries,
// or k entries a slot for k × t.Capacity() in all), so its pages are populated ahead of use. Call it
// at plugin initialisation, before the first flow is created; the first
// Create starts populating (after the engine's huge-page hint, so the
// pages populated are huge ones where the system allows).
func PerSlot[T any](t *Table, s []T) {
	if len(s) == 0 {
		return
	}
	var zero T
	k := len(s) / len(t.flows)
	if k == 0 || unsafe.Sizeof(zero) == 0 {
		return // not one entry a slot: nothing to populate by slot
	}
	t.slotMem = append(t.slotMem, slotMem{unsafe.Pointer(unsafe.SliceData(s)), uintptr(k) * unsafe.Sizeof(zero)})
}

// grew records that slot was handed out; the populating goroutine is
// started when the high-water mark nears the populated slots.
func (t *Table) grew(slot int32) {
	if slot < t.high {
		return
	}
	t.high = slot + 1
	if t.high+t.ahead()/2 > t.populated {
		t.populate()
	}
}

// ahead is how many slots beyond the high-water mark are populated.
func (t *Table) ahead() int32 { return min(max(t.high, populateMin), populateAhead) }

// populate starts a goroutine that populates the registered arrays up
// to ahead slots beyond the high-water mark, unless one is still running
// (the next new slot tries again).
func (t *Table) populate() {
	hi := min(int(t.high+t.ahead()), len(t.flows))
	lo := int(t.populated)
	if hi <= lo || len(t.slotMem) == 0 || t.populating.Load() {
		return
	}
	t.populated = int32(hi)
	t.populating.Store(true)
	mem := t.slotMem
	go func() {
		for _, m := range mem {
			prefetch.Populate(unsafe.Add(m.base, uintptr(lo)*m.size), uintptr(hi-lo)*m.size)
		}
		t.populating.Store(false)
	}()
}
