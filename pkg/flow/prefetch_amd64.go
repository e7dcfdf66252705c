package flow

import "unsafe"

// prefetch2 asks the CPU to start loading the cache lines at p and q
// without waiting for them (PREFETCHT0). It never faults, whatever the
// addresses are. One call serves two lines: the call itself is most of
// the cost.
//
//go:noescape
func prefetch2(p, q unsafe.Pointer)
