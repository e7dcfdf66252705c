package prefetch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of an x86-64 (and most arm64) transparent huge
// page.
const hugePage = 2 << 20

// HugePages asks the kernel to back the n bytes at p with transparent
// huge pages when they are first touched. Meant for big tables read at
// random, one entry per packet (the flow table, its index, the plugins'
// per-flow state), allocated but not yet written: with 4 KB pages nearly
// every such read also misses the TLB and walks the page tables, and a
// system set to THP "madvise" (the default of many distributions) gives
// Go's heap no huge pages otherwise. Only the whole huge pages inside the
// range are advised, so neighbouring memory is not affected. Like a
// prefetch it is only a hint: it changes no data, and where THP is off
// the kernel refuses it and nothing changes.
func HugePages(p unsafe.Pointer, n uintptr) { HugeRange(uintptr(p), n) }

// HugeRange is HugePages for the n bytes at address addr: memory the
// process mapped that is not one Go object (a heap arena read from
// /proc/self/maps).
func HugeRange(addr, n uintptr) {
	lo := (addr + hugePage - 1) &^ (hugePage - 1)
	hi := (addr + n) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	madvise(lo, hi-lo, unix.MADV_HUGEPAGE)
}

// madvise takes the range as integers: it names pages of the caller's
// object, and no pointer is made from the rounded addresses.
func madvise(addr, n uintptr, advice int) {
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, addr, n, uintptr(advice))
}
