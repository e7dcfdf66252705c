package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/record"
)

// flowTable is a flow file read into rows, with the column types of its
// header file.
type flowTable struct {
	names []string
	idx   map[string]int
	types map[string]string
	rows  [][]string
}

func readFlowTable(t *testing.T, flows, headers string) *flowTable {
	t.Helper()
	lines := readLines(t, flows)
	ft := &flowTable{names: strings.Split(strings.TrimPrefix(lines[0], "%"), "\t"), idx: map[string]int{}, types: map[string]string{}}
	for i, n := range ft.names {
		ft.idx[n] = i
	}
	for _, l := range lines[1:] {
		if l != "" {
			ft.rows = append(ft.rows, strings.Split(l, "\t"))
		}
	}
	if headers != "" {
		for _, l := range readLines(t, headers) {
			if f := strings.Split(l, "\t"); len(f) >= 3 && f[0] != "" && f[0][0] >= '0' && f[0][0] <= '9' {
				ft.types[f[2]] = f[1]
			}
		}
	}
	return ft
}

// flowKey identifies a flow independently of the findex, which differs
// where the core creates other flows than T2 (see the decode issues).
func (ft *flowTable) flowKey(r []string) string {
	var b strings.Builder
	for _, n := range []string{"dir", "timeFirst", "srcIP", "srcPort", "dstIP", "dstPort", "l4Proto"} {
		b.WriteString(r[ft.idx[n]])
		b.WriteByte('|')
	}
	return b.String()
}

func (ft *flowTable) get(r []string, name string) string { return r[ft.idx[name]] }

// referenceCaptures lists the captures T2 wrote a flow file for.
func referenceCaptures(t *testing.T) (files, stems []string) {
	entries, err := os.ReadDir(testdata("pcaps"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		stem := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, ".gz"), ".pcapng"), ".pcap")
		if stem == n {
			continue
		}
		if _, err := os.Stat(testdata("t2-outputs", stem, stem+"_flows.txt")); err != nil {
			continue
		}
		files, stems = append(files, n), append(stems, stem)
	}
	return files, stems
}

var httpColumns = []string{"httpStat", "httpAFlags", "httpMethods", "httpHeadMimes", "httpCFlags", "httpGet_Post",
	"httpRSCnt", "httpRSCode", "httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim", "httpImg_Vid_Aud_Msg_Txt_App_Unk",
	"httpHosts", "httpURL", "httpMimes", "httpCookies", "httpImages", "httpVideos", "httpAudios", "httpMsgs",
	"httpAppl", "httpText", "httpPunk", "httpBdyURL", "httpUsrAg", "httpXFor", "httpRefrr", "httpVia", "httpLoc",
	"httpServ", "httpPwr"}

// buildPPlugins are the plugins of T2's build P (testdata/t2-outputs)
// that t2go has; httpSniffer and jsonSink are not in T2's default set, so
// the tests name them.
var buildPPlugins = []string{"protoStats", "basicFlow", "basicStats", "tcpStates", "httpSniffer", "txtSink", "jsonSink"}

// noHTTP is what a flow without HTTP shows in the httpSniffer columns.
var noHTTP = map[string]string{"httpStat": "0x0000", "httpAFlags": "0x0000", "httpMethods": "0x00",
	"httpHeadMimes": "0x0000", "httpCFlags": "0x0000", "httpGet_Post": "0_0", "httpRSCnt": "0",
	"httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim": "0_0_0_0_0_0_0_0_0_0", "httpImg_Vid_Aud_Msg_Txt_App_Unk": "0_0_0_0_0_0_0"}

// TestHTTPSnifferAndJSONSinkAgainstT2 runs t2 with every compiled-in
// plugin on each reference capture and checks, flow by flow:
//   - httpSniffer's end-report lines equal T2's;
//   - httpSniffer's 29 columns equal T2's. A flow the core does not
//     produce like T2 (other decode issues) must be one without HTTP in
//     T2's file; file names carry the findex, so where the core numbers
//     a flow differently T2's findex is put in for the comparison.
//   - every record of our _flows.json parses, has the flow file's keys
//     in column order and the same values as the text line;
//   - where a text value equals T2's, the JSON value is byte-identical to
//     T2's _flows.json (number formatting, arrays, escaping).
func TestHTTPSnifferAndJSONSinkAgainstT2(t *testing.T) {
	files, stems := referenceCaptures(t)
	if len(files) < 40 {
		t.Fatalf("only %d reference captures found", len(files))
	}
	for i := range files {
		file, stem := files[i], stems[i]
		t.Run(stem, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.usePlugins(buildPPlugins...)
			r := e.run("t2", "-r", testdata("pcaps", file), "-w", filepath.Join(e.out, stem))
			ourFlows := filepath.Join(e.out, stem+"_flows.txt")
			if _, err := os.Stat(ourFlows); err != nil {
				t.Skipf("no flow file (the core rejects this capture): %v", err)
			}
			ref := testdata("t2-outputs", stem)
			pluginLines := func(text string) (out []string) {
				for _, l := range strings.Split(text, "\n") {
					if strings.HasPrefix(l, "httpSniffer: ") || strings.HasPrefix(l, "jsonSink: ") {
						out = append(out, l)
					}
				}
				return out
			}
			compareLines(t, pluginLines(strings.Join(readLines(t, filepath.Join(ref, "stdout.txt")), "\n")), pluginLines(r.stdout), nil)
			ours := readFlowTable(t, ourFlows, filepath.Join(e.out, stem+"_headers.txt"))
			theirs := readFlowTable(t, filepath.Join(ref, stem+"_flows.txt"), "")
			compareHTTP(t, ours, theirs)
			jsonOurs := readJSONLines(t, filepath.Join(e.out, stem+"_flows.json"))
			checkJSONAgainstText(t, ours, jsonOurs)
			compareJSONWithT2(t, ours, theirs, jsonOurs, readJSONLines(t, filepath.Join(ref, stem+"_flows.json")))
		})
	}
}

func compareHTTP(t *testing.T, ours, theirs *flowTable) {
	t.Helper()
	byKey := map[string][]string{}
	for _, r := range ours.rows {
		byKey[ours.flowKey(r)] = r
	}
	matched, unmatched := 0, 0
	for _, tr := range theirs.rows {
		or, ok := byKey[theirs.flowKey(tr)]
		if !ok {
			unmatched++
			for _, c := range httpColumns {
				if v := theirs.get(tr, c); v != noHTTP[c] {
					t.Errorf("T2 flow %s (HTTP, %s=%s) is missing in our flow file", theirs.flowKey(tr), c, v)
					break
				}
			}
			continue
		}
		matched++
		oi, ti := ours.get(or, "flowInd"), theirs.get(tr, "flowInd")
		for _, c := range httpColumns {
			got, want := ours.get(or, c), theirs.get(tr, c)
			if oi != ti {
				got = strings.ReplaceAll(got, "_"+oi+"_A_", "_"+ti+"_A_")
				got = strings.ReplaceAll(got, "_"+oi+"_B_", "_"+ti+"_B_")
			}
			if got != want {
				t.Errorf("flow %s %s:\n ours %.300s\n T2   %.300s", theirs.flowKey(tr), c, got, want)
			}
		}
	}
	if matched < len(theirs.rows)/2 {
		t.Errorf("only %d of T2's %d flows found in ours", matched, len(theirs.rows))
	}
	t.Logf("%d flows compared, %d of T2's flows (without HTTP) not produced alike by the core", matched, unmatched)
}

// jsonField is one key and raw value of a JSON record, in file order.
type jsonField struct {
	key string
	raw json.RawMessage
}

func readJSONLines(t *testing.T, path string) [][]jsonField {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]jsonField
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		rec, err := parseJSONRecord(line)
		if err != nil {
			t.Fatalf("%s line %d: %v: %.200s", path, n+1, err, line)
		}
		out = append(out, rec)
	}
	return out
}

func parseJSONRecord(line []byte) ([]jsonField, error) {
	if !json.Valid(line) {
		return nil, fmt.Errorf("not valid JSON")
	}
	d := json.NewDecoder(bytes.NewReader(line))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var rec []jsonField
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, err
		}
		rec = append(rec, jsonField{key: tok.(string), raw: raw})
	}
	return rec, nil
}

// checkJSONAgainstText renders every JSON value back into the text flow
// file's form and compares it with the text cell.
func checkJSONAgainstText(t *testing.T, ft *flowTable, recs [][]jsonField) {
	t.Helper()
	if len(recs) != len(ft.rows) {
		t.Fatalf("%d JSON records for %d flows", len(recs), len(ft.rows))
	}
	for i, rec := range recs {
		row := ft.rows[i]
		k := 0
		for ci, name := range ft.names {
			cell := row[ci]
			if k < len(rec) && rec[k].key == name {
				got, err := jsonToText(rec[k].raw, ft.types[name])
				if err != nil {
					t.Fatalf("record %d %s: %v", i+1, name, err)
				}
				if got != cell {
					t.Errorf("record %d %s: JSON %s gives %q, text has %q", i+1, name, rec[k].raw, got, cell)
				}
				k++
				continue
			}
			// A key is left out only for a repeating column without entries.
			if !strings.HasSuffix(ft.types[name], ":R") || cell != "" {
				t.Errorf("record %d: key %s missing (text %q)", i+1, name, cell)
			}
		}
		if k != len(rec) {
			t.Errorf("record %d: key %s not in column order or not a column", i+1, rec[k].key)
		}
	}
}

// jsonToText renders a JSON value of a column of type typ as the text
// flow file does.
func jsonToText(raw json.RawMessage, typ string) (string, error) {
	repeat := strings.HasSuffix(typ, ":R")
	parts := strings.Split(strings.TrimSuffix(typ, ":R"), "_")
	one := func(v any, typ string) (string, error) {
		switch x := v.(type) {
		case string:
			switch typ {
			case "S":
				return `"` + string(record.AppendSanitized(nil, []byte(x))) + `"`, nil
			case "SC":
				return string(record.AppendSanitized(nil, []byte(x))), nil
			}
			return x, nil
		case json.Number:
			switch typ {
			case "F":
				f, err := x.Float64()
				return string(record.AppendG7(nil, float32(f))), err
			case "D":
				f, err := x.Float64()
				return strconv.FormatFloat(f, 'f', 6, 64), err
			}
			return x.String(), nil
		case nil:
			return "", nil
		}
		return "", fmt.Errorf("unexpected JSON value %v for type %s", v, typ)
	}
	compound := func(v any) (string, error) {
		if len(parts) == 1 {
			return one(v, parts[0])
		}
		arr, ok := v.([]any)
		if !ok || len(arr) != len(parts) {
			return "", fmt.Errorf("%v is not a %d-part array", v, len(parts))
		}
		var out []string
		for i, e := range arr {
			s, err := one(e, parts[i])
			if err != nil {
				return "", err
			}
			out = append(out, s)
		}
		return strings.Join(out, "_"), nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	if !repeat {
		return compound(v)
	}
	arr, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("repeating value %s is not an array", raw)
	}
	var out []string
	for _, e := range arr {
		s, err := compound(e)
		if err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, ";"), nil
}

// ours: columns we have and T2 has too, whose text equals T2's.
func compareJSONWithT2(t *testing.T, ours, theirs *flowTable, jo, jt [][]jsonField) {
	t.Helper()
	if len(jt) > len(theirs.rows) {
		t.Fatalf("T2's JSON has %d records for %d flows", len(jt), len(theirs.rows))
	}
	byKey := map[string]int{}
	for i, r := range ours.rows {
		byKey[ours.flowKey(r)] = i
	}
	// T2's _flows.json may be cut (TRUNCATED.txt): its records are the
	// first rows of its text file.
	fileName := regexp.MustCompile(`_[0-9]+_[AB]_[0-9]+_[0-9]+"`)
	compared := 0
	for ti, trec := range jt {
		tr := theirs.rows[ti]
		oi, ok := byKey[theirs.flowKey(tr)]
		if !ok {
			continue
		}
		or := ours.rows[oi]
		ov := map[string]json.RawMessage{}
		for _, f := range jo[oi] {
			ov[f.key] = f.raw
		}
		for _, f := range trec {
			ci, ok := ours.idx[f.key]
			if !ok || or[ci] != theirs.get(tr, f.key) {
				continue // a column we lack, or a text value that differs already
			}
			if ours.get(or, "flowInd") != theirs.get(tr, "flowInd") && fileName.Match(f.raw) {
				continue
			}
			compared++
			if got := ov[f.key]; !bytes.Equal(got, f.raw) {
				t.Errorf("flow %s %s: JSON ours %.200s, T2 %.200s", theirs.flowKey(tr), f.key, got, f.raw)
			}
		}
	}
	t.Logf("%d JSON values compared with T2's", compared)
}

// TestHostileHTTPHeaders runs t2 on the generated hostile capture (10,000
// header lines, a 1 MB request line, SIP with 1,000 Via headers): it must
// finish normally, keep every list within HTTP_DATA_C_MAX and stay within
// a fixed memory bound.
func TestHostileHTTPHeaders(t *testing.T) {
	e := newEnv(t)
	e.usePlugins(buildPPlugins...)
	// peakMem runs t2 on capture and returns its stdout and the peak
	// memory of its end report ("Memory usage: 0.06 GB", t2's maxrss). A
	// child the test starts directly shares the test process's memory
	// until its exec, and Linux counts that in its maxrss; t2 started by
	// a shell (which forks) counts only its own.
	memLine := regexp.MustCompile(`(?m)^Memory usage: ([0-9.]+) GB`)
	peakMem := func(capture, prefix string) (string, float64) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", `"$0" "$@"; exit $?`, filepath.Join(binDir, "t2"),
			"-r", testdata("pcaps", capture), "-w", filepath.Join(e.out, prefix))
		cmd.Env = e.environ()
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		if err := cmd.Run(); err != nil {
			t.Fatalf("t2 -r %s: %v\n%s", capture, err, se.String())
		}
		if se.Len() > 0 {
			t.Errorf("t2 -r %s: stderr: %s", capture, se.String())
		}
		m := memLine.FindStringSubmatch(so.String())
		if m == nil {
			t.Fatalf("t2 -r %s: no Memory usage line:\n%s", capture, so.String())
		}
		gb, _ := strconv.ParseFloat(m[1], 64)
		return so.String(), gb
	}
	_, base := peakMem("linktype-ipv4.pcap", "base")
	out, peak := peakMem("hostile-http-headers.pcap.gz", "h")
	if peak > base+0.05 {
		t.Errorf("t2 used %.2f GB of memory on 2 MB of hostile headers, %.2f GB on one packet", peak, base)
	}
	t.Logf("peak memory: %.2f GB (one packet: %.2f GB)", peak, base)
	if !strings.Contains(out, "httpSniffer: Number of HTTP packets: ") {
		t.Errorf("no httpSniffer report:\n%s", out)
	}
	ft := readFlowTable(t, filepath.Join(e.out, "h_flows.txt"), "")
	overflow := 0
	for _, r := range ft.rows {
		for _, n := range strings.Split(ft.get(r, "httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim"), "_") {
			if v, _ := strconv.Atoi(n); v > 40 {
				t.Errorf("flow %s keeps %d entries in a list (HTTP_DATA_C_MAX 40)", ft.get(r, "flowInd"), v)
			}
		}
		for _, c := range []string{"httpHosts", "httpCookies", "httpVia", "httpServ", "httpPunk"} {
			if n := strings.Count(ft.get(r, c), `";"`) + 1; n > 40 {
				t.Errorf("flow %s: %d entries in %s", ft.get(r, "flowInd"), n, c)
			}
		}
		if s, _ := strconv.ParseUint(strings.TrimPrefix(ft.get(r, "httpStat"), "0x"), 16, 16); s&0x0001 != 0 {
			overflow++
		}
	}
	if overflow < 3 {
		t.Errorf("only %d flows report a full list (httpStat 0x0001)", overflow)
	}
	readJSONLines(t, filepath.Join(e.out, "h_flows.json"))
}

// TestHTTPJSONBadSettings: a bad value in either plugin's file gives one
// line naming file, key and value, and exit status 1.
func TestHTTPJSONBadSettings(t *testing.T) {
	for _, tc := range []struct{ file, line, want string }{
		{"httpSniffer.toml", "HTTP_DATA_C_MAX = 0", "httpSniffer.toml:1: HTTP_DATA_C_MAX = 0: expected an integer in [1 - 1000]"},
		{"httpSniffer.toml", "HTTP_URL = 2", "HTTP_URL = 2: expected 0 or 1 (or no/yes)"},
		{"jsonSink.toml", "JSON_SUFFIX = 5", "jsonSink.toml:1: JSON_SUFFIX = 5: expected a quoted string"},
		{"jsonSink.toml", "JSON_SOCKET_PORT = 70000", "JSON_SOCKET_PORT = 70000: expected an integer in [1 - 65535]"},
	} {
		e := newEnv(t)
		e.usePlugins(buildPPlugins...)
		os.WriteFile(filepath.Join(e.home, tc.file), []byte(tc.line+"\n"), 0o644)
		r := e.run("t2", "-r", testdata("pcaps", "linktype-ipv4.pcap"), "-w", filepath.Join(e.out, "x"))
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line with %q", tc.line, r.code, r.stderr, tc.want)
		}
	}
}

// TestHTTPSnifferPacketColumnsAgainstT2: with -s, httpSniffer's five
// packet columns equal T2's for every packet of the captures T2 ran with
// -s.
func TestHTTPSnifferPacketColumnsAgainstT2(t *testing.T) {
	for _, c := range []struct{ file, stem string }{
		{"arp-poison.pcapng", "arp-poison"}, {"icmp-traceroute.pcapng", "icmp-traceroute"},
		{"dns-mdns-llmnr.pcap", "dns-mdns-llmnr"}, {"teredo.pcap", "teredo"}, {"vlan-double-tag-cdp.pcap", "vlan-double-tag-cdp"},
	} {
		t.Run(c.stem, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.usePlugins(buildPPlugins...)
			e.mustRun("t2", "-r", testdata("pcaps", c.file), "-w", filepath.Join(e.out, c.stem), "-s")
			ours := readFlowTable(t, filepath.Join(e.out, c.stem+"_packets.txt"), "")
			theirs := readFlowTable(t, testdata("t2-outputs", c.stem+"-s", c.stem+"_packets.txt"), "")
			byNum := map[string][]string{}
			for _, r := range ours.rows {
				byNum[ours.get(r, "pktNo")] = r
			}
			n := 0
			for _, tr := range theirs.rows {
				or, ok := byNum[theirs.get(tr, "pktNo")]
				if !ok {
					continue
				}
				n++
				for _, col := range []string{"httpStat", "httpAFlags", "httpMethods", "httpHeadMimes", "httpCFlags"} {
					if got, want := ours.get(or, col), theirs.get(tr, col); got != want {
						t.Errorf("packet %s %s: ours %s, T2 %s", theirs.get(tr, "pktNo"), col, got, want)
					}
				}
			}
			if n < len(theirs.rows)*9/10 {
				t.Errorf("only %d of T2's %d packets found", n, len(theirs.rows))
			}
		})
	}
}

// TestJSONSinkStdoutAndGzip: with -w - the JSON records go to stdout;
// JSON_GZ_COMPRESS=1 writes PREFIX_flows.json.gz with the same records.
func TestJSONSinkStdoutAndGzip(t *testing.T) {
	e := newEnv(t)
	e.usePlugins("basicFlow", "httpSniffer", "jsonSink")
	// With -w - the end report goes to a _log.txt named after the capture:
	// run on a copy in the output folder.
	copyFile(t, testdata("pcaps", "nsec-bigendian-tcp.pcap"), filepath.Join(e.out, "n.pcap"))
	r := e.mustRun("t2", "-r", "n.pcap", "-w", "-")
	var stdoutRecs []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "{") {
			if _, err := parseJSONRecord([]byte(l)); err != nil {
				t.Fatalf("stdout line %q: %v", l, err)
			}
			stdoutRecs = append(stdoutRecs, l)
		}
	}
	if len(stdoutRecs) != 2 || !strings.Contains(stdoutRecs[0], `"httpHosts":["127.0.0.1:8000"]`) {
		t.Fatalf("stdout records: %q", stdoutRecs)
	}
	os.WriteFile(filepath.Join(e.home, "jsonSink.toml"), []byte("JSON_GZ_COMPRESS = 1\n"), 0o644)
	e.mustRun("t2", "-r", testdata("pcaps", "nsec-bigendian-tcp.pcap"), "-w", filepath.Join(e.out, "z"))
	f, err := os.Open(filepath.Join(e.out, "z_flows.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(string(b)), "\n"); strings.Join(got, "\n") != strings.Join(stdoutRecs, "\n") {
		t.Errorf("gzip file holds\n%s\nstdout had\n%s", b, strings.Join(stdoutRecs, "\n"))
	}
}
