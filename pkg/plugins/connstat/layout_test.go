package connstat

import (
	"testing"
	"unsafe"
)

// TestEntrySizes keeps a flow's state, its out and the table entries
// within one cache line each (flowOut: two a line).
func TestEntrySizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		size, max uintptr
	}{
		{"flowState", unsafe.Sizeof(flowState{}), 32},
		{"flowOut", unsafe.Sizeof(flowOut{}), 32},
		{"pairEntry", unsafe.Sizeof(pairEntry{}), 64},
		{"hostEntry", unsafe.Sizeof(hostEntry{}), 32},
		{"portEntry", unsafe.Sizeof(portEntry{}), 16},
	} {
		if c.size != c.max {
			t.Errorf("%s is %d bytes, want %d", c.name, c.size, c.max)
		}
	}
}
