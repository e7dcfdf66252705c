//go:build !linux

package prefetch

import "unsafe"

// Populate does nothing where MADV_POPULATE_WRITE is not known.
func Populate(p unsafe.Pointer, n uintptr) {}
