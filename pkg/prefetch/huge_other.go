//go:build !linux

package prefetch

import "unsafe"

// HugePages does nothing where transparent huge pages are not known.
func HugePages(p unsafe.Pointer, n uintptr) {}

// HugeRange does nothing where transparent huge pages are not known.
func HugeRange(addr, n uintptr) {}
