package plot

import "testing"

// FuzzTimeSpec feeds -s, -e and -i values through ResolveRange. It must
// never panic, an accepted interval is positive and at most 100 years, and
// an accepted range is non-empty inside [0, MaxTime].
func FuzzTimeSpec(f *testing.F) {
	for _, s := range [][3]string{
		{"", "", "10m"},
		{"first", "last", "1h30m"},
		{"end-1h", "last", "600"},
		{"1700000000.5", "s+10m", "1mo"},
		{"-1d", "now", "1y"},
		{"9223372036854775807", "", "1s"},
		{"", "last+999999999999y", "999999999999y"},
		{"e-", "start+", "m"},
		{"+", "-", "0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const first, last, now = 1699990000, 1700000000, 1700000300
	f.Fuzz(func(t *testing.T, start, end, interval string) {
		iv, err := ParseInterval(interval)
		if err != nil {
			iv = 600
		} else if iv <= 0 || iv > maxInterval {
			t.Fatalf("ParseInterval(%q) = %d", interval, iv)
		}
		r, err := ResolveRange(start, end, iv, false, first, last, now)
		if err != nil {
			return
		}
		if r.Start < 0 || r.Start >= r.End || r.End > MaxTime {
			t.Fatalf("ResolveRange(%q, %q, %d) = %+v", start, end, iv, r)
		}
	})
}

func TestTimeSpecBounds(t *testing.T) {
	for _, in := range []string{"999999999999y", "292471208678y", "100y1s", "3000000000000mo"} {
		if v, err := ParseInterval(in); err == nil {
			t.Errorf("ParseInterval(%q) = %d", in, v)
		}
	}
	if v, err := ParseInterval("100y"); err != nil || v != maxInterval {
		t.Errorf("100y: %d %v", v, err)
	}
	for _, tc := range []struct{ start, end string }{
		{"", "253402300800"},
		{"9223372036854775807", ""},
	} {
		if r, err := ResolveRange(tc.start, tc.end, 600, false, 0, 1700000000, 1700000000); err == nil {
			t.Errorf("ResolveRange(%q, %q) = %+v", tc.start, tc.end, r)
		}
	}
	if r, err := ResolveRange("", "100", 3600, false, 0, 100, 100); err != nil || r != (Range{0, 100}) {
		t.Errorf("window before 1970: %+v %v", r, err)
	}
}
