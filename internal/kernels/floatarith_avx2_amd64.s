//go:build amd64 && !purego

#include "textflag.h"

// Float elementwise kernels (see floatarith_amd64.go). The clamp of v to
// [lo, hi] is C++'s std::min(std::max(v, lo), hi): VMAXPS v, LO, v keeps
// LO only where LO > v, and VMINPS v, HI, v keeps HI only where HI < v, so
// a NaN v passes through as in the portable code. Y14 and Y15 hold lo and
// hi in every lane; 16 elements a step, then 8, then one at a time.

// CLAMP8 clamps the 8 floats of register R.
#define CLAMP8(R) \
	VMAXPS R, Y14, R; \
	VMINPS R, Y15, R

// CLAMP1 clamps the low float of register R.
#define CLAMP1(R) \
	VMAXSS R, X14, R; \
	VMINSS R, X15, R

// FLOAT_ROWS defines NAME(x, y, d *float32, n int, lo, hi float32):
// d[i] = clamp(x[i] OP y[i]), OPPS and OPSS the packed and scalar forms.
#define FLOAT_ROWS(NAME, OPPS, OPSS) \
TEXT NAME(SB), NOSPLIT, $0-40; \
	MOVQ         x+0(FP), SI; \
	MOVQ         y+8(FP), DX; \
	MOVQ         d+16(FP), DI; \
	MOVQ         n+24(FP), CX; \
	VBROADCASTSS lo+32(FP), Y14; \
	VBROADCASTSS hi+36(FP), Y15; \
loop16: \
	CMPQ    CX, $16; \
	JLT     loop8; \
	VMOVUPS (SI), Y0; \
	VMOVUPS 32(SI), Y1; \
	OPPS    (DX), Y0, Y0; \
	OPPS    32(DX), Y1, Y1; \
	CLAMP8(Y0); \
	CLAMP8(Y1); \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y1, 32(DI); \
	ADDQ    $64, SI; \
	ADDQ    $64, DX; \
	ADDQ    $64, DI; \
	SUBQ    $16, CX; \
	JMP     loop16; \
loop8: \
	CMPQ    CX, $8; \
	JLT     tail; \
	VMOVUPS (SI), Y0; \
	OPPS    (DX), Y0, Y0; \
	CLAMP8(Y0); \
	VMOVUPS Y0, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DX; \
	ADDQ    $32, DI; \
	SUBQ    $8, CX; \
tail: \
	TESTQ  CX, CX; \
	JEQ    done; \
	VMOVSS (SI), X0; \
	OPSS   (DX), X0, X0; \
	CLAMP1(X0); \
	VMOVSS X0, (DI); \
	ADDQ   $4, SI; \
	ADDQ   $4, DX; \
	ADDQ   $4, DI; \
	DECQ   CX; \
	JMP    tail; \
done: \
	VZEROUPPER; \
	RET

// FLOAT_SCALAR defines NAME(x *float32, y float32, d *float32, n int, lo,
// hi float32): d[i] = clamp(x[i] OP y), y in every lane of Y13.
#define FLOAT_SCALAR(NAME, OPPS, OPSS) \
TEXT NAME(SB), NOSPLIT, $0-40; \
	MOVQ         x+0(FP), SI; \
	VBROADCASTSS y+8(FP), Y13; \
	MOVQ         d+16(FP), DI; \
	MOVQ         n+24(FP), CX; \
	VBROADCASTSS lo+32(FP), Y14; \
	VBROADCASTSS hi+36(FP), Y15; \
loop16: \
	CMPQ    CX, $16; \
	JLT     loop8; \
	VMOVUPS (SI), Y0; \
	VMOVUPS 32(SI), Y1; \
	OPPS    Y13, Y0, Y0; \
	OPPS    Y13, Y1, Y1; \
	CLAMP8(Y0); \
	CLAMP8(Y1); \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y1, 32(DI); \
	ADDQ    $64, SI; \
	ADDQ    $64, DI; \
	SUBQ    $16, CX; \
	JMP     loop16; \
loop8: \
	CMPQ    CX, $8; \
	JLT     tail; \
	VMOVUPS (SI), Y0; \
	OPPS    Y13, Y0, Y0; \
	CLAMP8(Y0); \
	VMOVUPS Y0, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DI; \
	SUBQ    $8, CX; \
tail: \
	TESTQ  CX, CX; \
	JEQ    done; \
	VMOVSS (SI), X0; \
	OPSS   X13, X0, X0; \
	CLAMP1(X0); \
	VMOVSS X0, (DI); \
	ADDQ   $4, SI; \
	ADDQ   $4, DI; \
	DECQ   CX; \
	JMP    tail; \
done: \
	VZEROUPPER; \
	RET

FLOAT_ROWS(·floatAddRowsAVX2, VADDPS, VADDSS)
FLOAT_ROWS(·floatSubRowsAVX2, VSUBPS, VSUBSS)
FLOAT_ROWS(·floatMulRowsAVX2, VMULPS, VMULSS)
FLOAT_ROWS(·floatDivRowsAVX2, VDIVPS, VDIVSS)
FLOAT_SCALAR(·floatAddScalarAVX2, VADDPS, VADDSS)
FLOAT_SCALAR(·floatSubScalarAVX2, VSUBPS, VSUBSS)
FLOAT_SCALAR(·floatMulScalarAVX2, VMULPS, VMULSS)
FLOAT_SCALAR(·floatDivScalarAVX2, VDIVPS, VDIVSS)

// func floatClampAVX2(x, d *float32, n int, lo, hi float32)
TEXT ·floatClampAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         d+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS lo+24(FP), Y14
	VBROADCASTSS hi+28(FP), Y15

loop16:
	CMPQ    CX, $16
	JLT     loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	CLAMP8(Y0)
	CLAMP8(Y1)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

loop8:
	CMPQ    CX, $8
	JLT     tail
	VMOVUPS (SI), Y0
	CLAMP8(Y0)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX

tail:
	TESTQ  CX, CX
	JEQ    done
	VMOVSS (SI), X0
	CLAMP1(X0)
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JMP    tail

done:
	VZEROUPPER
	RET
