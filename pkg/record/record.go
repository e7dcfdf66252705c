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
		w.buf = append(w.buf, fieldBit|opNop)
	} else if w.fields > 0 {
		w.buf = append(w.buf, '\t')
	}
	w.fields++
}

// start begins the field of a value method (U64, H16, ...): it counts
// the field and returns the field flag a deferred op carries, or writes
// the TAB of a text line. The caller checked Disabled.
func (w *Writer) start() byte {
	w.fields++
	if w.Deferred {
		return fieldBit
	}
	if w.fields > 1 {
		w.buf = append(w.buf, '\t')
	}
	return 0
}

// Semi appends the ';' that separates repeated values.
func (w *Writer) Semi() {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(w.buf, opSemi)
	default:
		w.buf = append(w.buf, ';')
	}
}

// Under appends the '_' that joins the parts of a compound value.
func (w *Writer) Under() {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = append(w.buf, opUnder)
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
// without the prefix start a new field first. Each has a put method that
// takes the field flag of a deferred op (0 or fieldBit).

func (w *Writer) AppendU64(v uint64) {
	switch {
	case w.Disabled:
	case w.Deferred:
		w.buf = appendUintOp(w.buf, 0, v)
	default:
		w.buf = appendUint(w.buf, v)
	}
}

func (w *Writer) AppendI64(v int64) {
	if !w.Disabled {
		w.putI64(0, v)
	}
}

func (w *Writer) putI64(f byte, v int64) {
	switch {
	case !w.Deferred:
		w.buf = appendInt(w.buf, v)
	case v >= 0:
		w.buf = appendUintOp(w.buf, f, uint64(v))
	default:
		w.buf = le.AppendUint64(append(w.buf, f|opI64), uint64(v))
	}
}

// AppendHex appends 0x and v in lower-case hex zero-padded to digits
// (only the low digits digits of v).
func (w *Writer) AppendHex(v uint64, digits int) {
	if !w.Disabled {
		w.putHex(0, v, digits)
	}
}

func (w *Writer) putHex(f byte, v uint64, digits int) {
	if !w.Deferred {
		w.buf = appendHex(w.buf, v, digits)
		return
	}
	switch digits {
	case 2:
		w.buf = append(w.buf, f|opHex2, byte(v))
	case 4:
		w.buf = append(w.buf, f|opHex4, byte(v), byte(v>>8))
	case 8:
		w.buf = le.AppendUint32(append(w.buf, f|opHex8), uint32(v))
	case 16:
		w.buf = le.AppendUint64(append(w.buf, f|opHex16), v)
	default:
		w.buf = le.AppendUint64(append(w.buf, f|opHex, byte(digits)), v)
	}
}

// AppendF32 renders v as C's %.7g does for T2's F columns.
func (w *Writer) AppendF32(v float32) {
	switch {
	case w.Disabled:
	case w.Deferred && math.Float32bits(v) == 0:
		w.buf = append(w.buf, opF32Zero)
	case w.Deferred:
		w.buf = le.AppendUint32(append(w.buf, opF32), math.Float32bits(v))
	default:
		w.buf = AppendG7(w.buf, v)
	}
}

// AppendF64 renders v as C's %f (6 decimals).
func (w *Writer) AppendF64(v float64) {
	if !w.Disabled {
		w.putF64(0, v)
	}
}

func (w *Writer) putF64(f byte, v float64) {
	if w.Deferred {
		w.buf = le.AppendUint64(append(w.buf, f|opF64), math.Float64bits(v))
	} else {
		w.buf = appendF64(w.buf, v)
	}
}

func (w *Writer) AppendTime(t packet.Time) {
	if !w.Disabled {
		w.putTime(0, t)
	}
}

func (w *Writer) putTime(f byte, t packet.Time) {
	if w.Deferred {
		w.buf = le.AppendUint64(append(w.buf, f|opTime), uint64(t))
	} else {
		w.buf = appendTime(w.buf, t)
	}
}

func (w *Writer) AppendMAC(m [6]byte) {
	if !w.Disabled {
		w.putMAC(0, m)
	}
}

func (w *Writer) putMAC(f byte, m [6]byte) {
	if w.Deferred {
		w.buf = append(w.buf, f|opMAC, m[0], m[1], m[2], m[3], m[4], m[5])
	} else {
		w.buf = AppendMAC(w.buf, m)
	}
}

// AppendIP renders an address of IP version ver (4 or 6); ver 0 gives "-".
func (w *Writer) AppendIP(ver uint8, a *[16]byte) {
	if !w.Disabled {
		w.putIP(0, ver, a)
	}
}

func (w *Writer) putIP(f byte, ver uint8, a *[16]byte) {
	switch {
	case !w.Deferred:
		w.buf = AppendIP(w.buf, ver, a)
	case ver == 4:
		w.buf = append(w.buf, f|opIP4, a[0], a[1], a[2], a[3])
	case ver == 6:
		w.buf = append(append(w.buf, f|opIP6), a[:]...)
	default:
		w.buf = append(w.buf, f|opNoIP)
	}
}

// AppendStr appends s quoted and sanitised (T2 type S).
func (w *Writer) AppendStr(s []byte) {
	if !w.Disabled {
		w.putStr(0, s)
	}
}

func (w *Writer) putStr(f byte, s []byte) {
	if w.Deferred {
		w.buf = appendOpBytes(w.buf, f|opStr, s)
	} else {
		w.buf = append(w.buf, '"')
		w.buf = AppendSanitized(w.buf, s)
		w.buf = append(w.buf, '"')
	}
}

// AppendStrClass appends s unquoted and sanitised (T2 type SC).
func (w *Writer) AppendStrClass(s []byte) {
	if !w.Disabled {
		w.putStrClass(0, s)
	}
}

func (w *Writer) putStrClass(f byte, s []byte) {
	if w.Deferred {
		w.buf = appendOpBytes(w.buf, f|opStrClass, s)
	} else {
		w.buf = AppendSanitized(w.buf, s)
	}
}

// The one-field methods: a deferred record stores the field start in the
// flag of the value's op. The common ones write the deferred op
// themselves (one call per value on the packet goroutine).

// tab writes the TAB before a text field (after start counted it).
func (w *Writer) tab() {
	if w.fields > 1 {
		w.buf = append(w.buf, '\t')
	}
}

func (w *Writer) U64(v uint64) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = appendUintOp(w.buf, fieldBit, v)
		return
	}
	w.tab()
	w.buf = appendUint(w.buf, v)
}

func (w *Writer) I64(v int64) {
	if !w.Disabled {
		w.putI64(w.start(), v)
	}
}

func (w *Writer) H8(v uint8) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = append(w.buf, fieldBit|opHex2, v)
		return
	}
	w.tab()
	w.buf = appendHex(w.buf, uint64(v), 2)
}

func (w *Writer) H16(v uint16) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = append(w.buf, fieldBit|opHex4, byte(v), byte(v>>8))
		return
	}
	w.tab()
	w.buf = appendHex(w.buf, uint64(v), 4)
}

func (w *Writer) H32(v uint32) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = le.AppendUint32(append(w.buf, fieldBit|opHex8), v)
		return
	}
	w.tab()
	w.buf = appendHex(w.buf, uint64(v), 8)
}

func (w *Writer) H64(v uint64) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = le.AppendUint64(append(w.buf, fieldBit|opHex16), v)
		return
	}
	w.tab()
	w.buf = appendHex(w.buf, v, 16)
}

func (w *Writer) F32(v float32) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		if b := math.Float32bits(v); b == 0 {
			w.buf = append(w.buf, fieldBit|opF32Zero)
		} else {
			w.buf = le.AppendUint32(append(w.buf, fieldBit|opF32), b)
		}
		return
	}
	w.tab()
	w.buf = AppendG7(w.buf, v)
}

func (w *Writer) F64(v float64) {
	if !w.Disabled {
		w.putF64(w.start(), v)
	}
}

func (w *Writer) Time(t packet.Time) {
	if w.Disabled {
		return
	}
	w.fields++
	if w.Deferred {
		w.buf = le.AppendUint64(append(w.buf, fieldBit|opTime), uint64(t))
		return
	}
	w.tab()
	w.buf = appendTime(w.buf, t)
}

func (w *Writer) MAC(m [6]byte) {
	if !w.Disabled {
		w.putMAC(w.start(), m)
	}
}

func (w *Writer) IP(ver uint8, a *[16]byte) {
	if !w.Disabled {
		w.putIP(w.start(), ver, a)
	}
}

func (w *Writer) Str(s []byte) {
	if !w.Disabled {
		w.putStr(w.start(), s)
	}
}

func (w *Writer) StrClass(s []byte) {
	if !w.Disabled {
		w.putStrClass(w.start(), s)
	}
}

// Char is a field of one byte as it is.
func (w *Writer) Char(c byte) {
	if w.Disabled {
		return
	}
	if f := w.start(); w.Deferred {
		w.buf = append(w.buf, f|opByte, c)
	} else {
		w.buf = append(w.buf, c)
	}
}

func (w *Writer) Empty() { w.Field() }

const hexdigits = "0123456789abcdef"

// AppendMAC appends m as aa:bb:cc:dd:ee:ff.
func AppendMAC(b []byte, m [6]byte) []byte {
	return append(b,
		hex2[2*int(m[0])], hex2[2*int(m[0])+1], ':',
		hex2[2*int(m[1])], hex2[2*int(m[1])+1], ':',
		hex2[2*int(m[2])], hex2[2*int(m[2])+1], ':',
		hex2[2*int(m[3])], hex2[2*int(m[3])+1], ':',
		hex2[2*int(m[4])], hex2[2*int(m[4])+1], ':',
		hex2[2*int(m[5])], hex2[2*int(m[5])+1])
}

// AppendIP appends an IPv4 (first 4 bytes) or IPv6 address as inet_ntop
// prints it; version 0 gives "-".
func AppendIP(b []byte, ver uint8, a *[16]byte) []byte {
	switch ver {
	case 4:
		return appendIPv4(b, a[0], a[1], a[2], a[3])
	case 6:
		return appendIPv6(b, a)
	}
	return append(b, '-')
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
		// Copy the run of plain ASCII at once.
		j := i
		for j < len(s) && plain[s[j]] {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch e := escapes[c]; {
			case e != 0:
				b = append(b, '\\', e)
			case c == '"':
				b = append(b, '\\', '"')
			default: // c < 0x20 || c == 0x7f
				b = append(b, '\\', 'u', '0', '0', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
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
