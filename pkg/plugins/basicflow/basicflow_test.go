package basicflow

import (
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// fakeConfig answers Int for the keys basicFlow reads.
type fakeConfig map[string]int64

func defaults() fakeConfig {
	return fakeConfig{"BFO_SENSORID": 0, "BFO_MAC": 1, "BFO_ETHERTYPE": 1, "BFO_VLAN": 1,
		"BFO_HDRDESC_PKTCNT": 0, "BFO_MAX_HDRDESC": 4, "BFO_MAX_MAC": 3, "BFO_MAX_VLAN": 3,
		"T2_SENSORID": 666}
}

type rig struct {
	t     *testing.T
	table *flow.Table
	bf    *BasicFlow
	w     record.Writer
	ids   packet.DescIDs // numbers descriptions as the analyzer's reader does
}

func newRig(t testing.TB, cfg fakeConfig) *rig {
	r := &rig{table: flow.NewTable(16, 182e9), bf: &BasicFlow{}}
	if err := r.bf.Init(plugintest.With(t, embedded, cfg, plugin.Env{Table: r.table, PacketMode: true})); err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	macA = [6]byte{0, 0x0b, 0xdb, 0x4f, 0x6b, 0x10}
	macB = [6]byte{0, 0x19, 0xe3, 0xe7, 0x5d, 0x23}
)

// pkt builds an IPv4 packet 10.0.0.1:sp -> 10.0.0.2:dp at second ts.
func pkt(ts float64, proto uint8, sp, dp uint16, hdrs ...string) *packet.Packet {
	p := &packet.Packet{}
	p.Reset()
	p.TS = packet.FromSeconds(ts)
	for _, h := range hdrs {
		p.AddHdr(h)
	}
	p.HasMAC = true
	p.SrcMAC, p.DstMAC = macA, macB
	p.EthType = 0x0800
	p.IPVer = 4
	copy(p.SrcIP[:], []byte{10, 0, 0, 1})
	copy(p.DstIP[:], []byte{10, 0, 0, 2})
	p.L4Proto, p.SrcPort, p.DstPort = proto, sp, dp
	return p
}

func keyOf(p *packet.Packet) flow.Key {
	k := flow.Key{EthType: p.EthType, IPVer: p.IPVer, Proto: p.L4Proto, SrcPort: p.SrcPort, DstPort: p.DstPort}
	if p.IPVer == 0 {
		copy(k.SrcIP[:], p.SrcMAC[:])
		copy(k.DstIP[:], p.DstMAC[:])
	} else {
		k.SrcIP, k.DstIP = p.SrcIP, p.DstIP
	}
	return k
}

// feed runs p through the plugin as the core does and returns its flow
// and packet-file line.
func (r *rig) feed(p *packet.Packet) (*flow.Flow, string) {
	r.ids.Assign(p)
	k := keyOf(p)
	f := r.table.Lookup(&k)
	if f == nil {
		f = r.table.Create(&k, p.TS)
		r.bf.OnNewFlow(p, f)
	}
	f.Status |= p.Status
	f.NumPkts++
	if p.IPVer == 0 {
		r.bf.OnLayer2(p, f)
	} else {
		r.bf.OnLayer4(p, f)
	}
	r.w.Reset()
	r.bf.WritePacket(p, f, &r.w)
	line := string(r.w.Bytes())
	r.table.Touch(f, p.TS)
	return f, line
}

func (r *rig) record(f *flow.Flow) string {
	r.w.Reset()
	r.bf.OnFlowTerminate(f, &r.w)
	return string(r.w.Bytes())
}

// field returns the value of the flow column name.
func (r *rig) field(line, name string) string {
	for i, c := range r.bf.Columns() {
		if c.Name == name {
			return strings.Split(line, "\t")[i]
		}
	}
	r.t.Fatalf("no column %s", name)
	return ""
}

func TestFlowRecord(t *testing.T) {
	r := newRig(t, defaults())
	r.t = t
	f, _ := r.feed(pkt(10, 6, 1234, 80, "eth", "ipv4", "tcp"))
	p := pkt(10.25, 6, 1234, 80, "eth", "vlan", "vlan", "ipv4", "tcp")
	p.SrcMAC = [6]byte{2, 0, 0, 0, 0, 1}
	r.feed(p)
	r.feed(pkt(11, 6, 1234, 80, "eth", "ipv4", "tcp"))
	want := "0x0000000000000000\t10.000000000\t11.000000000\t1.000000000\t2\t3;5\teth:ipv4:tcp;eth:vlan{2}:ipv4:tcp\t" +
		"00:0b:db:4f:6b:10;02:00:00:00:00:01\t00:19:e3:e7:5d:23\t0x0800\t\t10.0.0.1\t1234\t10.0.0.2\t80\t6"
	if got := r.record(f); got != want {
		t.Errorf("record\n got %q\nwant %q", got, want)
	}
}

func TestHeaderDescOverrunAndCounts(t *testing.T) {
	cfg := defaults()
	cfg["BFO_MAX_HDRDESC"] = 2
	cfg["BFO_HDRDESC_PKTCNT"] = 1
	r := newRig(t, cfg)
	r.t = t
	f, _ := r.feed(pkt(1, 17, 1, 2, "eth", "ipv4", "udp"))
	r.feed(pkt(2, 17, 1, 2, "eth", "ipv4", "udp"))
	r.feed(pkt(3, 17, 1, 2, "eth", "vlan", "ipv4", "udp"))
	if f.Status&packet.HdrDescOverrun != 0 {
		t.Fatal("overrun before the limit")
	}
	r.feed(pkt(4, 17, 1, 2, "eth", "mpls", "ipv4", "udp"))
	if f.Status&packet.HdrDescOverrun == 0 {
		t.Error("no HDOVRN bit after a third description")
	}
	rec := r.record(f)
	if got := r.field(rec, "numHdrDesc"); got != "2" {
		t.Errorf("numHdrDesc %s", got)
	}
	if got := r.field(rec, "hdrDesc_pktCnt"); got != "eth:ipv4:udp_2;eth:vlan:ipv4:udp_1" {
		t.Errorf("hdrDesc_pktCnt %s", got)
	}
	if got := r.field(rec, "numHdrs"); got != "3;4" {
		t.Errorf("numHdrs %s", got)
	}
	// The description table is shared: a second flow reuses the entries.
	before := r.bf.descs.learned
	r.feed(pkt(5, 17, 7, 8, "eth", "ipv4", "udp"))
	if r.bf.descs.learned != before {
		t.Error("a known description was interned again")
	}
}

func TestMACLimit(t *testing.T) {
	cfg := defaults()
	cfg["BFO_MAX_MAC"] = 2
	r := newRig(t, cfg)
	r.t = t
	var f *flow.Flow
	for i := byte(1); i <= 4; i++ {
		p := pkt(float64(i), 17, 1, 2, "eth", "ipv4", "udp")
		p.SrcMAC = [6]byte{2, 0, 0, 0, 0, i % 3}
		f, _ = r.feed(p)
	}
	rec := r.record(f)
	if got := r.field(rec, "srcMac"); got != "02:00:00:00:00:01;02:00:00:00:00:02" {
		t.Errorf("srcMac %s", got)
	}
	if got := r.field(rec, "dstMac"); got != "00:19:e3:e7:5d:23" {
		t.Errorf("dstMac %s", got)
	}
}

func TestPacketColumns(t *testing.T) {
	r := newRig(t, defaults())
	r.t = t
	a, la := r.feed(pkt(100.5, 6, 40000, 21, "eth", "ipv4", "tcp"))
	wantA := "0x0000000000000000\t100.500000000\t0.000000000\t0.000000000\t0.000000000\t3\teth:ipv4:tcp\t\t" +
		"00:0b:db:4f:6b:10\t00:19:e3:e7:5d:23\t0x0800\t10.0.0.1\t40000\t10.0.0.2\t21\t6"
	if la != wantA {
		t.Errorf("first packet\n got %q\nwant %q", la, wantA)
	}
	// Reply: pktTrip is measured against the opposite flow's last packet.
	rp := pkt(100.75, 6, 21, 40000, "eth", "ipv4", "tcp")
	rp.SrcIP, rp.DstIP = rp.DstIP, rp.SrcIP
	rp.Status = packet.L3FlowInvert
	b, lb := r.feed(rp)
	if b.Opposite != a.Slot {
		t.Fatal("flows not paired")
	}
	wantB := "0x0000000000000001\t100.750000000\t0.000000000\t0.250000000\t0.000000000\t3\teth:ipv4:tcp\t\t" +
		"00:0b:db:4f:6b:10\t00:19:e3:e7:5d:23\t0x0800\t10.0.0.2\t21\t10.0.0.1\t40000\t6"
	if lb != wantB {
		t.Errorf("reply\n got %q\nwant %q", lb, wantB)
	}
	// A jump back within the same second is negative and sets TIMEJUMP.
	_, lj := r.feed(pkt(100.25, 6, 40000, 21, "eth", "ipv4", "tcp"))
	if a.Status&packet.TimeJump == 0 {
		t.Error("no TIMEJUMP bit")
	}
	if f := strings.Split(lj, "\t"); f[0] != "0x0008000000000000" || f[2] != "-0.250000000" || f[3] != "-0.500000000" || f[4] != "-0.250000000" {
		t.Errorf("time jump line %q", lj)
	}
	// Across a second boundary T2 subtracts the seconds as uint32 (and
	// the double sum shows its rounding in the 9th decimal).
	_, lw := r.feed(pkt(99.9, 6, 40000, 21, "eth", "ipv4", "tcp"))
	if f := strings.Split(lw, "\t"); f[2] != "4294967295.650000095" || f[4] != "4294967295.400000095" {
		t.Errorf("wrapped jump line %q", lw)
	}
}

// TestTrip checks T2's float32 rounding of the nanosecond parts in pktTrip.
func TestTrip(t *testing.T) {
	tests := []struct {
		a, b packet.Time
		want string
	}{
		{100_166_000_000, 100_165_000_000, "0.001000000"},
		{101_000_000_000, 100_999_999_999, "0.000000000"}, // 999999999 -> 1e9 in float32
		{100_123_456_789, 100_000_000_001, "0.123456792"}, // 123456789 -> 123456792, minus 1 rounds back
		{102_020_000_000, 100_999_999_000, "1.020001024"}, // 999999000 -> 999998976
		{100_000_000_000, 100_500_000_000, "-0.500000000"},
	}
	for _, tc := range tests {
		got := strconv.FormatFloat(t2Trip(tc.a, tc.b), 'f', 9, 64)
		if got != tc.want {
			t.Errorf("trip(%d, %d) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNoTimeJumpWithoutPacketMode(t *testing.T) {
	r := &rig{t: t, table: flow.NewTable(16, 182e9), bf: &BasicFlow{}}
	if err := r.bf.Init(plugintest.With(t, embedded, defaults(), plugin.Env{Table: r.table})); err != nil {
		t.Fatal(err)
	}
	f, _ := r.feed(pkt(100.5, 6, 1, 2, "eth", "ipv4", "tcp"))
	r.feed(pkt(100.25, 6, 1, 2, "eth", "ipv4", "tcp"))
	if f.Status&packet.TimeJump != 0 {
		t.Error("TIMEJUMP set without -s (T2 only checks in packet mode)")
	}
}

func TestICMPAndLayer2AndVLAN(t *testing.T) {
	r := newRig(t, defaults())
	r.t = t
	ip := pkt(5, 1, 0, 0, "eth", "vlan", "vlan", "ipv4", "icmp")
	ip.NumVLAN = 2
	ip.VLAN[0], ip.VLAN[1] = 20, 30
	f, line := r.feed(ip)
	if want := "\t20;30\t00:0b:db:4f:6b:10\t00:19:e3:e7:5d:23\t0x0800\t10.0.0.1\t\t10.0.0.2\t\t1"; !strings.HasSuffix(line, want) {
		t.Errorf("ICMP packet %q, want suffix %q", line, want)
	}
	rec := r.record(f)
	if want := "\t0x0800\t20;30\t10.0.0.1\t0\t10.0.0.2\t0\t1"; !strings.HasSuffix(rec, want) {
		t.Errorf("ICMP flow %q, want suffix %q", rec, want)
	}

	arp := &packet.Packet{}
	arp.Reset()
	arp.TS = packet.FromSeconds(6)
	arp.AddHdr("eth")
	arp.AddHdr("arp")
	arp.HasMAC, arp.SrcMAC, arp.DstMAC, arp.EthType, arp.L2Only = true, macA, [6]byte{255, 255, 255, 255, 255, 255}, 0x0806, true
	arp.Status = packet.L2Flow | packet.L2ARP
	f, line = r.feed(arp)
	if want := "0x0000000000000044\t6.000000000\t0.000000000\t0.000000000\t0.000000000\t2\teth:arp\t\t00:0b:db:4f:6b:10\tff:ff:ff:ff:ff:ff\t0x0806\t\t\t\t\t"; line != want {
		t.Errorf("ARP packet\n got %q\nwant %q", line, want)
	}
	want := "0x0000000000000044\t6.000000000\t6.000000000\t0.000000000\t1\t2\teth:arp\t00:0b:db:4f:6b:10\tff:ff:ff:ff:ff:ff\t0x0806\t\t-\t0\t-\t0\t0"
	if got := r.record(f); got != want {
		t.Errorf("ARP flow\n got %q\nwant %q", got, want)
	}

	// A packet without Ethernet has empty MAC fields and records none.
	raw := pkt(7, 17, 53, 53, "ipv4", "udp")
	raw.HasMAC = false
	f, line = r.feed(raw)
	if want := "\t\t\t\t0x0800\t10.0.0.1\t53\t10.0.0.2\t53\t17"; !strings.HasSuffix(line, want) {
		t.Errorf("raw packet %q, want suffix %q", line, want)
	}
	if got := r.field(r.record(f), "srcMac"); got != "" {
		t.Errorf("raw flow srcMac %q", got)
	}
}

// TestColumnCounts checks for every switch combination that the records
// have exactly as many fields as declared columns.
func TestColumnCounts(t *testing.T) {
	for mask := 0; mask < 32; mask++ {
		cfg := defaults()
		cfg["BFO_SENSORID"] = int64(mask & 1)
		cfg["BFO_MAC"] = int64(mask >> 1 & 1)
		cfg["BFO_ETHERTYPE"] = int64(mask >> 2 & 1)
		cfg["BFO_VLAN"] = int64(mask >> 3 & 1)
		cfg["BFO_HDRDESC_PKTCNT"] = int64(mask >> 4 & 1)
		r := newRig(t, cfg)
		r.t = t
		f, line := r.feed(pkt(1, 6, 1, 2, "eth", "ipv4", "tcp"))
		if n := len(strings.Split(line, "\t")); n != len(r.bf.PacketColumns()) {
			t.Errorf("mask %05b: %d packet fields for %d columns", mask, n, len(r.bf.PacketColumns()))
		}
		rec := r.record(f)
		if n := len(strings.Split(rec, "\t")); n != len(r.bf.Columns()) {
			t.Errorf("mask %05b: %d flow fields for %d columns", mask, n, len(r.bf.Columns()))
		}
		if mask&1 != 0 && !strings.HasPrefix(rec, "666\t") {
			t.Errorf("sensorID missing: %q", rec)
		}
	}
}

func TestDisabledWriter(t *testing.T) {
	r := newRig(t, defaults())
	f, _ := r.feed(pkt(1, 6, 1, 2, "eth", "ipv4", "tcp"))
	w := record.Writer{Disabled: true}
	r.bf.OnFlowTerminate(f, &w)
	r.bf.WritePacket(pkt(1, 6, 1, 2, "eth", "ipv4", "tcp"), f, &w)
	if len(w.Bytes()) != 0 {
		t.Error("disabled writer got output")
	}
}

func TestNoAllocPerPacket(t *testing.T) {
	big := defaults()
	big["BFO_MAX_HDRDESC"], big["BFO_MAX_MAC"], big["BFO_HDRDESC_PKTCNT"] = 9, 7, 1
	for _, cfg := range []fakeConfig{defaults(), big} {
		r := newRig(t, cfg)
		p := pkt(1, 6, 1, 2, "eth", "ipv4", "tcp")
		f, _ := r.feed(p)
		for i := byte(0); i < 9; i++ { // fill the lists beyond flowState's room
			q := pkt(2, 6, 1, 2, "eth", "ipv4", "tcp")
			q.SrcMAC[5], q.DstMAC[5] = i, i
			if i%2 == 0 {
				q = pkt(2, 6, 1, 2, append([]string{"eth"}, append([]string{"vlan", "mpls", "vlan", "mpls", "vlan", "mpls", "vlan", "mpls"}[:i], "ipv4", "tcp")...)...)
			}
			r.feed(q)
		}
		allocs := testing.AllocsPerRun(1000, func() {
			p.TS += 1000
			r.bf.OnLayer4(p, f)
			r.w.Reset()
			r.bf.WritePacket(p, f, &r.w)
			r.w.Reset()
			r.bf.OnFlowTerminate(f, &r.w)
		})
		if allocs != 0 {
			t.Errorf("maxima %d/%d: %v allocations per packet", cfg["BFO_MAX_HDRDESC"], cfg["BFO_MAX_MAC"], allocs)
		}
	}
}

func BenchmarkOnLayer4(b *testing.B) {
	r := newRig(b, defaults())
	p := pkt(1, 6, 1, 2, "eth", "ipv4", "tcp")
	f, _ := r.feed(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.bf.OnLayer4(p, f)
	}
}

func BenchmarkWritePacket(b *testing.B) {
	r := newRig(b, defaults())
	p := pkt(1, 6, 1, 2, "eth", "ipv4", "tcp")
	f, _ := r.feed(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.w.Reset()
		r.bf.WritePacket(p, f, &r.w)
	}
}

func BenchmarkFlowRecord(b *testing.B) {
	r := newRig(b, defaults())
	f, _ := r.feed(pkt(1, 6, 1, 2, "eth", "ipv4", "tcp"))
	r.feed(pkt(2, 6, 1, 2, "eth", "vlan", "ipv4", "tcp"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.w.Reset()
		r.bf.OnFlowTerminate(f, &r.w)
	}
}

func TestPktCntColumnType(t *testing.T) {
	cfg := defaults()
	cfg["BFO_HDRDESC_PKTCNT"] = 1
	r := newRig(t, cfg)
	for _, c := range r.bf.Columns() {
		if c.Name == "hdrDesc_pktCnt" {
			// a top-level compound: parts joined by '_', no parentheses
			if c.Type != "SC_U64:R" || c.Desc != "Headers description and packet count" {
				t.Errorf("column %+v", c)
			}
			return
		}
	}
	t.Error("no hdrDesc_pktCnt column")
}

// TestListsAgainstReference feeds random packets of several flows, with
// slot reuse, under header-description and MAC maxima below, at and
// above the room in flowState (inlineDesc, inlineMAC), and compares the
// list columns with a plain model: the distinct values in order of first
// appearance, at most the maximum, with HDOVRN once a flow holding the
// maximum sees any further packet.
func TestListsAgainstReference(t *testing.T) {
	descs := [][]string{
		{"eth", "ipv4", "udp"}, {"eth", "ipv4", "tcp"}, {"eth", "vlan", "ipv4", "udp"},
		{"eth", "ipv6", "udp"}, {"eth", "mpls", "ipv4", "tcp"}, {"eth", "ipv4", "icmp"},
		{"eth", "vlan", "ipv6", "tcp"}, {"eth", "ipv6", "tcp"},
	}
	type model struct {
		descs    []int
		cnt      []int
		src, dst [][6]byte
		overrun  bool
	}
	rnd := uint64(1)
	next := func(n int) int {
		rnd = rnd*6364136223846793005 + 1442695040888963407
		return int(rnd>>33) % n
	}
	addDistinct := func(l [][6]byte, m [6]byte, max int) [][6]byte {
		for _, x := range l {
			if x == m {
				return l
			}
		}
		if len(l) < max {
			l = append(l, m)
		}
		return l
	}
	join := func(l [][6]byte) string {
		var s []string
		for _, m := range l {
			s = append(s, string(record.AppendMAC(nil, m)))
		}
		return strings.Join(s, ";")
	}
	for _, maxDesc := range []int{1, 3, 4, 5, 7} {
		for _, maxMAC := range []int{1, 2, 3, 4, 6} {
			for _, cnt := range []int64{0, 1} {
				cfg := defaults()
				cfg["BFO_MAX_HDRDESC"] = int64(maxDesc)
				cfg["BFO_MAX_MAC"] = int64(maxMAC)
				cfg["BFO_HDRDESC_PKTCNT"] = cnt
				r := newRig(t, cfg)
				r.t = t
				for round := 0; round < 4; round++ {
					flows := map[uint16]*flow.Flow{}
					models := map[uint16]*model{}
					for i := 0; i < 300; i++ {
						port := uint16(1 + next(5))
						d := next(len(descs))
						p := pkt(float64(round*1000+i), 17, port, 53, descs[d]...)
						p.SrcMAC = [6]byte{2, 0, 0, 0, 0, byte(next(8))}
						p.DstMAC = [6]byte{4, 0, 0, 0, 0, byte(next(8))}
						f, _ := r.feed(p)
						flows[port] = f
						m := models[port]
						if m == nil {
							m = &model{}
							models[port] = m
						}
						if len(m.descs) >= maxDesc {
							m.overrun = true
						} else {
							found := false
							for j, x := range m.descs {
								if x == d {
									m.cnt[j]++
									found = true
								}
							}
							if !found {
								m.descs = append(m.descs, d)
								m.cnt = append(m.cnt, 1)
							}
						}
						m.src = addDistinct(m.src, p.SrcMAC, maxMAC)
						m.dst = addDistinct(m.dst, p.DstMAC, maxMAC)
					}
					for port, f := range flows {
						m := models[port]
						rec := r.record(f)
						var nh, hd []string
						for j, d := range m.descs {
							nh = append(nh, strconv.Itoa(len(descs[d])))
							h := strings.Join(descs[d], ":")
							if cnt == 1 {
								h += "_" + strconv.Itoa(m.cnt[j])
							}
							hd = append(hd, h)
						}
						col := "hdrDesc"
						if cnt == 1 {
							col = "hdrDesc_pktCnt"
						}
						for _, c := range []struct{ name, want string }{
							{"numHdrDesc", strconv.Itoa(len(m.descs))},
							{"numHdrs", strings.Join(nh, ";")},
							{col, strings.Join(hd, ";")},
							{"srcMac", join(m.src)},
							{"dstMac", join(m.dst)},
						} {
							if got := r.field(rec, c.name); got != c.want {
								t.Fatalf("maxDesc %d maxMAC %d cnt %d round %d port %d: %s %q, want %q",
									maxDesc, maxMAC, cnt, round, port, c.name, got, c.want)
							}
						}
						if got := f.Status&packet.HdrDescOverrun != 0; got != m.overrun {
							t.Fatalf("maxDesc %d: HDOVRN %v, want %v", maxDesc, got, m.overrun)
						}
						r.table.Remove(f)
					}
				}
			}
		}
	}
}

// TestStateOneLine keeps a flow's state at one cache line.
func TestStateOneLine(t *testing.T) {
	if n := unsafe.Sizeof(flowState{}); n != 64 {
		t.Errorf("flowState is %d bytes, want 64", n)
	}
}
