package record

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/t2go/t2go/pkg/packet"
)

// A deferred record (Writer.Deferred) is a sequence of operations, each an
// opcode byte followed by its operand. Storing raw values is much cheaper
// than formatting them, so the packet goroutine only collects a finished
// flow's values and Render produces the text on another goroutine.
const (
	opField    = iota + 1 // start a field (TAB before all but the first)
	opByte                // one literal byte
	opRaw                 // uvarint length, bytes as they are
	opU64                 // 8 bytes
	opI64                 // 8 bytes
	opHex                 // digits (1 byte), 8 bytes
	opF32                 // float32 bits in 8 bytes
	opF64                 // float64 bits in 8 bytes
	opTime                // packet.Time in 8 bytes
	opMAC                 // 6 bytes
	opIP                  // version (1 byte), 16 bytes
	opStr                 // uvarint length, bytes: quoted and sanitised
	opStrClass            // uvarint length, bytes: sanitised
	opContent             // uvarint length, bytes: AppendContent
)

func appendOp64(b []byte, op byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(append(b, op), v)
}

func appendOpBytes(b []byte, op byte, s []byte) []byte {
	b = binary.AppendUvarint(append(b, op), uint64(len(s)))
	return append(b, s...)
}

func appendOpString(b []byte, op byte, s string) []byte {
	b = binary.AppendUvarint(append(b, op), uint64(len(s)))
	return append(b, s...)
}

// Render appends the text of the deferred record ops to dst: exactly what
// a Writer without Deferred would have produced for the same calls.
func Render(dst, ops []byte) []byte {
	fields := 0
	le := binary.LittleEndian
	for i := 0; i < len(ops); {
		op := ops[i]
		i++
		switch op {
		case opField:
			if fields > 0 {
				dst = append(dst, '\t')
			}
			fields++
		case opByte:
			dst = append(dst, ops[i])
			i++
		case opRaw, opStr, opStrClass, opContent:
			n, k := binary.Uvarint(ops[i:])
			i += k
			s := ops[i : i+int(n)]
			i += int(n)
			switch op {
			case opRaw:
				dst = append(dst, s...)
			case opStr:
				dst = append(dst, '"')
				dst = AppendSanitized(dst, s)
				dst = append(dst, '"')
			case opContent:
				dst = AppendContent(dst, s)
			default:
				dst = AppendSanitized(dst, s)
			}
		case opU64:
			dst = appendUint(dst, le.Uint64(ops[i:]))
			i += 8
		case opI64:
			dst = appendInt(dst, int64(le.Uint64(ops[i:])))
			i += 8
		case opHex:
			dst = appendHex(dst, le.Uint64(ops[i+1:]), int(ops[i]))
			i += 9
		case opF32:
			dst = AppendG7(dst, math.Float32frombits(uint32(le.Uint64(ops[i:]))))
			i += 8
		case opF64:
			dst = strconv.AppendFloat(dst, math.Float64frombits(le.Uint64(ops[i:])), 'f', 6, 64)
			i += 8
		case opTime:
			dst = packet.Time(le.Uint64(ops[i:])).AppendTo(dst)
			i += 8
		case opMAC:
			dst = AppendMAC(dst, [6]byte(ops[i:i+6]))
			i += 6
		case opIP:
			dst = AppendIP(dst, ops[i], (*[16]byte)(ops[i+1:i+17]))
			i += 17
		default:
			panic("record: bad deferred record")
		}
	}
	return dst
}
