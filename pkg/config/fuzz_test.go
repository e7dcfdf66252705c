package config

import (
	"bytes"
	"testing"

	"github.com/t2go/t2go/configs"
)

// FuzzParseDocument checks that the parser never panics and that printing
// a parsed document gives back the input byte for byte.
func FuzzParseDocument(f *testing.F) {
	data, _ := configs.FS.ReadFile("tranalyzer2.toml")
	f.Add(data)
	f.Add([]byte("A = [\"x\", \"y\\\"\"] # c\r\nB=\"q\"\n\n"))
	f.Add([]byte("A = 1"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseDocument("fuzz", in)
		if err != nil {
			return
		}
		if !bytes.Equal(d.Bytes(), in) {
			t.Fatalf("round trip changed %q into %q", in, d.Bytes())
		}
		for _, e := range d.Entries() {
			d.Set(e.Key, "1")
		}
		if _, err := ParseDocument("fuzz", d.Bytes()); err != nil {
			t.Fatalf("after Set: %v", err)
		}
	})
}

// FuzzCanonical checks that whatever a user types for -D either is refused
// or becomes value text that the file reader accepts, and that feeding
// that text back gives the same text.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"1", "yes", "default", "10", "0.5", "L3_TCP,6", `["a"]`, `"x"`, "", "0x10", "1e3"} {
		f.Add(s)
	}
	c, err := LoadDefaults(Options{})
	if err != nil {
		f.Fatal(err)
	}
	comp, _ := c.Component(Core)
	f.Fuzz(func(t *testing.T, in string) {
		for _, k := range comp.Keys() {
			s, _ := comp.Spec(k)
			raw, err := s.Canonical(in)
			if err != nil {
				continue
			}
			if _, err := s.parseRaw(raw); err != nil {
				t.Fatalf("%s: %q -> %q rejected by the reader: %v", k, in, raw, err)
			}
			if s.Kind != KindString {
				again, err := s.Canonical(raw)
				if err != nil || again != raw {
					t.Fatalf("%s: %q -> %q -> %q %v", k, in, raw, again, err)
				}
			}
			d, err := ParseDocument("f", []byte(k+" = "+raw+"\n"))
			if err != nil {
				t.Fatalf("%s: %q -> %q not parseable: %v", k, in, raw, err)
			}
			if e, _ := d.Get(k); e.Raw != raw {
				t.Fatalf("%s: %q read back as %q", k, raw, e.Raw)
			}
		}
	})
}
