#include "textflag.h"

// func lines(addrs *uintptr, n int)
TEXT ·lines(SB), NOSPLIT, $0-16
	MOVQ	addrs+0(FP), SI
	MOVQ	n+8(FP), CX
	TESTQ	CX, CX
	JLE	done
loop:
	MOVQ	(SI), AX
	PREFETCHT0	(AX)
	ADDQ	$8, SI
	DECQ	CX
	JNZ	loop
done:
	RET

// func linesW(addrs *uintptr, n int)
TEXT ·linesW(SB), NOSPLIT, $0-16
	MOVQ	addrs+0(FP), SI
	MOVQ	n+8(FP), CX
	TESTQ	CX, CX
	JLE	donew
loopw:
	MOVQ	(SI), AX
	// PREFETCHW (AX): 0F 0D /1
	BYTE	$0x0F; BYTE $0x0D; BYTE $0x08
	ADDQ	$8, SI
	DECQ	CX
	JNZ	loopw
donew:
	RET
