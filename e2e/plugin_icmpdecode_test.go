package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestICMPDecodeColumnsEqualT2 compares icmpDecode's columns, report
// lines and PREFIX_icmpStats.txt with T2 0.9.3's outputs on every
// capture. The one allowed column difference is the decided fix of
// icmpPFindex (docs/differences-from-t2.md): T2 gives the ICMP flow's own
// index, we the index of the flow the error quotes.
func TestICMPDecodeColumnsEqualT2(t *testing.T) {
	runOracleCase(t, oracleCase{
		columns:   []string{"flowStat", "icmpStat", "icmpTCcnt", "icmpBFTypH_TypL_Code", "icmpTmGtw", "icmpEchoSuccRatio", "icmpPFindex"},
		coreDiffs: oracleCoreDiffs,
		allow: func(stem, col string, want, got oracleRow) string {
			// flowStat is compared for bit 0, the one icmpDecode sets.
			if col == "flowStat" && lastHexBit0(want[col]) == lastHexBit0(got[col]) {
				return "other flowStat bits are the core's"
			}
			if col == "icmpPFindex" && want[col] == want["flowInd"] && got[col] != got["flowInd"] {
				return "parent findex fixed"
			}
			return ""
		},
		extra: func(t *testing.T, stem, out, stdout string) {
			if strings.TrimSpace(readOracleFile(t, testdata("t2-outputs", stem, "rc.txt"))) != "exit rc=0" {
				return // T2 stopped with an error before its end report
			}
			wantRep := pluginReportLines(readOracleFile(t, testdata("t2-outputs", stem, "stdout.txt")), "icmpDecode")
			if g := pluginReportLines(stdout, "icmpDecode"); strings.Join(g, "\n") != strings.Join(wantRep, "\n") {
				t.Errorf("report lines\nT2:\n%s\nours:\n%s", strings.Join(wantRep, "\n"), strings.Join(g, "\n"))
			}
			want, err := os.ReadFile(testdata("t2-outputs", stem, stem+"_icmpStats.txt"))
			if err != nil {
				return // T2 stopped before the end (sll2)
			}
			got, err := os.ReadFile(filepath.Join(out, stem+"_icmpStats.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("icmpStats.txt\nT2:\n%s\nours:\n%s", want, got)
			}
		},
	})
}

// lastHexBit0 is bit 0 of a hex number "0x...".
func lastHexBit0(s string) bool {
	return s != "" && strings.IndexByte("13579bdfBDF", s[len(s)-1]) >= 0
}

// TestICMPDecodeColumnsEqualT2 compares these columns with T2's
// (flowStat, which icmpDecode changes, stays with TestT2Outputs too).
func init() {
	comparedElsewhere["icmpDecode"] = []string{"icmpStat", "icmpTCcnt", "icmpBFTypH_TypL_Code", "icmpTmGtw", "icmpEchoSuccRatio", "icmpPFindex"}
}
