package control

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/t2go/t2go/pkg/outfile"
)

// DerivePrefix computes the output prefix as T2 does, with one fix
// (docs/differences-from-t2.md): only the capture file's own extension is
// stripped, never a dot in a directory name.
func DerivePrefix(inputKind int, input, w string) (string, error) {
	base := input
	switch {
	case inputKind == InputFile && input == "-":
		base = "stdin"
	case inputKind == InputLive:
		base = input
	default:
		dir, file := filepath.Split(input)
		if i := strings.LastIndexByte(file, '.'); i > 0 {
			file = file[:i]
			// foo.pcap.gz: strip the compression suffix too.
			if j := strings.LastIndexByte(file, '.'); j > 0 && strings.HasSuffix(input, ".gz") {
				file = file[:j]
			}
		}
		base = dir + file
	}
	if w == "" || w == "-" {
		return base, nil
	}
	if st, err := os.Stat(w); err == nil && st.IsDir() {
		return filepath.Join(w, filepath.Base(base)), nil
	}
	if strings.HasSuffix(w, "/") {
		if err := os.MkdirAll(w, 0o755); err != nil {
			return "", fmt.Errorf("cannot create output directory '%s': %w", w, err)
		}
		return filepath.Join(w, filepath.Base(base)), nil
	}
	if dir := filepath.Dir(w); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("cannot create output directory '%s': %w", dir, err)
		}
	}
	return w, nil
}

// stream is a buffered output file or stdout.
type stream struct {
	name string
	f    *os.File // nil for stdout
	w    *bufio.Writer
	out  interface{ Write([]byte) (int, error) }
	err  error
	// dotted: the last thing written was a waiting dot (dot).
	dotted bool
}

// dot writes one '.' of a -D series waiting for its next file; the next
// Write starts a new line first.
func (s *stream) dot() {
	if s.err != nil {
		return
	}
	if _, err := s.w.Write([]byte(".")); err != nil {
		s.err = fmt.Errorf("writing '%s': %w", s.name, err)
		return
	}
	s.dotted = true
}

func newStream(name string, create bool, stdout interface{ Write([]byte) (int, error) }) (*stream, error) {
	s := &stream{name: name}
	if create {
		f, err := outfile.Create(name)
		if err != nil {
			return nil, fmt.Errorf("cannot create '%s': %w", name, err)
		}
		s.f = f
		s.w = bufio.NewWriterSize(f, 64<<10)
		s.out = s.w
		return s, nil
	}
	s.name = "stdout"
	s.w = bufio.NewWriterSize(stdoutWriter{stdout}, 64<<10)
	s.out = s.w
	return s, nil
}

type stdoutWriter struct {
	w interface{ Write([]byte) (int, error) }
}

func (s stdoutWriter) Write(b []byte) (int, error) { return s.w.Write(b) }

func (s *stream) Write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.dotted {
		// A line of waiting dots ends before anything else is written.
		s.dotted = false
		if _, err := s.w.Write([]byte("\n")); err != nil {
			s.err = fmt.Errorf("writing '%s': %w", s.name, err)
			return 0, s.err
		}
	}
	n, err := s.w.Write(b)
	if err != nil {
		s.err = fmt.Errorf("writing '%s': %w", s.name, err)
	}
	return n, err
}

func (s *stream) Flush() error {
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		s.err = fmt.Errorf("writing '%s': %w", s.name, err)
	}
	return s.err
}

// readerGone reports whether writing failed because the pipe's reader
// went away.
func (s *stream) readerGone() bool {
	return s != nil && s.f == nil && s.err != nil && errors.Is(s.err, syscall.EPIPE)
}

func (s *stream) Close() error {
	if s.dotted {
		s.Write(nil)
	}
	err := s.Flush()
	if s.f != nil {
		if cerr := s.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing '%s': %w", s.name, cerr)
		}
	}
	return err
}
