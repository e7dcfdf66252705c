// Package prefetch lets the packet path ask for memory it will need a few
// packets later (flow-table entries, flows, plugins' per-flow state), so
// the loads overlap with other work instead of stalling one by one. A
// prefetch is only a hint: it changes no data and cannot fault.
//
// Addresses are collected in a Batch and issued by one call to a small
// assembly loop (PREFETCHT0 on amd64, nothing elsewhere): the call, not
// the instruction, is the cost, so one call per packet beats one per
// line.
//
// HugePages (HugeSlice, HugeRange) is the other memory hint: big tables
// read at random get transparent huge pages, so those reads stop missing
// the TLB as well (flow.NewTable and the engine use it; a no-op off
// Linux).
package prefetch

import "unsafe"

// Batch collects addresses to prefetch. The zero value is ready; it is
// meant to live in a long-lived struct and be flushed often.
type Batch struct {
	addrs [maxBatch]uintptr
	n     int
	// Write asks for the lines in a state that lets this core write them
	// at once (PREFETCHW): for memory about to be overwritten that another
	// core may hold, such as a flow slot whose record the retire
	// goroutine built last.
	Write bool
}

const maxBatch = 32

// Add queues the cache line at p. A full batch ignores further
// addresses (a prefetch is only a hint); Add stays small enough to be
// inlined.
func (b *Batch) Add(p unsafe.Pointer) {
	// n as a uint: the compare against maxBatch then proves the index
	// in range, so there is no second bounds check.
	if n := uint(b.n); n < maxBatch {
		// A uintptr, not a pointer: the batch must not keep objects
		// alive, and the prefetch needs only the address (Go's heap
		// does not move).
		b.addrs[n] = uintptr(p)
		b.n = int(n + 1)
	}
}

// Add2 is Add(p) then Add(q), with one check of the room left and one
// store of the count when both fit.
func (b *Batch) Add2(p, q unsafe.Pointer) {
	n := uint(b.n)
	if n < maxBatch-1 {
		b.addrs[n] = uintptr(p)
		b.addrs[n+1] = uintptr(q)
		b.n = int(n + 2)
	} else if n < maxBatch {
		b.addrs[n] = uintptr(p) // room for p only, as Add(p); Add(q)
		b.n = int(n + 1)
	}
}

// AddRange queues every cache line of the n bytes at p (n > 0): a
// struct that straddles lines, or a few consecutive entries of an array.
func (b *Batch) AddRange(p unsafe.Pointer, n uintptr) {
	b.addLines(uintptr(p)&^(lineSize-1), uintptr(p)+n)
}

// AddSeq queues the cache lines that begin inside the n bytes at p. For
// an array walked entry by entry it queues each line once: the line an
// entry starts in, if it begins before the entry, came with the entry
// before.
func (b *Batch) AddSeq(p unsafe.Pointer, n uintptr) {
	b.addLines((uintptr(p)+lineSize-1)&^(lineSize-1), uintptr(p)+n)
}

// addLines queues the line addresses a, a+lineSize, ... below end, as
// many as fit; the count stays in a register and is stored once.
func (b *Batch) addLines(a, end uintptr) {
	k := uint(b.n)
	for ; a < end && k < maxBatch; a += lineSize {
		b.addrs[k] = a
		k++
	}
	b.n = int(k)
}

// lineSize is the cache line size of the CPUs the packet path runs on.
const lineSize = 64

// Len is the number of queued addresses.
func (b *Batch) Len() int { return b.n }

// Flush issues the queued prefetches and empties the batch.
func (b *Batch) Flush() {
	if b.n > 0 {
		if b.Write {
			linesW(&b.addrs[0], b.n)
		} else {
			lines(&b.addrs[0], b.n)
		}
		b.n = 0
	}
}

// HugeSlice is HugePages for the backing array of s.
func HugeSlice[T any](s []T) {
	if len(s) == 0 {
		return
	}
	HugePages(unsafe.Pointer(unsafe.SliceData(s)), uintptr(len(s))*unsafe.Sizeof(s[0]))
}
