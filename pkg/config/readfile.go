package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Size limits of the files t2 and the tools read: a BPF filter, a plugin
// list or a component file is a few KB, so a file far larger is a mistake
// (such as /dev/zero) that must not exhaust memory.
const (
	MaxConfigFile  = 1 << 20  // a component file NAME.toml
	MaxPluginList  = 64 << 10 // plugins.txt, -b
	MaxDataFile    = 4 << 20  // proto.txt (MONPROTFL), portmap.txt, ...
	MaxFilterFile  = 64 << 10 // -F
	maxEchoedValue = 64       // longest value text quoted in an error
)

// ReadFileLimited reads path, failing (and naming the file) when it holds
// more than limit bytes. It reads at most limit+1 bytes, so devices such as
// /dev/zero are refused without exhausting memory.
func ReadFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path, limit)
}

func readLimited(f *os.File, path string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DisplayPath(path), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a plausible file of this kind", DisplayPath(path), limit)
	}
	return data, nil
}

// invokingUser returns the user who ran t2 with sudo (euid 0 and
// SUDO_UID/SUDO_GID set); ok is false otherwise. A variable so tests can
// simulate sudo.
var invokingUser = func() (uid, gid uint32, ok bool) {
	if os.Geteuid() != 0 {
		return 0, 0, false
	}
	u, err1 := strconv.ParseUint(os.Getenv("SUDO_UID"), 10, 32)
	g, err2 := strconv.ParseUint(os.Getenv("SUDO_GID"), 10, 32)
	if err1 != nil || err2 != nil || u == 0 {
		return 0, 0, false
	}
	return uint32(u), uint32(g), true
}

// errNotReadable is returned for a file the invoking user of sudo could
// not read.
var errNotReadable = errors.New("refused: t2 runs under sudo and the invoking user may not read this file")

// readAsUser reads path with limit; under sudo it first checks, on the
// opened file (so symbolic links are followed), that the invoking user
// could read it with their own rights. The error never contains any of
// the file's content.
func readAsUser(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if uid, gid, ok := invokingUser(); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", DisplayPath(path), err)
		}
		if !readableBy(st, uid, gid) {
			return nil, fmt.Errorf("%s: %w", DisplayPath(path), errNotReadable)
		}
	}
	return readLimited(f, path, limit)
}

func readableBy(st os.FileInfo, uid, gid uint32) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	perm := st.Mode().Perm()
	switch {
	case sys.Uid == uid:
		return perm&0o400 != 0
	case sys.Gid == gid:
		return perm&0o040 != 0
	default:
		return perm&0o004 != 0
	}
}

// fromHome reports whether file was found in the config home (not in the
// plugin folder given on the command line): under sudo that folder
// belongs to the invoking user, and so do the files its settings name.
func (o Options) fromHome(file string) bool {
	dir := filepath.Dir(file)
	return dir == filepath.Clean(o.home()) && (o.PluginDir == "" || dir != filepath.Clean(o.PluginDir))
}

// readUserFile reads a file found by Lookup: with the invoking user's
// rights when it came from the config home, else as given.
func (o Options) readUserFile(file string, limit int64) ([]byte, error) {
	read := ReadFileLimited
	if o.fromHome(file) {
		read = readAsUser
	}
	data, err := read(file, limit)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return data, nil
}

// clip prepares text from a file for an error message: control bytes
// and invalid UTF-8 are escaped (a NUL is shown as \x00, not printed raw)
// and anything beyond maxEchoedValue bytes is cut, with the full size
// said, so a huge value is not echoed whole.
func clip(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= maxEchoedValue {
			fmt.Fprintf(&b, "... (%d bytes)", len(s))
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		n += size
	}
	return b.String()
}
