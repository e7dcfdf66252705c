package tcpflags

import (
	"encoding/binary"
	"math/bits"
)

// checksum is the one's-complement sum (folded, not inverted) of the n
// bytes at b[off:], the 16-bit word number skip left out (0: none),
// started from sum. Bytes past b count as 0.
//
// The one's-complement sum does not depend on the byte order (RFC 1071),
// so it adds the bytes as little-endian 64-bit words in one carry chain
// (sumWords; 2^16 ≡ 1 modulo 0xffff, so their sum folds to the same
// value), the last partial word read without a branch per length, and
// swaps the bytes of the folded result. The skipped word is taken out of
// the folded sum by one's-complement subtraction: that leaves the
// "negative zero" 0xffff where adding the words one by one gives 0 when
// the start sum and all bytes but the skipped word are zero, which the
// rare result 0xffff checks.
func checksum(b []byte, off, n, skip int, sum uint16) uint16 {
	if off < 0 || off > len(b) {
		n = 0
	} else if n > len(b)-off {
		n = len(b) - off
	}
	if n <= 0 {
		return sum
	}
	d := b[off : off+n]
	acc := sumWords(d, uint64(swap16(sum)))
	if r := n & 7; r != 0 {
		var w uint64
		if n >= 8 {
			// the last r bytes start at a multiple of 8: shifted down, they
			// are where they are in their own 8-byte word
			w = binary.LittleEndian.Uint64(d[n-8:]) >> (64 - 8*uint(r))
		} else {
			for i := n - 1; i >= 0; i-- {
				w = w<<8 | uint64(d[i])
			}
		}
		var c uint64
		acc, c = bits.Add64(acc, w, 0)
		acc += c // no carry again: with one, acc <= 2^64-2 before
	}
	f := fold64(acc)
	if s := 2 * skip; skip > 0 && s < n {
		w := uint16(d[s])
		if s+1 < n {
			w |= uint16(d[s+1]) << 8
		}
		g := uint32(f) + uint32(^w)
		f = uint16(g&0xffff + g>>16)
		if f == 0xffff && sum == 0 && zeroBut(d, s) {
			f = 0
		}
	}
	return swap16(f)
}

// zeroBut reports whether d is all zero but (perhaps) the two bytes at s.
func zeroBut(d []byte, s int) bool {
	for i, c := range d {
		if c != 0 && i != s && i != s+1 {
			return false
		}
	}
	return true
}

// sumWordsGo is sumWords in Go: the one's-complement sum (modulo
// 2^64−1, end-around carry) of acc and the little-endian 64-bit words
// of d (its len(d)/8 whole ones). It is 0 only when they all are.
func sumWordsGo(d []byte, acc uint64) uint64 {
	var c uint64
	for len(d) >= 64 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[24:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[32:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[40:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[48:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d[56:]), c)
		d = d[64:]
	}
	for len(d) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(d), c)
		d = d[8:]
	}
	acc, c = bits.Add64(acc, 0, c)
	return acc + c
}

// fold64 folds a to 16 bits with end-around carries: the value in
// [1, 0xffff] congruent to a modulo 0xffff, 0 only for a == 0.
func fold64(a uint64) uint16 {
	s, c := bits.Add32(uint32(a), uint32(a>>32), 0)
	s += c // no carry again: with one, s <= 0xfffffffe before
	t := s&0xffff + s>>16
	t = t&0xffff + t>>16
	return uint16(t)
}
