//go:build arm64 && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The raw dot products of the hybrid layers on the dotprod target: four
// int8 rows against one packed group of 16 channels (the layout of
// PointwiseQ's dotprod kernels, qgemmBytes: per step of four input bytes,
// [16 channels][4 bytes]), D[p][c] = Σ_k a[p][k]·w[c][k] with SDOT, stored
// as int32 [4][16] without requantizing. Registers: V0..V3 the four bytes
// of pixels 0..3, V4..V7 the weights of a step, V16+4p..V19+4p the
// accumulators of pixel p.

#define HDOT_PIXEL(acc, a) SDOT_LANE(acc, 4, a, 0); SDOT_LANE(acc+1, 5, a, 0); SDOT_LANE(acc+2, 6, a, 0); SDOT_LANE(acc+3, 7, a, 0)

// func hybridDot4x16S8DotProd(a0, a1, a2, a3, w *byte, kq int, acc *int32)
TEXT ·hybridDot4x16S8DotProd(SB), NOSPLIT, $0-56
	MOVD a0+0(FP), R0
	MOVD a1+8(FP), R1
	MOVD a2+16(FP), R2
	MOVD a3+24(FP), R3
	MOVD w+32(FP), R4
	MOVD kq+40(FP), R5
	MOVD acc+48(FP), R6
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

step:
	FMOVS.P 4(R0), F0
	FMOVS.P 4(R1), F1
	FMOVS.P 4(R2), F2
	FMOVS.P 4(R3), F3
	VLD1.P  64(R4), [V4.B16, V5.B16, V6.B16, V7.B16]
	HDOT_PIXEL(16, 0)
	HDOT_PIXEL(20, 1)
	HDOT_PIXEL(24, 2)
	HDOT_PIXEL(28, 3)
	SUBS    $1, R5, R5
	BNE     step

	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R6)
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(R6)
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R6)
	VST1.P [V28.S4, V29.S4, V30.S4, V31.S4], 64(R6)
	RET
