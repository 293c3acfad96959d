//go:build !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"

// The float16 GEMM micro-kernels of the fp16 target: 16 output channels
// (two registers of eight halves) per packed group of half weights. The
// float32 inputs are loaded eight at a time per pixel and narrowed to
// halves (FCVTN, FCVTN2), then each of the eight is multiplied by a lane
// index into the weights of 16 channels and summed into half accumulators
// (FMLA by element: 16 multiply-adds in two instructions, where float32
// FMLA does 8); inputs past the last multiple of eight are broadcast and
// narrowed one at a time. Every lane sums its channel's terms of one chunk
// in input order, one rounding to half each (fma16). The sums are widened
// to float32 (FCVTL, FCVTL2) and added to the tile buffer, which holds the
// float32 sum of the earlier chunks; after the last chunk (out not nil)
// the bias is added, the sum clamped (FMAX, FMIN) and stored to out.

// STEP8(j) multiplies the weights of the next input (V12, V13) by lane j
// of the eight pixels' inputs (V0..V7) into their accumulators V16..V31.
#define STEP8(j) \
	VLD1.P 32(R8), [V12.H8, V13.H8] \
	FMLA_8H_LANE(16, 12, 0, j) \
	FMLA_8H_LANE(17, 13, 0, j) \
	FMLA_8H_LANE(18, 12, 1, j) \
	FMLA_8H_LANE(19, 13, 1, j) \
	FMLA_8H_LANE(20, 12, 2, j) \
	FMLA_8H_LANE(21, 13, 2, j) \
	FMLA_8H_LANE(22, 12, 3, j) \
	FMLA_8H_LANE(23, 13, 3, j) \
	FMLA_8H_LANE(24, 12, 4, j) \
	FMLA_8H_LANE(25, 13, 4, j) \
	FMLA_8H_LANE(26, 12, 5, j) \
	FMLA_8H_LANE(27, 13, 5, j) \
	FMLA_8H_LANE(28, 12, 6, j) \
	FMLA_8H_LANE(29, 13, 6, j) \
	FMLA_8H_LANE(30, 12, 7, j) \
	FMLA_8H_LANE(31, 13, 7, j)

// STEP1(j) is STEP8 for one pixel, whose inputs are in V0.
#define STEP1(j) \
	VLD1.P 32(R8), [V12.H8, V13.H8] \
	FMLA_8H_LANE(16, 12, 0, j) \
	FMLA_8H_LANE(17, 13, 0, j)

// WIDEN(v) loads the next 16 floats of the tile buffer into V8..V11 and
// adds accumulators v, v+1 (16 channels) to them, widened.
#define WIDEN(v) \
	VLD1.P 64(R10), [V8.S4, V9.S4, V10.S4, V11.S4] \
	FCVTL_4S(12, v) \
	FCVTL2_4S(13, v) \
	FCVTL_4S(14, v+1) \
	FCVTL2_4S(15, v+1) \
	FADD_4S(8, 8, 12) \
	FADD_4S(9, 9, 13) \
	FADD_4S(10, 10, 14) \
	FADD_4S(11, 11, 15)

// ACCUMULATE(v) writes WIDEN(v) back to the tile buffer.
#define ACCUMULATE(v) \
	WIDEN(v) \
	SUB $64, R10 \
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R10)

// FINAL(v) adds the bias (V0..V3) to WIDEN(v), clamps it to [V4, V5] and
// stores it to the output row at R14, then steps R14 to the next row (R15
// bytes on).
#define FINAL(v) \
	WIDEN(v) \
	FADD_4S(8, 8, 0) \
	FADD_4S(9, 9, 1) \
	FADD_4S(10, 10, 2) \
	FADD_4S(11, 11, 3) \
	FMAX_4S(8, 8, 4) \
	FMAX_4S(9, 9, 4) \
	FMAX_4S(10, 10, 4) \
	FMAX_4S(11, 11, 4) \
	FMIN_4S(8, 8, 5) \
	FMIN_4S(9, 9, 5) \
	FMIN_4S(10, 10, 5) \
	FMIN_4S(11, 11, 5) \
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R14) \
	ADD R15, R14

// LOADEPILOGUE loads the bias at R19 into V0..V3 and the clamp range at
// R20 into V4 (minimum) and V5 (maximum).
#define LOADEPILOGUE \
	VLD1 (R19), [V0.S4, V1.S4, V2.S4, V3.S4] \
	VLD1R.P FloatRange_Max(R20), [V4.S4] \
	VLD1R (R20), [V5.S4]

// func f16gemm8x16FP16(a *float32, lda int, w *Half, k int, acc *[128]float32, out *float32, ldo int, bias *float32, act *FloatRange)
TEXT ·f16gemm8x16FP16(SB), NOSPLIT, $0-72
	MOVD a+0(FP), R0
	MOVD lda+8(FP), R1
	MOVD w+16(FP), R8
	MOVD k+24(FP), R9
	MOVD acc+32(FP), R10
	ADD  R1, R0, R2
	ADD  R1, R2, R3
	ADD  R1, R3, R4
	ADD  R1, R4, R5
	ADD  R1, R5, R6
	ADD  R1, R6, R7
	ADD  R1, R7, R13
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
	LSR  $3, R9, R11 // blocks of eight inputs
	AND  $7, R9, R12 // inputs after them
	CBZ  R11, tail8

block8:
	VLD1.P 32(R0), [V8.S4, V9.S4]
	FCVTN_4H(0, 8)
	FCVTN2_8H(0, 9)
	VLD1.P 32(R2), [V10.S4, V11.S4]
	FCVTN_4H(1, 10)
	FCVTN2_8H(1, 11)
	VLD1.P 32(R3), [V8.S4, V9.S4]
	FCVTN_4H(2, 8)
	FCVTN2_8H(2, 9)
	VLD1.P 32(R4), [V10.S4, V11.S4]
	FCVTN_4H(3, 10)
	FCVTN2_8H(3, 11)
	VLD1.P 32(R5), [V8.S4, V9.S4]
	FCVTN_4H(4, 8)
	FCVTN2_8H(4, 9)
	VLD1.P 32(R6), [V10.S4, V11.S4]
	FCVTN_4H(5, 10)
	FCVTN2_8H(5, 11)
	VLD1.P 32(R7), [V8.S4, V9.S4]
	FCVTN_4H(6, 8)
	FCVTN2_8H(6, 9)
	VLD1.P 32(R13), [V10.S4, V11.S4]
	FCVTN_4H(7, 10)
	FCVTN2_8H(7, 11)
	STEP8(0)
	STEP8(1)
	STEP8(2)
	STEP8(3)
	STEP8(4)
	STEP8(5)
	STEP8(6)
	STEP8(7)
	SUBS $1, R11, R11
	BNE  block8

tail8:
	CBZ  R12, done8

single8:
	VLD1R.P 4(R0), [V8.S4]
	FCVTN_4H(0, 8)
	VLD1R.P 4(R2), [V8.S4]
	FCVTN_4H(1, 8)
	VLD1R.P 4(R3), [V8.S4]
	FCVTN_4H(2, 8)
	VLD1R.P 4(R4), [V8.S4]
	FCVTN_4H(3, 8)
	VLD1R.P 4(R5), [V8.S4]
	FCVTN_4H(4, 8)
	VLD1R.P 4(R6), [V8.S4]
	FCVTN_4H(5, 8)
	VLD1R.P 4(R7), [V8.S4]
	FCVTN_4H(6, 8)
	VLD1R.P 4(R13), [V8.S4]
	FCVTN_4H(7, 8)
	STEP8(0)
	SUBS $1, R12, R12
	BNE  single8

done8:
	MOVD out+40(FP), R14
	CBNZ R14, final8
	ACCUMULATE(16)
	ACCUMULATE(18)
	ACCUMULATE(20)
	ACCUMULATE(22)
	ACCUMULATE(24)
	ACCUMULATE(26)
	ACCUMULATE(28)
	ACCUMULATE(30)
	RET

final8:
	MOVD ldo+48(FP), R15
	MOVD bias+56(FP), R19
	MOVD act+64(FP), R20
	LOADEPILOGUE
	FINAL(16)
	FINAL(18)
	FINAL(20)
	FINAL(22)
	FINAL(24)
	FINAL(26)
	FINAL(28)
	FINAL(30)
	RET

// func f16gemm1x16FP16(a *float32, w *Half, k int, acc *[128]float32, out *float32, bias *float32, act *FloatRange)
TEXT ·f16gemm1x16FP16(SB), NOSPLIT, $0-56
	MOVD a+0(FP), R0
	MOVD w+8(FP), R8
	MOVD k+16(FP), R9
	MOVD acc+24(FP), R10
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	LSR  $3, R9, R11
	AND  $7, R9, R12
	CBZ  R11, tail1

block1:
	VLD1.P 32(R0), [V8.S4, V9.S4]
	FCVTN_4H(0, 8)
	FCVTN2_8H(0, 9)
	STEP1(0)
	STEP1(1)
	STEP1(2)
	STEP1(3)
	STEP1(4)
	STEP1(5)
	STEP1(6)
	STEP1(7)
	SUBS $1, R11, R11
	BNE  block1

tail1:
	CBZ  R12, done1

single1:
	VLD1R.P 4(R0), [V8.S4]
	FCVTN_4H(0, 8)
	STEP1(0)
	SUBS $1, R12, R12
	BNE  single1

done1:
	MOVD out+32(FP), R14
	CBNZ R14, final1
	ACCUMULATE(16)
	RET

final1:
	MOVD ZR, R15 // one output row
	MOVD bias+40(FP), R19
	MOVD act+48(FP), R20
	LOADEPILOGUE
	FINAL(16)
	RET
