package decode

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// linkTypes are the link types the fuzzer and the truncation test feed.
var linkTypes = []uint16{
	LinkNull, LinkEthernet, LinkPPP, LinkRaw12, LinkRaw14, LinkPPPSerial, LinkRaw,
	LinkCHDLC, LinkIEEE80211, LinkLoop, LinkLinuxSLL, LinkRadiotap, LinkPPPWithDir,
	LinkIPv4, LinkIPv6, LinkLinuxSLL2, 147, // 147: unsupported (user DLT)
}

// checkInvariants fails when a decoded packet points outside its bytes.
func checkInvariants(t *testing.T, p *packet.Packet, what string) {
	t.Helper()
	n := int32(len(p.Raw))
	if p.L3Off > n || p.L4Off > n || p.L7Off > n || p.L3Off < -1 || p.L4Off < -1 || p.L7Off < -1 {
		t.Fatalf("%s: offsets out of range: L3 %d L4 %d L7 %d len %d", what, p.L3Off, p.L4Off, p.L7Off, n)
	}
	if len(p.Payload) > 0 && (p.L7Off < 0 || int(p.L7Off)+len(p.Payload) > len(p.Raw)) {
		t.Fatalf("%s: payload outside the packet", what)
	}
	if p.SnapL3Len > uint32(n) || p.SnapL4Len > p.SnapL3Len || p.SnapL7Len > p.SnapL4Len {
		t.Fatalf("%s: snap lengths %d/%d/%d exceed the %d captured bytes", what, p.SnapL3Len, p.SnapL4Len, p.SnapL7Len, n)
	}
	if int(p.HdrLen) > packet.MaxHdrDesc {
		t.Fatalf("%s: header description overrun", what)
	}
	if p.IPVer != 0 && p.IPVer != 4 && p.IPVer != 6 {
		t.Fatalf("%s: IPVer %d", what, p.IPVer)
	}
	if p.IPVer != 0 && p.L2Only {
		t.Fatalf("%s: both an IP flow and a layer-2 flow", what)
	}
}

// TestMalformedCaptures decodes the deliberately broken captures (what
// the reader can get out of them) without panicking.
func TestMalformedCaptures(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/pcaps/malformed-*")
	if len(files) != 5 {
		t.Fatalf("expected the 5 malformed captures, found %d", len(files))
	}
	d := New(Options{})
	var p packet.Packet
	for _, f := range files {
		recs, err := readCapture(f)
		t.Logf("%s: %d packets (reader: %v)", filepath.Base(f), len(recs), err)
		for i, r := range recs {
			decodeRecord(d, &p, r, uint64(i+1))
			checkInvariants(t, &p, filepath.Base(f))
		}
	}
}

// TestTruncatedPackets decodes every prefix of the first packets of every
// test capture, as a short snap length would deliver them, under the
// packet's own link type and under every other one.
func TestTruncatedPackets(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	files, _ := filepath.Glob("../../testdata/pcaps/*")
	d := New(Options{})
	var p packet.Packet
	for _, f := range files {
		if strings.HasSuffix(f, ".tsv") || strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".sh") {
			continue
		}
		recs, _ := readCapture(f)
		if len(recs) > 60 {
			recs = recs[:60]
		}
		for _, r := range recs {
			for n := 0; n <= len(r.data); n++ {
				tr := record{r.linkType, r.wireLen, r.data[:n]}
				decodeRecord(d, &p, tr, 1)
				checkInvariants(t, &p, filepath.Base(f))
			}
			for _, lt := range linkTypes {
				tr := record{lt, r.wireLen, r.data}
				decodeRecord(d, &p, tr, 1)
				checkInvariants(t, &p, filepath.Base(f))
			}
		}
	}
}

// TestNoAllocs checks that decoding allocates nothing.
func TestNoAllocs(t *testing.T) {
	var recs []record
	for _, f := range []string{"http-web-browsing.pcap", "vxlan-vlan.pcap", "teredo.pcap",
		"pppoe-discovery-session.pcap", "ipv6-fragments.pcapng", "vlan-double-tag-cdp.pcap",
		"malformed-gre-heapoverflow.pcap", "bigendian-pptp-gre.pcap", "radiotap-wpa2-eapol.pcap"} {
		r, _ := readCapture("../../testdata/pcaps/" + f)
		recs = append(recs, r...)
	}
	d := New(Options{})
	var p packet.Packet
	allocs := testing.AllocsPerRun(3, func() {
		for i, r := range recs {
			decodeRecord(d, &p, r, uint64(i))
		}
	})
	if allocs != 0 {
		t.Errorf("decoding %d packets allocated %.0f times", len(recs), allocs)
	}
}

// FuzzDecode feeds arbitrary bytes under each link type, and checks the
// fast path against the general one.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"http-web-browsing.pcap", "vxlan-vlan.pcap", "teredo.pcap", "geneve.pcap",
		"pppoe-discovery-session.pcap", "mpls-vlan-mixed.pcap", "bigendian-pptp-gre.pcap", "sll2.pcap",
		"null-loopback-ipv6.pcap", "radiotap-wpa2-eapol.pcap", "ipv6-fragments.pcapng", "sctp-data.pcap"} {
		recs, _ := readCapture("../../testdata/pcaps/" + name)
		for i, r := range recs {
			if i >= 3 {
				break
			}
			f.Add(r.data, r.linkType, r.wireLen)
		}
	}
	d := New(Options{})
	var p, fp, gp packet.Packet
	f.Fuzz(func(t *testing.T, data []byte, lt uint16, wire uint32) {
		for _, l := range []uint16{lt, linkTypes[int(lt)%len(linkTypes)]} {
			decodeRecord(d, &p, record{l, wire, data}, 1)
			checkInvariants(t, &p, "fuzz")
		}
		// The fast path gives what the general one does.
		sameAsGeneral(t, d, &fp, &gp, record{LinkEthernet, wire, data}, "fuzz")
	})
}
