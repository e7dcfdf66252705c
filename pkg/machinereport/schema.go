package machinereport

import (
	"fmt"
	"strings"
)

// Schema describes the columns of one header line.
type Schema struct {
	// Names are the column names in order, without the leading `%`.
	Names []string
	// Time and Duration are the indexes of the `time` and
	// `duration`/`dur` columns, -1 when absent.
	Time, Duration int

	// ftpExtra is the index at which T2 0.9.3's ftpDecode inserts its
	// unnamed third value (right after ftpDataPkts), -1 without ftpDecode.
	ftpExtra int
}

// metaColumns are columns that describe a report rather than measure
// traffic: the report type, the sensor, the DPDK process, the report time
// and its duration. Old spellings from T2 0.8 (the tutorial) included.
var metaColumns = map[string]bool{
	strings.ToLower(ColRepType):  true,
	"reptyp":                     true,
	strings.ToLower(ColSensorID): true,
	"procid":                     true,
	ColTime:                      true,
	strings.ToLower(ColDuration): true,
	"dur":                        true,
}

// IsMeta reports whether column name is report metadata (type, sensor,
// process, time, duration) rather than a measurement. Case-insensitive.
func IsMeta(name string) bool { return metaColumns[strings.ToLower(name)] }

// NewSchema builds a schema from header names (as returned by Classify).
// It fails only when the header is unusable: no columns, an empty or
// duplicate name, or no time column.
func NewSchema(names []string) (*Schema, error) {
	s := &Schema{Names: names, Time: -1, Duration: -1, ftpExtra: -1}
	if len(names) == 0 {
		return nil, fmt.Errorf("header has no columns")
	}
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return nil, fmt.Errorf("header column %d has no name", i+1)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("header names column %q twice (columns %d and %d)", n, j+1, i+1)
		}
		seen[n] = i
		switch strings.ToLower(n) {
		case ColTime:
			if s.Time < 0 {
				s.Time = i
			}
		case ColDuration, "dur":
			if s.Duration < 0 {
				s.Duration = i
			}
		}
		if n == "ftpDataPkts" {
			s.ftpExtra = i + 1
		}
	}
	if s.Time < 0 {
		return nil, fmt.Errorf("header has no 'time' column")
	}
	return s, nil
}

// Equal reports whether two schemas name the same columns in the same order.
func (s *Schema) Equal(o *Schema) bool {
	if len(s.Names) != len(o.Names) {
		return false
	}
	for i := range s.Names {
		if s.Names[i] != o.Names[i] {
			return false
		}
	}
	return true
}

// Fit matches the fields of a row to the schema's columns. It returns the
// fields aligned with Names, and extra = 1 when it removed T2 0.9.3's
// unnamed ftpDecode value (ftpDataBytes, written right after ftpDataPkts
// without a header name). Any other count mismatch is not fixable: ok is
// false.
func (s *Schema) Fit(fields []string) (fitted []string, extra int, ok bool) {
	switch {
	case len(fields) == len(s.Names):
		return fields, 0, true
	case len(fields) == len(s.Names)+1 && s.ftpExtra >= 0:
		out := make([]string, 0, len(s.Names))
		out = append(out, fields[:s.ftpExtra]...)
		out = append(out, fields[s.ftpExtra+1:]...)
		return out, 1, true
	}
	return nil, 0, false
}

// Time is a report timestamp: whole seconds and nanoseconds.
type Time struct {
	Sec  int64
	Nsec int64
}

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool {
	return t.Sec < u.Sec || (t.Sec == u.Sec && t.Nsec < u.Nsec)
}

// Seconds returns t as floating-point seconds.
func (t Time) Seconds() float64 { return float64(t.Sec) + float64(t.Nsec)/1e9 }

// ParseTime parses T2's `%u.%09d` timestamps (also `%u.%06d` from older
// builds and a bare `%u`). Digits beyond nanoseconds are ignored. Signs,
// exponents and anything but digits and one dot are refused.
func ParseTime(s string) (Time, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 12 || (hasDot && frac == "") {
		return Time{}, fmt.Errorf("invalid time %q", s)
	}
	var t Time
	for _, c := range intPart {
		if c < '0' || c > '9' {
			return Time{}, fmt.Errorf("invalid time %q", s)
		}
		t.Sec = t.Sec*10 + int64(c-'0')
	}
	scale := int64(100000000)
	for _, c := range frac {
		if c < '0' || c > '9' {
			return Time{}, fmt.Errorf("invalid time %q", s)
		}
		t.Nsec += int64(c-'0') * scale
		scale /= 10
	}
	return t, nil
}
