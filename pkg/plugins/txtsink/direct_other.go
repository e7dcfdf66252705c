//go:build !linux

package txtsink

import (
	"errors"
	"os"
)

// setDirect: direct I/O is only used on Linux; elsewhere the flow file is
// written through the page cache.
func setDirect(f *os.File, on bool) error {
	if on {
		return errors.New("direct I/O not supported here")
	}
	return nil
}
