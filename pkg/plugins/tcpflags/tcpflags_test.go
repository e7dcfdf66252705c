package tcpflags

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/t2go/t2go/pkg/decode"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

// rig runs the plugin the way the analyzer does: decode, Prepare (the
// engine's reader goroutine), find or create the flow (A/B by T2's rules
// for the cases here), OnNewFlow, OnLayer4, then Touch.
type rig struct {
	tf    *TCPFlags
	table *flow.Table
	dec   *decode.Decoder
	p     packet.Packet
	num   uint64

	noPrep bool                 // skip Prepare (OnLayer4 sums itself)
	snap   int                  // bytes of each frame not captured
	frag   *flow.Flow           // flow of the last fragment with MF
	tamper func(*packet.Packet) // called after Prepare
}

func newRig(t testing.TB, cfg map[string]int64) *rig {
	t.Helper()
	return newRigEnv(t, cfg, false)
}

// newRigEnv is newRig with the settings of tcpFlags.toml overridden by
// cfg, for the packet file when pktMode.
func newRigEnv(t testing.TB, cfg map[string]int64, pktMode bool) *rig {
	t.Helper()
	r := &rig{table: flow.NewTable(64, packet.FromSeconds(1800)), dec: decode.New(decode.Options{})}
	r.tf = &TCPFlags{}
	env := plugintest.With(t, embedded, cfg, plugin.Env{Table: r.table, PacketMode: pktMode})
	if err := r.tf.Init(env); err != nil {
		t.Fatal(err)
	}
	if err := env.Settings.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// feed processes one Ethernet frame captured at ts (seconds).
func (r *rig) feed(t testing.TB, frame []byte, ts float64) *flow.Flow {
	p := &r.p
	p.Reset()
	p.Raw = append(p.Raw[:0], frame[:len(frame)-r.snap]...)
	p.CapLen, p.WireLen, p.LinkType = uint32(len(p.Raw)), uint32(len(frame)), 1
	p.TS = packet.FromSeconds(ts)
	r.num++
	p.Num = r.num
	r.dec.Decode(p)
	if p.IPVer == 0 {
		t.Fatalf("frame %d: not IP", r.num)
	}
	if !r.noPrep {
		r.tf.Prepare(p)
	}
	if r.tamper != nil {
		r.tamper(p)
	}
	k := flow.Key{IPVer: p.IPVer, SrcIP: p.SrcIP, DstIP: p.DstIP, Proto: p.L4Proto, SrcPort: p.SrcPort, DstPort: p.DstPort}
	f := r.table.Lookup(&k)
	if p.FragOff > 0 && r.frag != nil {
		f = r.frag // the engine finds the first fragment's flow
	}
	if p.MoreFrag {
		r.frag = f
	}
	if f == nil {
		f = r.table.Create(&k, p.TS)
		if p.MoreFrag {
			r.frag = f
		}
		if f.IsB || (p.L4Proto == 6 && p.TCPFlags&0x12 == 0x12) {
			f.Status |= packet.L3FlowInvert
		}
		r.tf.OnNewFlow(p, f)
	}
	f.Status |= p.Status
	f.NumPkts++
	r.tf.OnLayer4(p, f)
	r.table.Touch(f, p.TS)
	return f
}

// columns terminates f and returns its columns by name.
func (r *rig) columns(f *flow.Flow) map[string]string {
	var w record.Writer
	r.tf.OnFlowTerminate(f, &w)
	vals := strings.Split(string(w.Bytes()), "\t")
	out := map[string]string{}
	for i, c := range r.tf.Columns() {
		if i < len(vals) {
			out[c.Name] = vals[i]
		}
	}
	return out
}

var (
	macA = net.HardwareAddr{0, 1, 2, 3, 4, 5}
	macB = net.HardwareAddr{0, 1, 2, 3, 4, 6}
	ipA  = net.IP{10, 0, 0, 1}
	ipB  = net.IP{10, 0, 0, 2}
)

// frame builds an Ethernet/IPv4 frame with correct checksums (gopacket
// computes them, independently of the plugin).
func frame(t testing.TB, ip *layers.IPv4, l4 gopacket.SerializableLayer, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	if ip.Version == 0 {
		ip.Version, ip.TTL = 4, 64
	}
	if ip.SrcIP == nil {
		ip.SrcIP, ip.DstIP = ipA, ipB
	}
	ls := []gopacket.SerializableLayer{eth, ip}
	switch l := l4.(type) {
	case *layers.TCP:
		ip.Protocol = layers.IPProtocolTCP
		l.SetNetworkLayerForChecksum(ip)
	case *layers.UDP:
		ip.Protocol = layers.IPProtocolUDP
		l.SetNetworkLayerForChecksum(ip)
	}
	if l4 != nil {
		ls = append(ls, l4)
	}
	ls = append(ls, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func reverse(ip *layers.IPv4) *layers.IPv4 {
	ip.SrcIP, ip.DstIP = ipB, ipA
	return ip
}

func synOpts(ws uint8) []layers.TCPOption {
	return []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 0, 100, 0, 0, 0, 0}},
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{ws}},
	}
}

func TestHandshakeOptions(t *testing.T) {
	r := newRig(t, nil)
	a := r.feed(t, frame(t, &layers.IPv4{Id: 1}, &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1000, SYN: true, Window: 64240, Options: synOpts(7)}, nil), 1.0)
	b := r.feed(t, frame(t, reverse(&layers.IPv4{Id: 7}), &layers.TCP{SrcPort: 80, DstPort: 40000, Seq: 5000, Ack: 1001, SYN: true, ACK: true, Window: 65160, Options: synOpts(9)}, nil), 1.25)
	r.feed(t, frame(t, &layers.IPv4{Id: 2}, &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1001, Ack: 5001, ACK: true, Window: 502}, nil), 1.5)
	ca, cb := r.columns(a), r.columns(b)
	want := []struct{ c, a, b string }{
		{"tcpFStat", "0x0a13", "0x0213"}, // A: window went up (502 × 2^7 > 64240)
		{"tcpFlags", "0x0012", "0x0212"},
		{"tcpMSS", "1460", "1460"},
		{"tcpWS", "128", "512"},
		{"tcpOptions", "0x0000011e", "0x0000011e"},
		{"tcpJA4T", "64240_2-4-8-1-3_1460_7", "65160_2-4-8-1-3_1460_9"},
		{"tcpInitWinSz", "64240", "65160"},
		{"tcpMaxWinSz", "64256", "65160"}, // the ACK's window 502 × 2^7
		{"ipFlags", "0x0000", "0x0000"},   // checksums right, no DF
		{"tcpSSASAATrip", "0.25", "0.25"},
		{"tcpRTTSseqAA", "0.5", "0.5"}, // A: both legs; B: both mean ACK delays
		{"ipMindIPID", "1", "65535"},
		{"tcpPAckCnt", "1", "1"},
	}
	for _, w := range want {
		if ca[w.c] != w.a || cb[w.c] != w.b {
			t.Errorf("%s: A %q B %q, want %q %q", w.c, ca[w.c], cb[w.c], w.a, w.b)
		}
	}
}

// TestOwnWindowScale checks our tcpWS/tcpJA4T definition: a flow without
// window scaling shows 0 and "_00" even after flows that used it (T2
// 0.9.3 looks at all flows written before; docs/differences-from-t2.md).
func TestOwnWindowScale(t *testing.T) {
	r := newRig(t, nil)
	a := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 40000, DstPort: 80, SYN: true, Window: 1000, Options: synOpts(7)}, nil), 1)
	b := r.feed(t, frame(t, reverse(&layers.IPv4{}), &layers.TCP{SrcPort: 80, DstPort: 40000, SYN: true, ACK: true, Window: 1000, Options: synOpts(7)}, nil), 2)
	if c := r.columns(a); c["tcpWS"] != "128" {
		t.Fatalf("scaled flow tcpWS %q", c["tcpWS"])
	}
	r.columns(b)
	u := r.feed(t, frame(t, &layers.IPv4{}, &layers.UDP{SrcPort: 53, DstPort: 5353}, []byte("x")), 3)
	n := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 40001, DstPort: 80, SYN: true, Window: 1000, Options: synOpts(7)[:1]}, nil), 4)
	if c := r.columns(u); c["tcpWS"] != "0" || c["tcpJA4T"] != "0_00_00_00" {
		t.Errorf("UDP flow: tcpWS %q tcpJA4T %q", c["tcpWS"], c["tcpJA4T"])
	}
	if c := r.columns(n); c["tcpWS"] != "0" || c["tcpJA4T"] != "1000_2_1460_00" {
		t.Errorf("unscaled TCP flow: tcpWS %q tcpJA4T %q", c["tcpWS"], c["tcpJA4T"])
	}
}

func TestIPFlags(t *testing.T) {
	udp := func() *layers.UDP { return &layers.UDP{SrcPort: 1000, DstPort: 2000} }
	tests := []struct {
		name   string
		mangle func(b []byte) // applied to the Ethernet frame
		ip     layers.IPv4
		want   string
	}{
		{"clean", nil, layers.IPv4{}, "0x0000"},
		{"DF", nil, layers.IPv4{Flags: layers.IPv4DontFragment}, "0x0040"},
		{"IP checksum", func(b []byte) { b[14+10] ^= 0xff }, layers.IPv4{}, "0x0400"},
		{"UDP checksum", func(b []byte) { b[14+20+6] ^= 0xff }, layers.IPv4{}, "0x0800"},
		// an option of length 0 (the header checksum is then wrong too)
		{"option length 0", func(b []byte) { b[14+21] = 0 }, layers.IPv4{Options: []layers.IPv4Option{{OptionType: 7, OptionLength: 4, OptionData: []byte{0, 0}}}}, "0x0401"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			ip := tc.ip
			b := frame(t, &ip, udp(), []byte("hello"))
			if tc.mangle != nil {
				tc.mangle(b)
			}
			f := r.feed(t, b, 1)
			if got := r.columns(f)["ipFlags"]; got != tc.want {
				t.Errorf("ipFlags %s, want %s", got, tc.want)
			}
		})
	}
}

// A packet older than the flow's previous one (here across a second
// boundary, which T2 misses) raises ipFlags 0x8000 and
// flowStat TIMEJUMP (the core prints the [WRN] Timestamp jump line).
func TestTimeJump(t *testing.T) {
	r := newRig(t, nil)
	b := frame(t, &layers.IPv4{}, &layers.UDP{SrcPort: 1, DstPort: 2}, nil)
	r.feed(t, b, 10)
	r.feed(t, b, 10)
	f := r.feed(t, b, 9.5)
	if f.Status&packet.TimeJump == 0 || r.p.Status&packet.TimeJump == 0 {
		t.Error("TIMEJUMP not raised")
	}
	if got := r.columns(f)["ipFlags"]; got != "0xc000" {
		t.Errorf("ipFlags %s, want 0xc000 (same time, then older)", got)
	}
}

func TestScanFlags(t *testing.T) {
	r := newRig(t, nil)
	null := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 2}, nil), 1)
	xmas := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 3, DstPort: 4, FIN: true, PSH: true, URG: true}, nil), 2)
	if c := r.columns(null); c["tcpFlags"] != "0x0800" || c["tcpAnomaly"] != "0x1000" {
		t.Errorf("NULL: tcpFlags %s tcpAnomaly %s", c["tcpFlags"], c["tcpAnomaly"])
	}
	if c := r.columns(xmas); c["tcpFlags"] != "0x8029" || c["tcpAnomaly"] != "0x1000" {
		t.Errorf("XMAS: tcpFlags %s tcpAnomaly %s", c["tcpFlags"], c["tcpAnomaly"])
	}
	// Marked per packet, NULL and XMAS flows are not counted again at
	// their end; a lone SYN (fewer than 4 packets) is counted there.
	syn := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 5, DstPort: 6, SYN: true}, nil), 3)
	if c := r.columns(syn); c["tcpAnomaly"] != "0x1000" {
		t.Errorf("SYN: tcpAnomaly %s", c["tcpAnomaly"])
	}
	if r.tf.totals().scans != 1 {
		t.Errorf("%d scans counted, want 1", r.tf.totals().scans)
	}
}

// The configuration checks values against tcpFlags.toml's ranges before
// the plugin sees them; readSettings guards the same bounds (they size its
// arrays) and names the key in one line.
func TestSettingsChecked(t *testing.T) {
	for _, tc := range []struct {
		key string
		val int64
	}{{"IPTOS", 3}, {"IPCHECKSUM", -1}, {"JA4TOPTMX", 0}, {"JA4TOPTMX", 41}, {"WINMIN", 65536}, {"MPTCP", 2}} {
		env := plugintest.Env[int64](t, embedded, nil)
		_, err := readSettings(func(key string) int64 {
			if key == tc.key {
				return tc.val
			}
			return env.Settings.Int(key)
		})
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s = %d: %v", tc.key, tc.val, err)
		}
	}
	// Every key read exists in tcpFlags.toml with a valid default.
	env := plugintest.Env[int64](t, embedded, nil)
	if _, err := readSettings(env.Settings.Int); err != nil || env.Settings.Err() != nil {
		t.Fatalf("defaults: %v %v", err, env.Settings.Err())
	}
	// Switching column groups off removes their columns.
	tf := &TCPFlags{}
	if err := tf.Init(plugintest.Env(t, embedded, map[string]int64{"SEQ_ACK_NUM": 0, "RTT_ESTIMATE": 0, "TCPJA4T": 0, "IPTOS": 1, "TCPFLGCNT": 1})); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tf.Columns() {
		names = append(names, c.Name)
	}
	got := strings.Join(names, " ")
	for _, gone := range []string{"tcpISeqN", "tcpRTTAckTripMin", "tcpJA4T", " ipToS "} {
		if strings.Contains(got, gone) {
			t.Errorf("column %s still there: %s", gone, got)
		}
	}
	if !strings.Contains(got, "ipToSDscp_ecn") || !strings.Contains(got, "tcpCntF_S_R_P_A_U_E_C_FA_SA_RA_N_SF_SFR_RF_X") {
		t.Errorf("columns %s", got)
	}
}

// steadyFrames is a TCP conversation of an established connection.
func steadyFrames(t testing.TB) [][]byte {
	var out [][]byte
	for i := 0; i < 8; i++ {
		ts := []layers.TCPOption{{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 1, byte(i), 0, 0, 2, byte(i)}}}
		out = append(out, frame(t, &layers.IPv4{Id: uint16(i)}, &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: uint32(1000 + 100*i), Ack: 500, ACK: true, PSH: true, Window: 500, Options: ts}, make([]byte, 100)))
		out = append(out, frame(t, reverse(&layers.IPv4{Id: uint16(i)}), &layers.TCP{SrcPort: 80, DstPort: 40000, Seq: 500, Ack: uint32(1100 + 100*i), ACK: true, Window: 800}, nil))
	}
	return out
}

// TestNoAllocsPerPacket: the packet path allocates nothing once the
// flows exist.
func TestNoAllocsPerPacket(t *testing.T) {
	r := newRig(t, nil)
	frames := steadyFrames(t)
	ts := 1.0
	for _, fr := range frames {
		r.feed(t, fr, ts)
		ts += 0.001
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, fr := range frames {
			r.feed(t, fr, ts)
			ts += 0.001
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per %d packets", allocs, len(frames))
	}
}

// BenchmarkOnLayer4 is the plugin's cost per TCP packet of an
// established connection (decode and flow lookup of the rig excluded).
func BenchmarkOnLayer4(b *testing.B) {
	r := newRig(b, nil)
	frames := steadyFrames(b)
	type pkt struct {
		p packet.Packet
		f *flow.Flow
	}
	var pkts []pkt
	ts := 1.0
	for _, fr := range frames {
		f := r.feed(b, fr, ts)
		p := r.p
		p.Raw = append([]byte(nil), r.p.Raw...)
		pkts = append(pkts, pkt{p, f})
		ts += 0.001
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := &pkts[i%len(pkts)]
		k.p.TS += 1000
		r.tf.OnLayer4(&k.p, k.f)
		k.f.Last = k.p.TS
	}
}

// BenchmarkOnFlowTerminate renders one TCP flow's 52 columns.
func BenchmarkOnFlowTerminate(b *testing.B) {
	r := newRig(b, nil)
	var f *flow.Flow
	for i, fr := range steadyFrames(b) {
		if g := r.feed(b, fr, 1+float64(i)/1000); i == 0 {
			f = g
		}
	}
	var w record.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		r.tf.OnFlowTerminate(f, &w)
	}
}

// TestPacketColumnsRelativeHex: with SPKTMD_SEQACKREL and
// SPKTMD_SEQACKHEX the packet file shows SEQ/ACK relative to the first
// sequence numbers of both sides, in hex.
func TestPacketColumnsRelativeHex(t *testing.T) {
	r := newRigEnv(t, map[string]int64{"SPKTMD_SEQACKREL": 1, "SPKTMD_SEQACKHEX": 1}, true)
	r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 80, Seq: 1000, SYN: true}, nil), 1)
	r.feed(t, frame(t, reverse(&layers.IPv4{}), &layers.TCP{SrcPort: 80, DstPort: 1, Seq: 5000, Ack: 1001, SYN: true, ACK: true}, nil), 2)
	f := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 80, Seq: 1001, Ack: 5001, ACK: true}, []byte("abc")), 3)
	var w record.Writer
	r.tf.WritePacket(&r.p, f, &w)
	vals := strings.Split(string(w.Bytes()), "\t")
	cols := r.tf.PacketColumns()
	if len(vals) != len(cols) {
		t.Fatalf("%d values for %d columns", len(vals), len(cols))
	}
	got := map[string]string{}
	for i, c := range cols {
		got[c] = vals[i]
	}
	for c, want := range map[string]string{"seq": "0x00000001", "ack": "0x00000001", "seqMax": "0x00000001",
		"seqDiff": "1", "tcpFlags": "0x0010", "tcpMLen": "3", "ipFlags": "0x0000"} {
		if got[c] != want {
			t.Errorf("%s = %q, want %q", c, got[c], want)
		}
	}
}

// TestChecksum compares the word-parallel sum with the plain definition
// (16-bit big-endian words, end-around carry) on every length, offset
// and skipped word.
func TestChecksum(t *testing.T) {
	mixed := make([]byte, 200)
	for i := range mixed {
		mixed[i] = byte(i*151 + 7)
	}
	mixed[50], mixed[51] = 0xff, 0xff
	ones := bytes.Repeat([]byte{0xff}, 200) // sums to the "negative zero"
	zeros := make([]byte, 200)
	zeros[17] = 1 // one odd byte: the sum depends on its position
	for k, data := range [][]byte{mixed, ones, zeros} {
		for off := 0; off < 4; off++ {
			for n := 0; off+n <= len(data); n++ {
				for _, skip := range []int{0, 1, 3, 8} {
					if got, want := checksum(data, off, n, skip, 0), plainChecksum(data, off, n, skip, 0); got != want {
						t.Fatalf("data %d off %d n %d skip %d: %#04x, want %#04x", k, off, n, skip, got, want)
					}
				}
			}
		}
	}
}

// TestMonitorValues: one value per machine column; in diff mode the
// counters restart after each call, the aggregates do not.
func TestMonitorValues(t *testing.T) {
	r := newRig(t, nil)
	f := r.feed(t, frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 5, DstPort: 6, SYN: true}, nil), 1)
	r.columns(f) // a lone SYN: one scan
	row := func() []string {
		var w record.Writer
		r.tf.MonitorValues(&w, true)
		return strings.Split(string(w.Bytes()), "\t")
	}
	first, second := row(), row()
	if len(first) != len(r.tf.MonitorColumns()) {
		t.Fatalf("%d values for %d columns", len(first), len(r.tf.MonitorColumns()))
	}
	// (the scan verdict comes after the flow joined the aggregates, as in T2)
	if strings.Join(first, " ") != "0x0 0x11 0x2 0x0 1 0 0 0" || strings.Join(second, " ") != "0x0 0x11 0x2 0x0 0 0 0 0" {
		t.Errorf("rows %q then %q", first, second)
	}
}

// BenchmarkOnFlowTerminateDeferred is BenchmarkOnFlowTerminate with the
// deferred (binary) writer the engine uses for the flow file.
func BenchmarkOnFlowTerminateDeferred(b *testing.B) {
	r := newRig(b, nil)
	var f *flow.Flow
	for i, fr := range steadyFrames(b) {
		if g := r.feed(b, fr, 1+float64(i)/1000); i == 0 {
			f = g
		}
	}
	w := record.Writer{Deferred: true}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		r.tf.OnFlowTerminate(f, &w)
	}
}

// BenchmarkChecksum sums a 290-byte L4 segment (the bench capture's mean
// packet size) leaving out the checksum word, as OnLayer4 does for TCP.
func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 290)
	for i := range data {
		data[i] = byte(i*151 + 7)
	}
	b.SetBytes(int64(len(data)))
	var sink uint16
	for i := 0; i < b.N; i++ {
		sink += checksum(data, 0, len(data), 8, 0)
	}
	_ = sink
}

// TestStateSize: a flow's state is 4 whole cache lines (PrefetchSlot and
// the slot layout rely on it), its groups start where its comments say.
func TestStateSize(t *testing.T) {
	var s state
	if n := unsafe.Sizeof(s); n != 256 {
		t.Errorf("state is %d bytes, want 256", n)
	}
	if o := unsafe.Offsetof(s.seqBytes); o != 64 {
		t.Errorf("the TCP fields start at byte %d, want 64", o)
	}
	if o := unsafe.Offsetof(s.tmFirst); o != 192 {
		t.Errorf("the option fields start at byte %d, want 192", o)
	}
}

// TestFlagCounts: with TCPFLGCNT the 16 counters follow the packets of
// the flow (kept outside the slot state), and a reused slot starts at 0.
func TestFlagCounts(t *testing.T) {
	r := newRig(t, map[string]int64{"TCPFLGCNT": 1})
	tcp := func(l *layers.TCP) *layers.TCP { l.SrcPort, l.DstPort = 40000, 80; return l }
	f := r.feed(t, frame(t, &layers.IPv4{}, tcp(&layers.TCP{SYN: true}), nil), 1)
	r.feed(t, frame(t, &layers.IPv4{}, tcp(&layers.TCP{ACK: true, PSH: true}), []byte("x")), 2)
	r.feed(t, frame(t, &layers.IPv4{}, tcp(&layers.TCP{FIN: true, ACK: true}), nil), 3)
	r.feed(t, frame(t, &layers.IPv4{}, tcp(&layers.TCP{}), nil), 4)
	const name = "tcpCntF_S_R_P_A_U_E_C_FA_SA_RA_N_SF_SFR_RF_X"
	// F S R P A U E C FA SA RA N SF SFR RF X
	if got, want := r.columns(f)[name], "1_1_0_1_2_0_0_0_1_0_0_1_0_0_0_0"; got != want {
		t.Errorf("%s = %s, want %s", name, got, want)
	}
	r.table.Remove(f)
	g := r.feed(t, frame(t, &layers.IPv4{}, tcp(&layers.TCP{SYN: true}), nil), 5)
	if got, want := r.columns(g)[name], "0_1_0_0_0_0_0_0_0_0_0_0_0_0_0_0"; got != want {
		t.Errorf("new flow in slot %d: %s = %s, want %s", g.Slot, name, got, want)
	}
}

// udpFragments is a UDP datagram with a correct checksum (gopacket's),
// cut into a first fragment of 24 bytes (MF) and a later one of 16. As
// T2, tcpFlags sums only the first fragment's bytes (with the pseudo
// header of the whole datagram): the later one's payload is zeros, so the
// datagram's checksum is right either way.
func udpFragments(t testing.TB) (first, later []byte) {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: ipA, DstIP: ipB, Protocol: layers.IPProtocolUDP}
	udp := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, udp, gopacket.Payload(append([]byte("0123456789abcdef"), make([]byte, 16)...))); err != nil {
		t.Fatal(err)
	}
	dgram := buf.Bytes() // 40 bytes
	frag := func(ip *layers.IPv4, b []byte) []byte {
		ip.Protocol = layers.IPProtocolUDP
		return frame(t, ip, nil, b)
	}
	first = frag(&layers.IPv4{Id: 9, Flags: layers.IPv4MoreFragments}, dgram[:24])
	later = frag(&layers.IPv4{Id: 9, FragOffset: 3}, dgram[24:])
	return first, later
}

// checksumCases are packets with good and bad IPv4 header and layer-4
// checksums: name, frames, and the checksum bits of ipFlags expected.
func checksumCases(t testing.TB) []struct {
	name   string
	frames [][]byte
	want   uint16
} {
	tcp := func() []byte {
		return frame(t, &layers.IPv4{Id: 3}, &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 7, ACK: true, Window: 100}, []byte("GET / HTTP/1.1\r\n\r\n!"))
	}
	udp := func() []byte {
		return frame(t, &layers.IPv4{}, &layers.UDP{SrcPort: 1000, DstPort: 2000}, []byte("hello"))
	}
	icmp := func() []byte {
		return frame(t, &layers.IPv4{Protocol: layers.IPProtocolICMPv4}, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 2}, []byte("ping"))
	}
	mangle := func(b []byte, off int) []byte { b[off] ^= 0x5a; return b }
	first, later := udpFragments(t)
	firstBad, _ := udpFragments(t)
	firstBad = mangle(firstBad, 14+20+8+3)
	v6 := append([]byte(nil), ipv6Frame...)
	// unfragmented IPv6: Prepare adds the pseudo header (128-bit addresses)
	v6l4 := func(l4 gopacket.SerializableLayer) []byte {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8:ffff::2")}
		switch l := l4.(type) {
		case *layers.TCP:
			ip.NextHeader = layers.IPProtocolTCP
			l.SetNetworkLayerForChecksum(ip)
		case *layers.UDP:
			ip.NextHeader = layers.IPProtocolUDP
			l.SetNetworkLayerForChecksum(ip)
		}
		eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv6}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, gopacket.Payload("payload, odd")); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), buf.Bytes()...)
	}
	v6tcp := func() []byte {
		return v6l4(&layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 7, ACK: true, Window: 100})
	}
	v6udp := func() []byte { return v6l4(&layers.UDP{SrcPort: 1000, DstPort: 2000}) }
	return []struct {
		name   string
		frames [][]byte
		want   uint16
	}{
		{"TCP", [][]byte{tcp()}, 0},
		{"TCP payload", [][]byte{mangle(tcp(), len(tcp())-1)}, ipL4ChkErr},
		{"TCP checksum field", [][]byte{mangle(tcp(), 14+20+16)}, ipL4ChkErr},
		{"IP header", [][]byte{mangle(tcp(), 14+10)}, ipL3ChkErr},
		{"IP TTL", [][]byte{mangle(tcp(), 14+8)}, ipL3ChkErr},
		{"UDP", [][]byte{udp()}, 0},
		{"UDP payload", [][]byte{mangle(udp(), 14+20+8+2)}, ipL4ChkErr},
		{"ICMP", [][]byte{icmp()}, 0},
		{"ICMP payload", [][]byte{mangle(icmp(), 14+20+8+1)}, ipL4ChkErr},
		{"fragments", [][]byte{first, later}, 0},
		{"fragments, first one damaged", [][]byte{firstBad, later}, ipL4ChkErr},
		{"snapped", [][]byte{tcp()}, ipSnapHLen | ipL4ChkErr}, // captured without its last 4 bytes
		{"IPv6 first fragment", [][]byte{v6}, 0},
		{"IPv6 TCP", [][]byte{v6tcp()}, 0},
		{"IPv6 TCP payload", [][]byte{mangle(v6tcp(), len(v6tcp())-1)}, ipL4ChkErr},
		{"IPv6 TCP address", [][]byte{mangle(v6tcp(), 14+8+15)}, ipL4ChkErr},
		{"IPv6 UDP", [][]byte{v6udp()}, 0},
		{"IPv6 UDP address", [][]byte{mangle(v6udp(), 14+24+3)}, ipL4ChkErr},
	}
}

// Prepare (the engine's reader goroutine) and OnLayer4 give exactly the
// flags and columns of OnLayer4 summing the packet itself, on packets
// with good and bad checksums, and Prepare really computed the sums.
func TestPrepareSameBits(t *testing.T) {
	for _, tc := range checksumCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			prep, self := newRig(t, nil), newRig(t, nil)
			self.noPrep = true
			if tc.name == "snapped" {
				prep.snap, self.snap = 4, 4
			}
			var fp, fs *flow.Flow
			var prepFlags uint8
			for i, b := range tc.frames {
				fp = prep.feed(t, b, 1+float64(i)/100)
				prepFlags |= prep.p.Prep.Flags
				fs = self.feed(t, b, 1+float64(i)/100)
				if self.p.Prep.Flags != 0 {
					t.Fatal("OnLayer4 wrote p.Prep")
				}
			}
			cp, cs := prep.columns(fp), self.columns(fs)
			for k, v := range cs {
				if cp[k] != v {
					t.Errorf("%s: %s prepared, %s summed in OnLayer4", k, cp[k], v)
				}
			}
			var flags uint16
			if _, err := fmt.Sscanf(cp["ipFlags"], "0x%x", &flags); err != nil {
				t.Fatal(err)
			}
			if got := flags & (ipL3ChkErr | ipL4ChkErr | ipSnapHLen); got != tc.want {
				t.Errorf("ipFlags %s: checksum bits 0x%04x, want 0x%04x", cp["ipFlags"], got, tc.want)
			}
			want := packet.PrepL4Sum | packet.PrepHdr
			if tc.name == "snapped" {
				want = packet.PrepHdr
			}
			if tc.frames[0][12] == 0x08 { // IPv4
				want |= packet.PrepL3Chk
			}
			if prepFlags != want {
				t.Errorf("Prepare set Prep.Flags 0x%x, want 0x%x", prepFlags, want)
			}
		})
	}
}

// OnLayer4 compares the sums Prepare left in p.Prep: wrong prepared sums
// on a good packet show as checksum errors; it takes the ipFlags of the
// prepared header facts.
func TestOnLayer4UsesPrepared(t *testing.T) {
	for _, c := range []struct {
		name   string
		tamper func(p *packet.Packet)
		want   string
	}{
		{"as prepared", func(*packet.Packet) {}, "0x0000"},
		{"L3 verdict", func(p *packet.Packet) { p.Prep.Hdr.Bits ^= hL3Err }, "0x0400"},
		{"L4 sum", func(p *packet.Packet) { p.Prep.L4Sum ^= 1 }, "0x0800"},
		{"header facts", func(p *packet.Packet) { p.Prep.Hdr.IPFlags |= ipOptCorrpt }, "0x0001"},
	} {
		r := newRig(t, nil)
		r.tamper = c.tamper
		f := r.feed(t, frame(t, &layers.IPv4{}, &layers.UDP{SrcPort: 1000, DstPort: 2000}, []byte("hello")), 1)
		if got := r.columns(f)["ipFlags"]; got != c.want {
			t.Errorf("%s: ipFlags %s, want %s", c.name, got, c.want)
		}
	}
}

// Prepare allocates nothing and reads only the packet: with checksums
// off (IPCHECKSUM=0) it computes only the header facts.
func TestPrepareSettings(t *testing.T) {
	b := frame(t, &layers.IPv4{}, &layers.UDP{SrcPort: 1000, DstPort: 2000}, []byte("hello"))
	for _, c := range []struct {
		level int64
		want  uint8
	}{{0, packet.PrepHdr}, {1, packet.PrepHdr | packet.PrepL3Chk}, {2, packet.PrepHdr | packet.PrepL3Chk | packet.PrepL4Sum}} {
		r := newRig(t, map[string]int64{"IPCHECKSUM": c.level})
		r.feed(t, b, 1)
		if r.p.Prep.Flags != c.want {
			t.Errorf("IPCHECKSUM=%d: Prep.Flags 0x%x, want 0x%x", c.level, r.p.Prep.Flags, c.want)
		}
		p := &r.p
		if n := testing.AllocsPerRun(100, func() { p.Prep = packet.Prepared{}; r.tf.Prepare(p) }); n != 0 {
			t.Errorf("Prepare: %.1f allocations", n)
		}
	}
}

// Prepare's header facts (hdrFacts) give exactly the columns OnLayer4
// computes from the bytes itself, on packets with IPv4 and TCP options
// (also corrupt or not captured), MPTCP, later fragments and IPv6
// extension headers (also not captured), and OnLayer4 using the TCP
// options' summary gives the columns of walking them; col shows that the case reached
// the values it is about.
func TestPrepareSameHeaderFacts(t *testing.T) {
	ipOpts := func() *layers.IPv4 {
		return &layers.IPv4{Id: 1, Options: []layers.IPv4Option{
			{OptionType: 0x44, OptionLength: 4, OptionData: []byte{5, 0}},
			{OptionType: 0x07, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}},
		}}
	}
	syn := func() []byte {
		return frame(t, ipOpts(), &layers.TCP{SrcPort: 1, DstPort: 2, SYN: true, Window: 1000, Options: synOpts(14)}, []byte("x"))
	}
	corrupt := syn()
	corrupt[14+20+1] = 0 // the timestamp option's length
	udp := frame(t, ipOpts(), &layers.UDP{SrcPort: 3, DstPort: 4}, []byte("hello"))
	mp := frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true, Options: []layers.TCPOption{
		{OptionType: 30, OptionLength: 12, OptionData: []byte{0x10, 0x07, 1, 2, 3, 4, 5, 6, 7, 8}},
		{OptionType: 30, OptionLength: 4, OptionData: []byte{0x20, 0x1f}},
	}}, nil)
	first, later := udpFragments(t)
	v6 := append([]byte(nil), ipv6Frame...)
	ackOpts := func(opts ...layers.TCPOption) []byte {
		return frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true, Window: 9, Options: opts}, []byte("y"))
	}
	o := synOpts(3) // MSS, SACK permitted, timestamps, NOP, window scale
	sack := layers.TCPOption{OptionType: layers.TCPOptionKindSACK, OptionLength: 10, OptionData: []byte{0, 0, 0, 1, 0, 0, 0, 2}}
	mp1 := layers.TCPOption{OptionType: 30, OptionLength: 4, OptionData: []byte{0x20, 0x1f}}
	ackCorrupt := ackOpts(o[0], o[2])
	ackCorrupt[14+20+20+4+1] = 0 // the timestamp option's length
	for _, c := range []struct {
		name      string
		frames    [][]byte
		snap      int
		col, want string
	}{
		{"IPv4 and TCP options", [][]byte{syn()}, 0, "ipOptCnt", "2"},
		{"IPv4 option corrupt", [][]byte{corrupt}, 0, "ipFlags", "0x0401"}, // and the header checksum
		{"IPv4 options not captured", [][]byte{udp}, len(udp) - 14 - 22, "ipFlags", "0x1c01"},
		{"TCP options not captured", [][]byte{syn()}, 15, "tcpOptPktCnt", "0"},
		{"TCP options", [][]byte{syn()}, 0, "tcpMSS", "1460"},
		{"MPTCP", [][]byte{mp}, 0, "tcpOptCnt", "2"},
		{"ACK options", [][]byte{ackOpts(o...), ackOpts(o[2], sack, mp1)}, 0, "tcpOptCnt", "8"},
		{"ACK two timestamps", [][]byte{ackOpts(o[2], o[3], o[3], o[2])}, 0, "tcpOptCnt", "4"},
		{"ACK option corrupt", [][]byte{ackCorrupt}, 0, "tcpOptCnt", "2"},
		{"ACK options not captured", [][]byte{ackOpts(o...)}, 12, "tcpOptPktCnt", "0"},
		{"later fragment", [][]byte{later}, 0, "ipFlags", "0x0900"},
		{"fragments", [][]byte{first, later}, 0, "ipFlags", "0x2028"},
		{"IPv6 extension headers", [][]byte{v6}, 0, "ip6OptCntHH_D", "2_1"},
		{"IPv6 extension headers not captured", [][]byte{v6}, len(v6) - 14 - 44, "ip6OptCntHH_D", "0_0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prep, self, walk := newRig(t, nil), newRig(t, nil), newRig(t, nil)
			self.noPrep = true
			walk.tf.walkOpts = true
			prep.snap, self.snap, walk.snap = c.snap, c.snap, c.snap
			var fp, fs, fw *flow.Flow
			for i, b := range c.frames {
				fp = prep.feed(t, b, 1+float64(i)/100)
				if prep.p.Prep.Flags&packet.PrepHdr == 0 {
					t.Fatal("Prepare did not set the header facts")
				}
				fs = self.feed(t, b, 1+float64(i)/100)
				fw = walk.feed(t, b, 1+float64(i)/100)
			}
			cp, cs, cw := prep.columns(fp), self.columns(fs), walk.columns(fw)
			for k, v := range cs {
				if cp[k] != v {
					t.Errorf("%s: %s prepared, %s in OnLayer4", k, cp[k], v)
				}
				if cw[k] != v {
					t.Errorf("%s: %s with the TCP options walked, %s from their summary", k, cw[k], v)
				}
			}
			if cp[c.col] != c.want {
				t.Errorf("%s %s, want %s", c.col, cp[c.col], c.want)
			}
		})
	}
}

// BenchmarkPrepare is the reader goroutine's cost per TCP packet of an
// established connection (checksum sums and header facts).
func BenchmarkPrepare(b *testing.B) {
	r := newRig(b, nil)
	var pkts []packet.Packet
	for i, fr := range steadyFrames(b) {
		r.feed(b, fr, 1+float64(i)/1000)
		p := r.p
		p.Raw = append([]byte(nil), r.p.Raw...)
		pkts = append(pkts, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &pkts[i%len(pkts)]
		p.Prep = packet.Prepared{}
		r.tf.Prepare(p)
	}
}
