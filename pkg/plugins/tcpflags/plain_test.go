package tcpflags

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/decode"
	"github.com/t2go/t2go/pkg/packet"
)

// samePlainFacts decodes frame (wire bytes on the wire) and checks that
// plainFacts gives what hdrFacts does, or declines without writing. It
// reports whether plainFacts took the packet.
func samePlainFacts(t *testing.T, dec *decode.Decoder, p *packet.Packet, frame []byte, wire int, lt uint16, what string) bool {
	t.Helper()
	p.Reset()
	p.Raw = append(p.Raw[:0], frame...)
	p.CapLen, p.WireLen, p.LinkType = uint32(len(frame)), uint32(wire), lt
	dec.Decode(p)
	if p.L3Off < 0 {
		return false
	}
	sentinel := packet.HdrFacts{Seq: 0xdeadbeef, Kinds: [7]uint8{9, 9, 9}, IPFlags: 0x5555, Bits: 0xaa}
	sentLay := l4Sum{pos: 77, hdrLen: 99, chkLen: 1234, ipFlags: 0x1111, checked: true}
	x1, l1 := sentinel, sentLay
	if !plainFacts(p, &x1, &l1) {
		if x1 != sentinel || l1 != sentLay {
			t.Fatalf("%s: plainFacts declined the packet but wrote %+v %+v", what, x1, l1)
		}
		return false
	}
	var x2 packet.HdrFacts
	var l2 l4Sum
	hdrFacts(p, &x2, &l2)
	if x1 != x2 || l1 != l2 {
		t.Fatalf("%s: plainFacts\n%+v %+v\nhdrFacts\n%+v %+v", what, x1, l1, x2, l2)
	}
	return true
}

// plainFacts (Prepare's one-pass hdrFacts) gives exactly what hdrFacts
// does for every packet of the test captures, also cut short, with
// other wire lengths and with bytes of its headers changed at random,
// and for frames with TCP options, IP options, fragments and IPv6
// extension headers; it declines the others without writing anything.
func TestPlainFactsEqualHdrFacts(t *testing.T) {
	files, _ := filepath.Glob("../../../testdata/pcaps/*")
	dec := decode.New(decode.Options{})
	var p packet.Packet
	rng := rand.New(rand.NewPCG(1, 2))
	took, total := 0, 0
	try := func(frame []byte, wire int, lt uint16, what string) {
		total++
		if samePlainFacts(t, dec, &p, frame, wire, lt, what) {
			took++
		}
	}
	variants := func(frame []byte, wire int, lt uint16, what string) {
		try(frame, wire, lt, what)
		for _, n := range []int{len(frame) * 3 / 4, 14 + 20 + 8, 14 + 20 + 19, 14 + 20 + 20, 14 + 40 + 8, 14 + 40 + 20, 14 + 60 + 20} {
			if n < len(frame) {
				try(frame[:n], wire, lt, fmt.Sprintf("%s cut at %d", what, n))
			}
		}
		try(frame, wire+100, lt, what+" wire+100")
		m := append([]byte(nil), frame...)
		for range 3 {
			if len(m) > 15 {
				i := 14 + rng.IntN(min(len(m)-14, 80))
				m[i] ^= byte(1 << rng.IntN(8))
				try(m, len(m), lt, fmt.Sprintf("%s changed at %d", what, i))
			}
		}
	}
	for _, f := range files {
		src, err := capture.OpenFile(f, capture.Options{})
		if err != nil {
			continue
		}
		var b capture.Batch
		for {
			b.Reset()
			err := src.Read(&b, 256)
			for i, m := range b.Pkts {
				variants(b.Data(i), int(m.WireLen), m.LinkType, fmt.Sprintf("%s packet %d", filepath.Base(f), i))
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Logf("%s: %v", f, err)
				}
				break
			}
		}
		src.Close()
	}
	first, later := udpFragments(t)
	nop := layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1}
	frames := [][]byte{ipv6Frame, first, later,
		frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 1, DstPort: 2, SYN: true, Window: 1000, Options: synOpts(14)}, []byte("x")),
		frame(t, &layers.IPv4{Id: 1, Options: []layers.IPv4Option{{OptionType: 0x44, OptionLength: 4, OptionData: []byte{5, 0}}}}, &layers.TCP{SrcPort: 1, DstPort: 2, ACK: true}, nil),
		frame(t, &layers.IPv4{Flags: layers.IPv4MoreFragments}, &layers.UDP{SrcPort: 3, DstPort: 4}, make([]byte, 40)),
		frame(t, &layers.IPv4{Flags: layers.IPv4DontFragment}, &layers.UDP{SrcPort: 53, DstPort: 4000}, make([]byte, 21)),
		frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 9, DstPort: 10, SYN: true, Window: 8, Options: append(synOpts(4), nop, nop, nop, nop)}, nil),
		frame(t, &layers.IPv4{}, &layers.TCP{SrcPort: 7, DstPort: 8, ACK: true, Options: append(synOpts(2), synOpts(2)[2])}, make([]byte, 100)),
		frame(t, &layers.IPv4{}, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, make([]byte, 10)),
	}
	for i, fr := range frames {
		for range 20 {
			variants(fr, len(fr), 1, fmt.Sprintf("frame %d", i))
		}
	}
	if took < total/4 || took == total {
		t.Fatalf("plainFacts took %d of %d packets", took, total)
	}
	t.Logf("plainFacts took %d of %d packets", took, total)
}
