package dnsdecode

import (
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// fakeConfig holds settings applied over the embedded defaults.
type fakeConfig map[string]int64

func defaults() fakeConfig { return fakeConfig{"DNS_MODE": 4, "DNS_QRECMAX": 15, "DNS_ARECMAX": 20} }

type session struct {
	t     testing.TB
	d     *DNSDecode
	table *flow.Table
	num   uint64
}

func newSession(t testing.TB, cfg fakeConfig) *session {
	table := flow.NewTable(64, packet.FromSeconds(182))
	d := &DNSDecode{}
	if err := d.Init(plugintest.With(t, embedded, map[string]int64(cfg), plugin.Env{Table: table, Counters: counters.New()})); err != nil {
		t.Fatal(err)
	}
	return &session{t: t, d: d, table: table}
}

var (
	client = [16]byte{10, 0, 0, 1}
	server = [16]byte{10, 0, 0, 53}
)

// udp sends payload from sport to dport (client to server) and returns
// the flow.
func (s *session) udp(sport, dport uint16, payload []byte) *flow.Flow {
	return s.send(17, sport, dport, 0, 0, payload)
}

func (s *session) send(proto uint8, sport, dport uint16, flags uint8, seq uint32, payload []byte) *flow.Flow {
	k := flow.Key{SrcIP: client, DstIP: server, SrcPort: sport, DstPort: dport, Proto: proto, IPVer: 4}
	s.num++
	p := &packet.Packet{Num: s.num, IPVer: 4, L4Proto: proto, SrcPort: sport, DstPort: dport,
		TCPFlags: flags, TCPSeq: seq, L4Off: 34, Payload: payload}
	f := s.table.Lookup(&k)
	if f == nil {
		f = s.table.Create(&k, 0)
		s.d.OnNewFlow(p, f)
	}
	s.d.OnLayer4(p, f)
	return f
}

var columnNames = func() []string {
	var n []string
	for _, c := range (&DNSDecode{}).Columns() {
		n = append(n, c.Name)
	}
	return n
}()

// columns terminates f and returns its columns by name.
func (s *session) columns(f *flow.Flow) map[string]string {
	var w record.Writer
	s.d.OnFlowTerminate(f, &w)
	vals := strings.Split(string(w.Bytes()), "\t")
	if len(vals) != len(columnNames) {
		s.t.Fatalf("%d values for %d columns: %q", len(vals), len(columnNames), w.Bytes())
	}
	out := map[string]string{}
	for i, n := range columnNames {
		out[n] = vals[i]
	}
	s.table.Remove(f)
	return out
}

func check(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func a4(a, b, c, d byte) []byte { return []byte{a, b, c, d} }

func TestResponseColumns(t *testing.T) {
	s := newSession(t, defaults())
	q := newMsg(0x0100, 1, 0, 0, 0).question("www.example.com", 1, 1)
	s.udp(40000, 53, q.b)
	r := newMsg(0x8180, 1, 3, 1, 1).question("www.example.com", 1, 1)
	r.rr("www.example.com", 5, 1, 86400, wireName("web.example.com"))
	r.ptr(12).u16(1).u16(0x8001).u32(70000).u16(4).raw(192, 0, 2, 1) // compressed owner, cache-flush bit
	r.rr("web.example.com", 28, 1, 60, []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
	soa := append(wireName("ns.example.com"), wireName("admin.example.com")...)
	soa = append(soa, make([]byte, 20)...)
	r.rr("example.com", 6, 1, 3600, soa)
	r.rr("", 41, 1232, 0x00008000, nil)
	f := s.udp(53, 40000, r.b)
	got := s.columns(f)
	check(t, got, map[string]string{
		"dnsStat":              "0x0001",
		"dnsHdrOPField":        "0x8180",
		"dnsHFlg_OpC_RetC":     "0x98_0x0001_0x0001",
		"dnsCntQu_Asw_Aux_Add": "1_3_1_1",
		"dnsQname":             `"www.example.com"`,
		"dnsAname":             `"www.example.com";"www.example.com";"web.example.com";"example.com";""`,
		"dnsAPname":            `"web.example.com";"";"";"ns.example.com";""`,
		"dns4Aaddress":         "0.0.0.0;192.0.2.1;0.0.0.0;0.0.0.0;0.0.0.0",
		"dns6Aaddress":         "::;::;2001:db8::1;::;::",
		"dnsQType":             "1",
		"dnsQClass":            "1",
		"dnsAType":             "5;1;28;6;41",
		"dnsAClass":            "1;1;1;1;0",
		"dnsATTL":              "86400;70000;60;3600;0",
		"dnsOptStat":           "0x00000000;0x00000000;0x00000000;0x00000000;0x00008000",
	})
	// Response length over header + question length, as float32.
	hq := 12 + len(wireName("www.example.com")) + 4
	want := record.AppendG7(nil, float32(float64(len(r.b))/float64(hq)))
	if got["dnsAAAqF"] != string(want) {
		t.Errorf("dnsAAAqF %s, want %s", got["dnsAAAqF"], want)
	}
}

func TestNotDNSAndEmptyFlows(t *testing.T) {
	s := newSession(t, defaults())
	got := s.columns(s.udp(40000, 443, []byte("hello")))
	want := "0x0000\t0x0000\t0x00_0x0000_0x0000\t0_0_0_0\t0" + strings.Repeat("\t", 15)
	var w record.Writer
	s.d.write(&w, nil)
	if string(w.Bytes()) != want {
		t.Errorf("non-DNS flow %q, want %q", w.Bytes(), want)
	}
	check(t, got, map[string]string{"dnsStat": "0x0000", "dnsQname": ""})
	// A DNS port without payload: only the DNS bit (tcp-synscan).
	f := s.send(6, 36050, 53, 0x02, 100, nil)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0001", "dnsHFlg_OpC_RetC": "0x00_0x0000_0x0000", "dnsAAAqF": "0"})
}

func TestHeaderChecks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		stat    string
	}{
		{"short", make([]byte, 16), "0xc001"},
		{"Z bit", newMsg(0x0040, 1, 0, 0, 0).question("a.b", 1, 1).b, "0x8001"},
		{"opcode 9", newMsg(9<<11, 1, 0, 0, 0).question("a.b", 1, 1).b, "0x8001"},
		{"rcode 11", newMsg(0x800b, 1, 0, 0, 0).question("a.b", 1, 1).b, "0x8001"},
		{"counts too big", newMsg(0x8000, 1, 100, 0, 0).question("a.b", 1, 1).b, "0x8001"},
		{"long UDP", newMsg(0x0100, 1, 0, 0, 0).question("a.b", 1, 1).raw(make([]byte, 600)...).b, "0x0101"},
		{"ANY", newMsg(0x0100, 1, 0, 0, 0).question("a.b", 255, 1).b, "0x0021"},
		{"AXFR", newMsg(0x0100, 1, 0, 0, 0).question("a.b", 252, 1).b, "0x0081"},
		{"IXFR", newMsg(0x0100, 1, 0, 0, 0).question("a.b", 251, 1).b, "0x0041"},
		{"unknown type", newMsg(0x8000, 1, 1, 0, 0).question("a.b", 1, 1).rr("a.b", 99, 1, 1, []byte{1, 2}).b, "0x0201"},
		{"record past end", newMsg(0x8000, 1, 1, 0, 0).question("a.b", 1, 1).name("a.b").u16(1).u16(1).u32(1).u16(40).raw(1, 2).b, "0x1001"},
		{"forward pointer", newMsg(0x8000, 1, 1, 0, 0).question("a.b", 1, 1).ptr(40).u16(1).u16(1).u32(1).u16(4).raw(1, 2, 3, 4).b, "0x2001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, defaults())
			check(t, s.columns(s.udp(40000, 53, tc.payload)), map[string]string{"dnsStat": tc.stat})
		})
	}
}

func TestReadName(t *testing.T) {
	m := newMsg(0, 0, 0, 0, 0).name("www.example.com").b // at 12
	tail := len(m)
	m = append(m, 3, 'f', 'o', 'o', 0xc0, 16) // "foo" + pointer to "example.com"
	loop := len(m)
	m = append(m, 0xc0, byte(loop)) // points at itself
	long := len(m)
	for i := 0; i < 6; i++ {
		m = append(m, 63)
		m = append(m, strings.Repeat("x", 63)...)
	}
	m = append(m, 0)
	for _, tc := range []struct {
		name string
		off  int
		want string
		end  int
		stat uint16
	}{
		{"plain", 12, "www.example.com", tail, 0},
		{"compressed", tail, "foo.example.com", tail + 6, 0},
		{"self loop", loop, "", loop + 2, StatBadPtr},
		{"over-long", long, strings.Repeat("x", 63) + "." + strings.Repeat("x", 63) + "." + strings.Repeat("x", 63) + "." + strings.Repeat("x", 63), len(m), StatOverrun},
		{"past end", len(m), "", len(m), StatOverrun},
		{"label past end", 0, "ab", 5, StatOverrun},
		{"extended label", 0, "", 1, StatBadPtr}, // 0x12 | 0x40
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := m
			switch tc.name {
			case "extended label":
				mm = []byte{0x41, 0}
			case "label past end":
				mm = []byte{2, 'a', 'b', 5, 'c'}
			}
			got, end, st := readName(nil, mm, tc.off)
			if string(got) != tc.want || end != tc.end || st != tc.stat {
				t.Errorf("got %q end %d stat %#x, want %q %d %#x", got, end, st, tc.want, tc.end, tc.stat)
			}
			if len(got) > maxNameLen {
				t.Errorf("name of %d bytes", len(got))
			}
		})
	}
}

func TestNetBIOSNames(t *testing.T) {
	enc := func(name string, suffix byte) string {
		var raw [16]byte
		copy(raw[:], name+strings.Repeat(" ", 15-len(name)))
		raw[15] = suffix
		var b []byte
		for _, c := range raw {
			b = append(b, 'A'+c>>4, 'A'+c&0xf)
		}
		return string(b)
	}
	for _, tc := range []struct{ in, want string }{
		{enc("WPAD", 0), "WPAD<00>"},
		{enc("IPV6.GOOGLE.COM", 0x20), "IPV6.GOOGLE.COM<20>"},
		{enc("HOST", 0x1c) + ".corp.example", "HOST<1C>.corp.example"},
		{"not-netbios", "not-netbios"},
		{strings.Repeat("Z", 32), strings.Repeat("Z", 32)},
	} {
		if got := string(decodeNetBIOS([]byte(tc.in))); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	s := newSession(t, defaults())
	f := s.udp(137, 137, newMsg(0x0110, 1, 0, 0, 0).question(enc("ASISELFHOST", 0), 32, 1).b)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0003", "dnsQname": `"ASISELFHOST<00>"`, "dnsHFlg_OpC_RetC": "0x11_0x0001_0x0001"})
}

// T2's list discipline: questions of the last message only; records of
// all messages, the last entry printed empty once max-1 are in, and
// overwritten by every further record.
func TestListLimits(t *testing.T) {
	s := newSession(t, fakeConfig{"DNS_MODE": 4, "DNS_QRECMAX": 3, "DNS_ARECMAX": 4})
	s.udp(40000, 53, newMsg(0x0100, 2, 0, 0, 0).question("a.x", 1, 1).question("b.x", 1, 1).b)
	f := s.udp(40000, 53, newMsg(0x0100, 1, 0, 0, 0).question("c.x", 28, 0x8001).b)
	check(t, s.columns(f), map[string]string{"dnsQname": `"c.x"`, "dnsQType": "28", "dnsQClass": "1", "dnsCntQu_Asw_Aux_Add": "3_0_0_0"})

	s = newSession(t, fakeConfig{"DNS_MODE": 4, "DNS_QRECMAX": 3, "DNS_ARECMAX": 4})
	three := newMsg(0x8000, 0, 3, 0, 0).rr("r1", 1, 1, 1, a4(1, 1, 1, 1)).rr("r2", 1, 1, 2, a4(2, 2, 2, 2)).rr("r3", 1, 1, 3, a4(3, 3, 3, 3)).b
	f = s.udp(53, 40000, three)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0001", "dnsAname": `"r1";"r2";"r3";""`, "dnsATTL": "1;2;3;0", "dns4Aaddress": "1.1.1.1;2.2.2.2;3.3.3.3;0.0.0.0"})

	// Within one message the overflow does not set 0x0800; the next
	// message does. A nameless record (OPT) keeps the overwritten name.
	s = newSession(t, fakeConfig{"DNS_MODE": 4, "DNS_QRECMAX": 3, "DNS_ARECMAX": 4})
	five := newMsg(0x8000, 0, 5, 0, 0).rr("r1", 1, 1, 1, a4(1, 1, 1, 1)).rr("r2", 1, 1, 2, a4(2, 2, 2, 2)).
		rr("r3", 1, 1, 3, a4(3, 3, 3, 3)).rr("r4", 12, 1, 4, wireName("p4")).rr("", 41, 512, 7, nil).b
	f = s.udp(53, 40000, five)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0001", "dnsAname": `"r1";"r2";"r3";"r4"`, "dnsAPname": `"";"";"";"p4"`, "dnsAType": "1;1;1;41", "dnsOptStat": "0x00000000;0x00000000;0x00000000;0x00000007"})
	s.udp(53, 40000, three)
	s.udp(53, 40000, three)
	f = s.udp(53, 40000, newMsg(0x8000, 0, 0, 0, 0).raw(make([]byte, 5)...).b)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0801", "dnsAname": `"r1";"r2";"r3";"r3"`, "dnsATTL": "1;2;3;3"})

	// DNS_MODE 1: questions only.
	s = newSession(t, fakeConfig{"DNS_MODE": 1, "DNS_QRECMAX": 15, "DNS_ARECMAX": 20})
	f = s.udp(53, 40000, newMsg(0x8000, 1, 1, 0, 0).question("q", 1, 1).rr("q", 1, 1, 5, a4(1, 2, 3, 4)).b)
	check(t, s.columns(f), map[string]string{"dnsQname": `"q"`, "dnsAname": "", "dnsCntQu_Asw_Aux_Add": "1_1_0_0"})
}

func TestRecordKinds(t *testing.T) {
	s := newSession(t, defaults())
	srv := append([]byte{0, 10, 0, 20, 0x13, 0xc4}, wireName("sip.example.com")...)
	mx := append([]byte{0, 5}, wireName("mail.example.com")...)
	r := newMsg(0x8400, 0, 4, 0, 0).
		rr("_sip._tcp.example.com", 33, 1, 1, srv).
		rr("example.com", 15, 1, 2, mx).
		rr("example.com", 16, 1, 3, []byte{5, 'h', 'e', 'l', 'l', 'o', 2, ' ', '!'}).
		rr("x.example.com", 32, 1, 4, []byte{0, 0, 10, 1, 2, 3}). // NB: flags + address
		b
	f := s.udp(5353, 5353, r)
	if !f.IsInverted() {
		t.Error("equal-port flow starting with a response is not inverted")
	}
	check(t, s.columns(f), map[string]string{
		"dnsAPname":    `"sip.example.com";"mail.example.com";"hello !";""`,
		"dnsSRVprio":   "10;0;0;0",
		"dnsSRVwgt":    "20;0;0;0",
		"dnsSRVprt":    "5060;0;0;0",
		"dnsMXpref":    "0;5;0;0",
		"dns4Aaddress": "0.0.0.0;0.0.0.0;0.0.0.0;10.1.2.3",
	})
	f = s.udp(5353, 5353, newMsg(0, 1, 0, 0, 0).question("y.local", 12, 1).b)
	if f.IsInverted() {
		t.Error("equal-port flow starting with a query is inverted")
	}
}

func TestTCPReassembly(t *testing.T) {
	s := newSession(t, defaults())
	m1 := newMsg(0x0100, 1, 0, 0, 0).question("tcp.example", 1, 1).b
	m2 := newMsg(0x0100, 1, 0, 0, 0).question("two.example", 28, 1).b
	stream := append([]byte{0, byte(len(m1))}, m1...)
	stream = append(stream, 0, byte(len(m2)))
	stream = append(stream, m2...)
	f := s.send(6, 40000, 53, 0x02, 999, nil) // SYN: data starts at 1000
	cut := 20
	s.send(6, 40000, 53, 0x18, 1000, stream[:cut])
	if st := s.d.st[f.Slot].stat; st&StatTCPPend == 0 {
		t.Errorf("pending bit missing: %#x", st)
	}
	s.send(6, 40000, 53, 0x18, 1000, stream[:cut]) // retransmission: ignored
	s.send(6, 40000, 53, 0x18, 1000+uint32(cut), stream[cut:])
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0005", "dnsQname": `"two.example"`, "dnsCntQu_Asw_Aux_Add": "2_0_0_0"})
	if s.d.dnsPkts != 2 || s.d.qPkts != 2 {
		t.Errorf("dns packets %d, Q %d; want 2, 2", s.d.dnsPkts, s.d.qPkts)
	}

	// A pooled state of a TCP flow serves a UDP flow as UDP.
	u := s.udp(40003, 53, m1)
	check(t, s.columns(u), map[string]string{"dnsStat": "0x0001", "dnsQname": `"tcp.example"`})

	// A gap stops decoding; a flow without SYN is corrupt.
	s = newSession(t, defaults())
	f = s.send(6, 40001, 53, 0x02, 0, nil)
	s.send(6, 40001, 53, 0x18, 50, stream)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x8001", "dnsQname": ""})
	f = s.send(6, 40002, 53, 0x18, 7, stream)
	check(t, s.columns(f), map[string]string{"dnsStat": "0x8001", "dnsQname": ""})
}

func TestPacketColumnsAndReport(t *testing.T) {
	s := newSession(t, defaults())
	r := newMsg(0x8180, 1, 2, 0, 0).question("h", 1, 1).rr("h", 1, 1, 1, a4(192, 0, 2, 7)).rr("h", 28, 1, 1, []byte{0xfe, 0x80, 15: 9}).b
	f := s.udp(53, 40000, r)
	p := &packet.Packet{Num: s.num}
	var w record.Writer
	s.d.WritePacket(p, f, &w)
	if got, want := string(w.Bytes()), "192.0.2.7;fe80::9;\t0x0001\t0x8180\t1_2_0_0"; got != want {
		t.Errorf("packet columns %q, want %q", got, want)
	}
	w.Reset()
	s.d.WritePacket(&packet.Packet{Num: s.num + 1}, nil, &w)
	if got, want := string(w.Bytes()), "\t0x0000\t\t0_0_0_0"; got != want {
		t.Errorf("other packet %q, want %q", got, want)
	}
	s.columns(f)
	c := counters.New()
	c.Packets = 4
	var out strings.Builder
	s.d.Report(&report.Writer{W: &out, C: c})
	want := "dnsDecode: Aggregated dnsStat=0x0001\n" +
		"dnsDecode: Aggregated dnsHFlg=0x98\n" +
		"dnsDecode: Aggregated dnsOpC=0x0001\n" +
		"dnsDecode: Aggregated dnsRetC=0x0001\n" +
		"dnsDecode: Number of DNS packets: 1 [25.00%]\n" +
		"dnsDecode: Number of DNS R packets: 1 [100.00%]\n"
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestLimitsChecked(t *testing.T) {
	for _, l := range []limits{{5, 15, 20}, {4, 1, 20}, {4, 15, 5000}} {
		if err := l.check(); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if err := defaultLimits().check(); err != nil {
		t.Error(err)
	}
	// Without settings (no configuration) the defaults apply.
	if err := (&DNSDecode{}).Init(&plugin.Env{}); err != nil {
		t.Error(err)
	}
}

// Differences from T2 (docs/differences-from-t2.md): a record after an
// OPT record is read from the right offset, and the server direction of
// a TCP connection (starting with SYN/ACK) is decoded.
func TestDifferencesFromT2(t *testing.T) {
	s := newSession(t, defaults())
	r := newMsg(0x8180, 0, 1, 0, 2).rr("a.example", 1, 1, 5, a4(192, 0, 2, 5)).
		rr("", 41, 4096, 0x8000, []byte{0, 10, 0, 2, 0xab, 0xcd}).rr("b.example", 1, 1, 6, a4(192, 0, 2, 6)).b
	check(t, s.columns(s.udp(53, 40000, r)), map[string]string{
		"dnsStat": "0x0001", "dnsAname": `"a.example";"";"b.example"`, "dns4Aaddress": "192.0.2.5;0.0.0.0;192.0.2.6",
		"dnsAType": "1;41;1", "dnsATTL": "5;0;6", "dnsOptStat": "0x00000000;0x00008000;0x00000000",
	})
	m := newMsg(0x8180, 1, 0, 0, 0).question("tcp.example", 1, 1).b
	f := s.send(6, 53, 40000, 0x12, 500, nil) // SYN/ACK
	s.send(6, 53, 40000, 0x18, 501, append([]byte{0, byte(len(m))}, m...))
	check(t, s.columns(f), map[string]string{"dnsStat": "0x0001", "dnsQname": `"tcp.example"`})
}
