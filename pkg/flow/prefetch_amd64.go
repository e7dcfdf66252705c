package flow

import "unsafe"

// prefetch asks the CPU to start loading the cache line at p without
// waiting for it (PREFETCHT0). It never faults, whatever p is.
//
//go:noescape
func prefetch(p unsafe.Pointer)
