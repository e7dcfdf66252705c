package record

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/t2go/t2go/pkg/packet"
)

// JSONOptions are jsonSink's layout switches.
type JSONOptions struct {
	// SuppressEmpty omits repeating columns without entries (T2's
	// JSON_SUPPRESS_EMPTY_ARRAY); otherwise they are written as [].
	SuppressEmpty bool
	// Spaces puts a blank after ':' and ',' (T2's JSON_NO_SPACES=0).
	Spaces bool
	// Keep, when not nil, selects the columns to write (JSON_SELECT).
	Keep []bool
}

// JSONLayout renders deferred flow records (Writer.Deferred) as one JSON
// object each, as T2's jsonSink does: keys are the column names; numbers
// are JSON numbers (floats with 17 significant digits); hex, time, MAC,
// IP and string values are strings; a compound column (U16_U16) is an
// array; a repeating column (X:R) is an array, of arrays when compound.
type JSONLayout struct {
	cols []jsonCol
	opt  JSONOptions
}

type jsonCol struct {
	key      string // "name":
	repeat   bool
	compound bool
	str      bool   // empty non-repeating value is "" (else null)
	rawNum   []bool // per compound part: raw text is a number
	keep     bool
}

// NewJSONLayout prepares the columns of a flow record.
func NewJSONLayout(cols []Column, opt JSONOptions) *JSONLayout {
	l := &JSONLayout{opt: opt, cols: make([]jsonCol, len(cols))}
	colon := ":"
	if opt.Spaces {
		colon = ": "
	}
	for i, c := range cols {
		t := c.Type
		jc := jsonCol{key: strconv.Quote(c.Name) + colon, keep: opt.Keep == nil || (i < len(opt.Keep) && opt.Keep[i])}
		if strings.HasSuffix(t, ":R") {
			jc.repeat, t = true, strings.TrimSuffix(t, ":R")
		}
		parts := strings.Split(t, "_")
		jc.compound = len(parts) > 1
		for _, p := range parts {
			jc.rawNum = append(jc.rawNum, (p[0] == 'U' || p[0] == 'I') && !strings.Contains(p, "."))
		}
		jc.str = !jc.compound && (t == "S" || t == "SC" || t == "C")
		l.cols[i] = jc
	}
	return l
}

// Append renders the deferred record ops as one JSON object (without
// newline) appended to dst.
func (l *JSONLayout) Append(dst, ops []byte) []byte {
	dst = append(dst, '{')
	comma := ","
	if l.opt.Spaces {
		comma = ", "
	}
	le := binary.LittleEndian
	var (
		col       = -1
		jc        *jsonCol
		written   int  // fields written so far
		mark      int  // dst length before the current field
		keyEnd    int  // dst length after the current key
		n         int  // values in the current field
		part      int  // compound part of the next value
		needComma bool // a ';' was seen: separate the next element
		inner     bool // an inner (compound) array is open
		skip      bool // the current column is not selected
	)
	finish := func() {
		if jc == nil || skip {
			return
		}
		if n == 0 {
			switch {
			case jc.repeat && l.opt.SuppressEmpty:
				dst = dst[:mark]
				return
			case jc.repeat:
				dst = append(dst[:keyEnd], '[', ']')
			case jc.str:
				dst = append(dst[:keyEnd], '"', '"')
			default:
				dst = append(dst[:keyEnd], "null"...)
			}
			written++
			return
		}
		if inner {
			dst = append(dst, ']')
		}
		if jc.repeat || jc.compound {
			dst = append(dst, ']')
		}
		written++
	}
	// value prepares dst for the next value and reports whether the raw
	// text of this part is a number.
	value := func() bool {
		if jc.repeat {
			if jc.compound {
				if !inner {
					if needComma {
						dst = append(dst, comma...)
					}
					dst = append(dst, '[')
					inner, part = true, 0
				}
			} else if needComma {
				dst = append(dst, comma...)
			}
			needComma = false
		}
		n++
		p := part
		if p >= len(jc.rawNum) {
			p = len(jc.rawNum) - 1
		}
		return jc.rawNum[p]
	}
	var (
		outer  []byte // the record's ops while a block's are walked
		outerI int    // position in outer after the block reference
	)
	for i := 0; ; {
		if i >= len(ops) {
			if outer == nil {
				break
			}
			ops, i, outer = outer, outerI, nil
			continue
		}
		op := ops[i]
		i++
		if op == opBlock {
			// The block's ops, then on after the reference (a block
			// holds no references).
			outer, outerI = ops, i+4
			ops, i = blockByID(le.Uint32(ops[i:])).ops, 0
			continue
		}
		if op&fieldBit != 0 {
			finish()
			col++
			n, part, needComma, inner = 0, 0, false, false
			jc, skip = nil, true
			if col < len(l.cols) {
				jc = &l.cols[col]
				skip = !jc.keep
			}
			if !skip {
				mark = len(dst)
				if written > 0 {
					dst = append(dst, comma...)
				}
				dst = append(dst, jc.key...)
				keyEnd = len(dst)
				if jc.repeat || jc.compound {
					dst = append(dst, '[')
				}
			}
			op &= opMask
		}
		if jc == nil || skip {
			// Skip the operand of a value outside a selected column.
			i = skipOperand(ops, i, op)
			continue
		}
		if v, next, ok := opUint(ops, i, op); ok {
			value()
			dst = appendUint(dst, v)
			i = next
			continue
		}
		switch op {
		case opNop:
		case opSemi:
			if inner {
				dst = append(dst, ']')
				inner = false
			}
			needComma = n > 0
		case opUnder:
			dst = append(dst, comma...)
			part++
		case opByte:
			if value() {
				dst = append(dst, ops[i])
			} else {
				dst = AppendJSONString(dst, ops[i:i+1])
			}
			i++
		case opRaw, opStr, opStrClass, opContent:
			var s []byte
			s, i = opBytes(ops, i)
			if value() && op == opRaw && len(s) > 0 {
				dst = append(dst, s...)
			} else {
				dst = AppendJSONString(dst, s)
			}
		case opI64:
			value()
			dst = appendInt(dst, int64(le.Uint64(ops[i:])))
			i += 8
		case opHex2, opHex4, opHex8, opHex16, opHex:
			value()
			var v uint64
			var digits int
			switch op {
			case opHex2:
				v, digits = uint64(ops[i]), 2
			case opHex4:
				v, digits = uint64(le.Uint16(ops[i:])), 4
			case opHex8:
				v, digits = uint64(le.Uint32(ops[i:])), 8
			case opHex16:
				v, digits = le.Uint64(ops[i:]), 16
			default:
				v, digits = le.Uint64(ops[i+1:]), int(ops[i])
			}
			i = skipOperand(ops, i, op)
			dst = append(dst, '"')
			dst = appendHex(dst, v, digits)
			dst = append(dst, '"')
		case opF32:
			value()
			dst = AppendJSONFloat(dst, float64(math.Float32frombits(le.Uint32(ops[i:]))))
			i += 4
		case opF32Zero:
			value()
			dst = AppendJSONFloat(dst, 0)
		case opF64:
			value()
			dst = AppendJSONFloat(dst, math.Float64frombits(le.Uint64(ops[i:])))
			i += 8
		case opTime:
			value()
			dst = append(dst, '"')
			dst = appendTime(dst, packet.Time(le.Uint64(ops[i:])))
			dst = append(dst, '"')
			i += 8
		case opMAC:
			value()
			dst = append(dst, '"')
			dst = AppendMAC(dst, [6]byte(ops[i:i+6]))
			dst = append(dst, '"')
			i += 6
		case opIP4:
			value()
			dst = append(dst, '"')
			dst = appendIPv4(dst, ops[i], ops[i+1], ops[i+2], ops[i+3])
			dst = append(dst, '"')
			i += 4
		case opIP6:
			value()
			dst = append(dst, '"')
			dst = appendIPv6(dst, (*[16]byte)(ops[i:i+16]))
			dst = append(dst, '"')
			i += 16
		case opNoIP:
			value()
			dst = append(dst, '"', '-', '"')
		default:
			panic("record: bad deferred record")
		}
	}
	finish()
	return append(dst, '}')
}

// AppendJSONFloat appends v as T2's jsonSink does: C's %.17g, ".0" added
// to an integral value, leading zeros of the exponent removed. NaN and
// infinities, which JSON cannot represent, become null.
func AppendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'g', 17, 64)
	if e := bytes.IndexByte(b[start:], 'e'); e >= 0 {
		j := start + e + 2 // after the exponent's sign
		k := j
		for k < len(b)-1 && b[k] == '0' {
			k++
		}
		return append(b[:j], b[k:]...)
	}
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, '.', '0')
	}
	return b
}

// AppendJSONString appends s as a quoted JSON string with T2's escaping:
// \t \n \r \\ \" as two-character escapes, other control bytes and DEL as
// \u00XX, valid UTF-8 copied, invalid bytes as '.'.
func AppendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\\' || c == '"':
				b = append(b, '\\', c)
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
	return append(b, '"')
}
