package record

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"

	"github.com/t2go/t2go/pkg/packet"
)

// A deferred record (Writer.Deferred) is a sequence of operations, each an
// opcode byte followed by its operand. Storing raw values is much cheaper
// than formatting them, so the packet goroutine only collects a finished
// flow's values and Render produces the text on another goroutine.
//
// The high bit of an opcode (fieldBit) starts a new field before the
// value (a TAB before all but the first field), so a one-field value
// (U64, H16, ...) is a single op. The low 7 bits below opNop are a small
// unsigned integer (the op is the value, no operand): most flow columns
// hold counts, flags and zeros. Integers and hex values use the shortest
// of 1, 2, 4 or 8 operand bytes; multi-byte operands are little endian.
const (
	fieldBit = 0x80
	opMask   = 0x7f
	opSmall  = 64 // ops below: the unsigned integer op&opMask

	opNop      = iota + opSmall - 3 // nothing (with fieldBit: an empty field start)
	opByte                          // one literal byte
	opSemi                          // ';'
	opUnder                         // '_'
	opRaw                           // uvarint length, bytes as they are
	opStr                           // uvarint length, bytes: quoted and sanitised
	opStrClass                      // uvarint length, bytes: sanitised
	opContent                       // uvarint length, bytes: AppendContent
	opU8                            // unsigned, 1 byte
	opU16                           // unsigned, 2 bytes
	opU32                           // unsigned, 4 bytes
	opU64                           // unsigned, 8 bytes
	opI64                           // signed (negative), 8 bytes
	opHex2                          // 0x and 2 hex digits, 1 byte
	opHex4                          // 0x and 4 hex digits, 2 bytes
	opHex8                          // 0x and 8 hex digits, 4 bytes
	opHex16                         // 0x and 16 hex digits, 8 bytes
	opHex                           // digits (1 byte), 8 bytes
	opF32                           // float32 bits, 4 bytes (%.7g)
	opF32Zero                       // float32 0 (the most common value)
	opF64                           // float64 bits, 8 bytes (%f)
	opTime                          // packet.Time, 8 bytes
	opMAC                           // 6 bytes
	opIP4                           // 4 bytes
	opIP6                           // 16 bytes
	opNoIP                          // "-" (an address of no IP version)
	opBlock                         // a Block's ops (never with fieldBit): its id, 4 bytes
	opLast                          // first unused op
)

var le = binary.LittleEndian

// appendUintOp appends the op of unsigned v with flag f (0 or fieldBit).
func appendUintOp(b []byte, f byte, v uint64) []byte {
	switch {
	case v < opSmall:
		return append(b, f|byte(v))
	case v < 1<<8:
		return append(b, f|opU8, byte(v))
	case v < 1<<16:
		return append(b, f|opU16, byte(v), byte(v>>8))
	case v < 1<<32:
		return le.AppendUint32(append(b, f|opU32), uint32(v))
	}
	return le.AppendUint64(append(b, f|opU64), v)
}

func appendOpBytes(b []byte, op byte, s []byte) []byte {
	if len(s) < 0x80 { // one-byte uvarint
		b = append(b, op, byte(len(s)))
	} else {
		b = binary.AppendUvarint(append(b, op), uint64(len(s)))
	}
	return append(b, s...)
}

func appendOpString(b []byte, op byte, s string) []byte {
	if len(s) < 0x80 {
		b = append(b, op, byte(len(s)))
	} else {
		b = binary.AppendUvarint(append(b, op), uint64(len(s)))
	}
	return append(b, s...)
}

// opBytes returns the byte string operand at ops[i:] and the position
// after it.
func opBytes(ops []byte, i int) ([]byte, int) {
	n := uint64(ops[i])
	i++
	if n >= 0x80 {
		var k int
		n, k = binary.Uvarint(ops[i-1:])
		if k <= 0 {
			panic("record: bad deferred record")
		}
		i += k - 1
	}
	return ops[i : i+int(n)], i + int(n)
}

// opSize[op] is the operand size of the fixed-size ops (the byte string
// ops have a length prefix instead).
var opSize = [opLast]int8{
	opByte: 1, opU8: 1, opU16: 2, opU32: 4, opU64: 8, opI64: 8,
	opHex2: 1, opHex4: 2, opHex8: 4, opHex16: 8, opHex: 9,
	opF32: 4, opF64: 8, opTime: 8, opMAC: 6, opIP4: 4, opIP6: 16,
	opBlock: 4,
}

// Render appends the text of the deferred record ops to dst: exactly what
// a Writer without Deferred would have produced for the same calls.
func Render(dst, ops []byte) []byte { return render(dst, ops, true) }

// renderRatio bounds the text of deferred ops: an op of k bytes (opcode
// and operand) gives at most renderRatio*k bytes of text, TAB included,
// except opF64 and opHex of more than 16 digits, whose text has no such
// bound (render reserves again after those). The worst ratio is a
// control byte of a string (\u00XX).
const renderRatio = 6

// reserve returns b with room for the text of rem more op bytes and the
// word stores of the put formatters.
func reserve(b []byte, rem int) []byte {
	if need := renderRatio*rem + putRoom; cap(b)-len(b) < need {
		b = slices.Grow(b, need)
	}
	return b
}

// lit[op] is the text of an op without operand (op with or without
// fieldBit; with it, a TAB first): up to 3 bytes in the low bytes of the
// word, their count in bits 24-26, bit 31 set; 0 for the other ops.
var lit = func() (t [256]uint32) {
	set := func(op byte, text string) {
		e := uint32(1<<31 | len(text)<<24)
		for i := 0; i < len(text); i++ {
			e |= uint32(text[i]) << (8 * i)
		}
		t[op] = e
	}
	for _, f := range []string{"", "\t"} {
		op := byte(0)
		if f != "" {
			op = fieldBit
		}
		for v := byte(0); v < opSmall; v++ {
			set(op|v, f+strconv.Itoa(int(v)))
		}
		set(op|opNop, f)
		set(op|opSemi, f+";")
		set(op|opUnder, f+"_")
		set(op|opF32Zero, f+"0")
		set(op|opNoIP, f+"-")
	}
	return t
}()

// render is Render after first fields (first: none yet, so the first
// field start adds no TAB).
func render(dst, ops []byte, first bool) []byte {
	if !first {
		return renderTabs(dst, ops)
	}
	// Find the first field start: a field op, or a block with fields.
	// What comes before it starts no field, so it is the same text with
	// or without first.
	j := 0
	for j < len(ops) {
		op := ops[j]
		if op&fieldBit != 0 || op == opBlock && blockByID(le.Uint32(ops[j+1:])).fields > 0 {
			break
		}
		j = skipOperand(ops, j+1, op&opMask)
	}
	if j > 0 {
		dst = renderTabs(dst, ops[:j])
	}
	switch l := len(dst); {
	case j == len(ops):
	case ops[j] == opBlock:
		dst = append(dst, blockByID(le.Uint32(ops[j+1:])).first...)
		dst = renderTabs(dst, ops[j+5:])
	case l > 0:
		// Render from one byte earlier: the first field's TAB lands on
		// dst[l-1], which is put back.
		c := dst[l-1]
		dst = renderTabs(dst[:l-1], ops[j:])
		dst[l-1] = c
	default:
		dst = renderTabs(dst, ops[j:])
		dst = dst[:copy(dst, dst[1:])] // without the TAB
	}
	return dst
}

// renderTabs appends the text of ops after a field (every field start
// has its TAB). It reserves room for the whole text first, so the put
// formatters can store whole words.
func renderTabs(dst, ops []byte) []byte {
	dst = reserve(dst, len(ops))
	for i := 0; i < len(ops); {
		op := ops[i]
		i++
		if e := lit[op]; e != 0 {
			// An op without operand, its TAB included: one word store.
			n := len(dst)
			le.PutUint32(dst[n:n+4:n+4], e)
			dst = dst[:n+int(e>>24&7)]
			continue
		}
		if op&fieldBit != 0 {
			dst = append(dst, '\t')
			op &= opMask
		}
		switch op {
		case opNop:
		case opByte:
			dst = append(dst, ops[i])
			i++
		case opSemi:
			dst = append(dst, ';')
		case opUnder:
			dst = append(dst, '_')
		case opRaw:
			var s []byte
			s, i = opBytes(ops, i)
			dst = append(dst, s...)
		case opStr:
			var s []byte
			s, i = opBytes(ops, i)
			dst = append(dst, '"')
			dst = putSanitized(dst, s)
			dst = append(dst, '"')
		case opStrClass:
			var s []byte
			s, i = opBytes(ops, i)
			dst = putSanitized(dst, s)
		case opContent:
			var s []byte
			s, i = opBytes(ops, i)
			dst = AppendContent(dst, s)
		case opU8:
			dst = putUint(dst, uint64(ops[i]))
			i++
		case opU16:
			dst = putUint(dst, uint64(le.Uint16(ops[i:])))
			i += 2
		case opU32:
			dst = putUint(dst, uint64(le.Uint32(ops[i:])))
			i += 4
		case opU64:
			dst = putUint(dst, le.Uint64(ops[i:]))
			i += 8
		case opI64:
			dst = putInt(dst, int64(le.Uint64(ops[i:])))
			i += 8
		case opHex2:
			c := ops[i]
			dst = putHex2(dst, c)
			i++
		case opHex4:
			dst = putHex4(dst, le.Uint16(ops[i:]))
			i += 2
		case opHex8:
			dst = putHex8(dst, le.Uint32(ops[i:]))
			i += 4
		case opHex16:
			dst = putHex16(dst, le.Uint64(ops[i:]))
			i += 8
		case opHex:
			dst = appendHex(dst, le.Uint64(ops[i+1:]), int(ops[i]))
			i += 9
			dst = reserve(dst, len(ops)-i) // the digits have no bound
		case opF32:
			dst = AppendG7(dst, math.Float32frombits(le.Uint32(ops[i:])))
			i += 4
		case opF32Zero:
			dst = append(dst, '0')
		case opF64:
			dst = appendF64(dst, math.Float64frombits(le.Uint64(ops[i:])))
			i += 8
			dst = reserve(dst, len(ops)-i) // %f has no bound
		case opTime:
			dst = putTime(dst, packet.Time(le.Uint64(ops[i:])))
			i += 8
		case opMAC:
			dst = putMAC(dst, (*[6]byte)(ops[i:i+6]))
			i += 6
		case opIP4:
			dst = putIPv4(dst, (*[4]byte)(ops[i:i+4]))
			i += 4
		case opIP6:
			dst = appendIPv6(dst, (*[16]byte)(ops[i:i+16]))
			i += 16
		case opNoIP:
			dst = append(dst, '-')
		case opBlock:
			// The block's text, rendered once (its TABs included).
			dst = append(dst, blockByID(le.Uint32(ops[i:])).text...)
			i += 4
			dst = reserve(dst, len(ops)-i) // the text has no bound
		default:
			panic("record: bad deferred record")
		}
	}
	return dst
}

// opUint returns the value of an unsigned integer op (op without
// fieldBit) whose operand is at ops[i:], and the position after it; ok
// is false for other ops.
func opUint(ops []byte, i int, op byte) (v uint64, next int, ok bool) {
	switch {
	case op < opSmall:
		return uint64(op), i, true
	case op == opU8:
		return uint64(ops[i]), i + 1, true
	case op == opU16:
		return uint64(le.Uint16(ops[i:])), i + 2, true
	case op == opU32:
		return uint64(le.Uint32(ops[i:])), i + 4, true
	case op == opU64:
		return le.Uint64(ops[i:]), i + 8, true
	}
	return 0, i, false
}

// skipOperand returns the position after the operand of op (without
// fieldBit) at ops[i:].
func skipOperand(ops []byte, i int, op byte) int {
	switch {
	case op < opSmall:
		return i
	case op == opRaw || op == opStr || op == opStrClass || op == opContent:
		_, i = opBytes(ops, i)
		return i
	case op < opLast:
		return i + int(opSize[op])
	}
	panic("record: bad deferred record")
}
