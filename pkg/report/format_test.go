package report

import (
	"math"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/packet"
)

func TestAppendSuffix(t *testing.T) {
	// Powers of 1000 for both unit and divisor (docs/differences-from-t2.md); T2 0.9.3
	// prints 1000 without suffix and 1000000 as "(1000.00 K)".
	for _, c := range []struct {
		v    uint64
		unit string
		want string
	}{
		{0, "", ""},
		{999, "", ""},
		{1000, "", " (1.00 K)"},
		{1023, "", " (1.02 K)"},
		{1024, "", " (1.02 K)"},
		{4239, "", " (4.24 K)"},
		{65535, "", " (65.53 K)"},
		{999994, "", " (999.99 K)"},
		{999999, "", " (1.00 M)"}, // not "1000.00 K"
		{999999999, "", " (1.00 G)"},
		{1000000, "", " (1.00 M)"},
		{1048576, "", " (1.05 M)"},
		{4295705926, "", " (4.30 G)"},
		{1e12, "", " (1.00 T)"},
		{1e15, "", " (1.00 P)"},
		{math.MaxUint64, "", " (18.45 E)"},
		{268411776, "b/s", " (268.41 Mb/s)"},
	} {
		if got := string(AppendSuffix(nil, c.v, c.unit)); got != c.want {
			t.Errorf("AppendSuffix(%d, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestNumFloat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Num(0), "0"},
		{Num(62), "62"},
		{Num(1000), "1000 (1.00 K)"},
		{NumUnit(1026, " b/s"), "1026 b/s (1.03 Kb/s)"},
		{Float(0), "0.00"},
		{Float(63.575), "63.58"},
		{Float(1448.21), "1448.21 (1.45 K)"},
		{Float(999.999), "1000.00"}, // the suffix follows the integer part, 999
		{Float(-5), "-5.00"},
		{Float(1e30), "1000000000000000019884624838656.00"},
		{Float(math.Inf(1)), "+Inf"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPct(t *testing.T) {
	for _, c := range []struct {
		a, b float64
		want string
	}{
		{0, 0, " [0.00%]"},
		{5, 0, " [0.00%]"},
		{1, 62, " [1.61%]"},
		{12, 262144, " [0.00%]"},
		{62, 62, " [100.00%]"},
		{3, 2, " [150.00%]"},
	} {
		if got := Pct(c.a, c.b); got != c.want {
			t.Errorf("Pct(%v, %v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d    packet.Time
		want string
	}{
		{0, "0.000000000 sec"},
		{ts(0, 1143701), "0.001143701 sec"},
		{ts(25, 329699000), "25.329699000 sec"},
		{ts(59, 999999999), "59.999999999 sec"},
		{ts(60, 0), "60.000000000 sec (1m)"},
		{ts(132, 710000000), "132.710000000 sec (2m 12s)"},
		{ts(3600, 0), "3600.000000000 sec (1h)"},
		{ts(3605, 0), "3605.000000000 sec (1h 5s)"},
		{ts(86400+61, 0), "86461.000000000 sec (1d 1m 1s)"},
		{ts(2499210008, 262421523), "2499210008.262421523 sec (79y 91d 1h 8s)"},
		{-ts(1, 500000000), "-1.500000000 sec"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%d) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestDate(t *testing.T) {
	withLocal(t, time.FixedZone("CET", 3600))
	for _, c := range []struct {
		t    packet.Time
		utc  bool
		want string
	}{
		{0, true, "0.000000000 sec (Thu 01 Jan 1970 00:00:00 GMT)"},
		{ts(1258544215, 0), true, "1258544215.000000000 sec (Wed 18 Nov 2009 11:36:55 GMT)"},
		{ts(1258544347, 710000000), true, "1258544347.710000000 sec (Wed 18 Nov 2009 11:39:07 GMT)"},
		{ts(1795756942, 484993), false, "1795756942.000484993 sec (Fri 27 Nov 2026 06:22:22 CET)"},
		{ts(1795756942, 999999999), false, "1795756942.999999999 sec (Fri 27 Nov 2026 06:22:22 CET)"},
	} {
		if got := Date(c.t, c.utc); got != c.want {
			t.Errorf("Date(%d, %v) = %q, want %q", c.t, c.utc, got, c.want)
		}
	}
}

func TestFlowTypes(t *testing.T) {
	for _, c := range []struct {
		f    FlowTypes
		want string
	}{
		{FlowTypes{L2: true, IPv4: true, IPv6: true}, "L2, IPv4, IPv6"},
		{FlowTypes{IPv4: true}, "IPv4"},
		{FlowTypes{L2: true, LAPD: true, IPv6: true, SCTP: true, Force: true}, "L2, LAPD, IPv6, SCTP [FORCE]"},
		{FlowTypes{L2: true}, "L2"},
		{FlowTypes{IPv4: true, IPv6: true, Alarm: true}, "IPv4, IPv6 [ALARM]"},
	} {
		if got := c.f.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
}
