package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// WriteFileAtomic writes data to file through a temporary file in the same
// directory, synced and renamed over file, so readers see the old or the
// new content, never a part. The directory is created if needed.
func WriteFileAtomic(file string, data []byte) error {
	dir := filepath.Dir(file)
	if err := mkdirAll(dir); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	owner := dir // a new file belongs to the folder's owner
	if st, err := os.Lstat(file); err == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm()
		owner = file
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	chownLike(tmp, owner)
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, file); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// LockName is the lock file the tools hold while they read, change and
// write user files in a directory.
const LockName = ".t2conf.lock"

// Lock takes an exclusive lock on DIR/.t2conf.lock (creating DIR if
// needed), waiting for other holders. Call the returned function to release.
//
// The tools run as root under sudo in folders their user controls, so
// the lock is opened without following links (a planted symbolic link
// would make root create or open any file), a new lock file is created
// exclusively and chowned through its descriptor, and DIR must belong to
// the caller (or, under sudo, to the invoking user).
func Lock(dir string) (func(), error) {
	if err := mkdirAll(dir); err != nil {
		return nil, fmt.Errorf("config: %s: %w", DisplayPath(dir), err)
	}
	if err := checkOwner(dir); err != nil {
		return nil, err
	}
	lock := filepath.Join(dir, LockName)
	// read-only is enough for flock, and works on a lock file another
	// user (root under sudo) created
	f, err := os.OpenFile(lock, os.O_RDONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	created := err == nil
	if errors.Is(err, fs.ErrExist) {
		// O_NONBLOCK: a planted FIFO must not hang the open
		f, err = os.OpenFile(lock, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("config: lock %s is a symbolic link; remove it", DisplayPath(lock))
	}
	if err != nil {
		return nil, fmt.Errorf("config: lock: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("config: lock %s is not a regular file; remove it", DisplayPath(lock))
	}
	if created {
		chownLike(f, dir)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("config: lock %s: %w", DisplayPath(f.Name()), err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// checkOwner refuses to lock (and so to write) in a folder that belongs
// to somebody else: its owner could swap files under a root process.
// Root may use its own folders and, under sudo, the invoking user's.
func checkOwner(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("config: %s: %w", DisplayPath(dir), err)
	}
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid, euid := int(s.Uid), os.Geteuid()
	if uid == euid {
		return nil
	}
	if euid == 0 {
		if su, err := strconv.Atoi(os.Getenv("SUDO_UID")); err == nil && su == uid {
			return nil
		}
	}
	return fmt.Errorf("config: %s belongs to user %d, not to you (user %d): the tools change only folders you own", DisplayPath(dir), uid, euid)
}

// mkdirAll creates dir and its missing parents; when run as root, each new
// folder gets the owner of its parent, so "sudo t2conf" does not leave
// root-owned folders in a user's home.
func mkdirAll(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	copyOwner(dir, parent)
	return nil
}

// chownLike gives the open file f the owner and group of from, when
// running as root. Through the descriptor, so a name swapped in the
// meantime cannot redirect the chown.
func chownLike(f *os.File, from string) {
	if os.Geteuid() != 0 {
		return
	}
	st, err := os.Stat(from)
	if err != nil {
		return
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && (s.Uid != 0 || s.Gid != 0) {
		f.Chown(int(s.Uid), int(s.Gid))
	}
}

// copyOwner gives path the owner and group of from, when running as root
// (for anybody else it could only be a no-op or fail).
func copyOwner(path, from string) {
	if os.Geteuid() != 0 {
		return
	}
	st, err := os.Stat(from)
	if err != nil {
		return
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && (s.Uid != 0 || s.Gid != 0) {
		os.Lchown(path, int(s.Uid), int(s.Gid))
	}
}
