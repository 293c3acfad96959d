//go:build !purego

#include "textflag.h"

// The best class score of each SSD anchor in NEON (see bestScores): the
// largest of a row's n ≥ 16 bytes, then its dequantized value from the
// table. A row is read 16 bytes at a time, the last 16 overlapping the ones
// before (the maximum minds no repeats), and folded with UMAXV or SMAXV.

// Instructions Go's assembler lacks, as WORDs (d, n, m register numbers;
// op the base word: UMAX/SMAX 16B, UMAXV/SMAXV 16B).
#define MAX_16B(op, d, n, m) WORD $((op) | ((m)<<16) | ((n)<<5) | (d))
#define MAXV_16B(op, d, n) WORD $((op) | ((n)<<5) | (d))

// BEST_SCORES is the body of a kernel, maxOp and maxvOp its base words.
#define BEST_SCORES(maxOp, maxvOp) \
	MOVD  src+0(FP), R0            \
	MOVD  stride+8(FP), R1         \
	MOVD  n+16(FP), R2             \
	MOVD  rows+24(FP), R3          \
	MOVD  table+32(FP), R4         \
	MOVD  dst+40(FP), R5           \
	SUB   $16, R2, R6              \
	CBZ   R3, done                 \
row:                             \
	VLD1  (R0), [V0.B16]           \
	MOVD  $16, R7                  \
chunks:                          \
	CMP   R6, R7                   \
	BHS   last                     \
	ADD   R0, R7, R8               \
	VLD1  (R8), [V1.B16]           \
	MAX_16B(maxOp, 0, 0, 1)        \
	ADD   $16, R7                  \
	B     chunks                   \
last:                            \
	ADD   R0, R6, R8               \
	VLD1  (R8), [V1.B16]           \
	MAX_16B(maxOp, 0, 0, 1)        \
	MAXV_16B(maxvOp, 0, 0)         \
	VMOV  V0.B[0], R8              \
	MOVWU (R4)(R8<<2), R9          \
	MOVW  R9, (R5)                 \
	ADD   $4, R5                   \
	ADD   R1, R0                   \
	SUB   $1, R3                   \
	CBNZ  R3, row                  \
done:                            \
	RET

// func bestScoresU8Neon(src *uint8, stride, n, rows int, table *DequantTable, dst *float32)
TEXT ·bestScoresU8Neon(SB), NOSPLIT, $0-48
	BEST_SCORES(0x6E206400, 0x6E30A800)

// func bestScoresI8Neon(src *int8, stride, n, rows int, table *DequantTable, dst *float32)
TEXT ·bestScoresI8Neon(SB), NOSPLIT, $0-48
	BEST_SCORES(0x4E206400, 0x4E30A800)
