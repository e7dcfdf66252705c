//go:build !linux

package capture

// populatePages does nothing where MADV_POPULATE_READ is not known: the
// pages are faulted in when first read.
func populatePages(b []byte) {}
