package tcpflags

import "golang.org/x/sys/cpu"

// useADX: the CPU has ADCX and ADOX, so sumWords runs two carry chains
// (sum_amd64.s reads it).
var useADX = cpu.X86.HasADX

// sumWords is the one's-complement sum (modulo 2^64−1, end-around carry)
// of acc and the little-endian 64-bit words of d (its len(d)/8 whole
// ones), as sumWordsGo computes it, in assembly (sum_amd64.s): 64 bytes a
// round, in two carry chains (sumWordsADX) where the CPU has ADX, else
// in one (sumWordsADC). It is 0 only when they all are.
//
//go:noescape
func sumWords(d []byte, acc uint64) uint64

//go:noescape
func sumWordsADC(d []byte, acc uint64) uint64

//go:noescape
func sumWordsADX(d []byte, acc uint64) uint64
