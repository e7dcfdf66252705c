package capture

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// FormatError reports damage inside a capture file: the packets before the
// damage were delivered, nothing after it is trusted.
type FormatError struct {
	File   string
	Record int64 // 1-based record (packet or pcapng block) number; 0 = file header
	Offset int64 // byte offset of the record in the (decompressed) stream
	Msg    string
	Gzip   bool // Offset counts decompressed bytes
	Pcapng bool // Record counts pcapng blocks
}

func (e *FormatError) Error() string {
	where := fmt.Sprintf("byte offset %d", e.Offset)
	if e.Gzip {
		where = "uncompressed " + where
	}
	if e.Record == 0 {
		return fmt.Sprintf("File '%s' has a damaged header (%s): %s", e.File, where, e.Msg)
	}
	unit := "record"
	if e.Pcapng {
		unit = "block"
	}
	return fmt.Sprintf("File '%s' is damaged at %s %d (%s): %s", e.File, unit, e.Record, where, e.Msg)
}

// Reasons for a FileError.
var (
	ErrOpen       = errors.New("cannot open file")
	ErrEmpty      = errors.New("empty capture file")
	ErrNotCapture = errors.New("not a pcap/pcapng file")
	ErrRead       = errors.New("read error")
)

// FileError is a file that cannot be read. Its text is T2's:
// "Failed to open file 'X' for reading: ...", "PCAP file 'X' is empty",
// "File 'X' is not a valid PCAP/PCAP-NG file".
type FileError struct {
	File   string
	Reason error // ErrOpen, ErrEmpty, ErrNotCapture or ErrRead (I/O error after opening)
	Err    error // underlying error for ErrOpen
}

func (e *FileError) Error() string {
	switch e.Reason {
	case ErrEmpty:
		return fmt.Sprintf("PCAP file '%s' is empty", e.File)
	case ErrNotCapture:
		return fmt.Sprintf("File '%s' is not a valid PCAP/PCAP-NG file", e.File)
	case ErrRead:
		return fmt.Sprintf("Failed to read file '%s': %s", e.File, strerror(e.Err))
	}
	return fmt.Sprintf("Failed to open file '%s' for reading: %s", e.File, strerror(e.Err))
}

// Is makes errors.Is(err, ErrEmpty) and friends work.
func (e *FileError) Is(target error) bool { return target == e.Reason }

func (e *FileError) Unwrap() error { return e.Err }

// strerror renders an OS error the way C's strerror does ("No such file or
// directory"), dropping Go's "open X:" prefix since the message names the file.
func strerror(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err == nil {
		return "unknown error"
	}
	s := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) && s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
