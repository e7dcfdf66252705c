package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, target, content string) error {
	t.Helper()
	real, err := Target(target)
	if err != nil {
		return err
	}
	tmp, err := Temp(real)
	if err != nil {
		return err
	}
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return Commit(tmp, real)
}

func TestWriteFollowsLinksWithoutSudo(t *testing.T) {
	t.Setenv("SUDO_UID", "")
	dir := t.TempDir()
	victim := filepath.Join(dir, "real.png")
	os.WriteFile(victim, []byte("old"), 0o644)
	link := filepath.Join(dir, "plot.png")
	os.Symlink("real.png", link)
	if err := write(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "new" {
		t.Errorf("link target holds %q", b)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	plain := filepath.Join(dir, "a.png")
	if err := write(t, plain, "x"); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(plain)
	if st.Mode().Perm()&0o444 != 0o444 {
		t.Errorf("mode %v: a new file is readable as any file created under the umask", st.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestSudoRefusesLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the sudo rule applies to euid 0 with SUDO_UID set")
	}
	t.Setenv("SUDO_UID", "1000")
	dir := t.TempDir()
	victim := filepath.Join(dir, "shadow")
	os.WriteFile(victim, []byte("root's"), 0o600)
	link := filepath.Join(dir, "plot.png")
	os.Symlink(victim, link)
	if err := write(t, link, "png"); !errors.Is(err, ErrSymlink) {
		t.Errorf("write through a planted link: %v", err)
	}
	if err := CheckWritable(link); !errors.Is(err, ErrSymlink) {
		t.Errorf("CheckWritable: %v", err)
	}
	// Planted between Target and Commit.
	late := filepath.Join(dir, "late.png")
	tmp, err := Temp(late)
	if err != nil {
		t.Fatal(err)
	}
	os.Symlink(victim, late)
	if err := Commit(tmp, late); !errors.Is(err, ErrSymlink) {
		t.Errorf("late link: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root's" {
		t.Errorf("victim overwritten: %q", b)
	}
	if err := write(t, filepath.Join(dir, "ok.png"), "png"); err != nil {
		t.Errorf("plain file under sudo: %v", err)
	}
}
