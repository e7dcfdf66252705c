package machinereport

import (
	"strings"
	"testing"
)

// What the writer produces, the reader takes back unchanged: one schema.
func TestWriterReaderRoundTrip(t *testing.T) {
	for _, l := range []*Layout{
		{},
		{Live: true, L2Protos: []uint16{0x0806}, L3Names: []string{"TCP", "17"}, PluginCols: []string{"ftpPkts", "ftpDataPkts"}},
	} {
		r := &Report{Diff: true, SensorID: 7, Time: 1258544345200000000, Duration: 10e9, PktsRec: 3,
			NumPkts: 62, RawBandwidth: 1845.6, GlobalWarn: 0x4044,
			L3: []PktsBytes{{1, 60}}, Plugin: []byte("14\t0\t99")}
		kind, names := Classify(l.Header())
		if kind != Header {
			t.Fatalf("header kind %v", kind)
		}
		s, err := NewSchema(names)
		if err != nil {
			t.Fatal(err)
		}
		if names[s.Time] != ColTime || names[s.Duration] != ColDuration || !IsMeta(names[0]) || !IsMeta(names[1]) {
			t.Errorf("schema %v", names)
		}
		line := string(l.AppendRow(nil, r))
		kind, fields := Classify(line)
		fit, extra, ok := s.Fit(fields)
		if kind != Row || !ok || extra != 0 || len(fit) != len(names) {
			t.Fatalf("row %q: kind %v ok %v extra %d, %d of %d fields", line, kind, ok, extra, len(fit), len(names))
		}
		if tm, err := ParseTime(fit[s.Time]); err != nil || tm != (Time{1258544345, 200000000}) {
			t.Errorf("time %q: %v %v", fit[s.Time], tm, err)
		}
		col := func(n string) string {
			for i, x := range names {
				if x == n {
					return fit[i]
				}
			}
			return "<none>"
		}
		if col("numPkts") != "62" || col("rawBandwidth") != "1845.600" || col("globalWarn") != "0x0000000000004044" || col("repType") != RepTypeDiff {
			t.Errorf("row %q", line)
		}
		if len(l.PluginCols) > 0 && (col("ftpPkts") != "14" || col("ftpDataPkts") != "0" || col("TCPBytes") != "60" || col("17Pkts") != "0" || col("pktsRec") != "3") {
			t.Errorf("row %q", line)
		}
		if strings.HasSuffix(line, "\t") || strings.Contains(line, "99") {
			t.Errorf("row %q: trailing TAB or uncut plugin value", line)
		}
	}
}
