package control

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDerivePrefix(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		kind  int
		in, w string
		want  string
	}{
		{InputFile, "data/annoloc2.pcap", "", "data/annoloc2"},
		{InputFile, "/a.b/file", "", "/a.b/file"},
		{InputFile, "/a.b/file.pcapng", "", "/a.b/file"},
		{InputFile, "x/trace.pcap.gz", "", "x/trace"},
		{InputFile, "-", "", "stdin"},
		{InputLive, "eth0", "", "eth0"},
		{InputFile, "data/annoloc2.pcap", dir, filepath.Join(dir, "annoloc2")},
		{InputFile, "data/annoloc2.pcap", dir + "/", filepath.Join(dir, "annoloc2")},
		{InputLive, "eth0", dir, filepath.Join(dir, "eth0")},
		{InputFile, "data/x.pcap", filepath.Join(dir, "sub", "pre"), filepath.Join(dir, "sub", "pre")},
		{InputFile, "data/x.pcap", "-", "data/x"},
	}
	for _, tc := range tests {
		got, err := DerivePrefix(tc.kind, tc.in, tc.w)
		if err != nil {
			t.Fatalf("%q %q: %v", tc.in, tc.w, err)
		}
		if got != tc.want {
			t.Errorf("DerivePrefix(%q, %q) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sub")); err != nil {
		t.Errorf("parent directory of -w prefix not created: %v", err)
	}
}
