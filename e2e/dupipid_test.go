package e2e

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// DUPIPID (flowStat bit 44) is a core bit in T2: a run without tcpFlags
// (the tutorial's plugin set) raises it on the same flows as T2's
// default set and prints its [WRN] line.
func TestDupIPIDWithoutTCPFlags(t *testing.T) {
	for _, stem := range []string{"bigendian-pptp-gre", "pppoe-over-qinq"} {
		t.Run(stem, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.usePlugins("basicFlow", "basicStats", "tcpStates", "ftpDecode", "txtSink")
			r := e.mustRun("t2", "-r", testdata("pcaps", stem+".pcap"), "-w", e.out+"/")
			const warn = "[WRN] Consecutive duplicate IP ID"
			if !strings.Contains(readFile(t, testdata("t2-outputs", stem, "stdout.txt")), warn) {
				t.Fatalf("T2's report of %s lacks %q: pick another capture", stem, warn)
			}
			if !strings.Contains(r.stdout, warn) {
				t.Errorf("report lacks %q", warn)
			}
			want := readFlowRows(t, testdata("t2-outputs", stem, stem+"_flows.txt"))
			got := readFlowRows(t, filepath.Join(e.out, stem+"_flows.txt"))
			flagged := 0
			for k, w := range want {
				g, ok := got[k]
				if !ok {
					t.Errorf("flow %s of T2 missing", k)
					continue
				}
				wf, _ := strconv.ParseUint(strings.TrimPrefix(w["flowStat"], "0x"), 16, 64)
				gf, _ := strconv.ParseUint(strings.TrimPrefix(g["flowStat"], "0x"), 16, 64)
				if wf&flowStatDupIPID != 0 {
					flagged++
				}
				if (wf^gf)&flowStatDupIPID != 0 {
					t.Errorf("flow %s: flowStat DUPIPID %v, T2 %v", k, gf&flowStatDupIPID != 0, wf&flowStatDupIPID != 0)
				}
			}
			if flagged == 0 {
				t.Errorf("no flow of T2's %s has DUPIPID", stem)
			}
		})
	}
}
