//go:build !purego

#include "textflag.h"

// AVERAGE_POOL_2D's window sums in NEON: sums[c] += Σ_p src[p·stride + c]
// for c < width (a positive multiple of 16) and p < pixels (positive), 16
// channels at a time in four int32 vectors held across the pixels. Each
// pixel's 16 bytes are widened to int16 (UXTL/SXTL) and added to the int32
// lanes with a widening add (UADDW/SADDW). Integer sums, exact in any
// order.

// The instructions as words (Go's assembler lacks them), with register
// numbers d, n, m; checked against aarch64-linux-gnu-as.
#define UXTL_8H(d, n) WORD $(0x2F08A400 | ((n)<<5) | (d))
#define UXTL2_8H(d, n) WORD $(0x6F08A400 | ((n)<<5) | (d))
#define SXTL_8H(d, n) WORD $(0x0F08A400 | ((n)<<5) | (d))
#define SXTL2_8H(d, n) WORD $(0x4F08A400 | ((n)<<5) | (d))
#define UADDW_4S(d, n, m) WORD $(0x2E601000 | ((m)<<16) | ((n)<<5) | (d))
#define UADDW2_4S(d, n, m) WORD $(0x6E601000 | ((m)<<16) | ((n)<<5) | (d))
#define SADDW_4S(d, n, m) WORD $(0x0E601000 | ((m)<<16) | ((n)<<5) | (d))
#define SADDW2_4S(d, n, m) WORD $(0x4E601000 | ((m)<<16) | ((n)<<5) | (d))

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
