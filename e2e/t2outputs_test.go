package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/t2go/t2go/pkg/plugin"
	_ "github.com/t2go/t2go/pkg/plugins/all"
)

// T2 0.9.3's outputs on every shared capture (testdata/t2-outputs) are the
// oracle for the end report and the flow file. TestT2Outputs runs our t2 on
// each capture with every plugin of T2's build that we also have, and
// compares
//   - the exit status,
//   - every end-report line of the core and of those plugins (as text),
//   - the set of flows (dir, flowInd) and every flow-file column whose name
//     is in both files, value by value,
//   - protoStats' PREFIX_protocols.txt, line by line.
// A plugin that lands later is picked up by name, and its columns and
// report lines are compared from then on. Every difference must be named
// in t2Allowed with its reason (a deliberate fix, listed in
// docs/differences-from-t2.md, or a definitional difference).

// allowedDiff names accepted differences: a capture folder ("*" for
// every capture), the items that differ ("rc", "flows", "col:NAME",
// "line:LABEL", "proto:LABEL" for a line of the protocols file, see
// protocolsLabel) and why. Every entry says which of three kinds it is:
// a deliberate or decided fix (docs/differences-from-t2.md), the effect of
// a T2 plugin we do not have yet (remove the entry when it lands), or an
// open difference reported to the lead.
type allowedDiff struct {
	capture string
	items   []string
	why     string
}

const (
	whyRadiotap      = "deliberate fix: T2 reads the first 12 bytes of the 802.11 header as MAC addresses (frame control and duration land in dstMac), so the two directions of the EAPOL exchange never pair (2 A flows); we take the 802.11 addresses (1 A and 1 B flow)"
	whyCutnull       = "deliberate (docs: a damaged capture): the only record claims 524501 bytes in a 239-byte file; we stop with one [ERR] line and exit 1, T2 processes 197 bytes of it"
	whyRepfrag       = "documented: a repeated last fragment joins its datagram's flow (T2 gives the 2 repeats a flow of their own, A 2, whose IPV4_FRAG_ERR/HDSEQ/PENDING (bits 37-39) make T2's aggregated flowStat and its two fragment [WRN] lines)"
	whyTcpstates     = "deliberate fix: a FIN that carries data is acknowledged at seq+len+1; T2 waits for seq+1, never sees it acked and sets tcpStatesAFlags 0x02 (malformed teardown) on both sides"
	whyPcapng        = "our pcapng warning is worded differently (T2's promises a fix in a later version)"
	whyVlan          = "decided fix: T2 prints the whole 16-bit VLAN tag, we print the 12-bit VLAN ID"
	whyIpv6frag      = "deliberate fix: T2 never finds the first fragment of an IPv6 datagram, so every fragmented IPv6 flow gets FRAG_ERR/HDSEQ/PENDING (bits 37-39) and the two fragment [WRN] lines; ours follow the IPv4 rules (five complete datagrams per direction: no bit 37-39)"
	whyIpv6fragcount = "deliberate fix: T2 counts every IPv6 fragment twice (40 of 22 packets, 181.82%)"
	whySuffix        = "documented: the (1.02 K) suffix starts at 1000, T2's at 1024"
	whyNg11          = "deliberate: interfaces of other link types are read with their own link type; libpcap (T2) refuses their packets (4 × pcap_dispatch failed) and processes only the 62 Ethernet ones"
	whyUsec          = "deliberate: T2 keeps the microsecond fields of -2147483648 and 1000000 unnormalised (timeFirst 1418145370.1000000000, duration 0.000001); we read the same negative fraction but normalise each timestamp, so times and duration differ (same packets, same flows); the IAT statistics and rates equal T2's, both negative"
	whyIpvx          = "deliberate fix: T2 counts a bogus-version packet with an IP ethertype twice (2 for 1 such packet; the unknown-ethertype packet is not IPvX in T2 either)"
	whyIpv6short     = "deliberate fix: the IPv6 header has 39 of 40 bytes; T2 reads the missing address byte and the UDP header past the end of the frame and makes a flow of them, we stop at the cut (L3 header snapped)"
	whyPppname       = "deliberate fix: T2 prints an unknown PPP protocol byte-swapped (UNK(0x5780) for 0x8057)"
	whyGzip          = "documented: we read gzip'd captures, T2 refuses them"
	whySll2          = "documented: we dissect LINKTYPE_LINUX_SLL2, T2 stops with an error"
)

var t2Allowed = []allowedDiff{
	// Decided fixes of T2 bugs in plugins (docs/differences-from-t2.md).
	// "*" entries apply once the plugin exists; they need not match.
	{"*", []string{"col:dnsATTL"}, "decided fix: T2 keeps record TTLs in 16 bits; we keep the 32-bit TTL"},
	{"*", []string{"col:tcpJA4T", "col:tcpWS"}, "decided fix: T2's JA4T loses a '_' and both depend on earlier flows; ours are per flow"},
	{"*", []string{"col:icmpPFindex"}, "decided fix: T2 gives the ICMP flow's own index; ours the parent flow's"},
	{"*", []string{"line:connStat: Biggest L3 talker"}, "decided fix: T2's per-IP counters carry over from reused table slots"},

	// T2 read nothing or stopped at once: every item differs.
	{"tls-fragmented-handshake", []string{"*"}, whyGzip},
	{"sll2", []string{"*"}, whySll2},

	{"arp-poison", []string{"line:[WRN] PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%", "line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"ftp-data-transfers", []string{"col:tcpStatesAFlags"},
		whyTcpstates},
	{"ftp-ipv6-epsv", []string{"col:tcpStatesAFlags", "line:tcpStates: Aggregated tcpStatesAFlags"},
		whyTcpstates},
	{"icmp-traceroute", []string{"line:[WRN] PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%", "line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"ipip-4in4-vlan", []string{"col:vlanID"},
		whyVlan},
	{"ipv4-fragments", []string{"line:Max number of flows in memory", "col:avgIAT", "col:avgL7PktSz", "col:bytAsm", "col:bytps", "col:l7BytesRcvd", "col:l7BytesSnt", "col:pktAsm", "col:pktps", "col:pktsRcvd", "col:pktsSnt", "col:stdIAT", "col:stdL7PktSz", "flows", "line:<A packet load>", "line:<B packet load>", "line:<Number of processed flows/s>", "line:Aggregated flowStat", "line:Number of A bytes", "line:Number of A packets", "line:Number of B bytes", "line:Number of B packets", "line:Number of processed      flows", "line:Number of processed   B   packets/s", "line:Number of processed   B packets/  B flows", "line:Number of processed A     packets/s", "line:Number of processed A    flows", "line:Number of processed A   packets/A   flows", "line:Number of processed A+B packets/A+B flows", "line:Number of processed B    flows", "line:Number of processed IPv4 flows", "line:Number of reply          flows", "line:Number of request        flows", "line:Total   A/B    flow asymmetry", "line:Total req/rply flow asymmetry", "line:[WRN] IPv4/6 fragmentation header packet missing", "line:[WRN] IPv4/6 packet fragmentation sequence not finished", "line:basicStats: Biggest L3 flow talker", "line:basicStats: Flow max(b/s), pkts", "line:basicStats: Flow max(pktload)"},
		whyRepfrag},
	{"ipv6-fragments", []string{"col:flowStat", "line:Aggregated flowStat", "line:[WRN] IPv4/6 fragmentation header packet missing", "line:[WRN] IPv4/6 packet fragmentation sequence not finished"},
		whyIpv6frag},
	{"ipv6-fragments", []string{"line:Number of IPv6 fragmented packets"},
		whyIpv6fragcount},
	{"ipv6-fragments", []string{"line:[WRN] PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%", "line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"malformed-cut-short-null", []string{"line:Aggregated flowStat", "line:Dump start", "line:Dump stop", "line:Headers count", "line:Number of processed bytes", "line:Number of processed packets", "line:Number of raw bytes", "line:Percentage completed", "line:[INF] No Ethernet header", "line:[WRN] Null/Loopback header: unhandled family 3080300", "line:[WRN] pcap_dispatch failed: truncated dump file; tried to read 16 header bytes, only got 2", "rc"},
		whyCutnull},
	{"malformed-gre-heapoverflow", []string{"line:Number of IPvX packets"},
		whyIpvx},
	{"malformed-ipv6-39-byte-header", []string{"line:Max number of flows in memory", "flows", "line:<B packet load>", "line:Aggregated flowStat", "line:Headers count", "line:Number of B bytes", "line:Number of B packets", "line:Number of IPv6 packets", "line:Number of UDP bytes", "line:Number of UDP packets", "line:Number of processed      flows", "line:Number of processed A    flows", "line:Number of processed A   packets/A   flows", "line:Number of processed A+B packets/A+B flows", "line:Number of processed IPv6 flows", "line:Number of reply          flows", "line:Total   A/B    flow asymmetry", "line:Total req/rply flow asymmetry", "line:[INF] Stop dissecting: Clipped packet, unhandled protocol or subsequent fragment", "line:[WRN] L3 header snapped", "line:basicStats: Biggest L3 flow talker", "line:basicStats: Flow max(pktload)"},
		whyIpv6short},
	{"malformed-pcapng-shb-option-too-long", []string{"line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"malformed-timestamp-invalid-usec", []string{"col:duration", "col:timeFirst", "col:timeLast", "line:Dump stop", "line:Total dump duration", "line:[WRN] File 'pcaps/malformed-timestamp-invalid-usec.pcap': record 2: microsecond field 1000000 is not below 1000000 (further occurrences not reported)"},
		whyUsec},
	{"pcapng-11-interfaces", []string{"col:avgIAT", "col:bytps", "col:duration", "col:flowStat", "col:hdrDesc", "col:l7BytesSnt", "col:minIAT", "col:numHdrDesc", "col:numHdrs", "col:pktps", "col:pktsSnt", "col:stdIAT", "col:timeLast", "line:<A packet load>", "line:<Raw bandwidth>", "line:Aggregated flowStat", "line:Number of A bytes", "line:Number of A packets", "line:Number of B bytes", "line:Number of B packets", "line:Number of IPv4 packets", "line:Number of TCP bytes", "line:Number of TCP packets", "line:Number of UDP bytes", "line:Number of UDP packets", "line:Number of processed A     packets/s", "line:Number of processed A   packets/A   flows", "line:Number of processed A+B   packets/s", "line:Number of processed A+B packets/A+B flows", "line:Number of processed bytes", "line:Number of processed packets", "line:Number of processed total packets/s", "line:Number of raw bytes", "line:Percentage completed", "line:[INF] No Ethernet header", "line:[WRN] pcap_dispatch failed: a packet arrived on interface 10, but there's no Interface Description Block for that interface", "line:[WRN] pcap_dispatch failed: an interface has a type 0 different from the type of the first interface", "line:[WRN] pcap_dispatch failed: an interface has a type 12 different from the type of the first interface", "line:basicStats: Biggest L3 flow talker"},
		whyNg11},
	{"pcapng-11-interfaces", []string{"line:[WRN] Timestamp jump, probably due to multi-path packet delay or NTP operation"}, "documented: we dissect the interfaces with other link types that T2 refuses; their packets are older, so tcpFlags reports a timestamp jump"},
	{"pcapng-11-interfaces", []string{"line:<Bandwidth>"},
		whyNg11},
	{"pcapng-11-interfaces", []string{"line:[WRN] PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%", "line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"pcapng-2-interfaces-ns-us", []string{"line:[WRN] PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%", "line:[WRN] PCAP-NG, so *percentage completed* in end report might be less than 100%, will be fixed in a later version"},
		whyPcapng},
	{"pppoe-discovery-session", []string{"col:hdrDesc"},
		whyPppname},
	{"radiotap-wpa2-eapol", []string{"col:bytAsm", "col:dstMac", "col:l7BytesRcvd", "col:pktAsm", "col:pktsRcvd", "col:srcMac", "flows", "line:<A packet load>", "line:<B packet load>", "line:Number of A bytes", "line:Number of A packets", "line:Number of B bytes", "line:Number of B packets", "line:Number of processed   B   packets/s", "line:Number of processed   B packets/  B flows", "line:Number of processed A     packets/s", "line:Number of processed A    flows", "line:Number of processed B    flows", "line:Number of reply          flows", "line:Number of request        flows", "line:Total   A/B    flow asymmetry", "line:Total req/rply flow asymmetry", "line:basicStats: Biggest L2 flow talker"},
		whyRadiotap},
	// protoStats' protocols file: the same documented differences.
	{"ipv4-fragments", []string{"proto:UDP 0", "proto:UDP 789"},
		whyRepfrag},
	{"malformed-cut-short-null", []string{"proto:L2 # Total bytes", "proto:L2 # Total packets"},
		whyCutnull},
	{"malformed-ipv6-39-byte-header", []string{"proto:L2 0x86dd", "proto:L4 # Total IPv6 packets", "proto:L4 17", "proto:UDP # Total UDP bytes", "proto:UDP # Total UDP packets", "proto:UDP # UDP Port", "proto:UDP 0"},
		whyIpv6short},
	{"pcapng-11-interfaces", []string{"proto:L2 # Total bytes", "proto:L2 # Total packets", "proto:L2 0x0800", "proto:L4 # Total IPv4 packets", "proto:L4 17", "proto:L4 6", "proto:TCP # Total TCP bytes", "proto:TCP # Total TCP packets", "proto:UDP # Total UDP bytes", "proto:UDP # Total UDP packets", "proto:UDP 123", "proto:UDP 17500", "proto:UDP 443", "proto:UDP 53"},
		whyNg11},
	{"tcp-synscan", []string{"line:Number of B bytes"},
		whySuffix},
	{"vlan-double-tag-cdp", []string{"col:vlanID"},
		whyVlan},
}

// t2Plugins is build P's plugin list in T2's order.
var t2Plugins = []string{"protoStats", "basicFlow", "macRecorder", "portClassifier",
	"basicStats", "tcpFlags", "tcpStates", "icmpDecode", "arpDecode", "dnsDecode",
	"httpSniffer", "connStat", "txtSink", "jsonSink"}

// ignoredReportLine matches lines that change from run to run (or with
// the user running the test) and lines outside the report.
var ignoredReportLine = regexp.MustCompile(`^(Tranalyzer .*PID:|Date:|Finished processing\. Elapsed time:|Finished unloading flow memory\. Time:|Memory usage:|Processing file:|=+$|\[WRN\] Running Tranalyzer as root|Active plugins:|    [0-9]+: )`)

// pluginLine finds the plugin of "plugin: text" and "[INF] plugin: text".
var pluginLine = regexp.MustCompile(`^(?:\[[A-Z]{3}\] )?([A-Za-z0-9]+): `)

// comparedElsewhere lists, per plugin, the flow columns that the plugin's
// own e2e test compares with T2 (with its own allow-list). TestT2Outputs
// runs the plugin, so the core columns it changes are compared here, but
// leaves its columns and report lines to that test. A plugin's test file
// adds its entry in an init function.
var comparedElsewhere = map[string][]string{}

// showAllowed (T2OUTPUTS_SHOW=1, with go test -v) logs the allowed
// differences too, to see what an allow-list entry still covers.
var showAllowed = os.Getenv("T2OUTPUTS_SHOW") == "1"

func TestT2Outputs(t *testing.T) {
	known := map[string]bool{}
	for _, d := range plugin.All() {
		known[d.Name] = true
	}
	var ours []string
	active := map[string]bool{}
	for _, p := range t2Plugins {
		if known[p] {
			ours = append(ours, p)
			active[p] = true
		}
	}
	isT2Plugin := map[string]bool{}
	for _, p := range t2Plugins {
		isT2Plugin[p] = true
	}
	dirs, err := os.ReadDir(testdata("t2-outputs"))
	if err != nil {
		t.Fatal(err)
	}
	// Which allowed items occurred: an entry for one capture whose item
	// no longer differs must go.
	var mu sync.Mutex
	used := map[[2]string]bool{}
	t.Cleanup(func() {
		for _, a := range t2Allowed {
			for _, x := range a.items {
				if a.capture != "*" && !used[[2]string{a.capture, x}] {
					t.Errorf("allowed difference %s %s (%s) no longer occurs: remove it", a.capture, x, a.why)
				}
			}
		}
	})
	for _, d := range dirs {
		// The -s runs' flow files are identical to the runs without -s.
		if !d.IsDir() || strings.HasSuffix(d.Name(), "-s") {
			continue
		}
		stem := d.Name()
		t.Run(stem, func(t *testing.T) {
			t.Parallel()
			ref := testdata("t2-outputs", stem)
			input := t2Input(t, ref)
			e := newEnv(t)
			list := filepath.Join(e.home, "plugins-list.txt")
			if err := os.WriteFile(list, []byte(strings.Join(ours, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := e.run("t2", "-r", testdata("pcaps", input), "-b", list, "-w", stem)

			diffs := map[string][]string{}
			add := func(item, msg string) { diffs[item] = append(diffs[item], msg) }

			wantRC := strings.TrimSpace(readFileString(t, filepath.Join(ref, "rc.txt")))
			if got := fmt.Sprintf("exit rc=%d", r.code); got != wantRC {
				add("rc", fmt.Sprintf("%s, T2 %s", got, wantRC))
			}
			filter := func(s string) []string {
				var out []string
				for _, l := range strings.Split(s, "\n") {
					if l == "" || ignoredReportLine.MatchString(l) {
						continue
					}
					if m := pluginLine.FindStringSubmatch(l); m != nil && isT2Plugin[m[1]] && (!active[m[1]] || comparedElsewhere[m[1]] != nil) {
						continue
					}
					out = append(out, l)
				}
				return out
			}
			// Our lines name the capture by its path here, T2's as pcaps/NAME.
			ourOut := strings.ReplaceAll(r.stdout, testdata("pcaps")+"/", "pcaps/")
			for _, l := range multisetDiff(filter(readFileString(t, filepath.Join(ref, "stdout.txt"))), filter(ourOut)) {
				add("line:"+reportLabel(l[1:]), l)
			}
			compareFlowFiles(t, filepath.Join(ref, stem+"_flows.txt"), filepath.Join(e.out, stem+"_flows.txt"), add)
			compareProtocolsFiles(filepath.Join(ref, stem+"_protocols.txt"), filepath.Join(e.out, stem+"_protocols.txt"), add)

			items := make([]string, 0, len(diffs))
			for k := range diffs {
				items = append(items, k)
			}
			sort.Strings(items)
			for _, item := range items {
				if x := findAllowed(stem, item); x != "" {
					if showAllowed {
						t.Logf("allowed %s: %s", item, strings.Join(diffs[item], " | "))
					}
					mu.Lock()
					used[[2]string{stem, x}] = true
					mu.Unlock()
					continue
				}
				msgs := diffs[item]
				more := ""
				if len(msgs) > 3 {
					more = fmt.Sprintf(" (+%d more)", len(msgs)-3)
					msgs = msgs[:3]
				}
				t.Errorf("%s: %s%s", item, strings.Join(msgs, " | "), more)
			}
		})
	}
}

// findAllowed returns the allow-list item that covers item on capture
// ("*" covers all of a capture's items), or "".
func findAllowed(capture, item string) string {
	for _, a := range t2Allowed {
		if a.capture != capture && a.capture != "*" {
			continue
		}
		for _, x := range a.items {
			if x == item || x == "*" {
				return x
			}
		}
	}
	return ""
}

// t2Input is the capture file name from the reference folder's CMD.txt.
func t2Input(t *testing.T, ref string) string {
	t.Helper()
	m := regexp.MustCompile(`Input: pcaps/(\S+)`).FindStringSubmatch(readFileString(t, filepath.Join(ref, "CMD.txt")))
	if m == nil {
		t.Fatalf("%s/CMD.txt names no input", ref)
	}
	return m[1]
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reportLabel is a report line's text up to its first value: "Number of
// UDP packets", "basicStats: Biggest L3 flow talker", "[WRN] ...".
func reportLabel(l string) string {
	if strings.HasPrefix(l, "[") {
		return l
	}
	rest := l
	prefix := ""
	if m := pluginLine.FindStringSubmatch(l); m != nil {
		prefix, rest = m[0], l[len(m[0]):]
	}
	if i := strings.Index(rest, ":"); i >= 0 {
		rest = rest[:i]
	} else if i := strings.IndexAny(rest, "=0123456789"); i > 0 {
		rest = rest[:i]
	}
	return prefix + strings.TrimSpace(rest)
}

// multisetDiff returns "-line" for lines only in want and "+line" for
// lines only in got (counting repeats).
func multisetDiff(want, got []string) []string {
	n := map[string]int{}
	for _, l := range want {
		n[l]++
	}
	for _, l := range got {
		n[l]--
	}
	var out []string
	for _, l := range want {
		if n[l] > 0 {
			out = append(out, "-"+l)
			n[l]--
		}
	}
	for _, l := range got {
		if n[l] < 0 {
			out = append(out, "+"+l)
			n[l]++
		}
	}
	return out
}

// compareFlowFiles matches flows by (dir, flowInd) and compares every
// column both files have.
func compareFlowFiles(t *testing.T, refPath, ourPath string, add func(item, msg string)) {
	t.Helper()
	load := func(p string) ([]string, map[string][]string, bool) {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, false
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "%") {
			return nil, nil, false
		}
		cols := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
		rows := map[string][]string{}
		for _, l := range lines[1:] {
			f := strings.Split(l, "\t")
			if len(f) < 2 {
				continue
			}
			rows[f[0]+" "+f[1]] = f
		}
		return cols, rows, true
	}
	rc, rr, rok := load(refPath)
	oc, or, ook := load(ourPath)
	if rok != ook {
		add("flows", fmt.Sprintf("flow file: ours %v, T2's %v", ook, rok))
		return
	}
	if !rok {
		return
	}
	for k := range rr {
		if _, ok := or[k]; !ok {
			add("flows", "T2 only: "+k)
		}
	}
	for k := range or {
		if _, ok := rr[k]; !ok {
			add("flows", "ours only: "+k)
		}
	}
	oi := map[string]int{}
	for i, c := range oc {
		oi[c] = i
	}
	keys := make([]string, 0, len(rr))
	for k := range rr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	skip := map[string]bool{}
	for _, cols := range comparedElsewhere {
		for _, c := range cols {
			skip[c] = true
		}
	}
	for ri, c := range rc {
		j, ok := oi[c]
		if !ok || skip[c] {
			continue
		}
		for _, k := range keys {
			o, ok := or[k]
			if !ok {
				continue
			}
			rv, ov := field(rr[k], ri), field(o, j)
			if rv != ov {
				add("col:"+c, fmt.Sprintf("%s: T2 %q ours %q", k, rv, ov))
			}
		}
	}
}

func field(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return "<missing>"
}

// compareProtocolsFiles compares protoStats' protocols files line by
// line: a line only in one file is a difference named by its label
// (protocolsLabel); the same lines in another order are "proto:order".
func compareProtocolsFiles(refPath, ourPath string, add func(item, msg string)) {
	ref, rerr := os.ReadFile(refPath)
	our, oerr := os.ReadFile(ourPath)
	if (rerr == nil) != (oerr == nil) {
		add("proto:file", fmt.Sprintf("protocols file: ours %v, T2's %v", oerr == nil, rerr == nil))
		return
	}
	if rerr != nil {
		return
	}
	want, got := protocolsLines(string(ref)), protocolsLines(string(our))
	diff := multisetDiff(want, got)
	for _, l := range diff {
		add("proto:"+protocolsLabel(l[1:]), l)
	}
	if len(diff) == 0 {
		for i := range want {
			if want[i] != got[i] {
				add("proto:order", fmt.Sprintf("line %d: T2 %q ours %q", i+1, want[i], got[i]))
				break
			}
		}
	}
}

// protocolsLines splits a protocols file into lines, each prefixed with
// its section ("L2", "L4", "TCP", "UDP") and "|": the sections start at
// the "# Total ..." lines that are always printed, so a row or header is
// placed even where the file's layout differs.
func protocolsLines(s string) []string {
	section := "L2"
	var out []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "# Total IPv4 packets:"):
			section = "L4"
		case strings.HasPrefix(l, "# Total TCP packets:"):
			section = "TCP"
		case strings.HasPrefix(l, "# Total UDP packets:"):
			section = "UDP"
		}
		out = append(out, section+"|"+l)
	}
	return out
}

// protocolsLabel names a line of protocolsLines: the section and the
// row's key ("TCP 8000", "L2 0x0800", "L4 17"), the header or total text
// up to its value ("TCP # TCP Port", "L2 # Total packets"), or "L4 empty".
func protocolsLabel(l string) string {
	section, text, _ := strings.Cut(l, "|")
	switch {
	case text == "":
		return section + " empty"
	case strings.HasPrefix(text, "#"):
		if i := strings.IndexAny(text, ":\t"); i >= 0 {
			text = text[:i]
		}
		return section + " " + text
	}
	key, _, _ := strings.Cut(text, "\t")
	return section + " " + strings.TrimSpace(key)
}
