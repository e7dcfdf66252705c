package engine

import "testing"

func TestAnonRW(t *testing.T) {
	for _, c := range []struct {
		line   string
		lo, hi uintptr
		ok     bool
	}{
		{"c000000000-c004000000 rw-p 00000000 00:00 0", 0xc000000000, 0xc004000000, true},
		{"7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ", 0x7f0000000000, 0x7f0000100000, true},
		{"7f0000000000-7f0000100000 r--p 00000000 00:00 0", 0, 0, false},            // read-only
		{"7f0000000000-7f0000100000 rw-s 00000000 00:05 12 /dev/zero", 0, 0, false}, // shared
		{"55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0 [heap]", 0, 0, false},     // named
		{"7f00-7f00 rw-p 00000000 00:00 0", 0, 0, false},                            // empty
		{"zz-7f00 rw-p 00000000 00:00 0", 0, 0, false},
	} {
		lo, hi, ok := anonRW([]byte(c.line))
		if lo != c.lo || hi != c.hi || ok != c.ok {
			t.Errorf("%q: %#x-%#x %v, want %#x-%#x %v", c.line, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}
