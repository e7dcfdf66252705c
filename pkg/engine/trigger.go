package engine

import "github.com/t2go/t2go/pkg/packet"

// PcapTrigger implements MONINTTMPCP=1: reports driven by packet
// timestamps. Without gap filling it follows T2: with s0 the whole second
// of the first packet, a packet at t triggers a report (which includes
// it) when floor(t)-s0 has advanced by at least the interval since the
// previous trigger; gaps collapse into one long interval.
//
// With GapFill (MONGAPFILL=1, ours) reports sit on a regular grid
// s0 + k·interval: before a packet at or past the next boundary is
// counted, one report per elapsed boundary is emitted (zero rows for empty
// intervals), so RRD databases get regular samples.
type PcapTrigger struct {
	Interval packet.Time // > 0
	GapFill  bool

	started bool
	s0      int64       // first packet's whole second, ns
	prev    packet.Time // T2 mode: d_prev in ns
	next    packet.Time // gap-fill mode: next boundary
}

// Before is called for every packet before it is counted. In T2 mode it
// reports whether a report is due after the packet is processed. In
// gap-fill mode it returns the boundaries to report before the packet
// (each as the report time) through emit, and never requests a report
// after the packet.
func (t *PcapTrigger) Before(ts packet.Time, emit func(at packet.Time)) (after bool) {
	if !t.started {
		t.started = true
		t.s0 = ts.Sec() * 1e9
		t.next = packet.Time(t.s0) + t.Interval
		return false
	}
	if t.GapFill {
		for ts >= t.next {
			emit(t.next)
			t.next += t.Interval
		}
		return false
	}
	d := packet.Time(ts.Sec()*1e9 - t.s0)
	// T2 compares whole seconds: an interval of 1.5 s behaves like 2 s.
	iv := t.Interval
	if rem := iv % 1e9; rem != 0 {
		iv += 1e9 - rem
	}
	if d-t.prev >= iv {
		t.prev = d
		return true
	}
	return false
}
