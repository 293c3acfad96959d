//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "clampf32_arm64.h"

// AVERAGE_POOL_2D's window sums in NEON: sums[c] += Σ_p src[p·stride + c]
// for c < width (a positive multiple of 16) and p < pixels (positive), 16
// channels at a time in four int32 vectors held across the pixels. Each
// pixel's 16 bytes are widened to int16 (UXTL/SXTL) and added to the int32
// lanes with a widening add (UADDW/SADDW). Integer sums, exact in any
// order.

// MAXF32(acc, v, t): acc = v > acc ? v : acc, C++'s std::max(acc, v)
// (acc kept for NaN and for zeros of either sign); t is scratch.
#define MAXF32(acc, v, t) \
	FCMGT_4S(t, v, acc) \
	BIT_16B(acc, v, t)

// POOLSUM is the loop; XTL and XTL2 widen the low and high 8 bytes of V4
// into V5 and V6, ADDW and ADDW2 add the low and high four int16 of those
// to the sums in V0–V3.
#define POOLSUM(XTL, XTL2, ADDW, ADDW2) \
	MOVD  src+0(FP), R0                           \
	MOVD  pixels+8(FP), R1                        \
	MOVD  stride+16(FP), R2                       \
	MOVD  width+24(FP), R3                        \
	MOVD  sums+32(FP), R4                         \
block:                                            \
	CMP   $16, R3                                 \
	BLT   done                                    \
	VLD1  (R4), [V0.S4, V1.S4, V2.S4, V3.S4]      \
	MOVD  R0, R5                                  \
	MOVD  R1, R6                                  \
loop:                                             \
	VLD1  (R5), [V4.B16]                          \
	ADD   R2, R5, R5                              \
	XTL(5, 4)                                     \
	XTL2(6, 4)                                    \
	ADDW(0, 0, 5)                                 \
	ADDW2(1, 1, 5)                                \
	ADDW(2, 2, 6)                                 \
	ADDW2(3, 3, 6)                                \
	SUBS  $1, R6, R6                              \
	BNE   loop                                    \
	VST1  [V0.S4, V1.S4, V2.S4, V3.S4], (R4)      \
	ADD   $16, R0, R0                             \
	ADD   $64, R4, R4                             \
	SUB   $16, R3, R3                             \
	B     block                                   \
done:                                             \
	RET

// func poolSumU8Neon(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumU8Neon(SB), NOSPLIT, $0-40
	POOLSUM(UXTL_8H, UXTL2_8H, UADDW_4S, UADDW2_4S)

// func poolSumI8Neon(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumI8Neon(SB), NOSPLIT, $0-40
	POOLSUM(SXTL_8H, SXTL2_8H, SADDW_4S, SADDW2_4S)

// func maxPoolF32Neon(src *float32, rows, rowStride, pixels, stride, width int, lo, hi float32, dst *float32)
// One output pixel of MAX_POOL_2D on floats, as maxPoolF32AVX2 computes it
// (pool_avx2_amd64.s): for c < width (at least 4), the maximum from
// −MaxFloat32 over rows rows of pixels pixels (strides in elements) in
// row-then-column order, clamped; 16 channels a step, then 4, then the
// last 4 again when width is not a multiple of 4.
TEXT ·maxPoolF32Neon(SB), NOSPLIT, $0-64
	MOVD  src+0(FP), R0
	MOVD  rows+8(FP), R1
	MOVD  rowStride+16(FP), R2
	MOVD  pixels+24(FP), R3
	MOVD  stride+32(FP), R4
	MOVD  width+40(FP), R5
	FMOVS lo+48(FP), F14
	FMOVS hi+52(FP), F15
	MOVD  dst+56(FP), R6
	VDUP  V14.S[0], V14.S4
	VDUP  V15.S[0], V15.S4
	MOVW  $0xff7fffff, R12 // −MaxFloat32
	VDUP  R12, V13.S4
	LSL   $2, R2
	LSL   $2, R4
	MOVD  ZR, R7 // the first channel of the block

block16:
	SUB  R7, R5, R12
	CMP  $16, R12
	BLT  block4
	VORR V13.B16, V13.B16, V0.B16
	VORR V13.B16, V13.B16, V1.B16
	VORR V13.B16, V13.B16, V2.B16
	VORR V13.B16, V13.B16, V3.B16
	ADD  R7<<2, R0, R8
	MOVD R1, R10

rows16:
	MOVD R8, R9
	MOVD R3, R11

pixels16:
	VLD1 (R9), [V4.S4, V5.S4, V6.S4, V7.S4]
	ADD  R4, R9, R9
	MAXF32(0, 4, 8)
	MAXF32(1, 5, 9)
	MAXF32(2, 6, 10)
	MAXF32(3, 7, 11)
	SUBS $1, R11, R11
	BNE  pixels16
	ADD  R2, R8, R8
	SUBS $1, R10, R10
	BNE  rows16
	CLAMPF32(0, 8)
	CLAMPF32(1, 9)
	CLAMPF32(2, 10)
	CLAMPF32(3, 11)
	ADD  R7<<2, R6, R8
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R8)
	ADD  $16, R7, R7
	B    block16

block4:
	CMP $4, R12
	BLT tail

one4:
	VORR V13.B16, V13.B16, V0.B16
	ADD  R7<<2, R0, R8
	MOVD R1, R10

rows4:
	MOVD R8, R9
	MOVD R3, R11

pixels4:
	VLD1 (R9), [V4.S4]
	ADD  R4, R9, R9
	MAXF32(0, 4, 8)
	SUBS $1, R11, R11
	BNE  pixels4
	ADD  R2, R8, R8
	SUBS $1, R10, R10
	BNE  rows4
	CLAMPF32(0, 8)
	ADD  R7<<2, R6, R8
	VST1 [V0.S4], (R8)
	ADD  $4, R7, R7
	SUB  R7, R5, R12
	B    block4

tail:
	CBZ R12, done
	SUB $4, R5, R7 // the last 4 channels, some of them again
	B   one4

done:
	RET
