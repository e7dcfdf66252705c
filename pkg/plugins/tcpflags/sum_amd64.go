package tcpflags

// sumWords is the one's-complement sum (modulo 2^64−1, end-around carry)
// of acc and the little-endian 64-bit words of d (its len(d)/8 whole
// ones), as sumWordsGo computes it: an ADC chain over 64 bytes a round
// (sum_amd64.s). It is 0 only when they all are.
//
//go:noescape
func sumWords(d []byte, acc uint64) uint64
