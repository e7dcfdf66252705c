package feed

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/machinereport"
)

// T2's t2rrd -m on the 299-row synthetic input made samples/t2rrd-m.rrdtool-info.txt;
// our database must define the same data sources and archives. Deliberate
// differences: the heartbeat (10 × step instead of a fixed 5 s) and no
// lower bound for the two signed columns.
func TestSyntheticInputMatchesT2Definition(t *testing.T) {
	needRRDTool(t)
	in, err := os.ReadFile(filepath.Join(testdata, "t2rrd-synthetic-input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(testdata, "t2rrd-m.rrdtool-info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	db := tempDB(t)
	sum, err := feedString(t, db, string(in), Options{})
	if err != nil {
		t.Fatalf("Feed: %v\n%s", err, summaryText(sum))
	}
	if sum.Stored != 299 || sum.Step != 1 || sum.Heartbeat != 10 {
		t.Fatalf("stored %d step %d heartbeat %d, want 299, 1, 10\n%s", sum.Stored, sum.Step, sum.Heartbeat, summaryText(sum))
	}
	got := rrdInfo(t, db)
	wantInfo := parseInfo(string(want))
	skip := func(k string) bool {
		switch {
		case k == "filename", k == "last_update", k == "header_size", k == "rrd_version":
			return true
		case strings.HasSuffix(k, ".minimal_heartbeat"):
			return got[k] == "10" // ours: 10 × step
		case k == "ds[memUsageKB].min", k == "ds[fillSzHashMap].min":
			return got[k] == "NaN" // ours: signed columns unbounded
		}
		return false
	}
	for k, v := range wantInfo {
		if skip(k) {
			continue
		}
		if got[k] != v {
			t.Errorf("rrdtool info %s = %s, T2 has %s", k, got[k], v)
		}
	}
	// Exactly T2's data sources, in T2's order, and no more archives.
	var gotDS, wantDS []string
	for k := range got {
		if strings.HasSuffix(k, "].index") && strings.HasPrefix(k, "ds[") {
			gotDS = append(gotDS, k)
		}
	}
	for k := range wantInfo {
		if strings.HasSuffix(k, "].index") && strings.HasPrefix(k, "ds[") {
			wantDS = append(wantDS, k)
		}
	}
	sort.Strings(gotDS)
	sort.Strings(wantDS)
	if strings.Join(gotDS, ",") != strings.Join(wantDS, ",") {
		t.Errorf("data sources differ:\n got %v\nwant %v", gotDS, wantDS)
	}
	if _, extra := got["rra[9].cf"]; extra {
		t.Errorf("more than 9 RRAs")
	}
	// Values come back: the last synthetic row (numAPkts 10, numBPkts 35).
	rows := rrdFetch(t, db, 1258544500, 1258544514)
	last := rows[1258544514]
	if last == nil || math.Abs(last["numAPkts"]-10) > 0.01 || math.Abs(last["numBPkts"]-35) > 0.01 {
		t.Errorf("fetch at 1258544514 = %v, want numAPkts 10 numBPkts 35", last)
	}
}

// The real T2 0.9.3 stream, from a pipe (trailing TABs, ftpDecode's third
// value) and from the -m file (neither), gives the same database.
func TestRealT2Streams(t *testing.T) {
	needRRDTool(t)
	for _, name := range []string{"machine-diff-pcaptime.pipe.txt", "machine-diff-pcaptime.monfile.txt"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(testdata, name))
			if err != nil {
				t.Fatal(err)
			}
			db := tempDB(t)
			sum, err := feedString(t, db, string(in), Options{})
			if err != nil {
				t.Fatalf("Feed: %v\n%s", err, summaryText(sum))
			}
			if sum.Stored != 3 || sum.FTPExtra.N != 3 || sum.Step != 10 || sum.Heartbeat != 100 || sum.Gaps.N != 1 {
				t.Errorf("summary: %+v\n%s", sum, summaryText(sum))
			}
			info := rrdInfo(t, db)
			var names []string
			for k := range info {
				if strings.HasPrefix(k, "ds[") && strings.HasSuffix(k, "].index") {
					names = append(names, strings.TrimSuffix(strings.TrimPrefix(k, "ds["), "].index"))
				}
			}
			sort.Slice(names, func(a, b int) bool {
				return info["ds["+names[a]+"].index"] < info["ds["+names[b]+"].index"] || len(info["ds["+names[a]+"].index"]) < len(info["ds["+names[b]+"].index"])
			})
			var want []string
			for _, h := range header093 {
				if !machinereport.IsMeta(h) && h != "globalWarn" {
					want = append(want, h)
				}
			}
			if len(names) != len(want) {
				t.Fatalf("%d data sources %v, want %d %v", len(names), names, len(want), want)
			}
			for i, w := range want {
				if info[fmt.Sprintf("ds[%s].index", w)] != fmt.Sprint(i) {
					t.Errorf("ds[%s].index = %q, want %d", w, info[fmt.Sprintf("ds[%s].index", w)], i)
				}
				if info[fmt.Sprintf("ds[%s].type", w)] != `"GAUGE"` {
					t.Errorf("ds[%s].type = %s", w, info[fmt.Sprintf("ds[%s].type", w)])
				}
			}
			if info["step"] != "10" || info["ds[numPkts].minimal_heartbeat"] != "100" {
				t.Errorf("step %s heartbeat %s", info["step"], info["ds[numPkts].minimal_heartbeat"])
			}
			// RRD keeps values on a grid of whole steps (multiples of 10 s
			// since the epoch); T2's reports at ...225, ...235 each cover
			// the 10 s before them, so every step gets the time-weighted
			// share of the reports that overlap it.
			rows := rrdFetch(t, db, 1258544210, 1258544240)
			check := func(at int64, ds string, want float64) {
				t.Helper()
				if got := rows[at][ds]; rows[at] == nil || math.Abs(got-want) > 1e-6 {
					t.Errorf("%s at %d = %v, want %v", ds, at, got, want)
				}
			}
			check(1258544220, "numPkts", 34) // row 1 only (215-225, 215-220 in this step)
			check(1258544220, "rawBandwidth", 1845.6)
			check(1258544220, "ftpPkts", 14)
			check(1258544220, "ftpDataPkts", 0)
			check(1258544220, "0x0806Bytes", 60)
			check(1258544230, "numPkts", (34+10)/2.0) // half row 1, half row 2
			check(1258544230, "UDPBytes", (656+740)/2.0)
			check(1258544240, "fillSzHashMap", -2) // row 2 only; negative diff kept
			check(1258544240, "UDPBytes", 740)
			// The third row comes 110 s later, beyond the 100 s heartbeat.
			gap := rrdFetch(t, db, 1258544250, 1258544340)
			if v := gap[1258544300]["numPkts"]; !math.IsNaN(v) {
				t.Errorf("in the gap numPkts = %v, want unknown", v)
			}
		})
	}
}

func TestTutorialAndLiveHeaders(t *testing.T) {
	needRRDTool(t)
	for _, tc := range []struct {
		name   string
		header []string
	}{{"tutorial-0.8.14", headerTutorial}, {"live-0.9.3", liveHeader093}} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stream{header: tc.header, start: 1613666103, interval: 1}
			db := tempDB(t)
			sum, err := feedString(t, db, s.text(20), Options{})
			if err != nil {
				t.Fatalf("Feed: %v\n%s", err, summaryText(sum))
			}
			info := rrdInfo(t, db)
			for _, bad := range []string{"repTyp", "repType", "sensorID", "time", "dur", "duration", "globalWarn"} {
				if _, ok := info["ds["+bad+"].index"]; ok {
					t.Errorf("%s became a data source", bad)
				}
			}
			for _, c := range []string{"pktsRec", "pktsDrp", "ifDrp"} {
				if info["ds["+c+"].type"] != `"COUNTER"` {
					t.Errorf("%s type %s, want COUNTER", c, info["ds["+c+"].type"])
				}
			}
			if info["ds[memUsageKB].type"] != `"GAUGE"` || info["ds[memUsageKB].index"] != "3" {
				t.Errorf("memUsageKB: %s index %s", info["ds[memUsageKB].type"], info["ds[memUsageKB].index"])
			}
			// Values: row 10 at start+10, column numFlows.
			col := 0
			for i, h := range tc.header {
				if h == "numFlows" {
					col = i
				}
			}
			rows := rrdFetch(t, db, s.start+5, s.start+15)
			if got := rows[s.start+10]["numFlows"]; got != float64(val(10, col)) {
				t.Errorf("numFlows at row 10 = %v, want %d", got, val(10, col))
			}
			// COUNTER: pktsRec grows by 10*(c+1) per second.
			prc := 0
			for i, h := range tc.header {
				if h == "pktsRec" {
					prc = i
				}
			}
			if got := rows[s.start+10]["pktsRec"]; math.Abs(got-float64(10*(prc+1))) > 1e-6 {
				t.Errorf("pktsRec rate = %v, want %d", got, 10*(prc+1))
			}
		})
	}
}

// Each odd case is handled on purpose, counted, and the good rows stored.
func TestOddInput(t *testing.T) {
	needRRDTool(t)
	s := &stream{header: header093, start: 1700000000, interval: 10, trailTab: true}
	row := func(i int) string { return s.rowLine(i) }
	ts := func(i int) string { return fmt.Sprintf("%d.%09d", s.start+int64(i)*10, 0) }
	replaceTime := func(line, newTime string) string {
		f := strings.Split(line, "\t")
		f[2] = newTime
		return strings.Join(f, "\t")
	}
	var b strings.Builder
	b.WriteString("================================================================================\n")
	b.WriteString("Tranalyzer 0.9.3 (Anteater), Cobweb. PID: 4242\n")
	b.WriteString(row(0))                                // line 3: row before any header
	b.WriteString(s.headerLine())                        // line 4
	b.WriteString("Dump start: 1700000000.000000 sec\n") // line 5: text
	for i := 0; i < 5; i++ {                             // lines 6-10
		b.WriteString(row(i))
	}
	b.WriteString(replaceTime(row(5), ts(4)[:10]+".600000000")) // line 11: row 4's second, 0.4 s before the next: shifted
	b.WriteString(replaceTime(row(5), ts(2)))                   // line 12: older than last → skipped
	b.WriteString(replaceTime(row(5), ts(4)[:10]+".600000000")) // line 13: equal time → skipped
	b.WriteString(s.headerLine())                               // line 14: repeated header
	b.WriteString("USR1MR_D\t666\t" + ts(6) + "\t10.0\t1\t2\n") // line 15: too few fields
	b.WriteString(replaceTime(row(6), "yesterday"))             // line 16: bad time
	bad := strings.Split(row(7), "\t")
	bad[6] = "lots"                                                       // numFlows
	bad[9] = "0x10"                                                       // numPkts
	b.WriteString(strings.Join(bad, "\t"))                                // line 17: non-numeric values → U
	b.WriteString("\n")                                                   // line 18: blank
	b.WriteString("USR1 D type report\n")                                 // line 19: human report text
	b.WriteString("\x00\x01\xff\tgarbage\t\t\n")                          // line 20: binary garbage with TABs
	b.WriteString(strings.Repeat("x\t", machinereport.MaxLineLen) + "\n") // line 21: over-long
	b.WriteString(replaceTime(row(8), ts(7)[:10]+".000000100"))           // line 22: same millisecond as row 7: skipped
	b.WriteString(replaceTime(row(8), ts(7)[:10]+".700000000"))           // line 23: 0.3 s before the next second: shifted
	b.WriteString(replaceTime(row(8), ts(7)[:10]+".800000000"))           // line 24: would be 1.2 s late: skipped
	b.WriteString(row(9))                                                 // line 25
	db := tempDB(t)
	sum, err := feedString(t, db, b.String(), Options{})
	if err != nil {
		t.Fatalf("Feed: %v\n%s", err, summaryText(sum))
	}
	t.Log("\n" + summaryText(sum))
	checks := []struct {
		name  string
		c     Count
		n     int
		first int
	}{
		{"text", sum.Text, 4, 1},
		{"before header", sum.BeforeHeader, 1, 3},
		{"not newer", sum.NotNewer, 3, 12},
		{"malformed", sum.Malformed, 2, 15},
		{"bad time", sum.BadTime, 1, 16},
		{"bad values", sum.BadValues, 1, 17},
		{"blank", sum.Blank, 1, 18},
		{"too long", sum.TooLong, 1, 21},
		{"shifted", sum.Shifted, 2, 11},
		{"same second", sum.SameSecond, 1, 24},
	}
	for _, c := range checks {
		if c.c.N != c.n || c.c.First != c.first {
			t.Errorf("%s: %d (first line %d), want %d (first line %d)", c.name, c.c.N, c.c.First, c.n, c.first)
		}
	}
	if sum.Headers != 2 {
		t.Errorf("headers %d, want 2", sum.Headers)
	}
	// rows 0-4, the 4.5 one, row 7 (with unknowns), row 8 (same second), row 9
	if sum.Stored != 9 {
		t.Errorf("stored %d, want 9", sum.Stored)
	}
	rows := rrdFetch(t, db, s.start, s.start+100)
	if v := rows[s.start+70]["numFlows"]; !math.IsNaN(v) {
		t.Errorf("numFlows with value 'lots' = %v, want unknown", v)
	}
	if v := rows[s.start+70]["numAFlows"]; v != float64(val(7, 7)) {
		t.Errorf("numAFlows of row 7 = %v, want %d", v, val(7, 7))
	}
	if v := rows[s.start+90]["numBytes"]; v != float64(val(9, 16)) {
		t.Errorf("numBytes of row 9 = %v, want %d", v, val(9, 16))
	}
	txt := summaryText(sum)
	for _, want := range []string{"9 rows stored from 25 lines read", "3 rows skipped: time not after the previous row (first at line 12)", "1 rows had values that are not numbers"} {
		if !strings.Contains(txt, want) {
			t.Errorf("summary lacks %q:\n%s", want, txt)
		}
	}
}

func TestHeaderChangeStops(t *testing.T) {
	needRRDTool(t)
	a := &stream{header: header093, start: 1700000000, interval: 1}
	b := &stream{header: liveHeader093, start: 1700000100, interval: 1}
	db := tempDB(t)
	sum, err := feedString(t, db, a.text(10)+b.text(10), Options{})
	if !errors.Is(err, ErrHeaderChanged) {
		t.Fatalf("err = %v, want ErrHeaderChanged", err)
	}
	if !strings.Contains(err.Error(), "line 12") || !strings.Contains(err.Error(), "-d NAME") {
		t.Errorf("error should name the line and the way out: %v", err)
	}
	if sum.Stored != 10 {
		t.Errorf("stored %d before the change, want 10", sum.Stored)
	}
	if _, ok := rrdInfo(t, db)["ds[pktsRec].index"]; ok {
		t.Errorf("database took the second layout")
	}
}

func TestNothingToStore(t *testing.T) {
	needRRDTool(t)
	s := &stream{header: header093, start: 1700000000, interval: 1}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "no machine-report header"},
		{"human report only", "USR1 A type report\nNumber of packets: 4\n", "no machine-report header"},
		{"header only", s.headerLine(), "no report row stored"},
		{"garbage rows", s.headerLine() + "a\tb\nc\td\te\n", "no report row stored"},
		{"no time column", "%repType\tfoo\tbar\nX\t1\t2\n", "no 'time' column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tempDB(t)
			_, err := feedString(t, db, tc.in, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if _, serr := os.Stat(db); serr == nil {
				t.Errorf("an empty database was created")
			}
		})
	}
}

func TestKeepAppends(t *testing.T) {
	needRRDTool(t)
	db := tempDB(t)
	a := &stream{header: header093, start: 1700000000, interval: 5}
	if _, err := feedString(t, db, a.text(10), Options{}); err != nil {
		t.Fatal(err)
	}
	b := &stream{header: header093, start: 1700000050, interval: 5}
	sum, err := feedString(t, db, b.text(10), Options{Keep: true})
	if err != nil {
		t.Fatalf("append: %v\n%s", err, summaryText(sum))
	}
	if sum.Created || sum.Stored != 10 || sum.Step != 5 {
		t.Errorf("append summary %+v", sum)
	}
	if info := rrdInfo(t, db); info["last_update"] != "1700000095" {
		t.Errorf("last_update %s, want 1700000095", info["last_update"])
	}
	// Rows the database already has are skipped, not an error.
	sum, err = feedString(t, db, b.text(12), Options{Keep: true})
	if err != nil || sum.Stored != 2 || sum.NotNewer.N != 10 {
		t.Errorf("re-append: err %v stored %d notNewer %d", err, sum.Stored, sum.NotNewer.N)
	}
	// Other columns: a clear error, the database untouched.
	c := &stream{header: liveHeader093, start: 1700000200, interval: 5}
	_, err = feedString(t, db, c.text(3), Options{Keep: true})
	if err == nil || !strings.Contains(err.Error(), "not in the database: pktsRec, pktsDrp, ifDrp") {
		t.Errorf("mismatch error = %v", err)
	}
	// Without -k the database is replaced.
	sum, err = feedString(t, db, c.text(3), Options{})
	if err != nil || !sum.Created {
		t.Errorf("replace: %v %+v", err, sum)
	}
	// -k on a missing database creates it.
	db2 := tempDB(t)
	if sum, err := feedString(t, db2, a.text(3), Options{Keep: true}); err != nil || !sum.Created {
		t.Errorf("-k on missing DB: %v", err)
	}
	// -k on something that is not an RRD: error before reading.
	notRRD := filepath.Join(t.TempDir(), "x.rrd")
	os.WriteFile(notRRD, []byte("hello"), 0o644)
	if _, err := feedString(t, notRRD, a.text(3), Options{Keep: true}); err == nil || !strings.Contains(err.Error(), "not a valid RRD") {
		t.Errorf("-k on non-RRD: %v", err)
	}
}

func TestLongColumnNames(t *testing.T) {
	needRRDTool(t)
	for _, h := range append(append([]string{}, header093...), liveHeader093...) {
		if len(h) > MaxDSName {
			t.Errorf("standard column %s is longer than %d", h, MaxDSName)
		}
	}
	hdr := append(append([]string{}, header093...), "someVeryLongPluginCounterName", "someVeryLongPluginCounterName2", "IPv6-ICMP[x]Pkts")
	s := &stream{header: hdr, start: 1700000000, interval: 1}
	db := tempDB(t)
	sum, err := feedString(t, db, s.text(5), Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := rrdInfo(t, db)
	for _, col := range hdr[len(header093):] {
		n := DSName(col)
		if len(n) > MaxDSName {
			t.Errorf("DSName(%s) = %s too long", col, n)
		}
		if _, ok := info["ds["+n+"].index"]; !ok {
			t.Errorf("no DS %s for column %s", n, col)
		}
	}
	if DSName("IPv6-ICMP[x]Pkts") != "IPv6_ICMPxPkts" {
		t.Errorf("DSName = %s", DSName("IPv6-ICMP[x]Pkts"))
	}
	if !strings.Contains(summaryText(sum), `column "someVeryLongPluginCounterName" is stored as data source "someVeryLongPl_`) {
		t.Errorf("summary does not explain the shortened name:\n%s", summaryText(sum))
	}
}

func TestDetectStep(t *testing.T) {
	for _, tc := range []struct {
		ms   []int64
		want uint
	}{
		{[]int64{1000, 2000, 3000, 4000}, 1},
		{[]int64{0, 10000, 20000, 130000}, 10}, // pcap-time gap
		{[]int64{0, 10000, 120200}, 10},        // T2 sample: 10, 110.2
		{[]int64{0, 6873, 7873, 8873}, 1},      // tutorial: short first interval
		{[]int64{0, 9800, 20100, 30050}, 10},   // irregular around 10
		{[]int64{0, 300, 10300, 20300}, 10},    // an extra USR1 report
		{[]int64{5000}, 1},                     // one row
		{[]int64{0, 200, 400, 600}, 1},         // sub-second: at least 1
		{[]int64{0, 86400000 * 5}, 86400},      // capped
	} {
		if got := detectStep(tc.ms, 0); got != tc.want {
			t.Errorf("detectStep(%v) = %d, want %d", tc.ms, got, tc.want)
		}
	}
}

func TestValidValue(t *testing.T) {
	for _, tc := range []struct {
		v       string
		counter bool
		ok      bool
	}{
		{"12", false, true}, {"-2", false, true}, {"1845.600", false, true}, {"1e3", false, true},
		{"U", false, true}, {".5", false, true}, {"0x10", false, false}, {"nan", false, false},
		{"inf", false, false}, {"", false, false}, {"1e", false, false}, {"1e400", false, false}, {"-1e-400", false, true}, {"1.2.3", false, false},
		{"12", true, true}, {"-2", true, false}, {"1.5", true, false}, {"U", true, true},
	} {
		if got := validValue(tc.v, tc.counter); got != tc.ok {
			t.Errorf("validValue(%q, %v) = %v", tc.v, tc.counter, got)
		}
	}
}

// A '%' line mid-stream that is no usable header is counted, not a restart.
func TestPercentLineIsNotAHeader(t *testing.T) {
	needRRDTool(t)
	s := &stream{header: header093, start: 1700000000, interval: 1}
	in := s.headerLine() + s.rowLine(0) + "%% done: 50\n" + s.rowLine(1) + s.rowLine(2)
	sum, err := feedString(t, tempDB(t), in, Options{})
	if err != nil || sum.Stored != 3 || sum.Text.N != 1 || sum.Text.First != 3 || sum.Headers != 1 {
		t.Errorf("err %v, summary %+v", err, sum)
	}
}

// Our t2's machine reports of a capture (pcap time, 1 s interval, diff
// mode): every report lands on its own second and reads back exactly,
// except the last one, 79 ms after the previous report in the same second.
func TestOurT2Stream(t *testing.T) {
	needRRDTool(t)
	in, err := os.ReadFile(filepath.Join(testdata, "t2go-http-web-browsing.machine.txt"))
	if err != nil {
		t.Fatal(err)
	}
	db := tempDB(t)
	sum, err := feedString(t, db, string(in), Options{})
	if err != nil {
		t.Fatalf("Feed: %v\n%s", err, summaryText(sum))
	}
	if sum.Stored != 14 || sum.SameSecond.N != 1 || sum.SameSecond.First != 16 || sum.Step != 1 || len(sum.Sources) != 35 {
		t.Errorf("summary:\n%s", summaryText(sum))
	}
	lines := strings.Split(strings.TrimSpace(string(in)), "\n")
	names := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	rows := rrdFetch(t, db, 1367526030, 1367526050)
	for n, l := range lines[1 : len(lines)-1] {
		f := strings.Split(l, "\t")
		tm, _ := machinereport.ParseTime(f[2])
		for i, name := range names {
			if name != "numPkts" && name != "numBytes" && name != "TCPBytes" {
				continue
			}
			want, _ := strconv.ParseFloat(f[i], 64)
			if got := rows[tm.Sec][name]; got != want {
				t.Errorf("row %d (%s): %s = %v, want %v", n+1, f[2], name, got, want)
			}
		}
	}
}
