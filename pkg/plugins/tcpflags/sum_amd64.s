#include "textflag.h"

// func sumWords(d []byte, acc uint64) uint64
//
// AX accumulates with ADC; the loops count with LEAQ and DECQ, which
// leave the carry flag alone, so one carry chain runs through each loop.
// After a loop two ADCs of 0 take its last carry in (the second cannot
// carry again).
TEXT ·sumWords(SB), NOSPLIT, $0-40
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
