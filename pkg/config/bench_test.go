package config

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures a start-up read of every component with a user
// file for the core.
func BenchmarkLoad(b *testing.B) {
	home := b.TempDir()
	os.WriteFile(filepath.Join(home, "tranalyzer2.toml"), []byte("MONINTV = 10.0\nDIFF_REPORT = 1\n"), 0o644)
	for b.Loop() {
		if _, err := Load(Options{Home: home}); err != nil {
			b.Fatal(err)
		}
	}
}
