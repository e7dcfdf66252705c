package decode

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/packet"
)

// sameAsGeneral decodes r with Decode (fast path allowed) and with the
// general path alone and fails when the packets differ in any field,
// the payload slice's place included. It reports whether the fast path
// took the packet.
func sameAsGeneral(t testing.TB, d *Decoder, fp, gp *packet.Packet, r record, what string) bool {
	t.Helper()
	for _, p := range []*packet.Packet{fp, gp} {
		p.Raw = r.data
		p.Reset()
		p.Raw = r.data
		p.Num = 1
		p.CapLen = uint32(len(r.data))
		p.WireLen = r.wireLen
		p.LinkType = r.linkType
	}
	took := r.linkType == LinkEthernet && fast(fp)
	if !took {
		if !samePacket(fp, gp) {
			t.Fatalf("%s: fast wrote into a packet it declined", what)
		}
		d.Decode(fp)
	}
	d.general(gp)
	noChain(fp)
	if !samePacket(fp, gp) {
		t.Fatalf("%s (fast %v): fast path\n%s\ngeneral path\n%s", what, took, dumpPacket(fp), dumpPacket(gp))
	}
	return took
}

// samePacket reports whether a and b hold the same values, their slices
// being the same memory (reflect.DeepEqual is too slow for the millions
// of comparisons, above all with -race). Both were cleared by Reset up
// to the header description, so their padding bytes match as well; of
// the description only the text counts (Reset leaves the bytes past it).
func samePacket(a, b *packet.Packet) bool {
	sameSlice := func(x, y []byte) bool {
		return len(x) == len(y) && cap(x) == cap(y) && (cap(x) == 0 || unsafe.SliceData(x) == unsafe.SliceData(y)) && (x == nil) == (y == nil)
	}
	if !sameSlice(a.Raw, b.Raw) || !sameSlice(a.Payload, b.Payload) {
		return false
	}
	a2, b2 := *a, *b
	a2.Raw, a2.Payload, b2.Raw, b2.Payload = nil, nil, nil, nil
	n := unsafe.Offsetof(a2.HdrDesc)
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a2)), n), unsafe.Slice((*byte)(unsafe.Pointer(&b2)), n)) &&
		bytes.Equal(a.HdrDescBytes(), b.HdrDescBytes())
}

// noChain forgets which HdrChain p's description came from (a hint for
// DescIDs, which the general path does not give).
func noChain(p *packet.Packet) {
	f := reflect.ValueOf(p).Elem().FieldByName("chain")
	*(*uint8)(unsafe.Pointer(f.UnsafeAddr())) = 0
}

func dumpPacket(p *packet.Packet) string {
	q := *p
	q.Raw, q.Payload = nil, nil
	s := fmt.Sprintf("%+v", q)
	return fmt.Sprintf("%s\n  desc %q payload %d@%d", s, p.HdrDescBytes(), len(p.Payload), p.L7Off)
}

// Every packet of every test capture decodes the same with and without
// the fast path, also cut at every length (as a short snap length
// delivers it) and with other wire lengths.
func TestFastEqualsGeneral(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/pcaps/*")
	more, _ := filepath.Glob("../../testdata/t2sample/*.pcap")
	files = append(files, more...)
	d := New(Options{})
	var fp, gp packet.Packet
	took, total := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, ".tsv") || strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".sh") {
			continue
		}
		recs, _ := readCapture(f)
		for i, r := range recs {
			what := fmt.Sprintf("%s packet %d", filepath.Base(f), i+1)
			if sameAsGeneral(t, d, &fp, &gp, r, what) {
				took++
			}
			total++
			if i < 40 && !testing.Short() {
				for n := 0; n < len(r.data); n++ {
					sameAsGeneral(t, d, &fp, &gp, record{r.linkType, r.wireLen, r.data[:n]}, fmt.Sprintf("%s cut to %d", what, n))
				}
				for _, w := range []uint32{0, 1, 60, 64, 65, uint32(len(r.data)) - 1, uint32(len(r.data)) + 1, 1 << 20} {
					sameAsGeneral(t, d, &fp, &gp, record{r.linkType, w, r.data}, fmt.Sprintf("%s wire %d", what, w))
				}
			}
		}
	}
	t.Logf("fast path took %d of %d packets", took, total)
	if took < total/4 {
		t.Fatalf("fast path took only %d of %d packets", took, total)
	}
}

// randomFrame builds an Ethernet frame that is near the fast path's
// domain: IPv4 or IPv6 (sometimes a wrong version, an ISL or VLAN
// header, another ethertype), TCP, UDP or another protocol, fields and
// lengths drawn from values around every condition's edge, cut and
// padded at random.
func randomFrame(rng *rand.Rand) record {
	pick := func(v ...int) int { return v[rng.IntN(len(v))] }
	// usual returns v[0] mostly, else one of the edge values.
	usual := func(v ...int) int {
		if rng.IntN(10) != 0 {
			return v[0]
		}
		return pick(v[1:]...)
	}
	var b []byte
	mac := make([]byte, 12)
	for i := range mac {
		mac[i] = byte(rng.IntN(256))
	}
	switch rng.IntN(24) {
	case 0:
		mac[0], mac[1], mac[2], mac[3], mac[4] = byte(pick(0x01, 0x03, 0x05)), 0, 0x0c, 0, 0 // ISL-like
	case 1:
		mac[0] = 0x03
	}
	b = append(b, mac...)
	v6 := rng.IntN(3) == 0
	et := 0x0800
	if v6 {
		et = 0x86dd
	}
	switch rng.IntN(20) {
	case 0:
		et = pick(0x8100, 0x0806, 0x88a8, 0x0600, 0x05ff, 0x8847)
	case 1:
		b = binary.BigEndian.AppendUint16(b, 0x8100)
		b = binary.BigEndian.AppendUint16(b, uint16(rng.IntN(4096)))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(et))
	proto := pick(6, 17, usual(6, 1, 58, 47, 132, 0, 43, 44, 60, 4, 41))
	payload := make([]byte, pick(0, 1, 3, 7, 8, 12, 19, 20, 21, 40, 100, 1400))
	for i := range payload {
		payload[i] = byte(rng.IntN(256))
	}
	port := func() uint16 {
		if rng.IntN(3) == 0 {
			return uint16(pick(0, 53, 80, 443, 1024, 1025, 1900, 1701, 2123, 2152, 3386, 3544, 4500, 4789, 4790, 6081, 8472, 40000))
		}
		if rng.IntN(2) == 0 {
			return uint16(rng.IntN(1025))
		}
		return uint16(rng.IntN(65536))
	}
	var l4 []byte
	switch proto {
	case 6:
		l4 = make([]byte, 20)
		binary.BigEndian.PutUint16(l4[0:], port())
		binary.BigEndian.PutUint16(l4[2:], port())
		binary.BigEndian.PutUint32(l4[4:], rng.Uint32())
		binary.BigEndian.PutUint32(l4[8:], rng.Uint32())
		doff := usual(5, 8, 0, 1, 4, 6, 15)
		l4[12] = byte(doff << 4)
		l4[13] = byte(rng.IntN(256))
		binary.BigEndian.PutUint16(l4[14:], uint16(rng.IntN(65536)))
		if doff > 5 {
			l4 = append(l4, make([]byte, min((doff-5)*4, pick(0, 4, 40)))...)
		}
	case 17:
		l4 = make([]byte, 8)
		binary.BigEndian.PutUint16(l4[0:], port())
		binary.BigEndian.PutUint16(l4[2:], port())
		binary.BigEndian.PutUint16(l4[4:], uint16(pick(8+len(payload), 0, 9, rng.IntN(65536))))
	default:
		l4 = make([]byte, pick(0, 4, 8, 20))
	}
	if proto == 17 && len(payload) >= 8 && rng.IntN(3) == 0 {
		// Looks like a VXLAN, GENEVE, GTP or L2TP header, IPsec ESP, or
		// IPv6 (Teredo), followed by an IPv4 header.
		copy(payload, [][]byte{
			{0x08, 0, 0, 0, 1, 2, 3, 0}, {0, 0, 0x65, 0x58, 0, 0, 0, 0}, {0x30, 0xff, 0, 20, 0, 0, 0, 1},
			{0x0c, 0, 0, 1, 0, 0, 0, 0}, {0xc8, 0x02, 0, 20, 0, 1, 0, 0}, {0, 0, 0, 1, 0, 0, 0, 1},
			{0x60, 0, 0, 0, 0, 0, 17, 64}}[rng.IntN(7)])
		if len(payload) >= 9 {
			payload[8] = 0x45
		}
		if len(payload) >= 48 && rng.IntN(3) == 0 {
			// a Teredo origin indication, then IPv6
			copy(payload, []byte{0, 0, 1, 2, 3, 4, 5, 6, 0x60})
			copy(payload[8+pick(8, 24):], []byte{0x20, 0x01, 0, 0})
		}
		if payload[0] == 0x60 && len(payload) >= 40 && rng.IntN(2) == 0 {
			// a Teredo client address (2001::/32), so that the general
			// path takes it for Teredo on any ports above 1024
			copy(payload[pick(8, 24):], []byte{0x20, 0x01, 0, 0})
		}
	}
	l4 = append(l4, payload...)
	if v6 {
		h := make([]byte, 40)
		h[0] = byte(usual(6, 4, 0)<<4) | byte(rng.IntN(16))
		pl := len(l4)
		switch rng.IntN(16) {
		case 0:
			pl = 0
		case 1:
			pl += pick(-1, 1, 8, 1000)
		}
		binary.BigEndian.PutUint16(h[4:], uint16(max(pl, 0)))
		h[6] = byte(proto)
		h[7] = byte(rng.IntN(256))
		for i := 8; i < 40; i++ {
			h[i] = byte(rng.IntN(256))
		}
		b = append(b, h...)
	} else {
		ihl := usual(5, 6, 15, 4, 0)
		h := make([]byte, max(ihl*4, 20))
		if ihl*4 < 20 {
			h = h[:20]
		}
		h[0] = byte(usual(4, 6, 0)<<4) | byte(ihl)
		tot := len(h) + len(l4)
		switch rng.IntN(16) {
		case 0:
			tot = pick(0, 19, 20, 27, 28, 39, 40)
		case 1:
			tot += pick(-1, 1, 8, 1000)
		}
		binary.BigEndian.PutUint16(h[2:], uint16(max(tot, 0)))
		binary.BigEndian.PutUint16(h[4:], uint16(rng.IntN(65536)))
		binary.BigEndian.PutUint16(h[6:], uint16(pick(0, 0x4000, usual(0, 0x2000, 0x0001, 0x1fff, 0x8000, 0x6000))))
		h[8] = byte(rng.IntN(256))
		h[9] = byte(proto)
		for i := 12; i < 20; i++ {
			h[i] = byte(rng.IntN(256))
		}
		b = append(b, h...)
	}
	b = append(b, l4...)
	if rng.IntN(4) == 0 {
		b = append(b, make([]byte, pick(1, 6, 20))...) // Ethernet padding or trailer
	}
	wire := uint32(len(b))
	switch rng.IntN(8) {
	case 0:
		b = b[:rng.IntN(len(b)+1)] // snapped
	case 1:
		wire = uint32(pick(0, 60, 64, 65, len(b)+4, 1<<16))
	}
	if rng.IntN(20) == 0 && len(b) > 0 {
		b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
	}
	return record{LinkEthernet, wire, b}
}

// Random frames around the fast path's conditions decode the same with
// and without it.
func TestFastEqualsGeneralRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := New(Options{})
	var fp, gp packet.Packet
	n := 300000
	if testing.Short() {
		n = 30000
	}
	took := 0
	for i := 0; i < n; i++ {
		r := randomFrame(rng)
		if sameAsGeneral(t, d, &fp, &gp, r, fmt.Sprintf("random frame %d % x (wire %d)", i, r.data, r.wireLen)) {
			took++
		}
	}
	t.Logf("fast path took %d of %d frames", took, n)
	if took < n/5 || took > n*4/5 {
		t.Fatalf("fast path took %d of %d frames: the generator misses its domain or its edges", took, n)
	}
}

// The header chains are what AddHdrNoFold of their names builds.
func TestHdrChains(t *testing.T) {
	for _, c := range []struct {
		chain *packet.HdrChain
		names []string
	}{{chainIPv4TCP, []string{"eth", "ipv4", "tcp"}}, {chainIPv4UDP, []string{"eth", "ipv4", "udp"}},
		{chainIPv6TCP, []string{"eth", "ipv6", "tcp"}}, {chainIPv6UDP, []string{"eth", "ipv6", "udp"}}} {
		var a, b packet.Packet
		a.SetHdrChain(c.chain)
		for _, n := range c.names {
			b.AddHdrNoFold(n)
		}
		a2 := a
		noChain(&a2)
		if !reflect.DeepEqual(a2, b) {
			t.Fatalf("%v: chain %q, AddHdrNoFold %q", c.names, a.HdrDescBytes(), b.HdrDescBytes())
		}
		a.AddHdr(c.names[2]) // folds as after AddHdrNoFold
		b.AddHdr(c.names[2])
		if !reflect.DeepEqual(a, b) || !strings.HasSuffix(string(a.HdrDescBytes()), "{2}") {
			t.Fatalf("%v: after a repeat, chain %q, AddHdrNoFold %q", c.names, a.HdrDescBytes(), b.HdrDescBytes())
		}
	}
}
