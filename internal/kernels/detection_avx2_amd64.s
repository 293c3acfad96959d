//go:build !purego

#include "textflag.h"

// The best class score of each SSD anchor in AVX2 (see bestScores): the
// largest of a row's n ≥ 16 bytes, then its dequantized value from the
// table. A row of 32 bytes or more is read 32 at a time, the last 32
// overlapping the one before (the maximum minds no repeats); a shorter one
// as two 16-byte halves that overlap the same way. The 16 lanes are then
// folded in halves: each step compares the low lanes with the ones shifted
// down onto them, so the zeros a shift brings in only reach lanes no later
// step reads, and lane 0 ends with the maximum, signed or not.

// BEST_SCORES is the body of a kernel, MAXB the byte maximum (VPMAXUB for
// uint8, VPMAXSB for int8).
#define BEST_SCORES(MAXB) \
	MOVQ  src+0(FP), SI          \
	MOVQ  stride+8(FP), R8       \
	MOVQ  n+16(FP), CX           \
	MOVQ  rows+24(FP), DX        \
	MOVQ  table+32(FP), R9       \
	MOVQ  dst+40(FP), DI         \
	LEAQ  -32(CX), R10           \
	TESTQ DX, DX                 \
	JZ    done                   \
row:                           \
	CMPQ    CX, $32              \
	JB      short                \
	VMOVDQU (SI), Y0             \
	MOVQ    $32, AX              \
chunks:                        \
	CMPQ    AX, R10              \
	JAE     last                 \
	MAXB    (SI)(AX*1), Y0, Y0   \
	ADDQ    $32, AX              \
	JMP     chunks               \
last:                          \
	MAXB         (SI)(R10*1), Y0, Y0 \
	VEXTRACTI128 $1, Y0, X1          \
	MAXB         X1, X0, X0          \
	JMP          fold                \
short:                         \
	VMOVDQU (SI), X0             \
	MAXB    -16(SI)(CX*1), X0, X0 \
fold:                          \
	VPSRLDQ $8, X0, X1           \
	MAXB    X1, X0, X0           \
	VPSRLDQ $4, X0, X1           \
	MAXB    X1, X0, X0           \
	VPSRLDQ $2, X0, X1           \
	MAXB    X1, X0, X0           \
	VPSRLW  $8, X0, X1           \
	MAXB    X1, X0, X0           \
	VMOVD   X0, AX               \
	MOVBLZX AX, AX               \
	MOVL    (R9)(AX*4), BX       \
	MOVL    BX, (DI)             \
	ADDQ    R8, SI               \
	ADDQ    $4, DI               \
	DECQ    DX                   \
	JNZ     row                  \
done:                          \
	VZEROUPPER                   \
	RET

// func bestScoresU8AVX2(src *uint8, stride, n, rows int, table *DequantTable, dst *float32)
TEXT ·bestScoresU8AVX2(SB), NOSPLIT, $0-48
	BEST_SCORES(VPMAXUB)

// func bestScoresI8AVX2(src *int8, stride, n, rows int, table *DequantTable, dst *float32)
TEXT ·bestScoresI8AVX2(SB), NOSPLIT, $0-48
	BEST_SCORES(VPMAXSB)
