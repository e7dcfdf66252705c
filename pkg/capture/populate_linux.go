package capture

import "golang.org/x/sys/unix"

// populatePages maps the pages of b, a part of a file mapping, reading
// in those not in the page cache, without copying them
// (MADV_POPULATE_READ, Linux 5.14 and later; an older kernel refuses it,
// which changes nothing).
func populatePages(b []byte) { _ = unix.Madvise(b, unix.MADV_POPULATE_READ) }
