package feed

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/t2go/t2go/pkg/machinereport"
)

// MaxDSName is rrdtool's limit on data source names (DS_NAM_SIZE 20 minus
// the terminating NUL); names must also match [a-zA-Z0-9_].
const MaxDSName = 19

// DSName turns a column name into a valid data source name. As T2 does,
// `[` and `]` are dropped; any other character outside [a-zA-Z0-9_]
// becomes `_`. A name longer than 19 characters keeps its first 14
// characters and gets `_` plus 4 hex digits of a hash of the whole name,
// so the same column always maps to the same DS and two long names that
// share a prefix stay apart. None of T2's standard columns is that long.
func DSName(column string) string {
	var b strings.Builder
	for _, c := range column {
		switch {
		case c == '[' || c == ']':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) <= MaxDSName {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(column))
	return fmt.Sprintf("%s_%04x", name[:MaxDSName-5], h.Sum32()&0xffff)
}

// counterColumns are libpcap's cumulative counters (live capture only);
// RRD turns them into per-second rates. Everything else T2 reports is a
// value per report, stored as GAUGE.
var counterColumns = map[string]bool{"pktsRec": true, "pktsDrp": true, "ifDrp": true}

// signedColumns are printed by T2 with a signed format (%ld): in
// differential mode they go negative when memory or the hash map shrink,
// so their DS gets no lower bound instead of T2's 0 (which would store
// those reports as unknown).
var signedColumns = map[string]bool{"memUsageKB": true, "fillSzHashMap": true}

// Source is one data source and the column that feeds it.
type Source struct {
	Column string // header name
	Name   string // DS name (differs when DSName had to change it)
	Index  int    // column index in the header
	Type   string // GAUGE or COUNTER
	Min    string // rrdcreate min: "0" or "U"
}

// IsHex reports whether a value is a hex flag word like T2's globalWarn
// (0x followed by hex digits).
func IsHex(v string) bool {
	if len(v) < 3 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') {
		return false
	}
	for _, c := range v[2:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Sources picks the data sources of a header, by column name, never by
// position (T2's "column 5 onwards" is wrong for the tutorial's older
// header): report metadata (repType/repTyp, sensorID, procID, time,
// duration/dur) and flag words (globalWarn, or any column whose value in
// the first row is hex) are not data sources; everything else is.
func Sources(s *machinereport.Schema, firstRow []string) ([]Source, error) {
	var out []Source
	byName := map[string]string{}
	for i, col := range s.Names {
		if machinereport.IsMeta(col) || strings.EqualFold(col, "globalWarn") {
			continue
		}
		if i < len(firstRow) && IsHex(firstRow[i]) {
			continue
		}
		name := DSName(col)
		if name == "" {
			return nil, fmt.Errorf("column %d (%q) gives no usable data source name", i+1, col)
		}
		if other, dup := byName[name]; dup {
			return nil, fmt.Errorf("columns %q and %q both map to data source %q", other, col, name)
		}
		byName[name] = col
		src := Source{Column: col, Name: name, Index: i, Type: "GAUGE", Min: "0"}
		if counterColumns[col] {
			src.Type = "COUNTER"
		}
		if signedColumns[col] {
			src.Min = "U"
		}
		out = append(out, src)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("header has no data columns")
	}
	if len(out) > MaxSources {
		return nil, fmt.Errorf("header has %d data columns, more than the %d data sources t2rrd puts in one database (each takes %d KB, %d would take %d MB); monitor fewer protocols or plugins",
			len(out), MaxSources, bytesPerSource>>10, len(out), len(out)*bytesPerSource>>20)
	}
	return out, nil
}

// MaxSources bounds the data sources of one database: a real t2 header
// (all 256 IP protocols and many plugins monitored) stays below it, and a
// database of MaxSources takes about 62 MB.
const MaxSources = 1024

// bytesPerSource is the size of one data source's archives: one 8-byte
// value per row of each RRA below.
const bytesPerSource = 8 * (600 + 700 + 775 + 797 + 1440 + 288 + 288 + 1440 + 1440)

// Archive parameters: T2's t2rrd numbers, kept as they are. They count
// steps (primary data points), so the time they cover scales with the step.
var averageRRAs = []string{
	"RRA:AVERAGE:0.5:1:600",
	"RRA:AVERAGE:0.5:6:700",
	"RRA:AVERAGE:0.5:24:775",
	"RRA:AVERAGE:0.5:288:797",
}

// Holt-Winters archives (aberrant behaviour detection), after the four
// AVERAGE ones, so their 1-based cross references are 5 (HWPREDICT),
// 6 (SEASONAL) and 7 (DEVSEASONAL): alpha 0.3, beta 0.004, season 288
// steps, gamma 0.0009, failure threshold 7 in a window of 9.
var holtWintersRRAs = []string{
	"RRA:HWPREDICT:1440:0.3:0.004:288:6",
	"RRA:SEASONAL:288:0.0009:5",
	"RRA:DEVSEASONAL:288:0.0009:5",
	"RRA:DEVPREDICT:1440:7",
	"RRA:FAILURES:1440:7:9:7",
}

// Definitions returns the rrdcreate arguments for the sources.
func Definitions(src []Source, heartbeat uint) []string {
	defs := make([]string, 0, len(src)+len(averageRRAs)+len(holtWintersRRAs))
	for _, s := range src {
		defs = append(defs, fmt.Sprintf("DS:%s:%s:%d:%s:U", s.Name, s.Type, heartbeat, s.Min))
	}
	defs = append(defs, averageRRAs...)
	defs = append(defs, holtWintersRRAs...)
	return defs
}
