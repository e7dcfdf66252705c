package prefetch

// lines issues PREFETCHT0 for the n addresses at addrs.
//
//go:noescape
func lines(addrs *uintptr, n int)

// linesW issues PREFETCHW (prefetch for writing) for the n addresses at
// addrs.
//
//go:noescape
func linesW(addrs *uintptr, n int)
