package counters

import "testing"

func TestSubDiffsCountersKeepsCumulativeValues(t *testing.T) {
	prev, cur := New(), New()
	prev.Packets, cur.Packets = 10, 25
	prev.BFlows, cur.BFlows = 1, 4
	prev.PktsL3[6], cur.PktsL3[6] = 7, 9
	prev.BytesL2[0x0806], cur.BytesL2[0x0806] = 60, 180
	cur.GlobalWarn = 0x4000
	cur.MinHdrs, cur.MaxHdrs, cur.SumHdrs = 2, 4, 77
	var d Counters
	cur.Sub(prev, &d)
	if d.Packets != 15 || d.BFlows != 3 || d.PktsL3[6] != 2 || d.BytesL2[0x0806] != 120 {
		t.Fatalf("diff wrong: packets %d bflows %d tcp %d arp bytes %d", d.Packets, d.BFlows, d.PktsL3[6], d.BytesL2[0x0806])
	}
	if d.GlobalWarn != 0x4000 || d.MinHdrs != 2 || d.MaxHdrs != 4 || d.SumHdrs != 77 {
		t.Fatal("cumulative values must not be diffed")
	}
	if cur.Flows() != 4 || d.Flows() != 3 {
		t.Fatalf("Flows: %d %d", cur.Flows(), d.Flows())
	}
}
