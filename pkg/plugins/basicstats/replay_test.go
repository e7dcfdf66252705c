package basicstats_test

// The replay test feeds T2's own packet file (testdata/t2sample/
// test_packets.txt, written by T2 0.9.3 with -s) through basicFlow and
// basicStats the way the core does, then compares every packet-file and
// flow-file column the two plugins own with T2's output, row by row.

import (
	"bufio"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugins/basicflow"
	"github.com/t2go/t2go/pkg/plugins/basicstats"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

const sampleDir = "../../../testdata/t2sample"

func readTSV(t *testing.T, name string) (hdr []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "%") {
			hdr = strings.Split(l[1:], "\t")
			continue
		}
		rows = append(rows, strings.Split(l, "\t"))
	}
	return hdr, rows
}

func parseTime(t *testing.T, s string) packet.Time {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sec, frac, _ := strings.Cut(s, ".")
	a, err1 := strconv.ParseInt(sec, 10, 64)
	b, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad time %q", s)
	}
	v := packet.Time(a*1e9 + b)
	if neg {
		v = -v
	}
	return v
}

func num(t *testing.T, s string) uint64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), map[bool]int{true: 16, false: 10}[strings.HasPrefix(s, "0x")], 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return v
}

func mac(t *testing.T, s string) (m [6]byte) {
	t.Helper()
	hw, err := net.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	copy(m[:], hw)
	return m
}

// col returns the value of column name in row.
type cols map[string]int

func (c cols) get(row []string, name string) string { return row[c[name]] }

func index(hdr []string) cols {
	c := cols{}
	for i, h := range hdr {
		c[h] = i
	}
	return c
}

// descIDs numbers the header descriptions as the analyzer does.
var descIDs packet.DescIDs

// packetFromRow rebuilds what the dissector would have produced.
func packetFromRow(t *testing.T, c cols, row []string) (*packet.Packet, flow.Key) {
	p := &packet.Packet{}
	p.Reset()
	p.Num = num(t, c.get(row, "pktNo"))
	p.TS = parseTime(t, c.get(row, "time"))
	for _, h := range strings.Split(c.get(row, "hdrDesc"), ":") {
		p.AddHdr(h)
	}
	descIDs.Assign(p)
	p.HasMAC = true
	p.SrcMAC = mac(t, c.get(row, "srcMac"))
	p.DstMAC = mac(t, c.get(row, "dstMac"))
	p.EthType = uint16(num(t, c.get(row, "ethType")))
	p.WireLen = uint32(num(t, c.get(row, "pktLen")))
	p.CapLen = p.WireLen
	p.SnapL3Len = uint32(num(t, c.get(row, "snapL3Len")))
	p.SnapL4Len = uint32(num(t, c.get(row, "snapL4Len")))
	p.SnapL7Len = uint32(num(t, c.get(row, "snapL7Len")))
	p.L3Len = uint32(num(t, c.get(row, "l3Len")))
	p.UDPLen = uint16(num(t, c.get(row, "udpLen")))
	p.L7Len = uint32(num(t, c.get(row, "l7Len")))
	p.PadLen = uint32(num(t, c.get(row, "padLen")))

	var k flow.Key
	k.EthType = p.EthType
	if s := c.get(row, "srcIP"); s != "" {
		src, dst := netip.MustParseAddr(s), netip.MustParseAddr(c.get(row, "dstIP"))
		if src.Is4() {
			p.IPVer = 4
			a, b := src.As4(), dst.As4()
			copy(p.SrcIP[:], a[:])
			copy(p.DstIP[:], b[:])
		} else {
			p.IPVer = 6
			p.SrcIP, p.DstIP = src.As16(), dst.As16()
		}
		p.L4Proto = uint8(num(t, c.get(row, "l4Proto")))
		p.SrcPort = uint16(num(t, c.get(row, "srcPort")))
		p.DstPort = uint16(num(t, c.get(row, "dstPort")))
		k.SrcIP, k.DstIP, k.IPVer, k.Proto = p.SrcIP, p.DstIP, p.IPVer, p.L4Proto
		k.SrcPort, k.DstPort = p.SrcPort, p.DstPort
	} else {
		p.L2Only = true
		copy(k.SrcIP[:], p.SrcMAC[:])
		copy(k.DstIP[:], p.DstMAC[:])
	}
	return p, k
}

type replayed struct {
	table *flow.Table
	bf    *basicflow.BasicFlow
	bs    *basicstats.BasicStats
	// flows by findex and direction letter
	flows map[string]*flow.Flow
}

func replay(t *testing.T) *replayed {
	t.Helper()
	hdr, rows := readTSV(t, "test_packets.txt")
	c := index(hdr)
	r := &replayed{table: flow.NewTable(64, 182e9), bf: &basicflow.BasicFlow{}, bs: &basicstats.BasicStats{},
		flows: map[string]*flow.Flow{}}
	if err := r.bf.Init(plugintest.Registered(t, "basicFlow", plugin.Env{Table: r.table, PacketMode: true})); err != nil {
		t.Fatal(err)
	}
	if err := r.bs.Init(plugintest.Registered(t, "basicStats", plugin.Env{Table: r.table, PacketMode: true})); err != nil {
		t.Fatal(err)
	}
	var w record.Writer
	for _, row := range rows {
		p, k := packetFromRow(t, c, row)
		f := r.table.Lookup(&k)
		isNew := f == nil
		if isNew {
			f = r.table.Create(&k, p.TS)
		}
		// The core ORs the packet's bits into the flow; T2's packet file
		// shows the result, so take it from there.
		f.Status = num(t, c.get(row, "flowStat"))
		f.NumPkts++
		if isNew {
			r.bf.OnNewFlow(p, f)
			r.bs.OnNewFlow(p, f)
		}
		if p.L2Only {
			r.bf.OnLayer2(p, f)
			r.bs.OnLayer2(p, f)
		} else {
			r.bf.OnLayer4(p, f)
			r.bs.OnLayer4(p, f)
		}
		w.Reset()
		r.bf.WritePacket(p, f, &w)
		r.bs.WritePacket(p, f, &w)
		want := strings.Join(row[c["flowStat"]:c["padLen"]+1], "\t")
		if got := string(w.Bytes()); got != want {
			t.Errorf("packet %d:\n got %q\nwant %q", p.Num, got, want)
		}
		r.table.Touch(f, p.TS)
		if fi := c.get(row, "flowInd"); r.flows[fi+string(f.Dir())] == nil {
			r.flows[fi+string(f.Dir())] = f
		}
	}
	return r
}

func TestReplayT2Sample(t *testing.T) {
	r := replay(t)
	hdr, rows := readTSV(t, "test_flows.txt")
	c := index(hdr)
	var w record.Writer
	for _, row := range rows {
		f := r.flows[c.get(row, "flowInd")+c.get(row, "dir")]
		if f == nil {
			t.Fatalf("no flow for row %v", row[:2])
		}
		w.Reset()
		r.bf.OnFlowTerminate(f, &w)
		r.bs.OnFlowTerminate(f, &w)
		got := strings.Split(string(w.Bytes()), "\t")
		want := row[c["flowStat"] : c["bytAsm"]+1]
		if len(got) != len(want) {
			t.Fatalf("flow %s%s: %d fields, want %d:\n%q", row[1], row[0], len(got), len(want), got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("flow %s %s column %s: got %q, want %q", row[1], row[0], hdr[c["flowStat"]+i], got[i], want[i])
			}
		}
	}
}

func TestReportT2Sample(t *testing.T) {
	r := replay(t)
	hdr, rows := readTSV(t, "test_flows.txt")
	c := index(hdr)
	w := record.Writer{Disabled: true} // aggregates must update without a sink
	for _, row := range rows {
		r.bs.OnFlowTerminate(r.flows[c.get(row, "flowInd")+c.get(row, "dir")], &w)
	}
	data, err := os.ReadFile(filepath.Join(sampleDir, "end-report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "basicStats: ") {
			want = append(want, l)
		}
	}
	// Totals of the sample run (end-report.txt).
	cnt := counters.New()
	cnt.Packets, cnt.ABytes, cnt.BBytes = 62, 2098, 2141
	var out strings.Builder
	rw := &report.Writer{W: &out, C: cnt}
	r.bs.Report(rw)
	if got := strings.TrimSuffix(out.String(), "\n"); got != strings.Join(want, "\n") {
		t.Errorf("end report:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	out.Reset()
	r.bs.MonitorReport(rw, false)
	if got := strings.TrimSuffix(out.String(), "\n"); got != strings.Join(want, "\n") {
		t.Errorf("USR1 report:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if r.bs.MonitorColumns() != nil {
		t.Error("basicStats has no machine columns")
	}
	var mw record.Writer
	r.bs.MonitorValues(&mw, false)
	if len(mw.Bytes()) != 0 || mw.Fields() != 0 {
		t.Error("MonitorValues appended something")
	}
}

// TestRandomTraffic drives both plugins with random, partly absurd
// packets (times going back, many VLAN tags, huge lengths, slot reuse) and
// checks that nothing panics and every record has its declared columns.
func TestRandomTraffic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	table := flow.NewTable(8, 182e9)
	bf, bs := &basicflow.BasicFlow{}, &basicstats.BasicStats{}
	if err := bf.Init(plugintest.Registered(t, "basicFlow", plugin.Env{Table: table, PacketMode: true})); err != nil {
		t.Fatal(err)
	}
	if err := bs.Init(plugintest.Registered(t, "basicStats", plugin.Env{Table: table, PacketMode: true})); err != nil {
		t.Fatal(err)
	}
	ncols := len(bf.Columns()) + len(bs.Columns())
	npcols := len(bf.PacketColumns()) + len(bs.PacketColumns())
	names := []string{"eth", "vlan", "mpls", "ipv4", "ipv6", "tcp", "udp", "icmp", "gre", "arp"}
	var w record.Writer
	release := func(f *flow.Flow) {
		for _, x := range []*flow.Flow{f, oppositeOf(table, f)} {
			if x == nil {
				continue
			}
			w.Reset()
			bf.OnFlowTerminate(x, &w)
			bs.OnFlowTerminate(x, &w)
			if n := w.Fields(); n != ncols {
				t.Fatalf("record has %d fields, want %d", n, ncols)
			}
		}
		o := oppositeOf(table, f)
		table.Remove(f)
		if o != nil {
			table.Remove(o)
		}
	}
	ts := packet.Time(1e18)
	var ids packet.DescIDs
	for i := 0; i < 20000; i++ {
		p := &packet.Packet{}
		p.Reset()
		ts += packet.Time(rng.Int64N(3e9)) - 1e9
		p.TS = ts
		for j := rng.IntN(40); j >= 0; j-- {
			p.AddHdr(names[rng.IntN(len(names))])
		}
		ids.Assign(p)
		p.HasMAC = rng.IntN(4) != 0
		p.SrcMAC[5], p.DstMAC[5] = byte(rng.IntN(5)), byte(rng.IntN(5))
		p.NumVLAN = uint8(rng.IntN(256))
		p.WireLen, p.L3Len, p.L7Len, p.PadLen = rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()
		p.IPHdrLen = uint16(rng.IntN(100))
		p.Status = rng.Uint64() & (packet.L3FlowInvert | packet.L2VLAN)
		var k flow.Key
		if rng.IntN(5) == 0 {
			p.L2Only = true
		} else {
			p.IPVer = []uint8{4, 6}[rng.IntN(2)]
			p.L4Proto = uint8(rng.IntN(256))
			p.SrcPort, p.DstPort = uint16(rng.IntN(3)), uint16(rng.IntN(3))
			p.SrcIP[0], p.DstIP[0] = byte(rng.IntN(3)), byte(rng.IntN(3))
			k = flow.Key{IPVer: p.IPVer, Proto: p.L4Proto, SrcPort: p.SrcPort, DstPort: p.DstPort, SrcIP: p.SrcIP, DstIP: p.DstIP}
		}
		if rng.IntN(2) == 0 {
			k = k.Reverse()
		}
		f := table.Lookup(&k)
		if f == nil {
			if table.Full() {
				release(table.Oldest())
			}
			f = table.Create(&k, p.TS)
			bf.OnNewFlow(p, f)
			bs.OnNewFlow(p, f)
		}
		f.Status |= p.Status
		f.NumPkts++
		if p.L2Only {
			bf.OnLayer2(p, f)
			bs.OnLayer2(p, f)
		} else {
			bf.OnLayer4(p, f)
			bs.OnLayer4(p, f)
		}
		w.Reset()
		bf.WritePacket(p, f, &w)
		bs.WritePacket(p, f, &w)
		if n := w.Fields(); n != npcols {
			t.Fatalf("packet line has %d fields, want %d", n, npcols)
		}
		table.Touch(f, p.TS)
	}
	for _, s := range table.All() {
		if f := table.Flow(s); f.NumPkts > 0 && table.Lookup(&f.Key) == f {
			release(f)
		}
	}
	var out strings.Builder
	bs.Report(&report.Writer{W: &out, C: counters.New()})
	if !strings.Contains(out.String(), "Flow max(pktload)") {
		t.Errorf("report %q", out.String())
	}
}

func oppositeOf(t *flow.Table, f *flow.Flow) *flow.Flow {
	if f.Opposite == flow.None {
		return nil
	}
	return t.Flow(f.Opposite)
}
