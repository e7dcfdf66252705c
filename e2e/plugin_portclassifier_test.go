package e2e

import (
	"strings"
	"testing"
)

// portRegistryDiffs are the service names where T2 0.9.3's portmap.txt
// (an older IANA registry) and ours (the IANA registry as Wireshark
// ships it, docs/differences-from-t2.md) name a port of these captures
// differently: "T2's name>ours".
var portRegistryDiffs = strings.Fields(`
	914c/g>914c-g CBC>unknown EtherNet/IP-1>EtherNet-IP-1 LDP>ldp Reserved>unknown
	accessbuilder-cddb>accessbuilder active-net>unknown auth>ident bitcoin>unknown
	ci3-software-1>unknown cm>ats-atn cpdlc>ats-acars csd-mgmt-port>xplat-replicate
	dantz>retrospect esp>unknown flex-lm>unknown hlserver>sentinelsrm iad1>unknown
	iad2>unknown iad3>unknown ici>unknown nameserver>name net-assistant>Apple-Remote-De
	newacct>unknown pdl-datastream>hp-pdl-datastr privmail>unknown
	satvid-datalnk>unknown shilp>nfs sip-tls>sips smc-https>radg surfpass>unknown
	unknown>3exmp unknown>ag-swim unknown>barracuda-bbs unknown>biotic unknown>cbus
	unknown>ceph unknown>doceri-ctl unknown>dsd unknown>eldim unknown>ff-ice
	unknown>fmsas unknown>fmsascon unknown>hexxorecore unknown>intermapper
	unknown>jetstream unknown>jtnetd-server unknown>ndmps unknown>nrpe unknown>nvme-disc
	unknown>onep-tls unknown>opsmessaging unknown>origo-native unknown>rpas-c2
	unknown>scriptview unknown>sgi-soap unknown>sitewatch-s unknown>tarantool
	unknown>warppipe unknown>webpush unknown>websnp unknown>x510 unknown>zoomcp
	vnc-server>rfb vrml-multi-use>unknown wormux>warmux`)

// TestPortClassifierColumnsEqualT2 compares dstPortClassN and
// dstPortClass with T2 0.9.3's outputs on every capture. The port number
// is always equal; the name may differ only where the two registries do.
func TestPortClassifierColumnsEqualT2(t *testing.T) {
	allowed := map[string]bool{}
	for _, d := range portRegistryDiffs {
		allowed[d] = true
	}
	used := map[string]bool{}
	runOracleCase(t, oracleCase{
		columns:   []string{"dstPortClassN", "dstPortClass"},
		coreDiffs: oracleCoreDiffs,
		allow: func(stem, col string, want, got oracleRow) string {
			k := want[col] + ">" + got[col]
			if col == "dstPortClass" && allowed[k] {
				used[k] = true
				return "port registry version"
			}
			return ""
		},
	})
	if !t.Failed() {
		for _, d := range portRegistryDiffs {
			if !used[d] {
				t.Errorf("portRegistryDiffs lists %s, but no flow shows it", d)
			}
		}
	}
}

// TestPortClassifierColumnsEqualT2 compares these columns with T2's.
func init() { comparedElsewhere["portClassifier"] = []string{"dstPortClassN", "dstPortClass"} }
