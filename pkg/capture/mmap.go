package capture

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// mapping is a capture file mapped into memory, read-only. Reading a
// plain pcap file this way saves the two copies a read goes through (the
// kernel's into the read buffer, ours into the batch): packets are handed
// over as slices of the mapping.
//
// Its lifetime is the source's: batches still in flight refer to it
// after the file ended, so Close unmaps, not the end of the file. Pages
// recycled batches no longer need are dropped from the process's
// resident set (release), so memory stays within dropChunk plus a few
// batches however large the file.
type mapping struct {
	data    []byte
	name    string
	dropped int // data[:dropped] was given back

	// Populating ahead of the reader (ahead): data[:populated] is
	// mapped or being mapped by the goroutine pop waits for.
	populated int
	popping   atomic.Bool
	pop       sync.WaitGroup
}

// populateStep is how much of the mapping a populating goroutine maps
// at a time, a step ahead of the reader: without it every 64 KB of the
// file (the kernel's fault-around) costs the reader a page fault.
const populateStep = 8 << 20

// ahead is called by the reader at read position pos: when pos nears
// the end of the populated part, a goroutine maps the next step. One
// runs at a time; a call while it runs does nothing (the next tries
// again).
func (m *mapping) ahead(pos int) {
	if pos+populateStep/2 < m.populated || m.populated >= len(m.data) || m.popping.Load() {
		return
	}
	lo := m.populated &^ (pageSize - 1) // madvise takes whole pages
	hi := min(max(lo, pos)+populateStep, len(m.data))
	m.populated = hi
	m.popping.Store(true)
	m.pop.Add(1)
	part := m.data[lo:hi]
	go func() {
		defer m.pop.Done()
		populatePages(part)
		m.popping.Store(false)
	}()
}

// dropChunk is how much consumed mapping is given back at a time: each
// madvise costs a TLB shootdown on every core running t2's threads, so
// not once per batch.
const dropChunk = 32 << 20

// release says that a recycled batch is done with data[from:to]. Batches
// come back in the order they were filled, so everything before the page
// holding to is done; it is given back in dropChunk steps. (Were a batch
// still in use, nothing breaks: a dropped page of a file mapping is read
// again from the page cache on the next access.)
func (m *mapping) release(from, to int) {
	hi := min(to, len(m.data)) &^ (pageSize - 1)
	if hi-m.dropped >= dropChunk {
		dropPages(m.data[m.dropped:hi])
		m.dropped = hi
	}
}

// errMemoryFault is wrapped by the error MemoryFault returns.
var errMemoryFault = errors.New("memory fault reading the mapped capture: the file shrank while being read")

// MemoryFault turns a recovered panic into an error when it is a memory
// fault (see debug.SetPanicOnFault) inside a capture file mapping, as
// happens when the file is truncated while it is read; it returns nil
// for any other panic value (a fault elsewhere is a bug), which the
// caller must re-raise. The goroutines that touch packet bytes (the
// reader and the packet loop) enable SetPanicOnFault and recover with
// this.
func MemoryFault(r any) error {
	f, ok := r.(interface{ Addr() uintptr })
	if !ok {
		return nil
	}
	if _, isErr := r.(error); !isErr || !inMapping(f.Addr()) {
		return nil
	}
	return fmt.Errorf("%w (address %#x)", errMemoryFault, f.Addr())
}

// live holds the mappings not unmapped yet, for MemoryFault.
var live struct {
	sync.Mutex
	maps map[*mapping]struct{}
}

func register(m *mapping) {
	live.Lock()
	defer live.Unlock()
	if live.maps == nil {
		live.maps = map[*mapping]struct{}{}
	}
	live.maps[m] = struct{}{}
}

func unregister(m *mapping) {
	live.Lock()
	defer live.Unlock()
	delete(live.maps, m)
}

// inMapping reports whether addr lies in a live mapping.
func inMapping(addr uintptr) bool {
	live.Lock()
	defer live.Unlock()
	for m := range live.maps {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
		if addr >= start && addr-start < uintptr(len(m.data)) {
			return true
		}
	}
	return false
}

// How a file is read (fileReadMode).
const (
	readBuffered = iota // through the bufio reader (copied out of it)
	readDirect          // read() straight into the batches (reader.nextDirect)
	readMapped          // memory-mapped (reader.nextMapped)
)

// fileReadMode chooses how a file is read: a plain (not gzipped) pcap
// regular file directly, or mapped when T2_MMAP is set; everything else
// (pcapng, gzip, pipes, stdin), and every file when T2_NO_MMAP is set,
// through the read buffer.
func fileReadMode(f *os.File, r *reader, size int64) int {
	if f == os.Stdin || r.ng || r.gz != nil || size <= 24 || os.Getenv("T2_NO_MMAP") != "" {
		return readBuffered
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return readBuffered
	}
	if os.Getenv("T2_MMAP") != "" {
		return readMapped
	}
	return readDirect
}
