package record

import (
	"math"
	"math/rand"
	"os"
	"testing"
)

// pow10uOld[i] = 10^i.
var pow10uOld = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11}

// appendG7FixedOld is the previous appendG7Fixed (the reference of
// TestAppendG7FixedMatchesOld); it formats a normal float32 with 1e-4 <= |v| < 1e7, which
// %.7g prints without exponent, in exact integer arithmetic: v = m*2^-s,
// so the 7 significant digits are floor(m*10^k / 2^s) for k = 6 - X
// (X = decimal exponent), rounded half to even on the exact remainder as
// printf does. ok is false when v is outside that range (the caller uses
// strconv then). It writes the digits with putG7, as appendG7Fixed does:
// what changed is how the digits and the exponent are found (strconv
// checks the text of both).
func appendG7FixedOld(b []byte, v float32) ([]byte, bool) {
	fb := math.Float32bits(v)
	exp := int(fb>>23) & 0xff
	if exp == 0 || exp == 0xff {
		return b, false // zero, subnormal, inf, nan
	}
	m := uint64(fb&0x7fffff | 1<<23)
	s := 150 - exp // v = m / 2^s
	if s <= 0 || s >= 60 {
		return b, false // |v| >= 2^23 (integral or large) or tiny
	}
	af := math.Abs(float64(v))
	if af < 1e-4 || af >= 1e7 {
		return b, false
	}
	// Guess X from the binary exponent (floor(e2*log10(2)), X itself or
	// one less), then correct it with the exact digits.
	x := ((exp - 127) * 1233) >> 12
	x = min(max(x, -4), 6)
	var t, rem, half uint64
	for {
		k := 6 - x
		if k < 0 || k > 10 {
			return b, false
		}
		num := m * pow10uOld[k] // < 2^24 * 10^10 < 2^58
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
	return putG7(b, fb>>31, t, x), true
}

// checkG7Fixed compares appendG7Fixed with appendG7FixedOld and with
// strconv (g7Ref) on v: where the new one formats, its text is %.7g;
// where it declines, the old one declined too (so AppendG7 falls back
// to strconv as before).
func checkG7Fixed(t *testing.T, v float32) {
	t.Helper()
	got, ok := appendG7Fixed([]byte("x"), v)
	old, okOld := appendG7FixedOld([]byte("x"), v)
	if !ok {
		if okOld {
			t.Fatalf("appendG7Fixed(%v) declines, the old one gave %q", v, old)
		}
		return
	}
	if okOld && string(got) != string(old) {
		t.Fatalf("appendG7Fixed(%v) = %q, old %q", v, got, old)
	}
	if want := "x" + g7Ref(v); string(got) != want {
		t.Fatalf("appendG7Fixed(%v) = %q, want %q", v, got, want)
	}
}

// TestAppendG7FixedMatchesOld covers the fast path's exponent range
// (and one binade either side) with a stride over the bit patterns
// (every pattern with T2GO_G7_EXHAUSTIVE=1, ~1 min), random patterns
// of all exponents, rounding ties and their neighbours, powers of ten
// and the bench's values.
func TestAppendG7FixedMatchesOld(t *testing.T) {
	stride := uint32(61)
	if os.Getenv("T2GO_G7_EXHAUSTIVE") != "" {
		stride = 1
	}
	lo, hi := uint32(g7ExpLo-1)<<23, uint32(g7ExpHi+2)<<23
	for fb := lo; fb < hi; fb += stride {
		checkG7Fixed(t, math.Float32frombits(fb))
		if fb%(7*stride) == 0 {
			checkG7Fixed(t, math.Float32frombits(fb|1<<31))
		}
	}
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 1000000; i++ {
		checkG7Fixed(t, math.Float32frombits(rng.Uint32()))
	}
	// x.xxxxxx5 and its neighbours at every decimal exponent, and the
	// powers of ten.
	for e := -6; e <= 8; e++ {
		p := math.Pow(10, float64(e))
		for _, v := range []float32{float32(p), math.Nextafter32(float32(p), 0), math.Nextafter32(float32(p), 1e30)} {
			checkG7Fixed(t, v)
			checkG7Fixed(t, -v)
		}
		for i := 0; i < 20000; i++ {
			d := float64(1000000+rng.Intn(9000000)) + 0.5
			v := float32(d * p / 1e6)
			for _, w := range []float32{v, math.Nextafter32(v, 0), math.Nextafter32(v, 1e30)} {
				checkG7Fixed(t, w)
				checkG7Fixed(t, -w)
			}
		}
	}
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		1.5e-45, 1e-38, 9.9999994e-5, 1e-4, 9999999.5, 8388607.5, 8388608, 0.06149101, 1234.567, 16.26224, -0.2285714, 9.980041} {
		checkG7Fixed(t, v)
		checkG7(t, v)
	}
}

var g7BenchVals = []float32{0.06149101, 1234.567, 16.26224, -0.2285714, 9.980041, 0.0003512, 512.5, 3.333333}

func BenchmarkAppendG7Fixed(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf, _ = appendG7Fixed(buf[:0], g7BenchVals[i%len(g7BenchVals)])
	}
	sink = buf
}

func BenchmarkAppendG7FixedOld(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf, _ = appendG7FixedOld(buf[:0], g7BenchVals[i%len(g7BenchVals)])
	}
	sink = buf
}

// TestDigits8 checks digits8 on every value below 10^8 against the
// digit-pair table (its previous form).
func TestDigits8(t *testing.T) {
	for v := uint32(0); v < 1e8; v++ {
		hi, lo := v/10000, v%10000
		want := uint64(dig2w[(hi/100)&127]) | uint64(dig2w[(hi%100)&127])<<16 |
			uint64(dig2w[(lo/100)&127])<<32 | uint64(dig2w[(lo%100)&127])<<48
		if got := digits8(v); got != want {
			t.Fatalf("digits8(%d) = %#x, want %#x", v, got, want)
		}
	}
}
