// Package record renders flow and packet records as T2's text lines:
// typed values separated by TAB, repeated values by ';', compound values
// by '_'. A Writer reuses its buffer, so rendering does not allocate in
// steady state.
package record

import (
	"math"
	"slices"
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
	line   int // where the line starts in buf (ResetAt)
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
func (w *Writer) Reset() { w.buf = w.buf[:0]; w.line = 0; w.fields = 0 }

// ResetAt starts a new line at the end of buf: the line is appended to
// buf (so it needs no copy there afterwards), Bytes returns the line
// alone and Buffer buf with the line. The Writer keeps using buf's
// array until the next Reset or ResetAt (Reset would overwrite buf
// from its start).
func (w *Writer) ResetAt(buf []byte) { w.buf = buf; w.line = len(buf); w.fields = 0 }

// Bytes returns the line so far (without newline).
func (w *Writer) Bytes() []byte { return w.buf[w.line:] }

// Buffer returns the buffer of ResetAt with the line so far appended
// (the line alone after Reset).
func (w *Writer) Buffer() []byte { return w.buf }

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
		w.buf = putUint(w.room(), v)
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
		switch digits {
		case 2:
			w.buf = putHex2(w.room(), byte(v))
		case 4:
			w.buf = putHex4(w.room(), uint16(v))
		case 8:
			w.buf = putHex8(w.room(), uint32(v))
		case 16:
			w.buf = putHex16(w.room(), v)
		default:
			w.buf = appendHex(w.buf, v, digits)
		}
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
		w.buf = AppendG7(w.room(), v)
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
		w.buf = putTime(w.room(), t)
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
		w.buf = putMAC(w.room(), &m)
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
	case !w.Deferred && ver == 4:
		w.buf = putIPv4(w.room(), (*[4]byte)(a[:4]))
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
		w.buf = putSanitized(w.buf, s)
	}
}

// The one-field methods: a deferred record stores the field start in the
// flag of the value's op. The common ones write the deferred op
// themselves (one call per value on the packet goroutine).
//
// On a text line they write the field's TAB and the value with the put
// formatters, which store whole words and check no capacity: fast says
// that w.buf has room for both, so the common case costs one test of
// the mode and the room; else slow grows w.buf (and the method goes on)
// or reports a deferred or disabled Writer.

// textRoom is the room fast and room provide: a TAB and the stores of a
// put formatter.
const textRoom = putRoom + 1

// fast reports whether w writes text and w.buf has textRoom bytes of
// room.
func (w *Writer) fast() bool {
	return !w.Disabled && !w.Deferred && cap(w.buf)-len(w.buf) >= textRoom
}

// slow is the other case of fast: it grows the buffer of a text Writer
// and reports true, or reports false for a deferred or disabled one.
//
//go:noinline
func (w *Writer) slow() bool {
	if w.Disabled || w.Deferred {
		return false
	}
	w.grow()
	return true
}

// grow makes room for textRoom more bytes in w.buf.
func (w *Writer) grow() { w.buf = slices.Grow(w.buf, textRoom) }

// next starts a text field (w.buf has room, fast): it counts the field
// and returns w.buf with the field's TAB, none before the first field.
func (w *Writer) next() []byte {
	b := w.buf
	n := len(b)
	b = b[:n+1]
	b[n] = '\t'
	if w.fields == 0 {
		b = b[:n] // the first field (the TAB stays past the end)
	}
	w.fields++
	return b
}

// room returns w.buf with room for putRoom more bytes (a value added to
// the current field of a text line).
func (w *Writer) room() []byte {
	if cap(w.buf)-len(w.buf) < textRoom {
		w.grow()
	}
	return w.buf
}

// tab writes the TAB before a text field (after start counted it).
func (w *Writer) tab() {
	if w.fields > 1 {
		w.buf = append(w.buf, '\t')
	}
}

func (w *Writer) U64(v uint64) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = appendUintOp(w.buf, fieldBit, v)
		}
		return
	}
	b := w.next()
	if v < 10 { // most values: one digit, no call
		n := len(b)
		b = b[:n+1]
		b[n] = byte('0' + v)
		w.buf = b
		return
	}
	w.buf = putUint(b, v)
}

// runMax is the longest run of values U64s and F32s write after one
// room test; longer runs are cut.
const runMax = 8

// U64s writes each value of vs as a U64 field (the same as a U64 call
// per value, for a run of columns): on a text line one call and one room
// test, and a value below 100 is its TAB and digits in one store.
func (w *Writer) U64s(vs ...uint64) {
	for len(vs) > runMax {
		w.U64s(vs[:runMax]...)
		vs = vs[runMax:]
	}
	if w.Disabled || w.Deferred || w.fields == 0 {
		for _, v := range vs {
			w.U64(v)
		}
		return
	}
	if cap(w.buf)-len(w.buf) < runMax*textRoom {
		w.buf = slices.Grow(w.buf, runMax*textRoom)
	}
	b := w.buf
	for _, v := range vs {
		n := len(b)
		switch {
		case v < 10:
			b = b[:n+2]
			le.PutUint16(b[n:], '\t'|uint16('0'+v)<<8)
		case v < 100:
			b = b[:n+4]
			le.PutUint32(b[n:], '\t'|uint32(dig2w[v&127])<<8)
			b = b[:n+3]
		default:
			b = b[:n+1]
			b[n] = '\t'
			b = putUint(b, v)
		}
	}
	w.fields += len(vs)
	w.buf = b
}

// F32s writes each value of vs as an F32 field (the same as an F32 call
// per value): on a text line one call and one room test, a +0 is its
// TAB and digit in one store.
func (w *Writer) F32s(vs ...float32) {
	for len(vs) > runMax {
		w.F32s(vs[:runMax]...)
		vs = vs[runMax:]
	}
	if w.Disabled || w.Deferred || w.fields == 0 {
		for _, v := range vs {
			w.F32(v)
		}
		return
	}
	// AppendG7 needs putRoom after the TAB; its strconv path (exponent
	// forms, at most 14 bytes) grows b itself.
	if cap(w.buf)-len(w.buf) < runMax*textRoom {
		w.buf = slices.Grow(w.buf, runMax*textRoom)
	}
	b := w.buf
	for _, v := range vs {
		n := len(b)
		if math.Float32bits(v) == 0 {
			b = b[:n+2]
			le.PutUint16(b[n:], '\t'|'0'<<8)
			continue
		}
		b = b[:n+1]
		b[n] = '\t'
		b = AppendG7(b, v)
	}
	w.fields += len(vs)
	w.buf = b
}

func (w *Writer) I64(v int64) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.putI64(w.start(), v)
		}
		return
	}
	w.buf = putInt(w.next(), v)
}

func (w *Writer) H8(v uint8) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = append(w.buf, fieldBit|opHex2, v)
		}
		return
	}
	w.buf = putHex2(w.next(), v)
}

func (w *Writer) H16(v uint16) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = append(w.buf, fieldBit|opHex4, byte(v), byte(v>>8))
		}
		return
	}
	w.buf = putHex4(w.next(), v)
}

func (w *Writer) H32(v uint32) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = le.AppendUint32(append(w.buf, fieldBit|opHex8), v)
		}
		return
	}
	w.buf = putHex8(w.next(), v)
}

func (w *Writer) H64(v uint64) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = le.AppendUint64(append(w.buf, fieldBit|opHex16), v)
		}
		return
	}
	w.buf = putHex16(w.next(), v)
}

func (w *Writer) F32(v float32) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			if b := math.Float32bits(v); b == 0 {
				w.buf = append(w.buf, fieldBit|opF32Zero)
			} else {
				w.buf = le.AppendUint32(append(w.buf, fieldBit|opF32), b)
			}
		}
		return
	}
	b := w.next()
	if math.Float32bits(v) == 0 { // +0, the most common value
		n := len(b)
		b = b[:n+1]
		b[n] = '0'
		w.buf = b
		return
	}
	w.buf = AppendG7(b, v)
}

func (w *Writer) F64(v float64) {
	if !w.Disabled {
		w.putF64(w.start(), v)
	}
}

func (w *Writer) Time(t packet.Time) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.fields++
			w.buf = le.AppendUint64(append(w.buf, fieldBit|opTime), uint64(t))
		}
		return
	}
	w.buf = putTime(w.next(), t)
}

func (w *Writer) MAC(m [6]byte) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.putMAC(w.start(), m)
		}
		return
	}
	w.buf = putMAC(w.next(), &m)
}

func (w *Writer) IP(ver uint8, a *[16]byte) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.putIP(w.start(), ver, a)
		}
		return
	}
	b := w.next()
	switch ver {
	case 4:
		w.buf = putIPv4(b, (*[4]byte)(a[:4]))
	case 6:
		w.buf = appendIPv6(b, a)
	default:
		w.buf = append(b, '-')
	}
}

func (w *Writer) Str(s []byte) {
	if !w.Disabled {
		w.putStr(w.start(), s)
	}
}

func (w *Writer) StrClass(s []byte) {
	if !w.fast() && !w.slow() {
		if !w.Disabled {
			w.putStrClass(w.start(), s)
		}
		return
	}
	w.buf = putSanitized(w.next(), s)
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
