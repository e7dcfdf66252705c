package decode

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// t2Columns are the packet-file columns of T2 0.9.3 the dissector is
// responsible for.
var t2Columns = []string{
	"numHdrs", "hdrDesc", "vlanID", "srcMac", "dstMac", "ethType",
	"srcIP", "srcPort", "dstIP", "dstPort", "l4Proto", "pktLen",
	"snapL3Len", "snapL4Len", "snapL7Len", "l3Len", "udpLen", "l7Len", "padLen",
}

// packetColumns renders p like T2's packet file (-s). The packet file
// prints the packet's own direction: a reply packet shows the server as
// srcIP (see lines 2, 5, 7 of test_packets.txt), so the packet's own
// addresses are what T2 prints.
func packetColumns(p *packet.Packet) map[string]string {
	c := map[string]string{}
	c["numHdrs"] = strconv.Itoa(int(p.NumHdrs))
	c["hdrDesc"] = string(p.HdrDescBytes())
	var vl []string
	for i := 0; i < int(p.NumVLAN) && i < packet.MaxVLAN; i++ {
		vl = append(vl, strconv.Itoa(int(p.VLAN[i])))
	}
	c["vlanID"] = strings.Join(vl, ";")
	if p.HasMAC {
		c["srcMac"] = macString(p.SrcMAC)
		c["dstMac"] = macString(p.DstMAC)
	}
	c["ethType"] = fmt.Sprintf("0x%04x", p.EthType)
	if p.IPVer != 0 {
		c["srcIP"], c["dstIP"] = ipString(p.IPVer, p.SrcIP), ipString(p.IPVer, p.DstIP)
		c["l4Proto"] = strconv.Itoa(int(p.L4Proto))
		switch p.L4Proto {
		case 6, 17, 132, 136:
			c["srcPort"] = strconv.Itoa(int(p.SrcPort))
			c["dstPort"] = strconv.Itoa(int(p.DstPort))
		}
	}
	c["pktLen"] = strconv.Itoa(int(p.WireLen))
	c["snapL3Len"] = strconv.Itoa(int(p.SnapL3Len))
	c["snapL4Len"] = strconv.Itoa(int(p.SnapL4Len))
	c["snapL7Len"] = strconv.Itoa(int(p.SnapL7Len))
	c["l3Len"] = strconv.Itoa(int(p.L3Len))
	c["udpLen"] = strconv.Itoa(int(p.UDPLen))
	c["l7Len"] = strconv.Itoa(int(p.L7Len))
	c["padLen"] = strconv.Itoa(int(p.PadLen))
	return c
}

func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

func ipString(ver uint8, a [16]byte) string {
	if ver == 4 {
		return netip.AddrFrom4([4]byte(a[:4])).String()
	}
	return netip.AddrFrom16(a).String()
}

// TestGoldenT2Packets decodes T2's sample capture and compares every
// dissector column with T2 0.9.3's packet file, line by line. It also
// checks that the status bits of each packet equal the flowStat T2
// printed minus the flow-direction bit (the sample has only simple
// flows, so the flow status is exactly the packets' status).
func TestGoldenT2Packets(t *testing.T) {
	recs, err := readCapture("../../testdata/t2sample/test.pcap")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../testdata/t2sample/test_packets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	if !sc.Scan() {
		t.Fatal("empty packet file")
	}
	hdr := strings.Split(strings.TrimPrefix(sc.Text(), "%"), "\t")
	idx := map[string]int{}
	for i, h := range hdr {
		idx[h] = i
	}
	for _, col := range append([]string{"pktNo", "flowStat"}, t2Columns...) {
		if _, ok := idx[col]; !ok {
			t.Fatalf("column %q missing from the T2 packet file", col)
		}
	}
	d := New(Options{})
	var p packet.Packet
	lines := 0
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		lines++
		n, err := strconv.Atoi(f[idx["pktNo"]])
		if err != nil || n < 1 || n > len(recs) {
			t.Fatalf("line %d: bad pktNo %q", lines, f[idx["pktNo"]])
		}
		decodeRecord(d, &p, recs[n-1], uint64(n))
		got := packetColumns(&p)
		for _, col := range t2Columns {
			if want := f[idx[col]]; got[col] != want {
				t.Errorf("packet %d %s: got %q, T2 printed %q", n, col, got[col], want)
			}
		}
		flowStat, err := strconv.ParseUint(strings.TrimPrefix(f[idx["flowStat"]], "0x"), 16, 64)
		if err != nil {
			t.Fatalf("packet %d: bad flowStat: %v", n, err)
		}
		if want := flowStat &^ packet.L3FlowInvert; p.Status != want {
			t.Errorf("packet %d status: got 0x%016x, T2 flowStat without bit 0 is 0x%016x", n, p.Status, want)
		}
	}
	if lines != len(recs) {
		t.Errorf("T2 printed %d packets, the capture has %d", lines, len(recs))
	}
}
