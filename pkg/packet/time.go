// Package packet holds one dissected packet: capture metadata, the
// offsets and fields of every layer the dissector understood, and the
// flowStat bits the packet raised. The dissector fills it in place, so a
// single Packet is reused for every packet of a run.
package packet

import "strconv"

// Time is a capture timestamp in nanoseconds since the Unix epoch.
type Time int64

// Sec returns the whole seconds of t.
func (t Time) Sec() int64 {
	if t < 0 {
		return -((-int64(t) + 999999999) / 1e9)
	}
	return int64(t) / 1e9
}

// Nsec returns the nanosecond fraction of t (0..999999999).
func (t Time) Nsec() int64 { return int64(t) - t.Sec()*1e9 }

// Split returns t.Sec() and t.Nsec(), dividing once (the packet path's
// time differences need both parts of two times).
func (t Time) Split() (sec, nsec int64) {
	sec = t.Sec()
	return sec, int64(t) - sec*1e9
}

// Seconds returns t as floating point seconds.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// FromSeconds converts floating point seconds to a Time.
func FromSeconds(s float64) Time { return Time(s*1e9 + 0.5) }

// AppendTo appends t as T2 prints timestamps and durations: SEC.NNNNNNNNN.
func (t Time) AppendTo(b []byte) []byte {
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t.Sec(), 10)
	b = append(b, '.')
	ns := t.Nsec()
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	return append(b, d[:]...)
}

// String formats t as SEC.NNNNNNNNN.
func (t Time) String() string { return string(t.AppendTo(nil)) }
