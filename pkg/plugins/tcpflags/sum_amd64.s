#include "textflag.h"

// func sumWords(d []byte, acc uint64) uint64
//
// Jumps to the variant the CPU runs (same frame), so that checksum calls
// one function.
TEXT ·sumWords(SB), NOSPLIT, $0-40
	CMPB	·useADX(SB), $0
	JEQ	adc
	JMP	·sumWordsADX(SB)
adc:
	JMP	·sumWordsADC(SB)

// func sumWordsADC(d []byte, acc uint64) uint64
//
// AX accumulates with ADC; the loops count with LEAQ and DECQ, which
// leave the carry flag alone, so one carry chain runs through each loop.
// After a loop two ADCs of 0 take its last carry in (the second cannot
// carry again).
TEXT ·sumWordsADC(SB), NOSPLIT, $0-40
	MOVQ	d_base+0(FP), SI
	MOVQ	d_len+8(FP), CX
	MOVQ	acc+24(FP), AX
	MOVQ	CX, DX
	SHRQ	$6, CX		// 64-byte rounds
	SHRQ	$3, DX
	ANDQ	$7, DX		// 8-byte words after them
	TESTQ	CX, CX		// clears the carry
	JZ	words0
rounds:
	ADCQ	0(SI), AX
	ADCQ	8(SI), AX
	ADCQ	16(SI), AX
	ADCQ	24(SI), AX
	ADCQ	32(SI), AX
	ADCQ	40(SI), AX
	ADCQ	48(SI), AX
	ADCQ	56(SI), AX
	LEAQ	64(SI), SI
	DECQ	CX
	JNZ	rounds
	ADCQ	$0, AX
	ADCQ	$0, AX
words0:
	TESTQ	DX, DX		// clears the carry (none is pending)
	JZ	done
words:
	ADCQ	0(SI), AX
	LEAQ	8(SI), SI
	DECQ	DX
	JNZ	words
	ADCQ	$0, AX
	ADCQ	$0, AX
done:
	MOVQ	AX, ret+32(FP)
	RET

// func sumWordsADX(d []byte, acc uint64) uint64
//
// The 64-byte rounds add the even words into AX with ADCX (carry flag)
// and the odd ones into BX with ADOX (overflow flag), two independent
// chains. Each round ends by adding its two pending carries into the
// counters R9 and R10 (which cannot overflow), so that SUBQ may count
// the rounds: it leaves CF and OF clear (CX >= 1, small). Then the sums
// and counters are added with end-around carries, and the last words
// as in sumWordsADC.
TEXT ·sumWordsADX(SB), NOSPLIT, $0-40
	MOVQ	d_base+0(FP), SI
	MOVQ	d_len+8(FP), CX
	MOVQ	acc+24(FP), AX
	MOVQ	CX, DX
	SHRQ	$6, CX		// 64-byte rounds
	SHRQ	$3, DX
	ANDQ	$7, DX		// 8-byte words after them
	TESTQ	CX, CX
	JZ	words0
	XORQ	BX, BX		// the odd words' sum
	XORQ	R8, R8		// 0
	XORQ	R9, R9		// carries of AX
	XORQ	R10, R10	// carries of BX; CF = OF = 0
rounds:
	ADCXQ	0(SI), AX
	ADOXQ	8(SI), BX
	ADCXQ	16(SI), AX
	ADOXQ	24(SI), BX
	ADCXQ	32(SI), AX
	ADOXQ	40(SI), BX
	ADCXQ	48(SI), AX
	ADOXQ	56(SI), BX
	ADCXQ	R8, R9
	ADOXQ	R8, R10
	LEAQ	64(SI), SI
	SUBQ	$1, CX
	JNZ	rounds
	ADDQ	BX, AX
	ADCQ	R9, AX
	ADCQ	R10, AX
	ADCQ	$0, AX
	ADCQ	$0, AX
words0:
	TESTQ	DX, DX		// clears the carry (none is pending)
	JZ	done
words:
	ADCQ	0(SI), AX
	LEAQ	8(SI), SI
	DECQ	DX
	JNZ	words
	ADCQ	$0, AX
	ADCQ	$0, AX
done:
	MOVQ	AX, ret+32(FP)
	RET
