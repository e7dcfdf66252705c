//go:build !amd64

package prefetch

// lines is a no-op where no prefetch instruction is wired up.
func lines(addrs *uintptr, n int) {}

func linesW(addrs *uintptr, n int) {}
