package record

import (
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/t2go/t2go/pkg/packet"
)

// The formatters below produce exactly what strconv (and fmt's %0Nx)
// produce for the same values; format_test.go compares them on random
// values. They are faster for the values flow records hold: mostly small
// integers and zeros.

// digits2 holds "00".."99": two decimal digits per table lookup.
const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// hex2 holds "00".."ff": two hex digits per table lookup.
var hex2 = func() (t [512]byte) {
	for i := 0; i < 256; i++ {
		t[2*i], t[2*i+1] = hexdigits[i>>4], hexdigits[i&0xf]
	}
	return t
}()

// AppendUint appends v in decimal, as strconv.AppendUint(b, v, 10) does
// (faster for small values).
func AppendUint(b []byte, v uint64) []byte { return appendUint(b, v) }

// appendUint is strconv.AppendUint(b, v, 10).
func appendUint(b []byte, v uint64) []byte {
	// Up to 4 digits (most values) as stores of constant count, no copy.
	switch {
	case v < 10:
		return append(b, byte('0'+v))
	case v < 100:
		return append(b, digits2[2*v], digits2[2*v+1])
	case v < 1000:
		q := v / 100
		r := v - q*100
		return append(b, byte('0'+q), digits2[2*r], digits2[2*r+1])
	case v < 10000:
		q := v / 100
		r := v - q*100
		return append(b, digits2[2*q], digits2[2*q+1], digits2[2*r], digits2[2*r+1])
	}
	return appendUintLong(b, v)
}

// pow10tab[i] = 10^i.
var pow10tab = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// decLen returns the number of decimal digits of v > 0.
func decLen(v uint64) int {
	n := 1 + (bits.Len64(v)*1233)>>12 // 1233/4096 ~ log10(2)
	if v < pow10tab[n-1] {
		n--
	}
	return n
}

// appendUintLong writes the digits of v in place, two at a time from the
// end.
func appendUintLong(b []byte, v uint64) []byte {
	n := decLen(v)
	l := len(b)
	if cap(b)-l < n {
		b = append(b, make([]byte, n)...)
	} else {
		b = b[:l+n]
	}
	d := b[l : l+n]
	i := n
	for v >= 1<<32 {
		q := v / 100
		r := uint32(v - q*100)
		i -= 2
		d[i], d[i+1] = digits2[2*r], digits2[2*r+1]
		v = q
	}
	u := uint32(v) // 32-bit divisions from here
	for u >= 100 {
		q := u / 100
		r := u - q*100
		i -= 2
		d[i], d[i+1] = digits2[2*r], digits2[2*r+1]
		u = q
	}
	if u >= 10 {
		d[i-2], d[i-1] = digits2[2*u], digits2[2*u+1]
	} else {
		d[i-1] = byte('0' + u)
	}
	return b
}

// appendInt is strconv.AppendInt(b, v, 10).
func appendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return appendUint(b, uint64(v))
	}
	return appendUint(append(b, '-'), -uint64(v))
}

// hexZeros is "0x" and 16 zeros: a hex value is written as this prefix,
// then its non-zero low digits are filled in.
const hexZeros = "0x0000000000000000"

// appendHex appends 0x and the low digits hex digits of v, lower case,
// zero-padded (fmt's "0x%0*x" of v truncated to digits digits).
func appendHex(b []byte, v uint64, digits int) []byte {
	if digits < 0 || digits > 16 {
		return appendHexSlow(b, v, digits)
	}
	b = append(b, hexZeros[:2+digits]...)
	d := b[len(b)-digits:]
	i := len(d)
	for ; i >= 2 && v != 0; i -= 2 {
		c := v & 0xff
		d[i-2], d[i-1] = hex2[2*c], hex2[2*c+1]
		v >>= 8
	}
	if i == 1 {
		d[0] = hexdigits[v&0xf]
	}
	return b
}

func appendHexSlow(b []byte, v uint64, digits int) []byte {
	b = append(b, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexdigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// appendTime is packet.Time.AppendTo: SEC.NNNNNNNNN.
func appendTime(b []byte, t packet.Time) []byte {
	if t < 0 {
		return t.AppendTo(b)
	}
	sec := uint64(t) / 1e9
	ns := uint32(uint64(t) - sec*1e9)
	b = appendUint(b, sec)
	b = append(b, ".000000000"...)
	if ns == 0 {
		return b
	}
	d := b[len(b)-9:]
	d[8] = byte('0' + ns%10)
	ns /= 10
	for i := 8; i >= 2; i -= 2 {
		q := ns / 100
		r := ns - q*100
		d[i-2], d[i-1] = digits2[2*r], digits2[2*r+1]
		ns = q
	}
	return b
}

// appendF64 is strconv.AppendFloat(b, v, 'f', 6, 64) (C's %f).
func appendF64(b []byte, v float64) []byte {
	// Integral values print as the integer and six zeros; -0 keeps the
	// slow path ("-0.000000").
	if i := int64(v); float64(i) == v && i > -1e15 && i < 1e15 && (i != 0 || math.Float64bits(v) == 0) {
		return append(appendInt(b, i), ".000000"...)
	}
	return strconv.AppendFloat(b, v, 'f', 6, 64)
}

// AppendG7 appends v like C's printf("%.7g", v) for a float32 value.
func AppendG7(b []byte, v float32) []byte {
	// Fast path: an integral value below 10^7 has at most 7 digits, so
	// %.7g prints it as the integer (no exponent, no point). Many flow
	// statistics are 0 or whole numbers. -0 keeps the slow path ("-0").
	// (NaN and the infinities fail float32(i) == v.)
	if i := int32(v); float32(i) == v && i > -1e7 && i < 1e7 && (i != 0 || math.Float32bits(v) == 0) {
		if cap(b)-len(b) >= putRoom { // as in render
			return putInt(b, int64(i))
		}
		return appendInt(b, int64(i))
	}
	if out, ok := appendG7Fixed(b, v); ok {
		return out
	}
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 7, 64)
}

// g7Exp[exp-g7ExpLo] guides appendG7Fixed for a float32 of biased
// binary exponent exp (v in [2^e, 2^(e+1)), e = exp-127): x is
// g = floor(e*log10(2)), so the decimal exponent X of v is g or g+1;
// p0 = 10^(6-g) scales v to 7 significant digits when X = g, p1 =
// 10^(5-g) when X = g+1 (0 when g = 6: v < 2^23 < 10^7, so X = 6).
var g7Exp = func() (t [g7ExpHi - g7ExpLo + 1]struct {
	p0, p1 uint64
	x      int
}) {
	for i := range t {
		e := i + g7ExpLo - 127
		g := int(math.Floor(float64(e) * math.Log10(2)))
		t[i].x = g
		t[i].p0 = pow10(6 - g)
		if g < 6 {
			t[i].p1 = pow10(5 - g)
		}
	}
	return t
}()

// The exponents appendG7Fixed handles: 2^-14 (below 1e-4) up to 2^23
// (not included; from there on a float32 is integral).
const g7ExpLo, g7ExpHi = 127 - 14, 127 + 22

// pow10 is 10^k for 0 <= k <= 19.
func pow10(k int) uint64 {
	p := uint64(1)
	for ; k > 0; k-- {
		p *= 10
	}
	return p
}

// appendG7Fixed formats a normal float32 with 1e-4 <= |v| < 1e7, which
// %.7g prints without exponent, in exact integer arithmetic: v = m*2^-s,
// so the 7 significant digits are floor(m*10^k / 2^s) for k = 6 - X
// (X = decimal exponent), rounded half to even on the exact remainder as
// printf does. ok is false when v is outside that range (the caller uses
// strconv then). The caller has handled the integral values below 10^7.
func appendG7Fixed(b []byte, v float32) ([]byte, bool) {
	fb := math.Float32bits(v)
	exp := int(fb>>23) & 0xff
	i := uint(exp - g7ExpLo)
	if i >= uint(len(g7Exp)) {
		return b, false // zero, subnormal, inf, nan, tiny or |v| >= 2^23
	}
	ge := &g7Exp[i]
	m := uint64(fb&0x7fffff | 1<<23)
	s := uint(150-exp) & 63 // v = m / 2^s, 1 <= s <= 37 (the mask spares the shifts a range test)
	x := ge.x
	num := m * ge.p0 // < 2^24 * 10^11 < 2^61
	t := num >> s
	if t >= 1e7 {
		num = m * ge.p1
		t = num >> s
		x++
	}
	// Round half to even: num = t*2^s + rem; t+1 when rem+(t&1) > 2^(s-1).
	t = (num + uint64(1)<<((s-1)&63) - 1 + t&1) >> s
	if t == 1e7 { // rounded up to the next power of ten
		t = 1e6
		x++
	}
	if x < -4 {
		return b, false // x <= 6 as |v| < 2^23
	}
	return putG7(b, fb>>31, t, x), true
}

// putG7 appends a %g form of 7 significant digits: t (10^6 <= t < 10^7)
// times 10^(x-6), x from -4 to 6, negative when neg is 1.
func putG7(b []byte, neg uint32, t uint64, x int) []byte {
	n := len(b)
	if cap(b)-n < putRoom {
		b = slices.Grow(b, putRoom)
	}
	b = b[:n+putRoom]
	b[n] = '-'
	n += int(neg)
	// The 7 digits as a word (the most significant digit in the lowest
	// byte, the 8th byte 0); %g drops the trailing zeros of the fraction
	// (and the point with them): nd is the digits up to the last
	// non-zero one.
	w := digits8(uint32(t)) >> 8
	nd := (64 - bits.LeadingZeros64(w-0x0030303030303030) + 7) >> 3
	if x >= 0 {
		ni := x + 1 // integer digits
		if nd <= ni {
			le.PutUint64(b[n:], w)
			return b[:n+ni]
		}
		// The point after the integer digits (8 bytes at most: the
		// fraction has digits, so x < 6).
		sh := uint(8 * ni)
		le.PutUint64(b[n:], w&(1<<sh-1)|'.'<<sh|(w>>sh)<<(sh+8))
		return b[:n+nd+1]
	}
	// "0." and -x-1 zeros (x >= -4), then the digits.
	le.PutUint64(b[n:], '0'|'.'<<8|'0'<<16|'0'<<24|'0'<<32)
	n += 1 - x
	le.PutUint64(b[n:], w)
	return b[:n+nd]
}

// octets[c] is c in decimal: its length, then up to 3 digits.
var octets = func() (t [256][4]byte) {
	for c := 0; c < 256; c++ {
		s := strconv.Itoa(c)
		t[c][0] = byte(len(s))
		copy(t[c][1:], s)
	}
	return t
}()

// appendOctet appends c in decimal.
func appendOctet(b []byte, c byte) []byte {
	o := &octets[c]
	return append(b, o[1:1+o[0]]...)
}

// appendIPv4 appends a dotted quad.
func appendIPv4(b []byte, a0, a1, a2, a3 byte) []byte {
	b = appendOctet(b, a0)
	b = appendOctet(append(b, '.'), a1)
	b = appendOctet(append(b, '.'), a2)
	return appendOctet(append(b, '.'), a3)
}

// plain[c] is set for the bytes AppendSanitized copies as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// The put formatters append to b like the append formatters, but the
// caller guarantees room: cap(b)-len(b) >= putRoom (they store whole
// words, so bytes past the text may change, and they do not grow b).
// render reserves that room once per record (reserve).
const putRoom = 32

// dig2w[v] is the two decimal digits of v < 100 as a little-endian word
// (tens first); 128 entries, so an index masked with 127 needs no
// bounds check.
var dig2w = func() (t [128]uint16) {
	for v := 0; v < 100; v++ {
		t[v] = uint16(digits2[2*v]) | uint16(digits2[2*v+1])<<8
	}
	return t
}()

// hex2w[c] is the two hex digits of c as a little-endian word.
var hex2w = func() (t [256]uint16) {
	for c := 0; c < 256; c++ {
		t[c] = uint16(hex2[2*c]) | uint16(hex2[2*c+1])<<8
	}
	return t
}()

// digits8 returns the 8 decimal digits of v < 1e8 (leading zeros
// included) as a little-endian word: the most significant digit in the
// lowest byte.
//
// It splits the value in lanes and divides all lanes at once by
// multiplying: the two 4-digit halves in 32-bit lanes, each into two
// 2-digit values in 16-bit lanes (a/100 = a*10486>>20 for a < 10^4),
// each into two digits in bytes (c/10 = c*103>>10 for c < 100); no lane
// overflows into the next one (10^4*10486 < 2^32, 100*103 < 2^16).
func digits8(v uint32) uint64 {
	hi, lo := v/10000, v%10000
	x := uint64(hi) | uint64(lo)<<32
	q := (x * 10486 >> 20) & 0x0000007f_0000007f
	x = q | (x-q*100)<<16
	q = (x * 103 >> 10) & 0x000f_000f_000f_000f
	x = q | (x-q*10)<<8
	return x + 0x30303030_30303030
}

// putHex2 appends 0x and the 2 hex digits of c.
func putHex2(b []byte, c byte) []byte {
	n := len(b)
	b = b[:n+4]
	le.PutUint32(b[n:], '0'|'x'<<8|uint32(hex2w[c])<<16)
	return b
}

// putHex4 appends 0x and the 4 hex digits of v.
func putHex4(b []byte, v uint16) []byte {
	n := len(b)
	b = b[:n+8]
	le.PutUint64(b[n:], '0'|'x'<<8|uint64(hex2w[v>>8])<<16|uint64(hex2w[v&0xff])<<32)
	return b[:n+6]
}

// hex4w returns the 4 hex digits of v as a little-endian word (most
// significant first).
func hex4w(v uint16) uint64 {
	return uint64(hex2w[v>>8]) | uint64(hex2w[v&0xff])<<16
}

// putHex8 appends 0x and the 8 hex digits of v.
func putHex8(b []byte, v uint32) []byte {
	n := len(b)
	b = b[:n+10]
	le.PutUint16(b[n:], '0'|'x'<<8)
	le.PutUint64(b[n+2:], hex4w(uint16(v>>16))|hex4w(uint16(v))<<32)
	return b
}

// putHex16 appends 0x and the 16 hex digits of v.
func putHex16(b []byte, v uint64) []byte {
	n := len(b)
	b = b[:n+18]
	le.PutUint16(b[n:], '0'|'x'<<8)
	le.PutUint64(b[n+2:], hex4w(uint16(v>>48))|hex4w(uint16(v>>32))<<32)
	le.PutUint64(b[n+10:], hex4w(uint16(v>>16))|hex4w(uint16(v))<<32)
	return b
}

// putTime appends t as packet.Time.AppendTo does: SEC.NNNNNNNNN.
func putTime(b []byte, t packet.Time) []byte {
	if t < 0 {
		return t.AppendTo(b)
	}
	sec := uint64(t) / 1e9
	ns := uint32(uint64(t) - sec*1e9)
	n := len(b)
	if sec-1e9 < 9e9 { // 10 digits (2001-2286)
		hi, lo := uint32(sec/1e8), uint32(sec%1e8)
		b = b[:n+20]
		le.PutUint16(b[n:], dig2w[hi&127])
		le.PutUint64(b[n+2:], digits8(lo))
	} else {
		b = putUint(b, sec) // a duration: mostly one digit
		n = len(b) - 10
		b = b[:len(b)+10]
	}
	le.PutUint16(b[n+10:], '.'|uint16('0'+ns/1e8)<<8)
	le.PutUint64(b[n+12:], digits8(ns%1e8))
	return b
}

// putMAC appends m as aa:bb:cc:dd:ee:ff.
func putMAC(b []byte, m *[6]byte) []byte {
	n := len(b)
	b = b[:n+20]
	le.PutUint32(b[n:], uint32(hex2w[m[0]])|':'<<16)
	le.PutUint32(b[n+3:], uint32(hex2w[m[1]])|':'<<16)
	le.PutUint32(b[n+6:], uint32(hex2w[m[2]])|':'<<16)
	le.PutUint32(b[n+9:], uint32(hex2w[m[3]])|':'<<16)
	le.PutUint32(b[n+12:], uint32(hex2w[m[4]])|':'<<16)
	le.PutUint16(b[n+15:], hex2w[m[5]])
	return b[:n+17]
}

// oct4[c] is c in decimal and a '.' as a little-endian word (at most 4
// bytes), octLen[c] their length.
var oct4, octLen = func() (t [256]uint32, l [256]uint8) {
	for c := 0; c < 256; c++ {
		s := strconv.Itoa(c) + "."
		for i := len(s) - 1; i >= 0; i-- {
			t[c] = t[c]<<8 | uint32(s[i])
		}
		l[c] = uint8(len(s))
	}
	return t, l
}()

// putIPv4 appends the dotted quad of a.
func putIPv4(b []byte, a *[4]byte) []byte {
	n := len(b)
	b = b[:n+16]
	le.PutUint32(b[n:], oct4[a[0]])
	n += int(octLen[a[0]])
	le.PutUint32(b[n:], oct4[a[1]])
	n += int(octLen[a[1]])
	le.PutUint32(b[n:], oct4[a[2]])
	n += int(octLen[a[2]])
	le.PutUint32(b[n:], oct4[a[3]])
	return b[:n+int(octLen[a[3]])-1] // without the last '.'
}

// putUint appends v in decimal (strconv.FormatUint(v, 10)).
func putUint(b []byte, v uint64) []byte {
	n := len(b)
	switch {
	case v < 10:
		b = b[:n+1]
		b[n] = byte('0' + v)
		return b
	case v < 100:
		b = b[:n+2]
		le.PutUint16(b[n:], dig2w[v&127])
		return b
	case v < 10000:
		q := uint32(v) / 100
		w := uint32(dig2w[q&127]) | uint32(dig2w[(uint32(v)-q*100)&127])<<16
		b = b[:n+4]
		if q < 10 {
			le.PutUint32(b[n:], w>>8)
			return b[:n+3]
		}
		le.PutUint32(b[n:], w)
		return b
	case v < 1e8:
		l := decLen(v)
		b = b[:n+8]
		le.PutUint64(b[n:], digits8(uint32(v))>>(8*(8-l)&63))
		return b[:n+l]
	}
	return appendUintLong(b, v)
}

// putInt appends v in decimal (strconv.FormatInt(v, 10)).
func putInt(b []byte, v int64) []byte {
	if v >= 0 {
		return putUint(b, uint64(v))
	}
	return putUint(append(b, '-'), -uint64(v))
}

// plain8 reports whether the 8 bytes of w are all bytes AppendSanitized
// copies as they are (0x20-0x7e but '"' and '\\').
func plain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// A byte's high bit is set in the sum when it is >= 0x7f (or was
	// already), in the differences when it is < 0x20, '"' or '\\' (a
	// borrow or carry can only mark the bytes after a marked one).
	q, bs := w^'"'*ones, w^'\\'*ones
	return (w+ones|w|(w-0x20*ones)&^w|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// putSanitized is AppendSanitized with a fast path for a string of at
// least 8 plain bytes when b has room for it: copied a word at a time,
// the last word overlapping the one before.
func putSanitized(b []byte, s []byte) []byte {
	n, l := len(b), len(s)
	if l < 8 || cap(b)-n < l {
		return AppendSanitized(b, s)
	}
	last := le.Uint64(s[l-8:])
	if !plain8(last) {
		return AppendSanitized(b, s)
	}
	d := b[n : n+l]
	for i := 0; i < l-8; i += 8 {
		w := le.Uint64(s[i:])
		if !plain8(w) {
			return AppendSanitized(b[:n+i], s[i:])
		}
		le.PutUint64(d[i:], w)
	}
	le.PutUint64(d[l-8:], last)
	return b[:n+l]
}
