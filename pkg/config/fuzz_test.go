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
