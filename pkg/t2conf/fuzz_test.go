package t2conf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/t2go/t2go/configs"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2proc"
)

// FuzzDefine edits a user file with -D NAME=VALUE and writes it back. The
// invariants: no panic; a rejected edit leaves the file as it was; an
// accepted one leaves a file that loads, holds the new value, and keeps
// every other setting the file had.
func FuzzDefine(f *testing.F) {
	def, err := configs.FS.ReadFile(config.Core + ".toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def, "MONINTV", "10")
	f.Add([]byte("MONINTV = 2.5 # inline\n\n# comment\nVERBOSE = 1\n"), "VERBOSE", "default")
	f.Add([]byte("MACHINE_REPORT = 0\n"), "MACHINE_REPORT", "yes")
	f.Add([]byte("MONPROTL3 = [\"L3_TCP\"]\n"), "MONPROTL3", "L3_TCP,L3_UDP,17")
	f.Add([]byte("MONPROTFL = \"proto.txt\"\n"), "MONPROTFL", "a\"b\\c")
	f.Add([]byte("MONINTV = \n"), "MONINTV", "1")
	f.Add([]byte("NOPE = 1\n"), "MONINTV", "1")
	f.Add([]byte("\xff\xfe = 1\r\n"), "DIFF_REPORT", "1")
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		home := t.TempDir()
		file := filepath.Join(home, config.Core+".toml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := config.Options{Home: home}
		before, beforeErr := config.Load(opts)
		var out bytes.Buffer
		o := &Options{IO: iostreams.Test("", &out, &out), Home: home, Finder: t2proc.Finder{Exes: []t2proc.Exe{}},
			Defines: []string{key + "=" + value}}
		err := o.check()
		if err == nil {
			err = Run(o)
		}
		after, _ := os.ReadFile(file)
		if err != nil {
			if !bytes.Equal(after, data) {
				t.Fatalf("rejected edit %s=%q changed the file:\n%q\nto\n%q", key, value, data, after)
			}
			return
		}
		cfg, lerr := config.Load(opts)
		if lerr != nil {
			t.Fatalf("accepted edit %s=%q left a file that does not load: %v\n%q", key, value, lerr, after)
		}
		comp, _ := cfg.Component(config.Core)
		spec, ok := comp.Spec(key)
		if !ok {
			t.Fatalf("accepted unknown key %q", key)
		}
		want, cerr := spec.Canonical(value)
		if cerr != nil {
			t.Fatalf("accepted %s=%q that Canonical rejects: %v", key, value, cerr)
		}
		if comp.Raw(key) != want {
			t.Fatalf("%s = %s after -D %s=%q, want %s", key, comp.Raw(key), key, value, want)
		}
		if beforeErr == nil {
			old, _ := before.Component(config.Core)
			for _, k := range old.Keys() {
				if k != key && old.Raw(k) != comp.Raw(k) {
					t.Fatalf("-D %s changed %s: %s -> %s", key, k, old.Raw(k), comp.Raw(k))
				}
			}
		}
	})
}
