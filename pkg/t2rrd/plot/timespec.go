package plot

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseInterval parses t2rrd's interval syntax: numbers followed by a
// unit, summed: s (seconds), m or min... (minutes), h, d, w, mo (31 days),
// y (365 days); a bare number is seconds. "1h30m" is 5400.
func ParseInterval(s string) (int64, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, fmt.Errorf("empty interval")
	}
	var total int64
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 12 {
			return 0, fmt.Errorf("invalid interval %q: expected numbers with units s, m, h, d, w, mo, y (e.g. 10m, 1h30m)", orig)
		}
		n, _ := strconv.ParseInt(s[:i], 10, 64)
		s = s[i:]
		j := 0
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		unit := s[:j]
		s = s[j:]
		var mult int64
		switch {
		case unit == "" || unit == "s" || strings.HasPrefix(unit, "sec"):
			mult = 1
		case strings.HasPrefix(unit, "mo"):
			mult = 31 * 86400
		case unit == "m" || strings.HasPrefix(unit, "mi"):
			mult = 60
		case unit == "h" || strings.HasPrefix(unit, "hour"):
			mult = 3600
		case unit == "d" || strings.HasPrefix(unit, "day"):
			mult = 86400
		case unit == "w" || strings.HasPrefix(unit, "week"):
			mult = 7 * 86400
		case unit == "y" || strings.HasPrefix(unit, "year"):
			mult = 365 * 86400
		default:
			return 0, fmt.Errorf("invalid interval %q: unknown unit %q (use s, m, h, d, w, mo, y)", orig, unit)
		}
		// Checked before adding, so a huge count cannot wrap around.
		if n > maxInterval/mult || total+n*mult > maxInterval {
			return 0, fmt.Errorf("invalid interval %q: longer than 100 years", orig)
		}
		total += n * mult
	}
	if total <= 0 {
		return 0, fmt.Errorf("invalid interval %q: must be positive", orig)
	}
	return total, nil
}

// maxInterval is the longest interval accepted: 100 years.
const maxInterval = 100 * 365 * 86400

// MaxTime is the latest time a plot may reach (the end of year 9999, as
// rrdtool's own time parser allows).
const MaxTime = 253402300799

// resolveTime evaluates a -s/-e value: a base (an epoch number, first,
// last, now, or one of the names in bases, e.g. end/e for -s) optionally
// followed by +INTERVAL or -INTERVAL. A bare -INTERVAL is relative to now
// (as in rrdtool). As T2 does, anything after a '.' in a number is dropped.
func resolveTime(spec string, bases map[string]int64) (int64, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return 0, fmt.Errorf("empty time")
	}
	base, rest := s, ""
	if k := strings.IndexAny(s[1:], "+-"); k >= 0 {
		base, rest = s[:k+1], s[k+1:]
	}
	if s[0] == '-' || s[0] == '+' {
		base, rest = "now", s
	}
	var t int64
	if v, ok := bases[strings.ToLower(base)]; ok {
		t = v
	} else {
		num, _, _ := strings.Cut(base, ".")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 0 {
			names := make([]string, 0, len(bases))
			for _, k := range []string{"first", "last", "now", "end", "start"} {
				if _, ok := bases[k]; ok {
					names = append(names, k)
				}
			}
			return 0, fmt.Errorf("invalid time %q: expected seconds since the epoch or %s, optionally +/- an interval (e.g. last-30s)", spec, strings.Join(names, ", "))
		}
		t = n
	}
	if t > MaxTime {
		return 0, fmt.Errorf("invalid time %q: after the year 9999", spec)
	}
	if rest != "" {
		d, err := ParseInterval(rest[1:])
		if err != nil {
			return 0, fmt.Errorf("invalid time %q: %w", spec, err)
		}
		if rest[0] == '-' {
			d = -d
		}
		t += d
	}
	return t, nil
}

// refersTo reports whether a time spec uses one of the names as its base.
func refersTo(spec string, names ...string) bool {
	s := strings.ToLower(strings.TrimSpace(spec))
	for _, n := range names {
		if s == n || strings.HasPrefix(s, n+"+") || strings.HasPrefix(s, n+"-") {
			return true
		}
	}
	return false
}

// Range is a plot's time span in seconds since the epoch.
type Range struct{ Start, End int64 }

// ResolveRange applies T2's rules: -a plots [first, last]; -s and -e give
// both ends; only -e: start = end - interval; only -s: end = start +
// interval; neither: the interval up to the last update.
func ResolveRange(start, end string, interval int64, all bool, first, last, now int64) (Range, error) {
	if all {
		return Range{first, last}, nil
	}
	bases := map[string]int64{"first": first, "last": last, "now": now}
	with := func(k string, v int64, aliases ...string) map[string]int64 {
		m := map[string]int64{}
		for a, b := range bases {
			m[a] = b
		}
		for _, a := range aliases {
			m[a] = v
		}
		return m
	}
	var r Range
	var err error
	switch {
	case start != "" && end != "":
		if refersTo(end, "start", "s") {
			if r.Start, err = resolveTime(start, bases); err != nil {
				return r, err
			}
			r.End, err = resolveTime(end, with("start", r.Start, "start", "s"))
		} else {
			if r.End, err = resolveTime(end, bases); err != nil {
				return r, err
			}
			r.Start, err = resolveTime(start, with("end", r.End, "end", "e"))
		}
	case end != "":
		if r.End, err = resolveTime(end, bases); err == nil {
			r.Start = r.End - interval
		}
	case start != "":
		if r.Start, err = resolveTime(start, with("end", last, "end", "e")); err == nil {
			r.End = r.Start + interval
		}
	default:
		r = Range{last - interval, last}
	}
	if err != nil {
		return r, err
	}
	if r.End > MaxTime {
		return r, fmt.Errorf("invalid time range: end %d is after the year 9999", r.End)
	}
	// A window reaching before 1970 (a short database near the epoch)
	// starts at 0: librrd has no earlier times.
	r.Start = max(r.Start, 0)
	if r.End <= r.Start {
		return r, fmt.Errorf("empty time range: start %d is not before end %d", r.Start, r.End)
	}
	return r, nil
}

// ParseSize parses -r WxH.
func ParseSize(s string) (w, h uint, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	wi, err1 := strconv.ParseUint(ws, 10, 16)
	hi, err2 := strconv.ParseUint(hs, 10, 16)
	if !ok || err1 != nil || err2 != nil || wi < 100 || hi < 100 {
		return 0, 0, fmt.Errorf("invalid argument for option '-r': expected [width]x[height] (each at least 100), found '%s'", s)
	}
	return uint(wi), uint(hi), nil
}
