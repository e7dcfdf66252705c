// Package machinereport is the machine-report format that t2 writes with
// MACHINE_REPORT=1 (`t2 -l`, or the `-m` monitoring file) and t2rrd reads:
// a `%` header line naming TAB-separated columns, followed by one value
// line per report. The writer (Layout, Report) and the reader (Scanner,
// Schema) share the column names, so the format is defined here only.
//
// The reader is tolerant by design, because the stream usually arrives on a
// pipe mixed with other output: it accepts T2 0.9.3's header
// (`%repType sensorID time duration ...`) and the older one from the
// tutorial (`%repTyp time dur ...`), a trailing TAB on every line (T2 on a
// pipe), CRLF line ends, and T2 0.9.3's ftpDecode bug (3 values under 2
// names). It never fails on content: every line is classified and the
// caller decides what to do with it.
package machinereport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind says what a line of the stream is.
type Kind int

const (
	// Blank is an empty line (or one with only white space).
	Blank Kind = iota
	// Header is a `%` line naming the columns.
	Header
	// Row is a TAB-separated value line.
	Row
	// Text is anything else: banners, human reports, `[INF]` lines.
	Text
	// TooLong is a line longer than MaxLineLen; its content is dropped.
	TooLong
)

func (k Kind) String() string {
	switch k {
	case Blank:
		return "blank"
	case Header:
		return "header"
	case Row:
		return "row"
	case Text:
		return "text"
	case TooLong:
		return "too long"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MaxLineLen bounds one line. Real report lines are well under 4 KiB even
// with long protocol lists; anything larger is garbage and is skipped
// without buffering it.
const MaxLineLen = 1 << 20

// Line is one line of the stream.
type Line struct {
	Num    int      // 1-based line number
	Kind   Kind     //
	Text   string   // the line without its end-of-line characters
	Fields []string // Header: column names; Row: values (trailing empty field removed)
}

// Classify splits a line (without its newline) into kind and fields.
// Header names lose the leading `%`; a single trailing empty field (the
// trailing TAB T2 writes on a pipe) is dropped for headers and rows alike.
func Classify(text string) (Kind, []string) {
	text = strings.TrimRight(text, "\r")
	if strings.TrimSpace(text) == "" {
		return Blank, nil
	}
	if strings.HasPrefix(text, "%") {
		return Header, splitFields(text[1:])
	}
	if !strings.Contains(text, "\t") {
		return Text, nil
	}
	return Row, splitFields(text)
}

func splitFields(s string) []string {
	f := strings.Split(s, "\t")
	if len(f) > 1 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	return f
}

// Scanner reads a stream line by line. Unlike bufio.Scanner it never stops
// on a long line: such lines come back as TooLong and reading goes on.
type Scanner struct {
	r    *bufio.Reader
	line Line
	num  int
	err  error
}

// NewScanner returns a Scanner reading from r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: bufio.NewReaderSize(r, 1<<20)}
}

// Scan advances to the next line; it returns false at the end of the input
// or on a read error (see Err).
func (s *Scanner) Scan() bool {
	if s.err != nil {
		return false
	}
	var buf []byte
	tooLong := false
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineLen+1 {
				tooLong = true
				buf = nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if err != io.EOF {
				s.err = err
			} else {
				s.err = io.EOF
			}
			if len(buf) == 0 && !tooLong {
				return false
			}
		}
		break
	}
	s.num++
	if tooLong {
		s.line = Line{Num: s.num, Kind: TooLong}
		return true
	}
	text := strings.TrimSuffix(string(buf), "\n")
	kind, fields := Classify(text)
	s.line = Line{Num: s.num, Kind: kind, Text: strings.TrimRight(text, "\r"), Fields: fields}
	return true
}

// Line returns the line read by the last successful Scan.
func (s *Scanner) Line() Line { return s.line }

// Buffered reports whether more input is already buffered, i.e. whether the
// next Scan can return without waiting for the writer. Callers batch work
// while input is buffered and flush when it is not, so that a fast file is
// processed in bulk and a slow live pipe row by row.
func (s *Scanner) Buffered() bool { return s.r.Buffered() > 0 }

// Err returns the first read error other than io.EOF.
func (s *Scanner) Err() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}
