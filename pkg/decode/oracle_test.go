package decode

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// oracleLayers maps an EXPECTED.tsv column (a tshark display filter) to
// the header-description names that count for it.
var oracleLayers = []struct {
	col   string
	names []string
}{
	{"eth", []string{"eth"}},
	{"vlan", []string{"vlan"}},
	{"mpls", []string{"mpls"}},
	{"pppoe", []string{"pppoed", "pppoes"}},
	{"arp", []string{"arp", "rarp"}},
	{"ip", []string{"ipv4"}},
	{"ipv6", []string{"ipv6"}},
	{"tcp", []string{"tcp"}},
	{"udp", []string{"udp"}},
	{"icmp", []string{"icmp"}},
	{"icmpv6", []string{"icmpv6"}},
	{"gre", []string{"gre"}},
	{"sctp", []string{"sctp"}},
}

// hasLayer reports whether the header description contains one of the
// names as a whole element ("ipv4{2}" counts as "ipv4").
func hasLayer(desc string, names []string) bool {
	for _, e := range strings.Split(desc, ":") {
		if i := strings.IndexByte(e, '{'); i >= 0 {
			e = e[:i]
		}
		for _, n := range names {
			if e == n {
				return true
			}
		}
	}
	return false
}

// oracleException records where T2's header description legitimately
// differs from tshark's "layer at any depth" count.
type oracleException struct {
	file, col string
	want      int // what we expect instead of tshark's number
	why       string
}

var oracleExceptions = []oracleException{
	{"gre-tunnel.pcap", "udp", 8,
		"2 ICMP port-unreachable errors quote a UDP header; T2 does not dissect what ICMP errors quote"},
	{"ipip-6in4.pcap", "tcp", 75,
		"2 ICMPv6 errors (destination unreachable, packet too big) quote TCP segments; T2 does not dissect ICMPv6 payloads"},
	{"teredo.pcap", "ipv6", 29,
		"T2 also recognises Teredo by a 2001:0::/32 address when neither UDP port is 3544 (the client-to-relay traffic here); " +
			"tshark 4.0 decodes Teredo only on port 3544 (its heuristic is off by default)"},
	{"teredo.pcap", "tcp", 55, "TCP inside the Teredo packets tshark does not decode (see ipv6)"},
	{"teredo.pcap", "icmpv6", 4, "one ICMPv6 inside a Teredo packet tshark does not decode (see ipv6)"},
	{"gtpu-fragmented-outer.pcap", "udp", 30,
		"T2 names the IP protocol on every fragment: the 12 later fragments of the GTP-U carriers are 'eth:ipv4:udp'; " +
			"tshark shows UDP on the 6 unfragmented carriers and the 12 frames that complete a reassembly"},
	{"gre-in-gre.pcap", "udp", 0, "T2 follows one GRE level: the inner GRE is the middle IP header's payload"},
	{"gre-in-gre.pcap", "icmp", 0, "T2 follows one GRE level: the inner GRE is the middle IP header's payload"},
	{"ipv4-fragments.pcap", "udp", 53,
		"T2 names the IP protocol on every fragment (t2_pktdesc_add_proto for later fragments); " +
			"tshark shows UDP only in the frame that completes the reassembly (9 datagrams)"},
}

func TestOracleTshark(t *testing.T) {
	f, err := os.Open("../../testdata/pcaps/EXPECTED.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exc := map[[2]string]oracleException{}
	for _, e := range oracleExceptions {
		exc[[2]string{e.file, e.col}] = e
	}
	sc := bufio.NewScanner(f)
	var cols []string
	d := New(Options{})
	var p packet.Packet
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fs := strings.Split(line, "\t")
		if cols == nil {
			cols = fs
			continue
		}
		file := fs[0]
		t.Run(file, func(t *testing.T) {
			recs, err := readCapture("../../testdata/pcaps/" + file)
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			frames, _ := strconv.Atoi(fs[1])
			if len(recs) != frames {
				t.Errorf("read %d frames, tshark counted %d", len(recs), frames)
			}
			count := map[string]int{}
			for i, r := range recs {
				decodeRecord(d, &p, r, uint64(i+1))
				desc := string(p.HdrDescBytes())
				for _, l := range oracleLayers {
					if hasLayer(desc, l.names) {
						count[l.col]++
					}
				}
			}
			for _, l := range oracleLayers {
				ci := indexOf(cols, l.col)
				want, _ := strconv.Atoi(fs[ci])
				if e, ok := exc[[2]string{file, l.col}]; ok {
					if count[l.col] != e.want {
						t.Errorf("%s: got %d, expected %d (tshark %d; %s)", l.col, count[l.col], e.want, want, e.why)
					}
					continue
				}
				if count[l.col] != want {
					t.Errorf("%s: got %d, tshark %d", l.col, count[l.col], want)
				}
			}
		})
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
