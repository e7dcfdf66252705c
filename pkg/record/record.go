// Package record renders flow and packet records as T2's text lines:
// typed values separated by TAB, repeated values by ';', compound values
// by '_'. A Writer reuses its buffer, so rendering does not allocate in
// steady state.
package record

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/t2go/t2go/pkg/packet"
)

// Column describes one output column: its name, T2 type string (as in
// _headers.txt: U64, H16, U64.U32, SC:R, ...) and description.
type Column struct {
	Name string
	Type string
	Desc string
}

// Writer accumulates one line. The zero value is ready to use.
type Writer struct {
	buf    []byte
	fields int
	// Disabled makes every append a no-op (no sink is active); plugins
	// may also test it to skip expensive preparation.
	Disabled bool
	// Deferred makes the writer store each value in binary (an opcode
	// and the raw value) instead of text; Render turns such a record into
	// the same text later, possibly on another goroutine (deferred.go).
	Deferred bool
}

// Reset starts a new line.
func (w *Writer) Reset() { w.buf = w.buf[:0]; w.fields = 0 }

// Bytes returns the line so far (without newline).
func (w *Writer) Bytes() []byte { return w.buf }

// Fields returns how many fields were started.
func (w *Writer) Fields() int { return w.fields }

// Field starts a new field (adds the TAB separator when needed).
func (w *Writer) Field() {
	if w.Disabled {
		return
	}
	if w.Deferred {
		w.buf = append(w.buf, opField)
	} else if w.fields > 0 {
		w.buf = append(w.buf, '\t')
	}
	w.fields++
}

// Semi appends the ';' that separates repeated values.
func (w *Writer) Semi() {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(w.buf, opByte, ';')
	default:
		w.buf = append(w.buf, ';')
	}
}

// Under appends the '_' that joins the parts of a compound value.
func (w *Writer) Under() {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(w.buf, opByte, '_')
	default:
		w.buf = append(w.buf, '_')
	}
}

// Raw appends bytes as they are.
func (w *Writer) Raw(b []byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOpBytes(w.buf, opRaw, b)
	default:
		w.buf = append(w.buf, b...)
	}
}

// RawString appends a string as it is.
func (w *Writer) RawString(s string) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOpString(w.buf, opRaw, s)
	default:
		w.buf = append(w.buf, s...)
	}
}

// The Append* methods add a value to the current field; the methods
// without the prefix start a new field first.

func (w *Writer) AppendU64(v uint64) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(w.buf, opU64, v)
	default:
		w.buf = appendUint(w.buf, v)
	}
}

func (w *Writer) AppendI64(v int64) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(w.buf, opI64, uint64(v))
	default:
		w.buf = appendInt(w.buf, v)
	}
}

// AppendHex appends 0x and v in lower-case hex zero-padded to digits.
func (w *Writer) AppendHex(v uint64, digits int) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(append(w.buf, opHex), byte(digits), v)
	default:
		w.buf = appendHex(w.buf, v, digits)
	}
}

func appendHex(b []byte, v uint64, digits int) []byte {
	b = append(b, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// AppendF32 renders v as C's %.7g does for T2's F columns.
func (w *Writer) AppendF32(v float32) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(w.buf, opF32, uint64(math.Float32bits(v)))
	default:
		w.buf = AppendG7(w.buf, v)
	}
}

// AppendF64 renders v as C's %f (6 decimals).
func (w *Writer) AppendF64(v float64) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(w.buf, opF64, math.Float64bits(v))
	default:
		w.buf = strconv.AppendFloat(w.buf, v, 'f', 6, 64)
	}
}

func (w *Writer) AppendTime(t packet.Time) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOp64(w.buf, opTime, uint64(t))
	default:
		w.buf = t.AppendTo(w.buf)
	}
}

func (w *Writer) AppendMAC(m [6]byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(append(w.buf, opMAC), m[:]...)
	default:
		w.buf = AppendMAC(w.buf, m)
	}
}

// AppendIP renders an address of IP version ver (4 or 6); ver 0 gives "-".
func (w *Writer) AppendIP(ver uint8, a *[16]byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(append(w.buf, opIP, ver), a[:]...)
	default:
		w.buf = AppendIP(w.buf, ver, a)
	}
}

// AppendStr appends s quoted and sanitised (T2 type S).
func (w *Writer) AppendStr(s []byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOpBytes(w.buf, opStr, s)
	default:
		w.buf = append(w.buf, '"')
		w.buf = AppendSanitized(w.buf, s)
		w.buf = append(w.buf, '"')
	}
}

// AppendStrClass appends s unquoted and sanitised (T2 type SC).
func (w *Writer) AppendStrClass(s []byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOpBytes(w.buf, opStrClass, s)
	default:
		w.buf = AppendSanitized(w.buf, s)
	}
}

func (w *Writer) U64(v uint64)              { w.Field(); w.AppendU64(v) }
func (w *Writer) I64(v int64)               { w.Field(); w.AppendI64(v) }
func (w *Writer) H8(v uint8)                { w.Field(); w.AppendHex(uint64(v), 2) }
func (w *Writer) H16(v uint16)              { w.Field(); w.AppendHex(uint64(v), 4) }
func (w *Writer) H32(v uint32)              { w.Field(); w.AppendHex(uint64(v), 8) }
func (w *Writer) H64(v uint64)              { w.Field(); w.AppendHex(v, 16) }
func (w *Writer) F32(v float32)             { w.Field(); w.AppendF32(v) }
func (w *Writer) F64(v float64)             { w.Field(); w.AppendF64(v) }
func (w *Writer) Time(t packet.Time)        { w.Field(); w.AppendTime(t) }
func (w *Writer) MAC(m [6]byte)             { w.Field(); w.AppendMAC(m) }
func (w *Writer) IP(ver uint8, a *[16]byte) { w.Field(); w.AppendIP(ver, a) }
func (w *Writer) Str(s []byte)              { w.Field(); w.AppendStr(s) }
func (w *Writer) StrClass(s []byte)         { w.Field(); w.AppendStrClass(s) }
func (w *Writer) Char(c byte)               { w.Field(); w.Raw([]byte{c}) }
func (w *Writer) Empty()                    { w.Field() }

const hexdigits = "0123456789abcdef"

// AppendMAC appends m as aa:bb:cc:dd:ee:ff.
func AppendMAC(b []byte, m [6]byte) []byte {
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return b
}

// AppendIP appends an IPv4 (first 4 bytes) or IPv6 address as inet_ntop
// prints it; version 0 gives "-".
func AppendIP(b []byte, ver uint8, a *[16]byte) []byte {
	switch ver {
	case 4:
		b = appendOctet(b, a[0])
		b = appendOctet(append(b, '.'), a[1])
		b = appendOctet(append(b, '.'), a[2])
		return appendOctet(append(b, '.'), a[3])
	case 6:
		return appendIPv6(b, a)
	}
	return append(b, '-')
}

// appendUint is strconv.AppendUint(b, v, 10) with a shortcut for the
// one- and two-digit values most flow columns hold (counts, flags,
// zeros).
func appendUint(b []byte, v uint64) []byte {
	switch {
	case v < 10:
		return append(b, byte('0'+v))
	case v < 100:
		return append(b, byte('0'+v/10), byte('0'+v%10))
	}
	return strconv.AppendUint(b, v, 10)
}

// appendInt is strconv.AppendInt(b, v, 10), see appendUint.
func appendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return appendUint(b, uint64(v))
	}
	return strconv.AppendInt(b, v, 10)
}

// appendOctet appends c in decimal (a flow record has 8 of them; this
// is several times cheaper than strconv.AppendUint).
func appendOctet(b []byte, c byte) []byte {
	switch {
	case c >= 100:
		return append(b, '0'+c/100, '0'+c/10%10, '0'+c%10)
	case c >= 10:
		return append(b, '0'+c/10, '0'+c%10)
	}
	return append(b, '0'+c)
}

func appendIPv6(b []byte, a *[16]byte) []byte {
	// IPv4-mapped and IPv4-compatible forms as inet_ntop prints them.
	if isZero(a[:10]) && a[10] == 0xff && a[11] == 0xff {
		b = append(b, "::ffff:"...)
		var v4 [16]byte
		copy(v4[:], a[12:])
		return AppendIP(b, 4, &v4)
	}
	if isZero(a[:12]) && !(a[12] == 0 && a[13] == 0) {
		b = append(b, "::"...)
		var v4 [16]byte
		copy(v4[:], a[12:])
		return AppendIP(b, 4, &v4)
	}
	// Longest run (>= 2) of zero groups becomes "::".
	bestStart, bestLen := -1, 0
	for i := 0; i < 8; {
		if a[2*i] == 0 && a[2*i+1] == 0 {
			j := i
			for j < 8 && a[2*j] == 0 && a[2*j+1] == 0 {
				j++
			}
			if j-i > bestLen {
				bestStart, bestLen = i, j-i
			}
			i = j
		} else {
			i++
		}
	}
	if bestLen < 2 {
		bestStart = -1
	}
	for i := 0; i < 8; i++ {
		if i == bestStart {
			b = append(b, ':', ':')
			i += bestLen - 1
			continue
		}
		if i > 0 && i != bestStart+bestLen {
			b = append(b, ':')
		}
		g := uint64(a[2*i])<<8 | uint64(a[2*i+1])
		b = strconv.AppendUint(b, g, 16)
	}
	return b
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// escapes maps the bytes T2 writes as two-character escapes to the
// letter after the backslash.
var escapes = [128]byte{'\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v', '\\': '\\'}

// AppendContent appends payload bytes as T2's packet file shows them
// (l7Content): printable ASCII as is, \b \f \n \r \t \v \\ escaped,
// every other byte as '.'.
func AppendContent(b []byte, s []byte) []byte {
	for _, c := range s {
		switch {
		case c < 0x80 && escapes[c] != 0:
			b = append(b, '\\', escapes[c])
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		default:
			b = append(b, '.')
		}
	}
	return b
}

// AppendContent adds payload bytes to the current field (see the
// package function).
func (w *Writer) AppendContent(s []byte) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendOpBytes(w.buf, opContent, s)
	default:
		w.buf = AppendContent(w.buf, s)
	}
}

// AppendSanitized appends s with T2's escaping: \b \f \n \r \t \v \\ \"
// as two-character escapes, other control bytes as \u00XX, invalid UTF-8
// bytes as '.', valid UTF-8 copied.
func AppendSanitized(b []byte, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch e := escapes[c]; {
			case e != 0:
				b = append(b, '\\', e)
			case c == '"':
				b = append(b, '\\', '"')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b = append(b, '.')
			i++
			continue
		}
		b = append(b, s[i:i+n]...)
		i += n
	}
	return b
}

// AppendG7 appends v like C's printf("%.7g", v) for a float32 value.
func AppendG7(b []byte, v float32) []byte {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	// Fast path: an integral value below 10^7 has at most 7 digits, so
	// %.7g prints it as the integer (no exponent, no point). Many flow
	// statistics are 0 or whole numbers. -0 keeps the slow path ("-0").
	if i := int32(v); float32(i) == v && i > -1e7 && i < 1e7 && (i != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, int64(i), 10)
	}
	if out, ok := appendG7Fixed(b, v); ok {
		return out
	}
	return strconv.AppendFloat(b, f, 'g', 7, 64)
}

// pow10u[i] = 10^i.
var pow10u = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11}

// appendG7Fixed formats a normal float32 with 1e-4 <= |v| < 1e7, which
// %.7g prints without exponent, in exact integer arithmetic: v = m*2^-s,
// so the 7 significant digits are floor(m*10^k / 2^s) for k = 6 - X
// (X = decimal exponent), rounded half to even on the exact remainder as
// printf does. ok is false when v is outside that range (the caller uses
// strconv then).
func appendG7Fixed(b []byte, v float32) ([]byte, bool) {
	bits := math.Float32bits(v)
	exp := int(bits>>23) & 0xff
	if exp == 0 || exp == 0xff {
		return b, false // zero, subnormal, inf, nan
	}
	m := uint64(bits&0x7fffff | 1<<23)
	s := 150 - exp // v = m / 2^s
	if s <= 0 || s >= 60 {
		return b, false // |v| >= 2^23 (integral or large) or tiny
	}
	af := math.Abs(float64(v))
	if af < 1e-4 || af >= 1e7 {
		return b, false
	}
	// Guess X from the magnitude, then correct it with the exact digits.
	x := 6
	for x > -4 && af < pow10f[x+4] {
		x--
	}
	var t, rem, half uint64
	for {
		k := 6 - x
		if k < 0 || k > 10 {
			return b, false
		}
		num := m * pow10u[k] // < 2^24 * 10^10 < 2^58
		t, rem = num>>s, num&(1<<s-1)
		switch {
		case t >= 1e7:
			x++
			continue
		case t < 1e6:
			x--
			continue
		}
		break
	}
	half = 1 << (s - 1)
	if rem > half || (rem == half && t&1 == 1) {
		t++
	}
	if t == 1e7 { // rounded up to the next power of ten
		t = 1e6
		x++
	}
	if x < -4 || x >= 7 {
		return b, false
	}
	if bits>>31 != 0 {
		b = append(b, '-')
	}
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + t%10)
		t /= 10
	}
	// %g drops trailing zeros of the fraction (and the point with them).
	n := 7
	for n > x+1 && n > 1 && d[n-1] == '0' {
		n--
	}
	if x >= 0 {
		b = append(b, d[:x+1]...)
		if n > x+1 {
			b = append(b, '.')
			b = append(b, d[x+1:n]...)
		}
		return b, true
	}
	b = append(b, '0', '.')
	for i := -1; i > x; i-- {
		b = append(b, '0')
	}
	return append(b, d[:n]...), true
}

// pow10f[i] = 10^(i-4) for the magnitude guess.
var pow10f = [...]float64{1e-4, 1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}
