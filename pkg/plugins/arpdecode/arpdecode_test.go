package arpdecode

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

type logged struct{ lines []string }

func (l *logged) Infof(f string, a ...any) {}
func (l *logged) Warnf(f string, a ...any) { l.lines = append(l.lines, f) }

// arp builds an Ethernet/IPv4 ARP message.
func arp(op uint16, smac [6]byte, sip [4]byte, tmac [6]byte, tip [4]byte) []byte {
	b := make([]byte, 8, 28)
	binary.BigEndian.PutUint16(b, 1)
	binary.BigEndian.PutUint16(b[2:], 0x0800)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	b = append(b, smac[:]...)
	b = append(b, sip[:]...)
	b = append(b, tmac[:]...)
	return append(b, tip[:]...)
}

var (
	macA  = [6]byte{0, 0x25, 0xb3, 0xbf, 0x91, 0xee}
	macB  = [6]byte{0, 0x21, 0x70, 0xc0, 0x56, 0xf0}
	macX  = [6]byte{0xde, 0xad, 0, 0, 0, 1}
	bcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	ipA   = [4]byte{172, 16, 0, 1}
	ipB   = [4]byte{172, 16, 0, 107}
)

type session struct {
	t     testing.TB
	d     *ARPDecode
	table *flow.Table
	log   *logged
	num   uint64
}

func newSession(t testing.TB, max int64) *session {
	table := flow.NewTable(64, packet.FromSeconds(182))
	l := &logged{}
	d := &ARPDecode{}
	if err := d.Init(plugintest.With(t, embedded, map[string]int64{"ARP_MAX_IP": max}, plugin.Env{Table: table, Log: l})); err != nil {
		t.Fatal(err)
	}
	return &session{t: t, d: d, table: table, log: l}
}

// send feeds an ARP message on the layer-2 flow src -> dst.
func (s *session) send(src, dst [6]byte, payload []byte) *flow.Flow {
	var k flow.Key
	copy(k.SrcIP[:], src[:])
	copy(k.DstIP[:], dst[:])
	k.EthType = 0x0806
	s.num++
	p := &packet.Packet{Num: s.num, L2Only: true, EthType: 0x0806, SrcMAC: src, DstMAC: dst, Payload: payload}
	f := s.table.Lookup(&k)
	if f == nil {
		f = s.table.Create(&k, 0)
		s.d.OnNewFlow(p, f)
	}
	s.d.OnLayer2(p, f)
	return f
}

func (s *session) columns(f *flow.Flow) string {
	var w record.Writer
	s.d.OnFlowTerminate(f, &w)
	s.table.Remove(f)
	return string(w.Bytes())
}

// The arp-poison exchange (packets 54-56): a request and a reply in one
// direction, a reply in the other.
func TestPairsAcrossFlows(t *testing.T) {
	s := newSession(t, 10)
	a := s.send(macA, macB, arp(1, macA, ipA, [6]byte{}, ipB))
	b := s.send(macB, macA, arp(2, macB, ipB, macA, ipA))
	s.send(macA, macB, arp(2, macA, ipA, macB, ipB))
	if got, want := s.columns(a), "0x01\t1\t0x0006\t2\t00:25:b3:bf:91:ee_172.16.0.1_2;00:21:70:c0:56:f0_172.16.0.107_1"; got != want {
		t.Errorf("A flow %q, want %q", got, want)
	}
	if got, want := s.columns(b), "0x01\t1\t0x0004\t2\t00:21:70:c0:56:f0_172.16.0.107_1;00:25:b3:bf:91:ee_172.16.0.1_1"; got != want {
		t.Errorf("B flow %q, want %q", got, want)
	}
}

func TestStatusBits(t *testing.T) {
	for _, tc := range []struct {
		name string
		msgs [][]byte
		stat uint8
		list string
	}{
		{"gratuitous announcement", [][]byte{arp(1, macA, ipA, [6]byte{}, ipA)}, 0x0b, "00:25:b3:bf:91:ee_172.16.0.1_1"},
		{"gratuitous broadcast", [][]byte{arp(1, macA, ipA, bcast, ipA)}, 0x0b, "00:25:b3:bf:91:ee_172.16.0.1_1"},
		{"gratuitous reply", [][]byte{arp(2, macA, ipA, macA, ipA)}, 0x03, "00:25:b3:bf:91:ee_172.16.0.1_2"},
		{"probe", [][]byte{arp(1, macA, [4]byte{}, [6]byte{}, ipB)}, 0x05, "00:25:b3:bf:91:ee_0.0.0.0_1"},
		{"spoofed reply", [][]byte{arp(2, macA, ipA, macB, ipB), arp(2, macX, ipA, macB, ipB)}, 0x81,
			"00:25:b3:bf:91:ee_172.16.0.1_1;00:21:70:c0:56:f0_172.16.0.107_2;de:ad:00:00:00:01_172.16.0.1_1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, 10)
			var f *flow.Flow
			for _, m := range tc.msgs {
				f = s.send(macA, bcast, m)
			}
			cols := strings.Split(s.columns(f), "\t")
			if cols[0] != "0x"+hex2(tc.stat) || cols[4] != tc.list {
				t.Errorf("stat %s list %s, want 0x%s %s", cols[0], cols[4], hex2(tc.stat), tc.list)
			}
		})
	}
}

func hex2(v uint8) string { return string([]byte{"0123456789abcdef"[v>>4], "0123456789abcdef"[v&0xf]}) }

// A MAC changing for an IP known from another flow lists the old MAC
// with count 0.
func TestSpoofListsOldMAC(t *testing.T) {
	s := newSession(t, 10)
	s.send(macA, bcast, arp(1, macA, ipA, [6]byte{}, ipB))
	f := s.send(macX, bcast, arp(1, macX, ipA, [6]byte{}, ipB))
	if got, want := s.columns(f), "0x81\t1\t0x0002\t2\tde:ad:00:00:00:01_172.16.0.1_1;00:25:b3:bf:91:ee_172.16.0.1_0"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestListFull(t *testing.T) {
	s := newSession(t, 2)
	var f *flow.Flow
	for i := byte(1); i <= 4; i++ {
		f = s.send(macA, bcast, arp(1, macA, [4]byte{10, 0, 0, i}, [6]byte{}, ipB))
	}
	if got, want := s.columns(f), "0x21\t1\t0x0002\t4\t00:25:b3:bf:91:ee_10.0.0.1_1;00:25:b3:bf:91:ee_10.0.0.2_1"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if len(s.log.lines) != 1 || !strings.Contains(s.log.lines[0], "increase ARP_MAX_IP") {
		t.Errorf("warnings %q", s.log.lines)
	}
}

func TestParse(t *testing.T) {
	m, ok := Parse(arp(2, macA, ipA, macB, ipB))
	if !ok || m.Opcode != 2 || m.HwType != 1 || m.ProtoType != 0x0800 || !m.HasMAC || !m.HasIP || m.SenderIP != ipA || m.TargetMAC != macB {
		t.Errorf("%+v %v", m, ok)
	}
	if _, ok := Parse(make([]byte, 7)); ok {
		t.Error("7 bytes parsed")
	}
	m, ok = Parse(arp(1, macA, ipA, macB, ipB)[:20]) // addresses cut
	if !ok || m.HasMAC || m.HasIP {
		t.Errorf("cut message: %+v", m)
	}
	odd := arp(1, macA, ipA, macB, ipB)
	odd[4] = 8 // hardware size 8: no MACs; the IPs follow the 8-byte addresses
	m, ok = Parse(append(odd, 0, 0, 0, 0))
	if !ok || m.HasMAC || !m.HasIP || m.SenderIP != [4]byte{ipA[2], ipA[3], macB[0], macB[1]} {
		t.Errorf("hw size 8: %+v", m)
	}
}

func TestPacketColumnsAndReport(t *testing.T) {
	s := newSession(t, 10)
	f := s.send(macA, macB, arp(1, macA, ipA, [6]byte{}, ipB))
	var w record.Writer
	s.d.WritePacket(&packet.Packet{Num: s.num}, f, &w)
	if got, want := string(w.Bytes()), "0x01\t1\t0x0800\t6\t4\t1\t00:25:b3:bf:91:ee\t172.16.0.1\t00:00:00:00:00:00\t172.16.0.107"; got != want {
		t.Errorf("packet %q, want %q", got, want)
	}
	w.Reset()
	s.d.WritePacket(&packet.Packet{Num: s.num + 1}, nil, &w)
	if got, want := string(w.Bytes()), "0x00"+strings.Repeat("\t", 9); got != want {
		t.Errorf("other packet %q, want %q", got, want)
	}
	s.columns(f)
	var out strings.Builder
	s.d.Report(&report.Writer{W: &out})
	if out.String() != "arpDecode: Aggregated arpStat=0x01\n" {
		t.Errorf("report %q", out.String())
	}
	var empty strings.Builder
	newSession(t, 10).d.Report(&report.Writer{W: &empty})
	if empty.Len() != 0 {
		t.Errorf("report without ARP: %q", empty.String())
	}
}

// Without settings (no configuration) the default applies; the range is
// checked by the configuration (e2e TestDNSARPBadConfiguration).
func TestDefaultWithoutSettings(t *testing.T) {
	a := &ARPDecode{}
	if err := a.Init(&plugin.Env{}); err != nil || a.maxIP != 10 {
		t.Errorf("maxIP %d, %v", a.maxIP, err)
	}
}

// FuzzARP feeds arbitrary ARP payloads: no panic, five columns, a list
// within ARP_MAX_IP.
func FuzzARP(f *testing.F) {
	f.Add(arp(1, macA, ipA, [6]byte{}, ipB))
	f.Add(arp(2, macA, ipA, macB, ipB))
	f.Add([]byte{0, 1, 8, 0, 0xff, 0xff, 0, 2})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newSession(t, 3)
		var fl *flow.Flow
		for i := 0; i < 5; i++ {
			fl = s.send(macA, bcast, b)
			if len(b) > 14 {
				b[14]++ // vary the sender IP
			}
		}
		var w record.Writer
		s.d.WritePacket(&packet.Packet{Num: s.num}, fl, &w)
		if w.Fields() != 10 {
			t.Fatalf("%d packet fields", w.Fields())
		}
		if st := s.d.st[fl.Slot]; len(st.pairs) > 3 {
			t.Fatalf("%d pairs", len(st.pairs))
		}
		if n := len(strings.Split(s.columns(fl), "\t")); n != 5 {
			t.Fatalf("%d columns", n)
		}
	})
}

func BenchmarkARPDecode(b *testing.B) {
	for _, bc := range arpBenchCases {
		b.Run(bc.name, func(b *testing.B) {
			fn := bc.run(newSession(b, 10))
			for i := 0; i < 100; i++ {
				fn()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				fn()
			}
		})
	}
}

var arpBenchCases = []struct {
	name string
	run  func(s *session) func()
}{
	{"Reply", func(s *session) func() {
		m := arp(2, macA, ipA, macB, ipB)
		f := s.send(macA, macB, m)
		p := &packet.Packet{L2Only: true, EthType: 0x0806, Payload: m}
		return func() { s.d.OnLayer2(p, f) }
	}},
	{"FlowLifecycle", func(s *session) func() {
		m := arp(1, macA, ipA, [6]byte{}, ipB)
		var k flow.Key
		copy(k.SrcIP[:], macA[:])
		k.EthType = 0x0806
		p := &packet.Packet{L2Only: true, EthType: 0x0806, Payload: m}
		var w record.Writer
		return func() {
			f := s.table.Create(&k, 0)
			s.d.OnNewFlow(p, f)
			s.d.OnLayer2(p, f)
			w.Reset()
			s.d.OnFlowTerminate(f, &w)
			s.table.Remove(f)
		}
	}},
}

func TestZeroAllocsPerPacket(t *testing.T) {
	for _, bc := range arpBenchCases {
		fn := bc.run(newSession(t, 10))
		for i := 0; i < 100; i++ {
			fn()
		}
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("%s: %.1f allocations per run", bc.name, n)
		}
	}
}
