package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateRefusesSymlinkUnderSudo(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "root-only")
	if err := os.WriteFile(target, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "x_flows.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := create(link, true, os.O_TRUNC); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("create through a link under sudo: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "secret\n" {
		t.Fatalf("link target changed: %q", b)
	}
	// A plain file is created and truncated as before.
	plain := filepath.Join(dir, "y_flows.txt")
	os.WriteFile(plain, []byte("old"), 0o644)
	f, err := create(plain, true, os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st, _ := os.Stat(plain); st.Size() != 0 {
		t.Fatal("existing file not truncated")
	}
	// Without sudo the link is followed (the user writes their own files).
	f, err = create(link, false, os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
