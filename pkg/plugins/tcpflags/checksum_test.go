package tcpflags

import (
	"encoding/binary"
	"math/bits"
	"math/rand"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// plainChecksum is the definition: 16-bit big-endian words (an odd last
// byte is a word's high byte), the word number skip left out (0: none),
// added to sum with an end-around carry after each word.
func plainChecksum(b []byte, off, n, skip int, sum uint16) uint16 {
	if off < 0 || off > len(b) {
		n = 0
	} else if n > len(b)-off {
		n = len(b) - off
	}
	acc := uint32(sum)
	for i := 0; i < n; i += 2 {
		if skip != 0 && i == 2*skip {
			continue
		}
		w := uint32(b[off+i]) << 8
		if i+1 < n {
			w |= uint32(b[off+i+1])
		}
		acc += w
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// TestChecksumRandom compares checksum with plainChecksum on random
// lengths (up to a jumbo segment), offsets (every alignment), skipped
// words (inside, at the end, past the end), start sums (0, 0xffff and
// random) and contents: random, all 0xff (sums to the "negative zero"),
// all zero but the skipped word (the exact subtraction must give 0, not
// 0xffff), sparse.
func TestChecksumRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	buf := make([]byte, 9100)
	for it := 0; it < 200000; it++ {
		n := rng.Intn(80)
		switch rng.Intn(4) {
		case 0:
			n = rng.Intn(1600)
		case 1:
			n = rng.Intn(9000)
		}
		off := rng.Intn(8)
		b := buf[:off+n+rng.Intn(3)]
		skip := 0
		if rng.Intn(4) != 0 {
			skip = rng.Intn(n/2 + 3)
		}
		kind := rng.Intn(5)
		for i := range b {
			switch kind {
			case 0, 1:
				b[i] = byte(rng.Intn(256))
			case 2:
				b[i] = 0xff
			case 3:
				b[i] = 0
			case 4:
				b[i] = 0
				if rng.Intn(64) == 0 {
					b[i] = byte(rng.Intn(256))
				}
			}
		}
		if kind == 3 && skip > 0 && off+2*skip+1 < len(b) {
			b[off+2*skip], b[off+2*skip+1] = byte(rng.Intn(256)), byte(rng.Intn(256))
		}
		var sum uint16
		switch rng.Intn(4) {
		case 1:
			sum = 0xffff
		case 2:
			sum = uint16(rng.Intn(0x10000))
		}
		if rng.Intn(8) == 0 { // n may reach past b: those bytes count as 0
			n += rng.Intn(10)
		}
		if got, want := checksum(b, off, n, skip, sum), plainChecksum(b, off, n, skip, sum); got != want {
			t.Fatalf("len(b) %d off %d n %d skip %d sum %#04x kind %d: %#04x, want %#04x", len(b), off, n, skip, sum, kind, got, want)
		}
	}
	// offsets outside b
	for _, off := range []int{-1, len(buf), len(buf) + 1} {
		if got := checksum(buf, off, 10, 0, 0x1234); got != 0x1234 {
			t.Errorf("off %d: %#04x, want the start sum", off, got)
		}
	}
}

// TestFold64: fold64 gives the value in [1, 0xffff] congruent modulo
// 0xffff, 0 only for 0.
func TestFold64(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	vals := []uint64{0, 1, 0xffff, 0x10000, 0xfffe, 0x1fffe, 0xffffffff, 0x100000000, 1<<64 - 1, 1<<64 - 2, 0xffff0000ffff}
	for i := 0; i < 100000; i++ {
		vals = append(vals, rng.Uint64()>>uint(rng.Intn(64)))
	}
	for _, v := range vals {
		want := uint16(v % 0xffff)
		if want == 0 && v != 0 {
			want = 0xffff
		}
		if got := fold64(v); got != want {
			t.Fatalf("fold64(%#x) = %#04x, want %#04x", v, got, want)
		}
	}
}

// BenchmarkChecksumMixed sums segments of the lengths and offsets a
// capture mixes (headers only, small, full-size), so that the branches
// on the length do not always go the same way.
func BenchmarkChecksumMixed(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	data := make([]byte, 1600)
	for i := range data {
		data[i] = byte(rng.Intn(256))
	}
	type seg struct{ off, n int }
	var segs []seg
	var total int
	for i := 0; i < 1024; i++ {
		var n int
		switch rng.Intn(4) {
		case 0, 1:
			n = 20 + 4*rng.Intn(11) // TCP header with options
		case 2:
			n = 20 + rng.Intn(300)
		default:
			n = 1000 + rng.Intn(460)
		}
		segs = append(segs, seg{14 + rng.Intn(2)*4, n})
		total += n
	}
	b.SetBytes(int64(total / len(segs)))
	b.ResetTimer()
	var sink uint16
	for i := 0; i < b.N; i++ {
		s := segs[i&1023]
		sink += checksum(data, s.off, s.n, 8, 0)
	}
	_ = sink
}

// TestSumWords compares sumWords (assembly on amd64), each variant this
// CPU runs (sumWordsVariants) and sumWordsGo with a plain
// end-around-carry sum, on every length up to 300 and
// random longer ones, every alignment, random, all-0xff and all-zero
// words and start sums 0, 2^64−1 and random.
func TestSumWords(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	plain := func(d []byte, acc uint64) uint64 {
		for ; len(d) >= 8; d = d[8:] {
			var c uint64
			acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d), 0)
			acc += c
		}
		return acc
	}
	buf := make([]byte, 9100)
	check := func(n, off, kind int, acc uint64) {
		d := buf[off : off+n]
		for i := range d {
			switch kind {
			case 0:
				d[i] = byte(rng.Intn(256))
			case 1:
				d[i] = 0xff
			default:
				d[i] = 0
			}
		}
		want := plain(d, acc)
		if got := sumWords(d, acc); got != want {
			t.Fatalf("sumWords n %d off %d kind %d acc %#x: %#x, want %#x", n, off, kind, acc, got, want)
		}
		if got := sumWordsGo(d, acc); got != want {
			t.Fatalf("sumWordsGo n %d off %d kind %d acc %#x: %#x, want %#x", n, off, kind, acc, got, want)
		}
		for name, f := range sumWordsVariants {
			if got := f(d, acc); got != want {
				t.Fatalf("%s n %d off %d kind %d acc %#x: %#x, want %#x", name, n, off, kind, acc, got, want)
			}
		}
	}
	accs := func() uint64 {
		switch rng.Intn(3) {
		case 0:
			return 0
		case 1:
			return 1<<64 - 1
		}
		return rng.Uint64()
	}
	for n := 0; n <= 300; n++ {
		for off := 0; off < 8; off++ {
			for kind := 0; kind < 3; kind++ {
				check(n, off, kind, accs())
			}
		}
	}
	for i := 0; i < 2000; i++ {
		check(rng.Intn(9000), rng.Intn(8), rng.Intn(3), accs())
	}
}

// TestPseudoSum compares pseudoSum with the pseudo header's 16-bit words
// added one by one (plainChecksum over the built header) for IPv4 and
// IPv6, random, all-zero and all-0xff addresses, lengths and start sums.
func TestPseudoSum(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for it := 0; it < 100000; it++ {
		var p packet.Packet
		p.IPVer = 4
		if rng.Intn(2) == 0 {
			p.IPVer = 6
		}
		n := 4
		if p.IPVer == 6 {
			n = 16
		}
		kind := rng.Intn(4)
		for i := 0; i < n; i++ {
			switch kind {
			case 0, 1:
				p.SrcIP[i], p.DstIP[i] = byte(rng.Intn(256)), byte(rng.Intn(256))
			case 2:
				p.SrcIP[i], p.DstIP[i] = 0xff, 0xff
			}
		}
		p.L4Proto = uint8(rng.Intn(256))
		if kind == 3 && rng.Intn(2) == 0 {
			p.L4Proto = 0
		}
		l := uint32(rng.Intn(0x10000))
		switch rng.Intn(4) {
		case 0:
			l = 0
		case 1:
			l = rng.Uint32()
		}
		var sum uint16
		switch rng.Intn(3) {
		case 1:
			sum = 0xffff
		case 2:
			sum = uint16(rng.Intn(0x10000))
		}
		// the header's words: addresses, protocol, length (IPv6: 32 bits)
		var hdr []byte
		hdr = append(hdr, p.SrcIP[:n]...)
		hdr = append(hdr, p.DstIP[:n]...)
		hdr = append(hdr, 0, p.L4Proto)
		if p.IPVer == 6 {
			hdr = binary.BigEndian.AppendUint16(hdr, uint16(l>>16))
		}
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(l))
		if got, want := pseudoSum(&p, l, sum), plainChecksum(hdr, 0, len(hdr), 0, sum); got != want {
			t.Fatalf("IPv%d %x %x proto %d n %d sum %#04x: %#04x, want %#04x", p.IPVer, p.SrcIP[:n], p.DstIP[:n], p.L4Proto, l, sum, got, want)
		}
	}
}

// TestBE: be16 and be32 read as byteAt does at every index in and
// around b.
func TestBE(t *testing.T) {
	b := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde}
	for n := 0; n <= len(b); n++ {
		for i := -5; i < n+5; i++ {
			if got, want := be16(b[:n], i), be16Edge(b[:n], i); got != want {
				t.Errorf("be16(%x, %d) = %#x, want %#x", b[:n], i, got, want)
			}
			if got, want := be32(b[:n], i), be32Edge(b[:n], i); got != want {
				t.Errorf("be32(%x, %d) = %#x, want %#x", b[:n], i, got, want)
			}
		}
	}
	if be32(b, 1) != 0x3456789a || be16(b, 5) != 0xbcde || be16(b, 6) != 0xde00 || be32(b, -1) != 0x123456 {
		t.Error("be16/be32 read the wrong bytes")
	}
}

// TestIPv4Sum: the 20-byte header's fast sum equals checksum's (random,
// all-zero but the checksum field, all-0xff headers, every offset), and
// other lengths take checksum's.
func TestIPv4Sum(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	buf := make([]byte, 80)
	for it := 0; it < 100000; it++ {
		kind := rng.Intn(4)
		for i := range buf {
			switch kind {
			case 0, 1:
				buf[i] = byte(rng.Intn(256))
			case 2:
				buf[i] = 0
			case 3:
				buf[i] = 0xff
			}
		}
		l3 := rng.Intn(30)
		if kind == 2 {
			buf[l3+10], buf[l3+11] = byte(rng.Intn(256)), byte(rng.Intn(256))
		}
		n := 20
		if rng.Intn(4) == 0 {
			n = 20 + 4*rng.Intn(11)
		}
		b := buf[:min(len(buf), l3+n+rng.Intn(3)-1)] // sometimes one byte short: the slow path
		if got, want := ipv4Sum(b, l3, n), ^checksum(b, l3, n, 5, 0); got != want {
			t.Fatalf("len %d l3 %d n %d kind %d: %#04x, want %#04x", len(b), l3, n, kind, got, want)
		}
	}
}
