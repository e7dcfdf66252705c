package record

import (
	"encoding/binary"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// flowTypes are the column types of a flow record of T2's default plugin
// set (bench_headers.txt of a default run), in order.
const flowTypes = "C U64 H64 U64.U32 U64.U32 U64.U32 U8 U16:R SC:R MAC:R MAC:R H16 U16:R IPX U16 IPX U16 U8 H8 U32 " +
	"MAC_MAC_U64:R SC_SC:R U16 SC U64 U64 I64 U64 U64 U16 U16 F F F F F F F F F F H16 U16 U16 U8 U8 U8 H8 H16 U16 " +
	"H8_H32 U16_U16 H32_H32 U32 U16 U64 U16 U16 U64 U16 U32 U32 F U32 U32 U16 U16 U16 F H16 H16 SC U16 U16 H32 U16 " +
	"U16 H16 H8 U8 H8 U32 U32 F D U64.U32 F F F F F F F H8 H8 U8 H32_H32_H16 H32 F U64 U32 U32 U32 U32 F F U64 U64"

// flowRec is the values of one synthetic flow record, drawn like a real
// capture's: mostly zeros and small counts.
type flowRec struct {
	ints   []uint64
	floats []float32
	next   int // next int / float
	nextF  int
}

func (r *flowRec) u() uint64  { v := r.ints[r.next%len(r.ints)]; r.next++; return v }
func (r *flowRec) f() float32 { v := r.floats[r.nextF%len(r.floats)]; r.nextF++; return v }

func newFlowRec(rng *rand.Rand) *flowRec {
	r := &flowRec{}
	for i := 0; i < 200; i++ {
		var v uint64
		switch p := rng.Intn(100); {
		case p < 55:
		case p < 75:
			v = uint64(rng.Intn(10))
		case p < 85:
			v = uint64(rng.Intn(1000))
		case p < 95:
			v = uint64(rng.Intn(65536))
		default:
			v = uint64(rng.Uint32())
		}
		r.ints = append(r.ints, v)
		var f float32
		switch p := rng.Intn(100); {
		case p < 40:
		case p < 60:
			f = float32(rng.Intn(100))
		default:
			f = float32(rng.ExpFloat64() * math.Pow(10, float64(rng.Intn(6)-3)))
		}
		r.floats = append(r.floats, f)
	}
	return r
}

var flowCols = strings.Fields(flowTypes)

// fillFlow writes one flow record of the default layout to w.
func fillFlow(w *Writer, r *flowRec) {
	r.next, r.nextF = 0, 0
	w.Reset()
	ip := [16]byte{10, byte(r.u()), 1, byte(r.u())}
	mac := [6]byte{0, 0x26, 0x0b, 0x31, byte(r.u()), 0x33}
	for _, t := range flowCols {
		rep := 1
		if strings.HasSuffix(t, ":R") {
			t = t[:len(t)-2]
			rep = 1 + int(r.u()%2)
		}
		if !strings.Contains(t, "_") {
			if rep == 1 {
				fillOne(w, t, r, ip, mac, true)
				continue
			}
		}
		w.Field()
		for k := 0; k < rep; k++ {
			if k > 0 {
				w.Semi()
			}
			for j, p := range strings.Split(t, "_") {
				if j > 0 {
					w.Under()
				}
				fillOne(w, p, r, ip, mac, false)
			}
		}
	}
}

func fillOne(w *Writer, t string, r *flowRec, ip [16]byte, mac [6]byte, field bool) {
	if field {
		w.Field()
	}
	switch t {
	case "C":
		w.Raw([]byte{'A'})
	case "U8", "U16", "U32", "U64":
		w.AppendU64(r.u())
	case "I64":
		w.AppendI64(int64(r.u()) - 3)
	case "H8":
		w.AppendHex(r.u(), 2)
	case "H16":
		w.AppendHex(r.u(), 4)
	case "H32":
		w.AppendHex(r.u(), 8)
	case "H64":
		w.AppendHex(r.u()<<32|r.u(), 16)
	case "U64.U32":
		w.AppendTime(packet.Time(1704067200e9 + r.u()*1000))
	case "F":
		w.AppendF32(r.f())
	case "D":
		w.AppendF64(float64(r.f()))
	case "MAC":
		w.AppendMAC(mac)
	case "IPX":
		w.AppendIP(4, &ip)
	case "SC":
		w.AppendStrClass([]byte("eth:ipv4:tcp"))
	default:
		panic(t)
	}
}

// flowFills are prepared calls: the benchmarks replay them without the
// cost of walking the layout.
func flowRecords(n int, deferred bool) [][]byte {
	rng := rand.New(rand.NewSource(1))
	out := make([][]byte, n)
	var w Writer
	w.Deferred = deferred
	for i := range out {
		fillFlow(&w, newFlowRec(rng))
		out[i] = append([]byte(nil), w.Bytes()...)
	}
	return out
}

func TestFlowRecordsRenderSame(t *testing.T) {
	ops, text := flowRecords(200, true), flowRecords(200, false)
	for i := range ops {
		if got := Render(nil, ops[i]); string(got) != string(text[i]) {
			t.Fatalf("record %d:\n got %q\nwant %q", i, got, text[i])
		}
	}
}

// BenchmarkRenderFlow is the render goroutine's work per flow record.
func BenchmarkRenderFlow(b *testing.B) {
	recs := flowRecords(512, true)
	var n int
	for _, r := range recs {
		n += len(r)
	}
	b.ReportMetric(float64(n)/float64(len(recs)), "opbytes/rec")
	b.ReportAllocs()
	dst := make([]byte, 0, 4096)
	for i := 0; i < b.N; i++ {
		dst = Render(dst[:0], recs[i%len(recs)])
	}
	sink = dst
}

// valueScript is a flow record as the sequence of calls the plugins
// make, with values drawn once.
type call struct {
	kind byte
	v    uint64
	f    float32
}

func flowScript() []call {
	rng := rand.New(rand.NewSource(2))
	r := newFlowRec(rng)
	var s []call
	for _, t := range flowCols {
		t = strings.TrimSuffix(t, ":R")
		for j, p := range strings.Split(t, "_") {
			c := call{kind: p[0], v: r.u(), f: r.f()}
			if j > 0 {
				c.kind |= 0x80 // Under + Append
			}
			switch p {
			case "U64.U32":
				c.kind, c.v = 'T', 1704067200e9+c.v*1000
			case "H8":
				c.kind = 0x10 | c.kind&0x80
			case "H16":
				c.kind = 0x11 | c.kind&0x80
			case "H32":
				c.kind = 0x12 | c.kind&0x80
			case "H64":
				c.kind = 0x13 | c.kind&0x80
			}
			s = append(s, c)
		}
	}
	return s
}

// playScript makes the plugins' calls of one flow record.
func playScript(w *Writer, s []call) {
	ip := [16]byte{10, 1, 1, 2}
	mac := [6]byte{0, 0x26, 0x0b, 0x31, 7, 0x33}
	w.Reset()
	for _, c := range s {
		if c.kind&0x80 != 0 {
			w.Under()
			switch c.kind & 0x7f {
			case 'U':
				w.AppendU64(c.v)
			case 'S':
				w.AppendStrClass([]byte("eth:ipv4:tcp"))
			case 'M':
				w.AppendMAC(mac)
			default:
				w.AppendHex(c.v, 8)
			}
			continue
		}
		switch c.kind {
		case 'C':
			w.Char('A')
		case 'U':
			w.U64(c.v)
		case 'I':
			if c.v&1 == 0 {
				w.IP(4, &ip)
			} else {
				w.I64(int64(c.v))
			}
		case 0x10:
			w.H8(uint8(c.v))
		case 0x11:
			w.H16(uint16(c.v))
		case 0x12:
			w.H32(uint32(c.v))
		case 0x13:
			w.H64(c.v)
		case 'T':
			w.Time(packet.Time(c.v))
		case 'F':
			w.F32(c.f)
		case 'D':
			w.F64(float64(c.f))
		case 'M':
			w.MAC(mac)
		case 'S':
			w.StrClass([]byte("eth:ipv4:tcp"))
		}
	}
}

// BenchmarkDeferredFlow is the packet goroutine's work per flow record:
// the plugins' calls on a deferred Writer.
func BenchmarkDeferredFlow(b *testing.B) {
	s := flowScript()
	var w Writer
	w.Deferred = true
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		playScript(&w, s)
	}
	sink = w.Bytes()
}

// BenchmarkTextFlow is the same calls on a text Writer (the formatters
// without the ops).
func BenchmarkTextFlow(b *testing.B) {
	s := flowScript()
	var w Writer
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		playScript(&w, s)
	}
	sink = w.Bytes()
}

var benchUints = func() []uint64 {
	r := newFlowRec(rand.New(rand.NewSource(3)))
	return r.ints
}()

func BenchmarkAppendUint(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = appendUint(buf[:0], benchUints[i%len(benchUints)])
	}
	sink = buf
}

func BenchmarkAppendUintLarge(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = appendUint(buf[:0], 1704067200+uint64(i)*7919)
	}
	sink = buf
}

func BenchmarkAppendHex(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = appendHex(buf[:0], benchUints[i%len(benchUints)], 4<<(i&2))
	}
	sink = buf
}

func BenchmarkAppendTime(b *testing.B) {
	var w Writer
	for i := 0; i < b.N; i++ {
		w.Reset()
		w.AppendTime(packet.Time(1704067200631611000 + uint64(i)*1000))
	}
	sink = w.Bytes()
}

// BenchmarkRenderDump renders real flow records: a file of chunks as the
// engine's flowOut queues them (uvarint length + deferred ops each),
// named by $T2GO_RECORD_DUMP, in the ops format of this version and
// without block references (their ids name the blocks of the run that
// wrote them; the benchmark is skipped without the file).
func BenchmarkRenderDump(b *testing.B) {
	name := os.Getenv("T2GO_RECORD_DUMP")
	if name == "" {
		b.Skip("T2GO_RECORD_DUMP not set")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	var recs [][]byte
	for i := 0; i < len(data); {
		n, k := binary.Uvarint(data[i:])
		i += k
		recs = append(recs, data[i:i+int(n)])
		i += int(n)
	}
	b.ReportMetric(float64(len(data))/float64(len(recs)), "opbytes/rec")
	b.ReportAllocs()
	dst := make([]byte, 0, 4096)
	for i := 0; i < b.N; i++ {
		dst = Render(dst[:0], recs[i%len(recs)])
	}
	sink = dst
}

// BenchmarkWriterColumns is the text Writer's one-field methods on
// typical flow values: zeros, small counts, times, floats.
func BenchmarkWriterColumns(b *testing.B) {
	var w Writer
	for _, c := range []struct {
		name string
		fn   func(w *Writer, i int)
	}{
		{"U64zero", func(w *Writer, i int) { w.U64(0) }},
		{"U64small", func(w *Writer, i int) { w.U64(uint64(i & 1023)) }},
		{"U64mixed", func(w *Writer, i int) { w.U64(benchUints[i%len(benchUints)]) }},
		{"H16", func(w *Writer, i int) { w.H16(uint16(i)) }},
		{"F32zero", func(w *Writer, i int) { w.F32(0) }},
		{"F32int", func(w *Writer, i int) { w.F32(float32(i & 1023)) }},
		{"F32frac", func(w *Writer, i int) { w.F32(float32(i&1023) / 7) }},
		{"Time", func(w *Writer, i int) { w.Time(packet.Time(1704067200631611000 + uint64(i)*1000)) }},
		{"Duration", func(w *Writer, i int) { w.Time(packet.Time(uint64(i&4095) * 1000)) }},
		{"MAC", func(w *Writer, i int) { w.MAC([6]byte{0, 0x26, 0x0b, 0x31, byte(i), 0x33}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if i&63 == 0 {
					w.Reset()
				}
				c.fn(&w, i)
			}
			sink = w.Bytes()
		})
	}
}

var (
	benchRun  = [8]uint64{0, 3, 0, 1200, 0, 0, 65535, 7}
	benchRunF = [7]float32{0.125, 0, 17, 0.0034567, 0, 1.5e-5, 250.75}
)

// BenchmarkRun is a run of 8 U64 and 7 F32 columns (tcpFlags' SEQ/ACK
// group, its RTT group) as a call per value and as U64s and F32s.
func BenchmarkRun(b *testing.B) {
	var w Writer
	b.Run("calls", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			w.Reset()
			w.Char('A')
			v, f := &benchRun, &benchRunF
			w.U64(v[0])
			w.U64(v[1])
			w.U64(v[2])
			w.U64(v[3])
			w.U64(v[4])
			w.U64(v[5])
			w.U64(v[6])
			w.U64(v[7])
			w.F32(f[0])
			w.F32(f[1])
			w.F32(f[2])
			w.F32(f[3])
			w.F32(f[4])
			w.F32(f[5])
			w.F32(f[6])
		}
	})
	b.Run("runs", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			w.Reset()
			w.Char('A')
			v, f := &benchRun, &benchRunF
			w.U64s(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
			w.F32s(f[0], f[1], f[2], f[3], f[4], f[5], f[6])
		}
	})
	sink = w.Bytes()
}
