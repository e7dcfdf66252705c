package record

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/t2go/t2go/pkg/packet"
)

// The formatters must match strconv / fmt / packet.Time.AppendTo exactly.
// Each check* function compares one value; the tests feed them edge and
// random values, the fuzz targets whatever the fuzzer finds.

func checkUint(t *testing.T, v uint64) {
	t.Helper()
	if got, want := string(appendUint([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
		t.Fatalf("appendUint(%d) = %q, want %q", v, got, want)
	}
	i := int64(v)
	if got, want := string(appendInt([]byte("x"), i)), "x"+strconv.FormatInt(i, 10); got != want {
		t.Fatalf("appendInt(%d) = %q, want %q", i, got, want)
	}
	if got, want := string(putUint(room("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
		t.Fatalf("putUint(%d) = %q, want %q", v, got, want)
	}
	if got, want := string(putInt(room("x"), i)), "x"+strconv.FormatInt(i, 10); got != want {
		t.Fatalf("putInt(%d) = %q, want %q", i, got, want)
	}
}

func checkHex(t *testing.T, v uint64, digits int) {
	t.Helper()
	want := "x0x"
	if digits > 0 {
		m := v
		if digits < 16 {
			m &= 1<<(4*uint(digits)) - 1
		}
		want += fmt.Sprintf("%0*x", digits, m)
	}
	if got := string(appendHex([]byte("x"), v, digits)); got != want {
		t.Fatalf("appendHex(%#x, %d) = %q, want %q", v, digits, got, want)
	}
	var got []byte
	switch digits {
	case 2:
		got = putHex2(room("x"), byte(v))
	case 4:
		got = putHex4(room("x"), uint16(v))
	case 8:
		got = putHex8(room("x"), uint32(v))
	case 16:
		got = putHex16(room("x"), v)
	default:
		return
	}
	if string(got) != want {
		t.Fatalf("putHex(%#x, %d) = %q, want %q", v, digits, got, want)
	}
}

// room returns prefix in a slice with exactly putRoom bytes of spare
// capacity, filled with junk: a put formatter that needs more panics,
// one that relies on zeroed room fails.
func room(prefix string) []byte {
	b := make([]byte, len(prefix)+putRoom)
	for i := range b {
		b[i] = '#'
	}
	return append(b[:0], prefix...)
}

func checkTime(t *testing.T, v packet.Time) {
	t.Helper()
	if got, want := string(appendTime([]byte("x"), v)), "x"+v.String(); got != want {
		t.Fatalf("appendTime(%d) = %q, want %q", int64(v), got, want)
	}
	if got, want := string(putTime(room("x"), v)), "x"+v.String(); got != want {
		t.Fatalf("putTime(%d) = %q, want %q", int64(v), got, want)
	}
}

func checkF64(t *testing.T, v float64) {
	t.Helper()
	if got, want := string(appendF64([]byte("x"), v)), "x"+strconv.FormatFloat(v, 'f', 6, 64); got != want {
		t.Fatalf("appendF64(%v) = %q, want %q", v, got, want)
	}
}

func checkG7(t *testing.T, v float32) {
	t.Helper()
	want := "x" + g7Ref(v)
	if got := string(AppendG7([]byte("x"), v)); got != want {
		t.Fatalf("AppendG7(%v) = %q, want %q", v, got, want)
	}
	if got := string(AppendG7(room("x"), v)); got != want { // with room, as in render
		t.Fatalf("AppendG7(%v) with room = %q, want %q", v, got, want)
	}
}

// sanitizedRef is AppendSanitized byte by byte (the plain-run copy is
// the fast path under test).
func sanitizedRef(s []byte) string {
	var b []byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case escapes[c] != 0:
				b = append(b, '\\', escapes[c])
			case c == '"':
				b = append(b, '\\', '"')
			case c < 0x20 || c == 0x7f:
				b = append(b, fmt.Sprintf("\\u%04X", c)...)
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
	return string(b)
}

func checkSanitized(t *testing.T, s []byte) {
	t.Helper()
	want := sanitizedRef(s)
	if got := string(AppendSanitized(nil, s)); got != want {
		t.Fatalf("AppendSanitized(%q) = %q, want %q", s, got, want)
	}
	// putSanitized with no room, exactly the room of its fast path, and
	// more; the room is junk.
	for _, extra := range []int{0, len(s), len(s) + 7} {
		b := make([]byte, 1+extra)
		for i := range b {
			b[i] = '#'
		}
		if got := string(putSanitized(append(b[:0], 'x'), s)); got != "x"+want {
			t.Fatalf("putSanitized(%q) with room %d = %q, want %q", s, extra, got, "x"+want)
		}
	}
}

func TestFormattersMatchReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	// Integers: every power of 10 and 2 and their neighbours, then random
	// values of every length.
	for p := uint64(1); ; p *= 10 {
		for _, v := range []uint64{p - 1, p, p + 1} {
			checkUint(t, v)
			checkUint(t, -v)
		}
		if p > math.MaxUint64/10 {
			break
		}
	}
	for s := 0; s < 64; s++ {
		v := uint64(1) << s
		checkUint(t, v-1)
		checkUint(t, v)
		checkUint(t, v+1)
	}
	for i := 0; i < 100000; i++ {
		checkUint(t, rng.Uint64()>>uint(rng.Intn(64)))
	}
	for i := 0; i < 100000; i++ {
		checkHex(t, rng.Uint64()>>uint(rng.Intn(64)), rng.Intn(19))
	}
	for _, d := range []int{0, 1, 2, 3, 4, 8, 15, 16, 17, 20} {
		checkHex(t, 0, d)
		checkHex(t, math.MaxUint64, d)
	}
	for _, v := range []packet.Time{0, 1, 999999999, 1e9, 1e9 + 1, -1, -1e9, -1e9 - 1, math.MaxInt64, math.MinInt64 + 1, 1704067200631611000, 1e18 - 1, 1e18, 1e18 + 999999999, 999999999e9 + 999999999} {
		checkTime(t, v)
	}
	for i := 0; i < 100000; i++ {
		v := packet.Time(rng.Int63() >> uint(rng.Intn(63)))
		checkTime(t, v)
		checkTime(t, -v)
		checkTime(t, v/1000*1000)
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e15 - 1, 1e15, -1e15 + 1, 1e300, 2.5e-7, 5e-7,
		math.Inf(1), math.Inf(-1), math.NaN(), 9007199254740993, math.MaxInt64, math.MinInt64} {
		checkF64(t, v)
	}
	for i := 0; i < 100000; i++ {
		checkF64(t, float64(rng.Int63n(4e15)-2e15))
		checkF64(t, rng.NormFloat64()*math.Pow(10, float64(rng.Intn(30)-10)))
		checkF64(t, math.Float64frombits(rng.Uint64()))
	}
	for i := 0; i < 100000; i++ {
		checkG7(t, float32(rng.Intn(2e7)-1e7))
		checkG7(t, math.Float32frombits(rng.Uint32()))
		checkG7(t, float32(rng.NormFloat64()*math.Pow(10, float64(rng.Intn(14)-6))))
	}
	for _, s := range []string{"", "eth:ipv4:tcp", "eth:ipv4:udp:dns", "01234567", "0123456\"", "\"1234567", "0123456789abcdef\x7f",
		"0123456789abcdef\x1f", "0123456789abcdef\x80", "0123456789abcdef\\", "~ ~ ~ ~ ~ ~ ~ ~ ~", "\xc3\xa9tait un caf\xc3\xa9"} {
		checkSanitized(t, []byte(s))
	}
	for i := 0; i < 100000; i++ { // mostly plain, one odd byte at most
		s := make([]byte, rng.Intn(40))
		for j := range s {
			s[j] = byte(' ' + rng.Intn(95))
		}
		if len(s) > 0 && rng.Intn(2) == 0 {
			s[rng.Intn(len(s))] = byte(rng.Intn(256))
		}
		checkSanitized(t, s)
	}
	for i := 0; i < 100000; i++ {
		s := make([]byte, rng.Intn(40))
		for j := range s {
			s[j] = byte(rng.Intn(256))
			if rng.Intn(2) == 0 {
				s[j] = byte(' ' + rng.Intn(95))
			}
		}
		checkSanitized(t, s)
	}
	for c := 0; c < 256; c++ {
		if got, want := string(appendOctet(nil, byte(c))), strconv.Itoa(c); got != want {
			t.Fatalf("appendOctet(%d) = %q", c, got)
		}
		// Every octet in every position of an address.
		for p := 0; p < 4; p++ {
			var a [4]byte
			rng.Read(a[:])
			a[p] = byte(c)
			checkIPv4MAC(t, a, [6]byte{a[0], a[1], a[2], a[3], byte(c), byte(p)})
		}
	}
	m := [6]byte{0, 0x0f, 0x10, 0xab, 0xfe, 0xff}
	if got, want := string(AppendMAC(nil, m)), "00:0f:10:ab:fe:ff"; got != want {
		t.Fatalf("AppendMAC = %q, want %q", got, want)
	}
}

func checkIPv4MAC(t *testing.T, a [4]byte, m [6]byte) {
	t.Helper()
	want := fmt.Sprintf("x%d.%d.%d.%d", a[0], a[1], a[2], a[3])
	if got := string(putIPv4(room("x"), &a)); got != want {
		t.Fatalf("putIPv4(%v) = %q, want %q", a, got, want)
	}
	want = fmt.Sprintf("x%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
	if got := string(putMAC(room("x"), &m)); got != want {
		t.Fatalf("putMAC(%v) = %q, want %q", m, got, want)
	}
	if got := string(AppendMAC([]byte("x"), m)); got != want {
		t.Fatalf("AppendMAC(%v) = %q, want %q", m, got, want)
	}
}

func FuzzAppendIPv4MAC(f *testing.F) {
	f.Add([]byte{192, 168, 1, 104, 0xff, 0x0a})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a [4]byte
		var m [6]byte
		copy(a[:], b)
		copy(m[:], b)
		checkIPv4MAC(t, a, m)
	})
}

func FuzzAppendUint(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, v uint64) { checkUint(t, v) })
}

func FuzzAppendHex(f *testing.F) {
	f.Add(uint64(0x0400000000004000), 16)
	f.Fuzz(func(t *testing.T, v uint64, digits int) { checkHex(t, v, digits%20) })
}

func FuzzAppendTime(f *testing.F) {
	f.Add(int64(1704067200631611000))
	f.Fuzz(func(t *testing.T, v int64) { checkTime(t, packet.Time(v)) })
}

func FuzzAppendFloats(f *testing.F) {
	f.Add(uint32(0x3f800000), uint64(0))
	f.Fuzz(func(t *testing.T, b32 uint32, b64 uint64) {
		checkG7(t, math.Float32frombits(b32))
		checkF64(t, math.Float64frombits(b64))
	})
}

func FuzzAppendSanitized(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\x00\xc3\xa9\""))
	f.Fuzz(func(t *testing.T, s []byte) { checkSanitized(t, s) })
}
