package prefetch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Populate asks the kernel to fault in, writable, the pages of the n
// bytes at p now, as a first write to each would (MADV_POPULATE_WRITE,
// Linux 5.14 and later). Fresh anonymous memory costs a page fault and a
// page clear on its first touch; calling Populate on another goroutine
// ahead of use moves that cost off the goroutine that will write there.
// It changes no data (pages already present are left as they are), so it
// may run while other goroutines read and write the range. Like a
// prefetch it is only a hint: an older kernel refuses it and nothing
// changes.
func Populate(p unsafe.Pointer, n uintptr) {
	const page = 4096
	addr := uintptr(p)
	lo := addr &^ (page - 1)
	hi := (addr + n + page - 1) &^ (page - 1)
	if hi <= lo {
		return
	}
	madvise(lo, hi-lo, unix.MADV_POPULATE_WRITE)
}
