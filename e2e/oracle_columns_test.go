package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// oraclePlugins are the plugins of T2's build behind testdata/t2-outputs
// that t2go has; every run of the oracle comparisons uses them, so that
// the plugins' effects on each other (icmpDecode inverting flows before
// portClassifier and connStat read the direction) are those of T2's run.
var oraclePlugins = []string{"protoStats", "basicFlow", "macRecorder", "portClassifier", "icmpDecode",
	"basicStats", "tcpStates", "connStat", "txtSink"}

// oracleRow is one flow-file line by column name.
type oracleRow map[string]string

// readOracleRows reads a flow file into rows keyed by dir and flowInd.
func readOracleRows(t *testing.T, path string) (map[string]oracleRow, []string) {
	t.Helper()
	lines := readLines(t, path)
	if len(lines) == 0 {
		t.Fatalf("%s: empty", path)
	}
	hdr := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	rows := map[string]oracleRow{}
	var order []string
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		r := oracleRow{}
		for i, n := range hdr {
			if i < len(f) {
				r[n] = f[i]
			}
		}
		k := r["dir"] + r["flowInd"]
		rows[k] = r
		order = append(order, k)
	}
	return rows, order
}

// oracleCase is one plugin's comparison with T2's outputs.
type oracleCase struct {
	columns []string
	// coreDiffs: captures on which the core makes other flows than T2;
	// there rows that do not correspond are skipped (each says why).
	coreDiffs map[string]string
	// allow returns why a differing value is a documented difference,
	// or "" when it is not.
	allow func(stem, col string, want, got oracleRow) string
	// extra compares anything else of the run (report lines, files).
	extra func(t *testing.T, stem string, out string, stdout string)
}

// sameFlow tells whether two rows describe the same flow (the core's
// columns and packet count), so the plugin's columns can be compared.
func sameFlow(a, b oracleRow) bool {
	for _, c := range []string{"srcIP", "srcPort", "dstIP", "dstPort", "l4Proto", "numHdrs", "pktsSnt"} {
		if a[c] != b[c] {
			return false
		}
	}
	return true
}

// runOracleCase runs t2 with oraclePlugins on every capture that T2 read
// and compares c.columns row for row with T2's flow file.
func runOracleCase(t *testing.T, c oracleCase) {
	entries, err := os.ReadDir(testdata("pcaps"))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	var mu sync.Mutex // allow and extra may keep notes across captures
	// The group returns when every parallel capture test has ended, so
	// the caller can check its notes afterwards.
	t.Run("captures", func(t *testing.T) {
		for _, ent := range entries {
			name := ent.Name()
			stem := ""
			for _, ext := range []string{".pcap.gz", ".pcapng", ".pcap"} {
				if strings.HasSuffix(name, ext) {
					stem = strings.TrimSuffix(name, ext)
					break
				}
			}
			if stem == "" {
				continue
			}
			oracle := testdata("t2-outputs", stem, stem+"_flows.txt")
			if _, err := os.Stat(oracle); err != nil {
				continue // T2 could not read this capture
			}
			compared++
			t.Run(stem, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				if err := os.WriteFile(filepath.Join(e.home, "plugins.txt"), []byte(strings.Join(oraclePlugins, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				r := e.run("t2", "-r", testdata("pcaps", name), "-w", e.out+"/")
				want, order := readOracleRows(t, oracle)
				got, _ := readOracleRows(t, filepath.Join(e.out, stem+"_flows.txt"))
				_, coreDiff := c.coreDiffs[stem]
				mismatched := 0
				for _, k := range order {
					w := want[k]
					g, ok := got[k]
					if !ok || !sameFlow(w, g) {
						mismatched++
						if !coreDiff {
							t.Errorf("flow %s: T2's flow has no counterpart in ours", k)
						}
						continue
					}
					for _, col := range c.columns {
						if w[col] == g[col] {
							continue
						}
						mu.Lock()
						why := c.allow(stem, col, w, g)
						mu.Unlock()
						if why != "" {
							continue
						}
						t.Errorf("flow %s %s: T2 %q, ours %q", k, col, w[col], g[col])
					}
				}
				if len(got) != len(want) {
					mismatched++
					if !coreDiff {
						t.Errorf("%d flows, T2 has %d", len(got), len(want))
					}
				}
				if coreDiff && mismatched == 0 {
					t.Errorf("listed as a core difference (%s), but all flows correspond", c.coreDiffs[stem])
				}
				if c.extra != nil {
					mu.Lock()
					c.extra(t, stem, e.out, r.stdout)
					mu.Unlock()
				}
			})
		}
	})
	if compared < 40 {
		t.Fatalf("only %d captures compared", compared)
	}
}

// pluginReportLines returns the end-report lines that start with
// "name: ", in order.
func pluginReportLines(stdout, name string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, name+": ") {
			out = append(out, l)
		}
	}
	return out
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]string) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// oracleCoreDiffs are the captures on which our core makes other flows
// than T2 0.9.3 (so some rows have no counterpart); the other rows are
// still compared.
var oracleCoreDiffs = map[string]string{
	"ipv4-fragments":                "a later fragment whose first fragment is missing: T2 makes a flow of it, we do not",
	"malformed-ipv6-39-byte-header": "T2 makes a flow of the cut IPv6 header, we count it as bogus",
	"pcapng-11-interfaces":          "we read the packets of the interfaces T2's libpcap refuses (other link types, no IDB)",
	"sll2":                          "T2 0.9.3 does not read LINKTYPE_LINUX_SLL2; we do",
	"radiotap-wpa2-eapol":           "802.11 layer-2 flows are keyed differently",
}

// readOracleFile returns a file's contents (the test fails without it).
func readOracleFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
