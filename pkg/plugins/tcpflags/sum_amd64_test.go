package tcpflags

import "testing"

// sumWordsVariants are the assembly variants this CPU can run.
var sumWordsVariants = func() map[string]func([]byte, uint64) uint64 {
	m := map[string]func([]byte, uint64) uint64{"sumWordsADC": sumWordsADC}
	if useADX {
		m["sumWordsADX"] = sumWordsADX
	}
	return m
}()

// BenchmarkSumWords times the variants on the bench capture's mean
// layer-4 length.
func BenchmarkSumWords(b *testing.B) {
	d := make([]byte, 256)
	for i := range d {
		d[i] = byte(i*151 + 7)
	}
	for name, f := range sumWordsVariants {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(d)))
			var sink uint64
			for i := 0; i < b.N; i++ {
				sink += f(d, sink)
			}
			_ = sink
		})
	}
}
