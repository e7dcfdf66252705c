// Package report formats T2's human-readable reports: the end report, the
// USR1 report body and plugin lines, with T2's number, percentage, date
// and duration conventions.
package report

import (
	"math"
	"strconv"
	"time"

	"github.com/t2go/t2go/pkg/packet"
)

const units = " KMGTPEZY"

// AppendSuffix appends T2's human-readable suffix " (1.23 K)" for v, or
// nothing when v < 1000. Unlike T2 0.9.3 (which picks the unit by powers
// of 1024 but divides by powers of 1000, printing "1000.00 K"), the unit
// and divisor are both powers of 1000 (docs/differences-from-t2.md). unit is appended
// after the prefix letter ("b/s" gives "Kb/s").
func AppendSuffix(b []byte, v uint64, unit string) []byte {
	if v < 1000 {
		return b
	}
	i := 0
	d := 1.0
	for x := v; x >= 1000 && i < len(units)-1; x /= 1000 {
		i++
		d *= 1000
	}
	// 999999 would round to "1000.00 K": show it as "1.00 M" instead.
	if float64(v)/d >= 999.995 && i < len(units)-1 {
		i++
		d *= 1000
	}
	b = append(b, " ("...)
	b = strconv.AppendFloat(b, float64(v)/d, 'f', 2, 64)
	b = append(b, ' ', units[i])
	b = append(b, unit...)
	return append(b, ')')
}

// Num renders v followed by its suffix: "4239 (4.24 K)".
func Num(v uint64) string { return NumUnit(v, "") }

// NumUnit renders v, then unit, then the suffix: "1026 b/s (1.03 Kb/s)"
// when unit is " b/s"; the suffix carries the unit without its leading
// space.
func NumUnit(v uint64, unit string) string {
	b := strconv.AppendUint(nil, v, 10)
	b = append(b, unit...)
	u := unit
	if len(u) > 0 && u[0] == ' ' {
		u = u[1:]
	}
	return string(AppendSuffix(b, v, u))
}

// Float renders a float with 2 decimals and the suffix of its integer
// part: "1448.21 (1.45 K)".
func Float(v float64) string {
	b := strconv.AppendFloat(nil, v, 'f', 2, 64)
	return string(appendFloatSuffix(b, v, ""))
}

// appendFloatSuffix appends the suffix of v's integer part; values that
// do not fit a uint64 (or are not numbers) get none.
func appendFloatSuffix(b []byte, v float64, unit string) []byte {
	if v >= 1 && v < math.MaxUint64 {
		b = AppendSuffix(b, uint64(v), unit)
	}
	return b
}

// Pct renders " [p%]" for a/b with 2 decimals, 0.00 when b is 0.
func Pct(a, b float64) string {
	p := 0.0
	if b != 0 {
		p = 100 * a / b
	}
	return " [" + strconv.FormatFloat(p, 'f', 2, 64) + "%]"
}

// Duration renders "SEC.NNNNNNNNN sec" plus " (1y 2d 3h 4m 5s)" when at
// least a minute is involved, as T2 prints durations.
func Duration(d packet.Time) string {
	b := d.AppendTo(nil)
	b = append(b, " sec"...)
	if d < 0 {
		return string(b)
	}
	s := d.Sec()
	y := s / (365 * 86400)
	s -= y * 365 * 86400
	days := s / 86400
	s -= days * 86400
	h := s / 3600
	s -= h * 3600
	m := s / 60
	s -= m * 60
	if y == 0 && days == 0 && h == 0 && m == 0 {
		return string(b)
	}
	b = append(b, " ("...)
	first := true
	part := func(v int64, u byte) {
		if v == 0 {
			return
		}
		if !first {
			b = append(b, ' ')
		}
		first = false
		b = strconv.AppendInt(b, v, 10)
		b = append(b, u)
	}
	part(y, 'y')
	part(days, 'd')
	part(h, 'h')
	part(m, 'm')
	part(s, 's')
	return string(append(b, ')'))
}

// Date renders "SEC.NNNNNNNNN sec (Wed 18 Nov 2009 11:36:55 GMT)"; utc
// selects GMT (pcap times) or the local zone (wall clock).
func Date(t packet.Time, utc bool) string {
	b := t.AppendTo(nil)
	tm := time.Unix(t.Sec(), t.Nsec())
	if utc {
		b = append(b, " sec ("...)
		b = tm.UTC().AppendFormat(b, "Mon 02 Jan 2006 15:04:05")
		b = append(b, " GMT)"...)
	} else {
		b = append(b, " sec ("...)
		b = tm.Local().AppendFormat(b, "Mon 02 Jan 2006 15:04:05 MST")
		b = append(b, ')')
	}
	return string(b)
}
