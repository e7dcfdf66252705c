package engine

import (
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

func sec(s float64) packet.Time { return packet.FromSeconds(s) }

// The sample run of T2 0.9.3 on test.pcap with MONINTV=10 fired at
// 1258544225.000, 1258544235.000 and 1258544345.200 (first packet at
// 1258544215.000, a 106 s gap before the last).
func TestPcapTriggerT2Rule(t *testing.T) {
	tr := PcapTrigger{Interval: 10e9}
	pkts := []float64{1258544215.0, 1258544215.5, 1258544224.999, 1258544225.0, 1258544226, 1258544235.0, 1258544239.3, 1258544345.2, 1258544346}
	var fired []float64
	for _, p := range pkts {
		if tr.Before(sec(p), func(packet.Time) { t.Fatal("gap fill off") }) {
			fired = append(fired, p)
		}
	}
	want := []float64{1258544225.0, 1258544235.0, 1258544345.2}
	if len(fired) != len(want) {
		t.Fatalf("fired at %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("fired at %v, want %v", fired, want)
		}
	}
}

func TestPcapTriggerFractionalIntervalRoundsUp(t *testing.T) {
	tr := PcapTrigger{Interval: 1500e6}
	tr.Before(sec(100.0), nil)
	if tr.Before(sec(101.9), nil) {
		t.Fatal("1.5 s interval fired after 1 whole second")
	}
	if !tr.Before(sec(102.0), nil) {
		t.Fatal("1.5 s interval did not fire after 2 whole seconds")
	}
}

func TestPcapTriggerGapFill(t *testing.T) {
	tr := PcapTrigger{Interval: 10e9, GapFill: true}
	var at []packet.Time
	emit := func(x packet.Time) { at = append(at, x) }
	tr.Before(sec(1000.3), emit)
	tr.Before(sec(1009.9), emit)
	if len(at) != 0 {
		t.Fatalf("early boundary: %v", at)
	}
	tr.Before(sec(1042.0), emit)
	want := []packet.Time{sec(1010), sec(1020), sec(1030), sec(1040)}
	if len(at) != len(want) {
		t.Fatalf("boundaries %v, want %v", at, want)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("boundaries %v, want %v", at, want)
		}
	}
}
