package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SeriesSpec is a parsed -D EXPR[:SCHR][,STOP] argument.
type SeriesSpec struct {
	Expr    string // file name or glob pattern of the first file
	SChr    string // the number follows the last occurrence of SChr (default "p")
	Stop    uint64 // last file number (valid when HasStop)
	HasStop bool
}

// errSeriesFormat is T2's text for a malformed -D argument.
var errSeriesFormat = errors.New("Option '-D': Invalid format, expected 'expr[:schr][,stop]'")

// ParseSeries parses and validates a -D argument. SCHR is 1 to 3
// characters, STOP a decimal number; the last ',' and ':' are the
// separators, so EXPR itself may contain them.
func ParseSeries(spec string) (SeriesSpec, error) {
	s := SeriesSpec{SChr: "p"}
	rest := spec
	if i := strings.LastIndexByte(rest, ','); i >= 0 {
		stop, err := strconv.ParseUint(rest[i+1:], 10, 64)
		if err != nil {
			return s, errSeriesFormat
		}
		s.Stop, s.HasStop = stop, true
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		schr := rest[i+1:]
		if len(schr) == 0 || len(schr) > 3 || strings.ContainsRune(schr, '/') {
			return s, errSeriesFormat
		}
		s.SChr = schr
		rest = rest[:i]
	}
	if rest == "" {
		return s, errSeriesFormat
	}
	s.Expr = rest
	return s, nil
}

// series numbers files: prefix + number + suffix.
type series struct {
	prefix, suffix string
	width          int    // fixed width (leading zeros), 0 = free
	start, stop    uint64 // first and last numbers
	startBare      bool   // the first name has no digits (out.pcap, then out.pcap1)
}

func (s *series) name(n uint64) string {
	if n == s.start && s.startBare {
		return s.prefix + s.suffix
	}
	d := strconv.FormatUint(n, 10)
	if len(d) < s.width {
		d = strings.Repeat("0", s.width-len(d)) + d
	}
	return s.prefix + d + s.suffix
}

// resolveSeries finds the first file (first glob match, else Expr itself)
// and splits its name around the number.
func resolveSeries(sp SeriesSpec) (*series, error) {
	first := sp.Expr
	if m, err := filepath.Glob(sp.Expr); err == nil && len(m) > 0 {
		first = m[0]
	}
	i := strings.LastIndex(first, sp.SChr)
	if i < 0 {
		return nil, fmt.Errorf("Option '-D': '%s' does not contain '%s' before the file number", first, sp.SChr)
	}
	i += len(sp.SChr)
	j := i
	for j < len(first) && first[j] >= '0' && first[j] <= '9' {
		j++
	}
	s := &series{prefix: first[:i], suffix: first[j:], stop: 1<<32 - 1}
	digits := first[i:j]
	if digits == "" {
		s.startBare = true
	} else {
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Option '-D': file number '%s' in '%s': %w", digits, first, err)
		}
		s.start = v
		if len(digits) > 1 && digits[0] == '0' {
			s.width = len(digits)
			if s.width < 20 {
				s.stop = pow10(s.width) - 1
			}
		}
	}
	if sp.HasStop {
		s.stop = sp.Stop
	}
	return s, nil
}

// OpenSeries reads numbered capture files as they appear (-D). After a
// file ends the next number is tried; while it is missing (or still
// empty) Read sleeps Options.PollInterval and then returns with no
// packets and a nil error, so the caller can do its idle work (T2 prints
// a '.'). With FileTimeout > 0 a number missing for that long is skipped.
// After STOP the series ends (io.EOF) unless RoundRobin wraps to the start
// number. A file that is not a capture is skipped with a Warn.
func OpenSeries(spec string, o Options) (Source, error) {
	sp, err := ParseSeries(spec)
	if err != nil {
		return nil, err
	}
	ser, err := resolveSeries(sp)
	if err != nil {
		return nil, err
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	s := &fileSource{o: o, filter: newFilterSet(o.BPF)}
	s.info = Info{Kind: KindSeries, Name: spec}
	cur := ser.start
	ended := false
	var waitSince time.Time
	advance := func() {
		waitSince = time.Time{}
		if cur >= ser.stop {
			if s.o.RoundRobin {
				cur = ser.start
			} else {
				ended = true
			}
			return
		}
		cur++
	}
	// try opens the current number; (nil, nil) means not there yet.
	try := func() (*openedFile, error) {
		for !ended {
			name := ser.name(cur)
			of, err := openCapture(name, &s.o)
			if err == nil {
				advance()
				return of, nil
			}
			var fe *FileError
			var fme *FormatError
			notYet := errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrEmpty) ||
				(errors.As(err, &fme) && fme.Record == 0)
			if !notYet && errors.As(err, &fe) {
				s.o.warn(err.Error())
				advance()
				continue
			}
			if !notYet {
				return nil, err
			}
			if waitSince.IsZero() {
				waitSince = time.Now()
			}
			if s.o.FileTimeout > 0 && time.Since(waitSince) >= s.o.FileTimeout {
				s.o.warn(fmt.Sprintf("No file '%s' after %v: skipping to the next number", name, s.o.FileTimeout))
				advance()
				continue
			}
			return nil, nil
		}
		return nil, io.EOF
	}
	s.nextFile = func() (*openedFile, error) {
		if s.o.stopped() {
			return nil, io.EOF
		}
		if of, err := try(); of != nil || err != nil {
			return of, err
		}
		t := time.NewTimer(s.o.PollInterval)
		defer t.Stop()
		select {
		case <-s.o.Stop:
			return nil, io.EOF
		case <-t.C:
		}
		return try()
	}
	// Open the first file now when it is there, so Info is filled in and a
	// bad filter is reported at once.
	of, err := try()
	if err != nil {
		return nil, err
	}
	if of != nil {
		if s.filter != nil {
			if _, err := s.filter.prog(of.r.linkType); err != nil {
				of.close()
				return nil, err
			}
		}
		s.setFile(of)
		s.announce()
	}
	return s, nil
}
