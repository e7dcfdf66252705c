package config

import (
	"fmt"
	"os"
	"path/filepath"
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
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
		owner = file
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	copyOwner(name, owner)
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
func Lock(dir string) (func(), error) {
	if err := mkdirAll(dir); err != nil {
		return nil, fmt.Errorf("config: %s: %w", DisplayPath(dir), err)
	}
	lock := filepath.Join(dir, LockName)
	_, statErr := os.Stat(lock)
	// read-only is enough for flock, and works on a lock file another
	// user (root under sudo) created
	f, err := os.OpenFile(lock, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("config: lock: %w", err)
	}
	if statErr != nil {
		copyOwner(lock, dir)
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
