//go:build !amd64

package tcpflags

// sumWords is the one's-complement sum (modulo 2^64−1, end-around carry)
// of acc and the little-endian 64-bit words of d (its len(d)/8 whole
// ones). It is 0 only when they all are.
func sumWords(d []byte, acc uint64) uint64 { return sumWordsGo(d, acc) }
