package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/ipfix/ipfixtest"
)

// ipfixPlugins is the plugin list of the export tests: the columns the
// sink reads come from basicFlow and basicStats.
const ipfixPlugins = "basicFlow\nbasicStats\ntcpStates\ntxtSink\nipfixSink\n"

// flowFileTotals sums what a collector should have received for a flow
// file: IP flows (both directions), their packets and bytes, and the
// number of A/B pairs among them.
func flowFileTotals(t *testing.T, path string) (flows, pkts, bytes, pairs uint64) {
	t.Helper()
	lines := readLines(t, path)
	col := map[string]int{}
	for i, name := range strings.Split(strings.TrimPrefix(lines[0], "%"), "\t") {
		col[name] = i
	}
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if !strings.Contains(f[col["srcIP"]], ".") && !strings.Contains(f[col["srcIP"]], ":") {
			continue // layer-2 flow: not exported
		}
		p, err1 := strconv.ParseUint(f[col["pktsSnt"]], 10, 64)
		b, err2 := strconv.ParseUint(f[col["l7BytesSnt"]], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("flow line %q", l)
		}
		flows++
		pkts += p
		bytes += b
		if ind := f[col["flowInd"]]; seen[ind] {
			pairs++
		} else {
			seen[ind] = true
		}
	}
	return
}

// TestIPFIXToNfcapd exports a capture's flows to a real nfcapd on loopback
// and checks with nfdump that flows, packets and bytes equal the flow
// file's, for IPFIX, NetFlow v9 and IPFIX biflows.
func TestIPFIXToNfcapd(t *testing.T) {
	for _, tc := range []struct {
		version int
		biflow  int
		pcap    string
	}{
		{10, 0, "tls-ipv4-ipv6.pcap"},
		{9, 0, "tls-ipv4-ipv6.pcap"},
		{10, 1, "http-web-browsing.pcap"},
	} {
		t.Run(fmt.Sprintf("v%d-biflow%d", tc.version, tc.biflow), func(t *testing.T) {
			e := newEnv(t)
			col := ipfixtest.StartNfcapd(t)
			list := filepath.Join(e.out, "plugins.txt")
			os.WriteFile(list, []byte(ipfixPlugins), 0o644)
			os.WriteFile(filepath.Join(e.home, "ipfixSink.toml"), []byte(fmt.Sprintf(
				"IPFIX_COLLECTOR = %q\nIPFIX_VERSION = %d\nIPFIX_BIFLOW = %d\n", col.Addr, tc.version, tc.biflow)), 0o644)
			r := e.mustRun("t2", "-r", testdata("pcaps", tc.pcap), "-w", e.out+"/", "-b", list)
			stem := strings.TrimSuffix(tc.pcap, ".pcap")
			flows, pkts, bytes, pairs := flowFileTotals(t, filepath.Join(e.out, stem+"_flows.txt"))
			wantRecords := flows
			if tc.biflow == 1 {
				wantRecords = flows - pairs
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("ipfixSink: %d flows exported to %s", wantRecords, col.Addr)) {
				t.Errorf("no export line for %d records in:\n%s", wantRecords, tail(r.stdout))
			}
			time.Sleep(300 * time.Millisecond) // nfcapd reads its socket
			col.Stop(t)
			gotFlows, gotPkts, gotBytes, _ := col.Totals(t)
			if gotFlows != wantRecords || gotPkts != pkts || gotBytes != bytes {
				t.Errorf("nfdump: %d records, %d packets, %d bytes; flow file: %d records, %d packets, %d bytes",
					gotFlows, gotPkts, gotBytes, wantRecords, pkts, bytes)
			}
		})
	}
}

// TestIPFIXBadSettingsAndDeadCollector: a bad address stops t2 at start
// with one line naming the setting; a collector that is not there never
// stops the analysis, and the undelivered flows are counted at the end.
func TestIPFIXBadSettingsAndDeadCollector(t *testing.T) {
	e := newEnv(t)
	list := filepath.Join(e.out, "plugins.txt")
	os.WriteFile(list, []byte(ipfixPlugins), 0o644)
	conf := filepath.Join(e.home, "ipfixSink.toml")
	for _, bad := range []string{"no-port", "127.0.0.1:99999"} {
		os.WriteFile(conf, []byte(fmt.Sprintf("IPFIX_COLLECTOR = %q\n", bad)), 0o644)
		r := e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-b", list)
		if r.code == 0 || !strings.Contains(r.stderr, "IPFIX_COLLECTOR") || !strings.Contains(r.stderr, bad) {
			t.Errorf("IPFIX_COLLECTOR=%q: exit %d, stderr %q", bad, r.code, r.stderr)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
			t.Errorf("IPFIX_COLLECTOR=%q: %d lines on stderr, want one:\n%s", bad, n+1, r.stderr)
		}
	}
	os.WriteFile(conf, []byte("IPFIX_VERSION = 9\nIPFIX_BIFLOW = 1\n"), 0o644)
	if r := e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-b", list); r.code == 0 || !strings.Contains(r.stderr, "IPFIX_BIFLOW") {
		t.Errorf("biflow over NetFlow v9: exit %d, stderr %q", r.code, r.stderr)
	}

	// Nobody listens on this port: the kernel refuses the sends (ICMP port
	// unreachable on loopback), t2 finishes and says how many flows were
	// not delivered.
	port := ipfixtest.FreeUDPPort(t)
	os.WriteFile(conf, []byte(fmt.Sprintf("IPFIX_COLLECTOR = \"127.0.0.1:%d\"\nIPFIX_MTU = 256\n", port)), 0o644)
	r := e.mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-w", e.out+"/", "-b", list)
	flows, _, _, _ := flowFileTotals(t, filepath.Join(e.out, "http-web-browsing_flows.txt"))
	var sent, undelivered uint64
	for _, l := range strings.Split(r.stdout, "\n") {
		var n uint64
		var what string
		if _, err := fmt.Sscanf(l, "ipfixSink: %d flows %s", &n, &what); err != nil {
			continue
		}
		switch what {
		case "exported":
			sent = n
		case "not":
			undelivered = n
		}
	}
	if undelivered == 0 || sent+undelivered != flows {
		t.Errorf("dead collector: %d exported + %d not delivered, flow file has %d IP flows:\n%s", sent, undelivered, flows, tail(r.stdout))
	}
}
