//go:build !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"

// The uint8 bilinear row kernel for NEON: one output pixel at a time, 4
// channels a step; the last c%4 channels are computed by a step that ends
// at the pixel's last channel and so overlaps the step before, writing the
// same bytes again (c is at least 4). Each product and sum is its own FMUL
// or FADD (rounded to float32, as TFLite's expression is, never fused),
// then FCVTZU truncates (negatives to 0) and UQXTN saturates to bytes.

DATA resizeHalfNeon<>+0(SB)/4, $0x3f000000 // 0.5
GLOBL resizeHalfNeon<>(SB), RODATA|NOPTR, $4

// STEP computes 4 channels from R10–R13 (weights V28, V29) into 4 bytes
// at R5, and advances the four pointers by 16 bytes and R5 by 4.
#define STEP \
	VLD1.P 16(R10), [V0.S4] ; \
	VLD1.P 16(R11), [V1.S4] ; \
	VLD1.P 16(R12), [V2.S4] ; \
	VLD1.P 16(R13), [V3.S4] ; \
	FMUL_4S(0, 0, 28) ; \
	FMUL_4S(1, 1, 28) ; \
	FMUL_4S(2, 2, 29) ; \
	FMUL_4S(3, 3, 29) ; \
	FADD_4S(0, 0, 1) ; \
	FADD_4S(0, 0, 2) ; \
	FADD_4S(0, 0, 3) ; \
	FADD_4S(0, 0, 30) ; \
	FCVTZU_4S(0, 0) ; \
	UQXTN_4H(0, 0) ; \
	UQXTN_8B(0, 0) ; \
	FMOVS F0, (R5) ; \
	ADD $4, R5

// func resizeRowU8Neon(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)
TEXT ·resizeRowU8Neon(SB), NOSPLIT, $0-48
	MOVD cols+0(FP), R0
	MOVD n+8(FP), R1
	MOVD a0+16(FP), R2
	MOVD a1+24(FP), R3
	MOVD c+32(FP), R4
	MOVD dst+40(FP), R5
	MOVD $resizeHalfNeon<>(SB), R6
	FMOVS (R6), F30
	VDUP V30.S[0], V30.S4

pixel:
	MOVW resizeTap_lo(R0), R6
	MOVW resizeTap_hi(R0), R7
	FMOVS resizeTap_w0(R0), F28
	FMOVS resizeTap_w1(R0), F29
	VDUP V28.S[0], V28.S4
	VDUP V29.S[0], V29.S4
	ADD R6<<2, R2, R10 // p00
	ADD R6<<2, R3, R11 // p10
	ADD R7<<2, R2, R12 // p01
	ADD R7<<2, R3, R13 // p11
	MOVD R4, R14 // channels left

step:
	CMP $4, R14
	BLT tail
	STEP
	SUB $4, R14
	B   step

tail:
	CBZ R14, next
	// Back up by 4−r channels and compute the pixel's last 4.
	MOVD $4, R15
	SUB  R14, R15, R15
	SUB  R15, R5, R5
	LSL  $2, R15, R15
	SUB  R15, R10, R10
	SUB  R15, R11, R11
	SUB  R15, R12, R12
	SUB  R15, R13, R13
	STEP

next:
	ADD  $resizeTap__size, R0
	SUBS $1, R1, R1
	BNE  pixel
	RET
