package dnsdecode

import (
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

// benchResponse is a typical answer: a CNAME chain with four A records,
// compressed names, an OPT record (180 bytes).
func benchResponse() []byte {
	m := newMsg(0x8180, 1, 5, 0, 1).question("www.example.com", 1, 1)
	m.ptr(12).u16(5).u16(1).u32(300).u16(6).raw(3, 'c', 'd', 'n').ptr(16)
	for i := byte(1); i <= 4; i++ {
		m.ptr(45).u16(1).u16(1).u32(60).u16(4).raw(192, 0, 2, i)
	}
	return m.rr("", 41, 1232, 0, nil).b
}

type benchCase struct {
	name string
	run  func(s *session) func()
}

var benchCases = []benchCase{
	// A response on a flow whose lists are full: every record overwrites
	// the last entry (the steady state of a long DNS flow).
	{"Response", func(s *session) func() {
		r := benchResponse()
		f := s.udp(53, 40000, r)
		p := &packet.Packet{IPVer: 4, L4Proto: 17, SrcPort: 53, DstPort: 40000, L4Off: 34, Payload: r}
		return func() { s.d.OnLayer4(p, f) }
	}},
	// A query on a fresh flow each time: state from the pool, released
	// with its columns written.
	{"QueryFlowLifecycle", func(s *session) func() {
		q := newMsg(0x0100, 1, 0, 0, 0).question("www.example.com", 1, 1).b
		k := flow.Key{SrcIP: client, DstIP: server, SrcPort: 40000, DstPort: 53, Proto: 17, IPVer: 4}
		p := &packet.Packet{IPVer: 4, L4Proto: 17, SrcPort: 40000, DstPort: 53, L4Off: 34, Payload: q}
		var w record.Writer
		return func() {
			f := s.table.Create(&k, 0)
			s.d.OnNewFlow(p, f)
			s.d.OnLayer4(p, f)
			w.Reset()
			s.d.OnFlowTerminate(f, &w)
			s.table.Remove(f)
		}
	}},
	// TCP: a message split over two segments, then reassembled.
	{"TCPSplitMessage", func(s *session) func() {
		r := benchResponse()
		stream := append([]byte{0, byte(len(r))}, r...)
		f := s.send(6, 40001, 53, 0x02, 0, nil)
		seq := uint32(1)
		p := &packet.Packet{IPVer: 4, L4Proto: 6, SrcPort: 40001, DstPort: 53, L4Off: 34, TCPFlags: 0x18}
		return func() {
			for _, part := range [][]byte{stream[:50], stream[50:]} {
				p.TCPSeq, p.Payload = seq, part
				s.d.OnLayer4(p, f)
				seq += uint32(len(part))
			}
		}
	}},
	// What dnsDecode costs every packet of other traffic.
	{"NonDNS", func(s *session) func() {
		f := s.udp(40000, 443, []byte("x"))
		p := &packet.Packet{IPVer: 4, L4Proto: 17, SrcPort: 40000, DstPort: 443, L4Off: 34, Payload: make([]byte, 1200)}
		return func() { s.d.OnLayer4(p, f) }
	}},
}

func BenchmarkDNSDecode(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			fn := bc.run(newSession(b, defaults()))
			for i := 0; i < 100; i++ { // fill the lists, the pool and the buffers
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

// The packet path allocates nothing in steady state.
func TestZeroAllocsPerPacket(t *testing.T) {
	for _, bc := range benchCases {
		fn := bc.run(newSession(t, defaults()))
		for i := 0; i < 100; i++ {
			fn()
		}
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("%s: %.1f allocations per run", bc.name, n)
		}
	}
}

func TestBenchResponseDecodes(t *testing.T) {
	s := newSession(t, defaults())
	check(t, s.columns(s.udp(53, 40000, benchResponse())), map[string]string{
		"dnsStat": "0x0001", "dnsAPname": `"cdn.example.com";"";"";"";"";""`,
		"dnsAname": `"www.example.com";"cdn.example.com";"cdn.example.com";"cdn.example.com";"cdn.example.com";""`,
	})
}
