package feed

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A failed feed without -k must leave an existing database as it was, and
// a row with time 0 must neither create a broken database nor make the
// later rows refused.
func TestImpossibleTimeKeepsDatabase(t *testing.T) {
	needRRDTool(t)
	db := tempDB(t)
	a := &stream{header: header093, start: 1700000000, interval: 5}
	if _, err := feedString(t, db, a.text(10), Options{}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	zero := &stream{header: header093, start: 0, interval: 0}
	for _, in := range []string{
		zero.text(1), // only a row at time 0
		zero.headerLine() + "garbage\trow\n",
		zero.headerLine(),
	} {
		sum, err := feedString(t, db, in, Options{})
		if err == nil || !strings.Contains(err.Error(), "existing database is unchanged") {
			t.Errorf("err %v", err)
		}
		if sum.Created {
			t.Errorf("summary says created: %s", summaryText(sum))
		}
		after, _ := os.ReadFile(db)
		if string(after) != string(before) {
			t.Fatalf("database changed by a feed that stored nothing")
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(db), ".*tmp*")); len(left) != 0 {
		t.Errorf("staged files left: %v", left)
	}

	// Time 0 first, then real rows: the zero row is skipped and counted,
	// the others stored.
	b := &stream{header: header093, start: 1700001000, interval: 5}
	in := b.headerLine() + strings.Replace(b.rowLine(0), "1700001000.000000000", "0.000000000", 1)
	for i := 1; i < 6; i++ {
		in += b.rowLine(i)
	}
	in += strings.Replace(b.rowLine(6), "1700001030.000000000", "99999999999999.0", 1)
	in += strings.Replace(b.rowLine(7), "1700001035.000000000", "300000000000.0", 1)
	in += b.rowLine(8)
	sum, err := feedString(t, db, in, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, summaryText(sum))
	}
	if sum.Stored != 6 || sum.Impossible.N != 2 || sum.Impossible.First != 2 || sum.BadTime.N != 1 || sum.Rejected.N != 0 {
		t.Errorf("summary:\n%s", summaryText(sum))
	}
	if !strings.Contains(summaryText(sum), "2 rows skipped: impossible time") {
		t.Errorf("summary:\n%s", summaryText(sum))
	}
	if info := rrdInfo(t, db); info["last_update"] != "1700001040" {
		t.Errorf("last_update %s", info["last_update"])
	}
}

// Without -k only an RRD database is replaced; any other file is refused
// and left alone.
func TestRefuseNonRRD(t *testing.T) {
	needRRDTool(t)
	dir := t.TempDir()
	a := &stream{header: header093, start: 1700000000, interval: 5}
	file := filepath.Join(dir, "capture.pcap")
	os.WriteFile(file, []byte("precious data"), 0o644)
	for _, path := range []string{file, dir} {
		_, err := feedString(t, path, a.text(3), Options{})
		if err == nil || !strings.Contains(err.Error(), "refusing to replace it") {
			t.Errorf("%s: %v", path, err)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "precious data" {
		t.Errorf("file replaced")
	}
}

// A header with thousands of columns is refused before anything is
// created (10,000 columns made a 631 MB database).
func TestTooManySources(t *testing.T) {
	needRRDTool(t)
	hdr := []string{"repType", "time", "duration"}
	for i := 0; i < 10000; i++ {
		hdr = append(hdr, fmt.Sprintf("c%dPkts", i))
	}
	s := &stream{header: hdr, start: 1700000000, interval: 1}
	db := tempDB(t)
	_, err := feedString(t, db, s.text(2), Options{})
	if err == nil || !strings.Contains(err.Error(), "header has 10000 data columns, more than the 1024 data sources") {
		t.Errorf("err %v", err)
	}
	if _, serr := os.Stat(db); serr == nil {
		t.Errorf("database created")
	}
	// At the limit it works.
	s.header = hdr[:3+MaxSources]
	if _, err := feedString(t, db, s.text(2), Options{}); err != nil {
		t.Errorf("%d sources: %v", MaxSources, err)
	}
}
