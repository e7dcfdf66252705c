// Package outfile creates the files t2rrd writes (the database of -m, the
// PNG of a plot) so that no reader ever sees half a file and sudo cannot
// be tricked into writing elsewhere: the content goes to a new file next to
// the target, created with O_EXCL|O_NOFOLLOW, which is then renamed over
// the target. Under sudo a target that is a symbolic link is refused (a
// user could plant one to make root overwrite any file); otherwise the
// link is followed and the file it names is replaced, as writing through
// it did before.
package outfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// UnderSudo reports whether the process runs as root on behalf of another
// user (sudo sets SUDO_UID).
func UnderSudo() bool { return os.Geteuid() == 0 && os.Getenv("SUDO_UID") != "" }

// ErrSymlink is returned (wrapped) for a target that is a symbolic link
// under sudo.
var ErrSymlink = errors.New("is a symbolic link; under sudo t2rrd does not write through links (remove it or name the real file)")

// Target returns the file that writing to path should replace: path
// itself, or under no sudo the file a symbolic link at path names. Under
// sudo a link is an error.
func Target(path string) (string, error) {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	if UnderSudo() {
		return "", fmt.Errorf("%s %w", path, ErrSymlink)
	}
	dest, err := os.Readlink(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(filepath.Dir(path), dest)
	}
	if real, err := filepath.EvalSymlinks(dest); err == nil {
		return real, nil
	}
	return dest, nil // a dangling link: create the file it names
}

// Temp creates an empty file next to target (same directory, so a rename
// is atomic), mode 0666 less the umask as for any new file, without
// following a link at its (random) name. The caller fills it and calls
// Commit, or removes it.
func Temp(target string) (string, error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	var rnd [6]byte
	for try := 0; ; try++ {
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", err
		}
		name := filepath.Join(dir, "."+base+".tmp"+hex.EncodeToString(rnd[:]))
		fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o666)
		if err == nil {
			syscall.Close(fd)
			return name, nil
		}
		if err != syscall.EEXIST || try > 10 {
			return "", &fs.PathError{Op: "create", Path: name, Err: err}
		}
	}
}

// Commit renames the filled temporary file over target. Under sudo it
// checks again that target is no symbolic link (it may have been planted
// since Target); rename replaces a link rather than following it anyway.
func Commit(tmp, target string) error {
	if UnderSudo() {
		if st, err := os.Lstat(target); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			os.Remove(tmp)
			return fmt.Errorf("%s %w", target, ErrSymlink)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// CheckWritable refuses, under sudo, to update target in place when it is
// a symbolic link (librrd opens the database of -k itself).
func CheckWritable(target string) error {
	_, err := Target(target)
	return err
}
