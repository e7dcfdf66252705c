package prefetch

import "unsafe"

// Lines asks the CPU to start loading the cache lines at p and q without
// waiting for them (PREFETCHT0). It never faults, whatever the addresses
// are. One call serves two lines because the call is most of the cost.
//
//go:noescape
func Lines(p, q unsafe.Pointer)
