//go:build !amd64

package flow

import "unsafe"

// prefetch is a no-op where no prefetch instruction is wired up.
func prefetch(p unsafe.Pointer) {}
