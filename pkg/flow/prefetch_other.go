//go:build !amd64

package flow

import "unsafe"

// prefetch2 is a no-op where no prefetch instruction is wired up.
func prefetch2(p, q unsafe.Pointer) {}
