package tcpflags

import (
	"strings"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

// ipv6Frame is an Ethernet/IPv6 frame with a hop-by-hop header (router
// alert, PadN), a destination header and a first fragment of UDP.
var ipv6Frame = []byte{
	0, 1, 2, 3, 4, 6, 0, 1, 2, 3, 4, 5, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x40, // payload 40, next: hop-by-hop
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00, // hop-by-hop: router alert, PadN
	0x2c, 0x00, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x00, // destination: type 0xc2, PadN... (next: fragment)
	0x11, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, // fragment: offset 0, M
	0x04, 0xd2, 0x16, 0x2e, 0x00, 0x10, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
}

// FuzzPacket feeds an arbitrary Ethernet frame twice (so the second copy
// is compared with the first), then its bytes with the addresses swapped,
// then its first three quarters as a packet not captured in full: no
// input may panic, every flow renders all its columns, and the columns
// are the same whether Prepare ran before OnLayer4 (its checksum sums and
// header facts) or not, and whether OnLayer4 used the TCP options'
// summary or walked them.
func FuzzPacket(f *testing.F) {
	f.Add(ipv6Frame)
	f.Add(frame(f, &layers.IPv4{Id: 1, Options: []layers.IPv4Option{{OptionType: 0x44, OptionLength: 4, OptionData: []byte{5, 0}}}},
		&layers.TCP{SrcPort: 1, DstPort: 2, SYN: true, Window: 1000, Options: synOpts(14)}, []byte("x")))
	f.Add(frame(f, &layers.IPv4{Flags: layers.IPv4MoreFragments}, &layers.UDP{SrcPort: 3, DstPort: 4}, make([]byte, 40)))
	mp := frame(f, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true, Options: []layers.TCPOption{
		{OptionType: 30, OptionLength: 12, OptionData: []byte{0x10, 0x07, 1, 2, 3, 4, 5, 6, 7, 8}},
		{OptionType: 30, OptionLength: 4, OptionData: []byte{0x20, 0x1f}},
	}}, nil)
	f.Add(mp)
	first, later := udpFragments(f)
	f.Add(first)
	f.Add(later)
	bad := frame(f, &layers.IPv4{Options: []layers.IPv4Option{{OptionType: 0x07, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}}}},
		&layers.TCP{SrcPort: 5, DstPort: 6, ACK: true, Options: synOpts(3)}, nil)
	bad[14+20+1] = 0 // a corrupt IPv4 option
	f.Add(bad)
	ack := frame(f, &layers.IPv4{}, &layers.TCP{SrcPort: 7, DstPort: 8, ACK: true, Options: append(synOpts(2), synOpts(2)[2])}, nil)
	f.Add(ack) // two timestamp options
	nop := layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1}
	f.Add(frame(f, &layers.IPv4{}, &layers.TCP{SrcPort: 9, DstPort: 10, SYN: true, Window: 8, Options: append(synOpts(4), nop, nop, nop, nop)}, nil))        // 9 kinds
	f.Add(frame(f, &layers.IPv4{}, &layers.TCP{SrcPort: 11, DstPort: 12, SYN: true, ACK: true, Window: 8, Options: append(synOpts(4), synOpts(9)[4])}, nil)) // two window scales
	f.Fuzz(func(t *testing.T, data []byte) {
		prepared := run(t, data, true, false)
		if self := run(t, data, false, false); self != prepared {
			t.Fatalf("prepared:\n%s\nnot prepared:\n%s", prepared, self)
		}
		if walked := run(t, data, true, true); walked != prepared {
			t.Fatalf("prepared:\n%s\nTCP options walked:\n%s", prepared, walked)
		}
	})
}

// run feeds data as FuzzPacket does and returns the flows' columns; walk
// has OnLayer4 walk the TCP options instead of using their summary.
func run(t *testing.T, data []byte, prep, walk bool) string {
	r := newRig(t, nil)
	r.tf.walkOpts = walk
	var flows []*flow.Flow
	feed := func(b []byte, wire int, ts float64) {
		p := &r.p
		p.Reset()
		p.Raw = append(p.Raw[:0], b...)
		p.CapLen, p.WireLen, p.LinkType = uint32(len(b)), uint32(wire), 1
		p.TS = packet.FromSeconds(ts)
		r.dec.Decode(p)
		if p.IPVer == 0 {
			return
		}
		if prep {
			r.tf.Prepare(p)
		}
		k := flow.Key{IPVer: p.IPVer, SrcIP: p.SrcIP, DstIP: p.DstIP, Proto: p.L4Proto, SrcPort: p.SrcPort, DstPort: p.DstPort}
		fl := r.table.Lookup(&k)
		if fl == nil {
			fl = r.table.Create(&k, p.TS)
			r.tf.OnNewFlow(p, fl)
			flows = append(flows, fl)
		}
		r.tf.OnLayer4(p, fl)
		r.table.Touch(fl, p.TS)
	}
	feed(data, len(data), 1)
	feed(data, len(data), 0.5)
	if len(data) >= 34 {
		sw := append([]byte(nil), data...)
		copy(sw[26:30], data[30:34])
		copy(sw[30:34], data[26:30])
		feed(sw, len(sw), 2)
	}
	feed(data[:len(data)*3/4], len(data), 3)
	n := len(r.tf.Columns())
	var out strings.Builder
	for _, fl := range flows {
		var w record.Writer
		r.tf.OnFlowTerminate(fl, &w)
		if got := strings.Count(string(w.Bytes()), "\t") + 1; got != n {
			t.Fatalf("%d fields, want %d", got, n)
		}
		out.Write(w.Bytes())
		out.WriteByte('\n')
	}
	return out.String()
}
