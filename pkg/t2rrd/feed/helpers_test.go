package feed

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
)

const testdata = "../../../testdata/t2rrd"

// header093 is T2 0.9.3's machine header for a file with the tutorial's
// plugins, ftpDecode fixed to two values (as our t2 writes it).
var header093 = strings.Fields("repType sensorID time duration memUsageKB fillSzHashMap numFlows numAFlows numBFlows numPkts numAPkts numBPkts numL2Pkts numV4Pkts numV6Pkts numVxPkts numBytes numABytes numBBytes numFrgV4Pkts numFrgV6Pkts numAlarms rawBandwidth globalWarn 0x0806Pkts 0x0806Bytes 0x8035Pkts 0x8035Bytes TCPPkts TCPBytes UDPPkts UDPBytes ICMPPkts ICMPBytes ICMPv6Pkts ICMPv6Bytes SCTPPkts SCTPBytes ftpPkts ftpDataPkts")

// liveHeader093 is the same for a live capture (-i): libpcap counters after duration.
var liveHeader093 = append(append(append([]string{}, header093[:4]...), "pktsRec", "pktsDrp", "ifDrp"), header093[4:]...)

// headerTutorial is the tutorial's (T2 0.8.14) live header.
var headerTutorial = strings.Fields("repTyp time dur pktsRec pktsDrp ifDrp memUsageKB fillSzHashMap numFlows numAFlows numBFlows numPkts numAPkts numBPkts numV4Pkts numV6Pkts numVxPkts numBytes numABytes numBBytes numFrgV4Pkts numFrgV6Pkts numAlarms rawBandwidth globalWarn 0x0042Pkts 0x0042Bytes ICMPPkts ICMPBytes TCPPkts TCPBytes UDPPkts UDPBytes ftpPkts ftpDataPkts")

// stream writes a machine-report stream in T2's exact format: `%` header,
// then one row per report: repType, sensorID, time with 9 fraction
// digits, duration, values; globalWarn as 0x%016x. value(i, col) gives
// the value of a numeric column in row i.
type stream struct {
	header   []string
	start    int64   // time of the first row (whole seconds)
	interval float64 // seconds between rows
	trailTab bool    // T2 on a pipe: a TAB before every newline
	counter  int64
}

func (s *stream) headerLine() string {
	l := "%" + strings.Join(s.header, "\t")
	if s.trailTab {
		l += "\t"
	}
	return l + "\n"
}

// val is the deterministic value of column c in row i.
func val(i, c int) int64 { return int64((i*7+c*13)%97 + c) }

func (s *stream) rowLine(i int) string {
	var b strings.Builder
	t := float64(s.start) + float64(i)*s.interval
	sec := int64(t)
	nsec := int64(math.Round((t - float64(sec)) * 1e9))
	for c, name := range s.header {
		if c > 0 {
			b.WriteByte('\t')
		}
		switch strings.ToLower(name) {
		case "reptype", "reptyp":
			b.WriteString("USR1MR_D")
		case "sensorid":
			b.WriteString("666")
		case "time":
			fmt.Fprintf(&b, "%d.%09d", sec, nsec)
		case "duration", "dur":
			fmt.Fprintf(&b, "%.9f", s.interval)
		case "globalwarn":
			fmt.Fprintf(&b, "0x%016x", 0x0400000000004044)
		case "rawbandwidth":
			fmt.Fprintf(&b, "%d.%03d", val(i, c), i%1000)
		case "pktsrec", "pktsdrp", "ifdrp":
			fmt.Fprintf(&b, "%d", int64(i)*int64(c+1)*10)
		default:
			fmt.Fprintf(&b, "%d", val(i, c))
		}
	}
	if s.trailTab {
		b.WriteByte('\t')
	}
	b.WriteByte('\n')
	return b.String()
}

func (s *stream) text(rows int) string {
	var b strings.Builder
	b.WriteString(s.headerLine())
	for i := 0; i < rows; i++ {
		b.WriteString(s.rowLine(i))
	}
	return b.String()
}

func needRRDTool(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("rrdtool"); err != nil {
		t.Skip("rrdtool binary not installed (apt install rrdtool); it is the test oracle")
	}
}

// rrdInfo runs `rrdtool info` and returns its key = value lines.
func rrdInfo(t testing.TB, db string) map[string]string {
	t.Helper()
	out, err := exec.Command("rrdtool", "info", db).CombinedOutput()
	if err != nil {
		t.Fatalf("rrdtool info %s: %v\n%s", db, err, out)
	}
	return parseInfo(string(out))
}

func parseInfo(s string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " = ")
		if ok {
			m[k] = v
		}
	}
	return m
}

// rrdFetch runs `rrdtool fetch DB AVERAGE -s S -e E` and returns
// time -> DS name -> value.
func rrdFetch(t testing.TB, db string, start, end int64) map[int64]map[string]float64 {
	t.Helper()
	out, err := exec.Command("rrdtool", "fetch", db, "AVERAGE", "-s", strconv.FormatInt(start, 10), "-e", strconv.FormatInt(end, 10)).CombinedOutput()
	if err != nil {
		t.Fatalf("rrdtool fetch %s: %v\n%s", db, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	names := strings.Fields(lines[0])
	res := map[int64]map[string]float64{}
	for _, l := range lines[1:] {
		ts, vals, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		tm, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil {
			continue
		}
		row := map[string]float64{}
		for i, v := range strings.Fields(vals) {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				f = math.NaN()
			}
			row[names[i]] = f
		}
		res[tm] = row
	}
	return res
}

func feedString(t *testing.T, db, input string, opt Options) (*Summary, error) {
	t.Helper()
	d, err := rrddb.Open(context.Background(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return Feed(strings.NewReader(input), d, opt)
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "monitoring.rrd") }

func summaryText(s *Summary) string {
	var b strings.Builder
	s.WriteSummary(&b, "t2rrd: ")
	return b.String()
}
