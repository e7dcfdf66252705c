package config

import (
	"bytes"
	"strings"
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

// FuzzParsePluginList checks that any plugins.txt either fails with a
// line error or yields valid, unique plugin names without the core.
func FuzzParsePluginList(f *testing.F) {
	f.Add([]byte("100_basicFlow.so\n# c\n901_txtSink\ntranalyzer2\nbasicFlow\n"))
	f.Add([]byte("basic Flow\n"))
	f.Add([]byte("\x00\r\n120_basicStats/\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		names, err := ParsePluginList("fuzz", in)
		if err != nil {
			if _, ok := err.(*LineError); !ok {
				t.Fatalf("error %T %v is not a line error", err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n == Core || seen[n] || !ValidKey(n) {
				t.Fatalf("bad name %q in %q", n, names)
			}
			seen[n] = true
		}
	})
}

// FuzzParseProtoFile checks that a protocol file either fails (with a
// message that quotes none of it) or gives 256 non-empty names.
func FuzzParseProtoFile(f *testing.F) {
	data, _ := configs.FS.ReadFile("proto.txt")
	f.Add(data)
	f.Add([]byte("0\tHOPOPT\tHop\n1\n"))
	f.Add([]byte("root:$6$hash:1:0:::\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := ParseProtoFile("fuzz", in, 1)
		if err != nil {
			if len(in) > 8 && strings.Contains(err.Error(), string(in)) {
				t.Fatalf("message %q quotes the file", err)
			}
			return
		}
		for i, n := range out {
			if n == "" {
				t.Fatalf("protocol %d has no name", i)
			}
		}
	})
}
