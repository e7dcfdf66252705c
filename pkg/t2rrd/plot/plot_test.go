package plot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/t2rrd/feed"
)

func TestParseInterval(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"10m", 600}, {"30s", 30}, {"1m", 60}, {"2h", 7200}, {"1d", 86400}, {"1w", 604800},
		{"1mo", 31 * 86400}, {"1y", 365 * 86400}, {"90", 90}, {"1h30m", 5400}, {"10min", 600},
		{"2M", 120},
	} {
		got, err := ParseInterval(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseInterval(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "m", "10q", "-5m", "0", "1.5h", "999999999999y"} {
		if _, err := ParseInterval(bad); err == nil {
			t.Errorf("ParseInterval(%q) accepted", bad)
		}
	}
}

func TestResolveRange(t *testing.T) {
	const first, last, now = 1000, 5000, 9000
	for _, tc := range []struct {
		start, end string
		all        bool
		want       Range
	}{
		{"", "", false, Range{4400, 5000}},             // last 10 min
		{"", "", true, Range{1000, 5000}},              // -a
		{"first", "", false, Range{1000, 1600}},        // -s first
		{"", "last", false, Range{4400, 5000}},         // -e last
		{"2000", "3000.9", false, Range{2000, 3000}},   // fractions dropped
		{"end-1m", "4000", false, Range{3940, 4000}},   // relative to -e
		{"last-30s", "last", false, Range{4970, 5000}}, //
		{"", "now", false, Range{8400, 9000}},          //
		{"-1h", "now", false, Range{5400, 9000}},       // rrdtool style
		{"2000", "start+2m", false, Range{2000, 2120}}, //
	} {
		got, err := ResolveRange(tc.start, tc.end, 600, tc.all, first, last, now)
		if err != nil || got != tc.want {
			t.Errorf("ResolveRange(%q, %q, all=%v) = %v, %v; want %v", tc.start, tc.end, tc.all, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{{"yesterday", ""}, {"3000", "2000"}, {"last+x", ""}} {
		if _, err := ResolveRange(bad[0], bad[1], 600, false, first, last, now); err == nil {
			t.Errorf("ResolveRange(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestParseSize(t *testing.T) {
	if w, h, err := ParseSize("800x600"); err != nil || w != 800 || h != 600 {
		t.Errorf("800x600: %d %d %v", w, h, err)
	}
	for _, bad := range []string{"800", "x", "800x", "10x10", "WxH", "800x600x2", "-800x600"} {
		if _, _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestWriteFields(t *testing.T) {
	var b bytes.Buffer
	WriteFields(&b, []string{"a", "bb", "c", "d"})
	want := "        a                      bb                     c              \n        d              \n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	WriteFields(&b, []string{"a", "b", "c"})
	if !strings.HasSuffix(b.String(), "c              \n\n") {
		t.Errorf("a multiple of 3 ends with an empty line (as T2): %q", b.String())
	}
}

func TestResolveField(t *testing.T) {
	names := []string{"numFlows", "someVeryLongPl_1a2b"}
	if f, err := ResolveField("numFlows", names); err != nil || f != "numFlows" {
		t.Errorf("numFlows: %q %v", f, err)
	}
	if _, err := ResolveField("numflows", names); err == nil || !strings.Contains(err.Error(), "field 'numflows' does not exist; the database has: numFlows someVeryLongPl_1a2b") {
		t.Errorf("case-sensitive as T2: %v", err)
	}
}

func TestShortenedNote(t *testing.T) {
	var b bytes.Buffer
	WriteShortenedNote(&b, []string{"numFlows", "TCPPkts"})
	if b.Len() != 0 {
		t.Errorf("note for standard names: %q", b.String())
	}
	long := "someVeryLongPluginCounterName"
	WriteShortenedNote(&b, []string{"numFlows", feed.DSName(long)})
	if !strings.Contains(b.String(), feed.DSName(long)) {
		t.Errorf("no note for %s: %q", feed.DSName(long), b.String())
	}
	// And the long name itself selects it for a plot.
	if f, err := ResolveField(long, []string{"numFlows", feed.DSName(long)}); err != nil || f != feed.DSName(long) {
		t.Errorf("ResolveField(long) = %q, %v", f, err)
	}
}
