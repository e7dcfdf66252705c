package machinereport

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		in     string
		kind   Kind
		fields []string
	}{
		{"", Blank, nil},
		{"  \r", Blank, nil},
		{"%repType\tsensorID\ttime", Header, []string{"repType", "sensorID", "time"}},
		{"%repType\tsensorID\ttime\t", Header, []string{"repType", "sensorID", "time"}}, // pipe: trailing TAB
		{"%repTyp\ttime\tdur\r", Header, []string{"repTyp", "time", "dur"}},             // CRLF
		{"USR1MR_D\t666\t1.5\t", Row, []string{"USR1MR_D", "666", "1.5"}},
		{"USR1MR_D\t666\t\t2", Row, []string{"USR1MR_D", "666", "", "2"}},
		{"Dump start: 1700000000.000000 sec", Text, nil},
		{"USR1 A type report", Text, nil},
	} {
		kind, fields := Classify(tc.in)
		if kind != tc.kind || strings.Join(fields, "|") != strings.Join(tc.fields, "|") {
			t.Errorf("Classify(%q) = %v %q, want %v %q", tc.in, kind, fields, tc.kind, tc.fields)
		}
	}
}

func TestScannerRealStreams(t *testing.T) {
	for _, name := range []string{"machine-diff-pcaptime.pipe.txt", "machine-diff-pcaptime.monfile.txt"} {
		f, err := os.Open("../../testdata/t2rrd/" + name)
		if err != nil {
			t.Fatal(err)
		}
		sc := NewScanner(f)
		var s *Schema
		rows := 0
		for sc.Scan() {
			l := sc.Line()
			switch l.Kind {
			case Header:
				if s, err = NewSchema(l.Fields); err != nil {
					t.Fatal(err)
				}
				if len(s.Names) != 40 || s.Time != 2 || s.Duration != 3 {
					t.Errorf("%s: schema %d names, time %d, duration %d", name, len(s.Names), s.Time, s.Duration)
				}
			case Row:
				fit, extra, ok := s.Fit(l.Fields)
				if !ok || extra != 1 || len(fit) != 40 {
					t.Fatalf("%s line %d: Fit = %d fields, extra %d, ok %v", name, l.Num, len(fit), extra, ok)
				}
				// ftpPkts is the 14 of row 1; the unnamed third ftpDecode value is gone.
				if l.Num == 2 && (fit[38] != "14" || fit[39] != "0") {
					t.Errorf("ftp columns %q %q", fit[38], fit[39])
				}
				rows++
			default:
				t.Errorf("%s line %d: kind %v", name, l.Num, l.Kind)
			}
		}
		f.Close()
		if sc.Err() != nil || rows != 3 {
			t.Errorf("%s: %d rows, err %v", name, rows, sc.Err())
		}
	}
}

func TestScannerLongLinesAndNoFinalNewline(t *testing.T) {
	in := "a\tb\n" + strings.Repeat("x", MaxLineLen+10) + "\nlast\tline"
	sc := NewScanner(strings.NewReader(in))
	var kinds []Kind
	for sc.Scan() {
		kinds = append(kinds, sc.Line().Kind)
	}
	if len(kinds) != 3 || kinds[0] != Row || kinds[1] != TooLong || kinds[2] != Row || sc.Line().Num != 3 {
		t.Errorf("kinds %v", kinds)
	}
}

func TestSchema(t *testing.T) {
	if _, err := NewSchema([]string{"repType", "foo"}); err == nil || !strings.Contains(err.Error(), "no 'time' column") {
		t.Errorf("no time column: %v", err)
	}
	if _, err := NewSchema([]string{"time", "a", "a"}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := NewSchema([]string{"time", "", "a"}); err == nil {
		t.Errorf("empty name accepted")
	}
	s, _ := NewSchema(strings.Fields("repTyp time dur numFlows"))
	if s.Time != 1 || s.Duration != 2 {
		t.Errorf("tutorial header: time %d dur %d", s.Time, s.Duration)
	}
	if _, _, ok := s.Fit([]string{"A", "1", "2", "3", "4"}); ok {
		t.Errorf("extra field accepted without ftpDecode")
	}
	if _, _, ok := s.Fit([]string{"A", "1", "2"}); ok {
		t.Errorf("missing field accepted")
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Time
		ok   bool
	}{
		{"1258544225.000000000", Time{1258544225, 0}, true},
		{"1258544345.200000000", Time{1258544345, 200000000}, true},
		{"1613666103.342685", Time{1613666103, 342685000}, true},
		{"1613666103", Time{1613666103, 0}, true},
		{"1.0000000019", Time{1, 1}, true},
		{"", Time{}, false}, {"-1.5", Time{}, false}, {"1e9", Time{}, false},
		{"1.", Time{}, false}, {".5", Time{}, false}, {"1.2.3", Time{}, false},
		{"0x10", Time{}, false}, {"9999999999999.0", Time{}, false},
	} {
		got, err := ParseTime(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// FuzzRow feeds arbitrary lines through the whole row path: classify,
// fit to a 0.9.3 header with ftpDecode, parse the time. It must never
// panic, and what it accepts must be consistent.
func FuzzRow(f *testing.F) {
	for _, seed := range []string{
		"USR1MR_D\t666\t1258544225.000000000\t10.000000000\t16032\t11\t11\t6\t5\t34\t19\t15\t1\t33\t0\t0\t2307\t1198\t1109\t0\t0\t0\t1845.600\t0x0400000000004044\t1\t60\t0\t0\t22\t1471\t9\t656\t2\t120\t0\t0\t0\t0\t14\t0\t0\t",
		"%repType\tsensorID\ttime\tduration",
		"USR1MR_A\t666\t1.\t\t\t",
		"\t\t\t\r",
		"Dump start: 1613666096.469516 sec",
	} {
		f.Add(seed)
	}
	hdr := strings.Split("repType\tsensorID\ttime\tduration\tmemUsageKB\tfillSzHashMap\tnumFlows\tnumAFlows\tnumBFlows\tnumPkts\tnumAPkts\tnumBPkts\tnumL2Pkts\tnumV4Pkts\tnumV6Pkts\tnumVxPkts\tnumBytes\tnumABytes\tnumBBytes\tnumFrgV4Pkts\tnumFrgV6Pkts\tnumAlarms\trawBandwidth\tglobalWarn\t0x0806Pkts\t0x0806Bytes\t0x8035Pkts\t0x8035Bytes\tTCPPkts\tTCPBytes\tUDPPkts\tUDPBytes\tICMPPkts\tICMPBytes\tICMPv6Pkts\tICMPv6Bytes\tSCTPPkts\tSCTPBytes\tftpPkts\tftpDataPkts", "\t")
	s, err := NewSchema(hdr)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		kind, fields := Classify(line)
		switch kind {
		case Row:
			fit, extra, ok := s.Fit(fields)
			if !ok {
				return
			}
			if len(fit) != len(hdr) || extra > 1 {
				t.Fatalf("Fit returned %d fields, extra %d", len(fit), extra)
			}
			if tm, err := ParseTime(fit[s.Time]); err == nil && (tm.Sec < 0 || tm.Nsec < 0 || tm.Nsec >= 1e9) {
				t.Fatalf("ParseTime(%q) = %v", fit[s.Time], tm)
			}
		case Header:
			if sch, err := NewSchema(fields); err == nil && (sch.Time < 0 || sch.Time >= len(fields)) {
				t.Fatalf("schema time index %d", sch.Time)
			}
		case Text:
			if strings.Contains(line, "\t") {
				t.Fatalf("text line with TAB")
			}
		}
		_ = utf8.ValidString(line)
	})
}
