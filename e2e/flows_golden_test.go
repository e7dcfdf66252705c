package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden flow files in testdata/golden")

// goldenCaptures cover FTP (ftpDecode's columns), VLAN, MPLS, PPPoE,
// Linux cooked capture and IPv6. Their flow files were reviewed by hand
// when created; any change in a column shows up here.
var goldenCaptures = []string{
	"ftp-data-transfers.pcap",
	"ftp-ipv6-epsv.pcap",
	"ftp-control-cwd-navigation.pcap",
	"vlan-double-tag-cdp.pcap",
	"mpls-vlan-mixed.pcap",
	"pppoe-discovery-session.pcap",
	"sll-linux-cooked.pcap",
}

func TestFlowFilesGolden(t *testing.T) {
	for _, file := range goldenCaptures {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.useGoldenPlugins()
			e.mustRun("t2", "-r", testdata("pcaps", file), "-w", e.out+"/")
			base := strings.TrimSuffix(file, filepath.Ext(file))
			got := readLines(t, filepath.Join(e.out, base+"_flows.txt"))
			n := len(strings.Split(got[0], "\t"))
			for i, l := range got {
				if c := len(strings.Split(l, "\t")); c != n {
					t.Fatalf("line %d has %d columns, header %d", i+1, c, n)
				}
			}
			golden := testdata("golden", base+"_flows.txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareLines(t, readLines(t, golden), got, nil)
		})
	}
}

// The FTP captures fill ftpDecode's columns: commands, replies, users,
// parameters, and data flows linked to their control flow.
func TestFTPColumnsFilled(t *testing.T) {
	e := newEnv(t)
	e.useGoldenPlugins()
	e.mustRun("t2", "-r", testdata("pcaps", "ftp-data-transfers.pcap"), "-w", e.out+"/")
	lines := readLines(t, filepath.Join(e.out, "ftp-data-transfers_flows.txt"))
	hdr := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	idx := map[string]int{}
	for i, h := range hdr {
		idx[h] = i
	}
	var control, data int
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		switch {
		case f[idx["dstPort"]] == "21" && f[idx["dir"]] == "A":
			control++
			if f[idx["ftpStat"]] != "0x01" || !strings.Contains(f[idx["ftpCC"]], "RETR") || f[idx["ftpCDFindex"]] == "" || f[idx["ftpNumCP"]] == "0" {
				t.Errorf("control flow without its FTP columns: stat %s cc %q links %q", f[idx["ftpStat"]], f[idx["ftpCC"]], f[idx["ftpCDFindex"]])
			}
		case f[idx["srcPort"]] == "21" && f[idx["dir"]] == "B":
			if !strings.Contains(f[idx["ftpRC"]], "226") {
				t.Errorf("control replies lack 226: %q", f[idx["ftpRC"]])
			}
		case f[idx["ftpStat"]] == "0x02" || f[idx["ftpStat"]] == "0x08":
			data++
			if f[idx["ftpCDFindex"]] == "" {
				t.Errorf("data flow %s not linked to its control flow", f[idx["flowInd"]])
			}
		}
	}
	if control == 0 || data == 0 {
		t.Errorf("%d control and %d data flows recognised", control, data)
	}
}
