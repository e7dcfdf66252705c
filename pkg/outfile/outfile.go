// Package outfile creates t2's output files (flows, headers, log,
// monitoring, packets). Under sudo, a file is never created or truncated
// through a symbolic link: t2 runs as root there, and a link planted
// where an output file will be (~/results/x_flows.txt -> /etc/shadow)
// would otherwise make root overwrite its target (docs/security.md).
package outfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// UnderSudo reports whether t2 runs as root on behalf of another user
// (sudo sets SUDO_UID and SUDO_USER).
func UnderSudo() bool {
	return os.Geteuid() == 0 && (os.Getenv("SUDO_UID") != "" || os.Getenv("SUDO_USER") != "")
}

// Create creates or truncates name for writing (as os.Create). Under
// sudo it refuses a name that is a symbolic link.
func Create(name string) (*os.File, error) {
	return create(name, UnderSudo(), os.O_TRUNC)
}

// CreateKeep is Create without truncating an existing file: the caller
// truncates it (f.Truncate(0)) before its first write. Truncating a large
// file can take a tenth of a second (the file system frees its blocks);
// a caller that writes from another goroutine can do it there, off the
// start of the run, and still learns at once whether the file can be
// opened.
func CreateKeep(name string) (*os.File, error) {
	return create(name, UnderSudo(), 0)
}

func create(name string, noFollow bool, trunc int) (*os.File, error) {
	flags := os.O_RDWR | os.O_CREATE | trunc
	if noFollow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(name, flags, 0o666)
	if err != nil && noFollow && errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("refusing to write '%s': it is a symbolic link, and t2 runs as root under sudo", name)
	}
	return f, err
}
