package record

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
)

// g7Ref is the plain formatting AppendG7 must match (%.7g; the golden
// tests check it against T2's files).
func g7Ref(v float32) string {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 7, 64)
}

func TestAppendG7MatchesReference(t *testing.T) {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 9999999, -9999999, 1e7, -1e7, 1e7 + 1,
		16777216, 16777217, 123456.5, 0.5, -0.5, 1e-5, 3.4e38, -3.4e38, 1.5e-45,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 2147483647, -2147483648, 4e9, -4e9}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		vals = append(vals, float32(rng.Intn(2e7)-1e7), math.Float32frombits(rng.Uint32()), float32(rng.NormFloat64()*1e3))
	}
	// The fixed-point range of the fast path: random bit patterns, exact
	// halves (rounding ties) and their neighbours.
	lo, hi := math.Float32bits(1e-4), math.Float32bits(1e7)
	for i := 0; i < 2000000; i++ {
		v := math.Float32frombits(lo - 2 + uint32(rng.Int63n(int64(hi-lo+4))))
		vals = append(vals, v, -v)
	}
	for i := 0; i < 200000; i++ {
		n := float32(rng.Intn(1 << 23))
		for _, d := range []float32{2, 4, 8, 16, 32, 1024} {
			v := (n + 0.5) / d
			vals = append(vals, v, math.Nextafter32(v, 0), math.Nextafter32(v, 1e9))
		}
	}
	for _, v := range vals {
		if got, want := string(AppendG7(nil, v)), g7Ref(v); got != want {
			t.Fatalf("AppendG7(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestAppendIPv4(t *testing.T) {
	var a [16]byte
	for _, c := range []byte{0, 1, 9, 10, 99, 100, 199, 255} {
		a[0], a[1], a[2], a[3] = c, 255-c, c/2, 7
		want := strconv.Itoa(int(c)) + "." + strconv.Itoa(int(255-c)) + "." + strconv.Itoa(int(c/2)) + ".7"
		if got := string(AppendIP(nil, 4, &a)); got != want {
			t.Errorf("AppendIP = %q, want %q", got, want)
		}
	}
}

var sink []byte

func BenchmarkAppendG7(b *testing.B) {
	vals := []float32{0, 1, 6, 0.06149101, 1234.567, 16.26224, -0.2285714, 9.980041}
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendG7(buf[:0], vals[i%len(vals)])
	}
	sink = buf
}

func BenchmarkAppendIPv4(b *testing.B) {
	a := [16]byte{192, 168, 1, 104}
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendIP(buf[:0], 4, &a)
	}
	sink = buf
}

func TestAppendUintInt(t *testing.T) {
	for _, v := range []uint64{0, 1, 9, 10, 42, 99, 100, 101, 65535, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		if got, want := string(appendUint(nil, v)), strconv.FormatUint(v, 10); got != want {
			t.Errorf("appendUint(%d) = %q", v, got)
		}
		i := int64(v)
		if got, want := string(appendInt(nil, i)), strconv.FormatInt(i, 10); got != want {
			t.Errorf("appendInt(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestRuns checks that U64s and F32s write what a U64 or F32 call per
// value writes, on text and deferred Writers, as the first fields of a
// line or after others, for runs of every length up to beyond runMax.
func TestRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 20000; i++ {
		us := make([]uint64, rng.Intn(2*runMax+2))
		fs := make([]float32, len(us))
		for j := range us {
			switch rng.Intn(4) {
			case 0:
			case 1:
				us[j] = uint64(rng.Intn(100))
			default:
				us[j] = rng.Uint64() >> uint(rng.Intn(64))
			}
			switch rng.Intn(4) {
			case 0:
			case 1:
				fs[j] = float32(rng.Intn(1000))
			case 2:
				fs[j] = math.Float32frombits(rng.Uint32())
			default:
				fs[j] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.Intn(14)-6)))
			}
		}
		before := rng.Intn(2)
		for _, deferred := range []bool{false, true} {
			var one, run Writer
			one.Deferred, run.Deferred = deferred, deferred
			// a tight buffer sometimes, so the runs grow it
			if rng.Intn(2) == 0 {
				run.ResetAt(make([]byte, 0, rng.Intn(40)))
			}
			for k := 0; k < before; k++ {
				one.U64(7)
				run.U64(7)
			}
			for _, v := range us {
				one.U64(v)
			}
			for _, v := range fs {
				one.F32(v)
			}
			run.U64s(us...)
			run.F32s(fs...)
			if string(one.Bytes()) != string(run.Bytes()) || one.Fields() != run.Fields() {
				t.Fatalf("deferred %v, %v %v: runs give %q (%d fields), calls %q (%d)", deferred, us, fs,
					run.Bytes(), run.Fields(), one.Bytes(), one.Fields())
			}
		}
	}
}
