//go:build arm && !purego

#include "textflag.h"
#include "neon_arm.h"

// Micro-kernels of PointwiseQ for 32-bit ARM NEON. Each computes raw int32
// dot products D[p][c] = Σ_k a[p][k]·w[c][k] of up to four input pixels
// against one group of 8 packed output channels. Activations are widened to
// int16 (VMOVL) and multiplied by int16 weights w + FilterOffset with
// VMLAL.S16 by scalar, which accumulates exact products into int32 lanes.
// For each group of four input bytes the weights hold [4 bytes][8 channels]
// int16, 64 bytes. Accumulators are stored to acc as [pixel][8]int32.
//
// Registers: activations widen into Q0-Q1 (D0-D3, one D register of four
// int16 per pixel; the by-scalar form needs them in D0-D7) from D12-D13,
// weights load into Q2-Q5 (D4-D11), and Q8-Q15 accumulate, two per pixel.

// MAC_PIXEL accumulates the four widened activations of one pixel, in D
// register dp, against the weights D4-D11 into the pixel's accumulators q
// (channels 0-3) and q+1 (channels 4-7).
#define MAC_PIXEL(q, dp) \
	VMLAL_S16_LANE(q, 4, dp, 0); \
	VMLAL_S16_LANE((q)+1, 5, dp, 0); \
	VMLAL_S16_LANE(q, 6, dp, 1); \
	VMLAL_S16_LANE((q)+1, 7, dp, 1); \
	VMLAL_S16_LANE(q, 8, dp, 2); \
	VMLAL_S16_LANE((q)+1, 9, dp, 2); \
	VMLAL_S16_LANE(q, 10, dp, 3); \
	VMLAL_S16_LANE((q)+1, 11, dp, 3)

// LOAD_FOUR loads four bytes of each of the four pixels at R0, R5, R6 and
// R7, advancing them, into the lanes of D12 and D13.
#define LOAD_FOUR \
	VLD1_LANE32_POST(12, 0, 0); \
	VLD1_LANE32_POST(12, 1, 5); \
	VLD1_LANE32_POST(13, 0, 6); \
	VLD1_LANE32_POST(13, 1, 7)

// LOAD_WEIGHTS loads the next 64 bytes of weights at R2 into D4-D11.
#define LOAD_WEIGHTS \
	VLD1_16X4(4, 2, POST_SIZE); \
	VLD1_16X4(8, 2, POST_SIZE)

// ZERO_EIGHT clears the accumulators Q8-Q15.
#define ZERO_EIGHT \
	VEOR(8, 8, 8); \
	VEOR(9, 9, 9); \
	VEOR(10, 10, 10); \
	VEOR(11, 11, 11); \
	VEOR(12, 12, 12); \
	VEOR(13, 13, 13); \
	VEOR(14, 14, 14); \
	VEOR(15, 15, 15)

// MAC_FOUR accumulates the widened activations D0-D3 of four pixels.
#define MAC_FOUR \
	MAC_PIXEL(8, 0); \
	MAC_PIXEL(10, 1); \
	MAC_PIXEL(12, 2); \
	MAC_PIXEL(14, 3)

// STORE_FOUR stores the accumulators of four pixels at R4.
#define STORE_FOUR \
	VST1_32X4(16, 4, POST_SIZE); \
	VST1_32X4(20, 4, POST_SIZE); \
	VST1_32X4(24, 4, POST_SIZE); \
	VST1_32X4(28, 4, POST_NONE)

// func qgemm4x8U8Neon(a *byte, stride int, w *int16, kq int, acc *int32)
// Four uint8 pixels, stride bytes apart, starting at a; kq groups of four
// bytes.
TEXT ·qgemm4x8U8Neon(SB), NOSPLIT, $0-20
	MOVW	a+0(FP), R0
	MOVW	stride+4(FP), R1
	MOVW	w+8(FP), R2
	MOVW	kq+12(FP), R3
	MOVW	acc+16(FP), R4
	ADD	R1, R0, R5
	ADD	R1, R5, R6
	ADD	R1, R6, R7
	ZERO_EIGHT
	CMP	$0, R3
	BEQ	store
loop:
	LOAD_FOUR
	VMOVL_U8(0, 12)
	VMOVL_U8(1, 13)
	LOAD_WEIGHTS
	MAC_FOUR
	SUB.S	$1, R3
	BNE	loop
store:
	STORE_FOUR
	RET

// func qgemm4x8S8Neon(a *byte, stride int, w *int16, kq int, acc *int32)
// qgemm4x8U8Neon for int8 pixels.
TEXT ·qgemm4x8S8Neon(SB), NOSPLIT, $0-20
	MOVW	a+0(FP), R0
	MOVW	stride+4(FP), R1
	MOVW	w+8(FP), R2
	MOVW	kq+12(FP), R3
	MOVW	acc+16(FP), R4
	ADD	R1, R0, R5
	ADD	R1, R5, R6
	ADD	R1, R6, R7
	ZERO_EIGHT
	CMP	$0, R3
	BEQ	store
loop:
	LOAD_FOUR
	VMOVL_S8(0, 12)
	VMOVL_S8(1, 13)
	LOAD_WEIGHTS
	MAC_FOUR
	SUB.S	$1, R3
	BNE	loop
store:
	STORE_FOUR
	RET

// func qgemm1x8U8Neon(a *byte, w *int16, kq int, acc *int32)
// One uint8 pixel at a; kq groups of four bytes.
TEXT ·qgemm1x8U8Neon(SB), NOSPLIT, $0-16
	MOVW	a+0(FP), R0
	MOVW	w+4(FP), R2
	MOVW	kq+8(FP), R3
	MOVW	acc+12(FP), R4
	VEOR(8, 8, 8)
	VEOR(9, 9, 9)
	CMP	$0, R3
	BEQ	store
loop:
	VLD1_LANE32_POST(12, 0, 0)
	VMOVL_U8(0, 12)
	LOAD_WEIGHTS
	MAC_PIXEL(8, 0)
	SUB.S	$1, R3
	BNE	loop
store:
	VST1_32X4(16, 4, POST_NONE)
	RET

// func qgemm1x8S8Neon(a *byte, w *int16, kq int, acc *int32)
// qgemm1x8U8Neon for an int8 pixel.
TEXT ·qgemm1x8S8Neon(SB), NOSPLIT, $0-16
	MOVW	a+0(FP), R0
	MOVW	w+4(FP), R2
	MOVW	kq+8(FP), R3
	MOVW	acc+12(FP), R4
	VEOR(8, 8, 8)
	VEOR(9, 9, 9)
	CMP	$0, R3
	BEQ	store
loop:
	VLD1_LANE32_POST(12, 0, 0)
	VMOVL_S8(0, 12)
	LOAD_WEIGHTS
	MAC_PIXEL(8, 0)
	SUB.S	$1, R3
	BNE	loop
store:
	VST1_32X4(16, 4, POST_NONE)
	RET

// func qgemmRequantNeon(acc, table *int32, outOffset, actMin, actMax int32, out *byte)
// Requantizes the 8 raw dot products at acc of one pixel's group into 8
// bytes at out, with the group's table ([requantRows][8]int32, rows 32
// bytes apart): the lanes go through RQ_BIAS_MULT and RQ_SCALE four at a
// time, then get outOffset added, are clamped to [actMin, actMax] and
// narrowed, keeping the low byte as Go's conversion does.
TEXT ·qgemmRequantNeon(SB), NOSPLIT, $0-24
	MOVW	acc+0(FP), R0
	MOVW	table+4(FP), R1
	MOVW	outOffset+8(FP), R2
	MOVW	actMin+12(FP), R3
	MOVW	actMax+16(FP), R4
	MOVW	out+20(FP), R5
	MOVW	$32, R6
	ADD	$16, R1, R7
	VLD1_32X4(0, 0, POST_NONE)
	RQ_BIAS_MULT(0, 1, 6, 4, 5)
	RQ_SCALE(0, 1, 6, 4, 5, 6, 7)
	RQ_BIAS_MULT(1, 7, 6, 8, 9)
	RQ_SCALE(1, 7, 6, 8, 9, 10, 11)
	VDUP_32(12, 2)
	VDUP_32(13, 3)
	VDUP_32(14, 4)
	VADD_I32(0, 0, 12)
	VADD_I32(1, 1, 12)
	VMAX_S32(0, 0, 13)
	VMAX_S32(1, 1, 13)
	VMIN_S32(0, 0, 14)
	VMIN_S32(1, 1, 14)
	VMOVN_I32(0, 0)
	VMOVN_I32(1, 1)
	VMOVN_I16(0, 0)
	VST1_8(0, 5, POST_NONE)
	RET
