//go:build !purego

#include "textflag.h"

// QUANTIZE from float32 in AVX2 (see FloatQuantizer), bit-exact with
// Quantize: q = clamp(round(x/scale) + zero), rounding half away from
// zero, NaN to the zero point. Per eight floats:
//   - the quotient x/scale is VDIVPS, the one float32 rounding Go makes;
//   - a NaN quotient becomes +0 (its ordered mask ANDed in), so it lands on
//     the zero point;
//   - the quotient is clamped to ±2^30 (±Inf included): beyond |2^23| a
//     float is an integer, and ±2^30 + zero still clamps to the same bound
//     for |zero| ≤ 2^14 while fitting int32;
//   - it rounds half away from zero as the hybrid kernels' LEVELS does
//     (hybrid_avx2_amd64.s): t = trunc(y), plus trunc(2·(y − t)), −1, 0 or
//     1, the fraction y − t being exact;
//   - VCVTTPS2DQ converts the integer exactly, VPADDD adds the zero point,
//     and the saturating packs (int32 → int16 → int8 or uint8) clamp.

DATA quantizePlusC<>+0(SB)/4, $0x4e800000  // 2^30
DATA quantizeMinusC<>+0(SB)/4, $0xce800000 // −2^30
GLOBL quantizePlusC<>(SB), RODATA|NOPTR, $4
GLOBL quantizeMinusC<>(SB), RODATA|NOPTR, $4

// The dword order that undoes the in-lane packs of four vectors a, b, c,
// d: a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7 → a b c d.
DATA quantizePerm<>+0(SB)/4, $0
DATA quantizePerm<>+4(SB)/4, $4
DATA quantizePerm<>+8(SB)/4, $1
DATA quantizePerm<>+12(SB)/4, $5
DATA quantizePerm<>+16(SB)/4, $2
DATA quantizePerm<>+20(SB)/4, $6
DATA quantizePerm<>+24(SB)/4, $3
DATA quantizePerm<>+28(SB)/4, $7
GLOBL quantizePerm<>(SB), RODATA|NOPTR, $32

// QUANT8 turns the eight floats in x into their int32 levels plus the zero
// point, not yet clamped to the 8-bit range. Y15 holds scale, Y13 −2^30,
// Y12 2^30, Y11 the zero point; t and u are scratch.
#define QUANT8(x, t, u) \
	VDIVPS     Y15, x, x    \
	VCMPPS     $7, x, x, t  \ // ordered: all ones unless NaN
	VANDPS     t, x, x      \
	VMAXPS     Y13, x, x    \
	VMINPS     Y12, x, x    \
	VROUNDPS   $3, x, t     \
	VSUBPS     t, x, u      \
	VADDPS     u, u, u      \
	VROUNDPS   $3, u, u     \
	VADDPS     u, t, t      \
	VCVTTPS2DQ t, x         \
	VPADDD     Y11, x, x

// QUANTIZE is the body of a kernel, PACKB the int16 → 8-bit saturating pack
// (VPACKSSWB for int8, VPACKUSWB for uint8): 32 floats at a time, then 8.
#define QUANTIZE(PACKB) \
	MOVQ         src+0(FP), SI               \
	MOVQ         n+8(FP), CX                 \
	VBROADCASTSS scale+16(FP), Y15           \
	VPBROADCASTD zero+20(FP), Y11            \
	MOVQ         dst+24(FP), DI              \
	VBROADCASTSS quantizeMinusC<>(SB), Y13   \
	VBROADCASTSS quantizePlusC<>(SB), Y12    \
	VMOVDQU      quantizePerm<>(SB), Y10     \
	CMPQ         CX, $32                     \
	JB           tail                        \
wide:                                        \
	VMOVUPS      (SI), Y0                    \
	VMOVUPS      32(SI), Y1                  \
	VMOVUPS      64(SI), Y2                  \
	VMOVUPS      96(SI), Y3                  \
	QUANT8(Y0, Y4, Y5)                       \
	QUANT8(Y1, Y6, Y7)                       \
	QUANT8(Y2, Y8, Y9)                       \
	QUANT8(Y3, Y4, Y5)                       \
	VPACKSSDW    Y1, Y0, Y0                  \
	VPACKSSDW    Y3, Y2, Y2                  \
	PACKB        Y2, Y0, Y0                  \
	VPERMD       Y0, Y10, Y0                 \
	VMOVDQU      Y0, (DI)                    \
	ADDQ         $128, SI                    \
	ADDQ         $32, DI                     \
	SUBQ         $32, CX                     \
	CMPQ         CX, $32                     \
	JAE          wide                        \
tail:                                        \
	TESTQ        CX, CX                      \
	JZ           done                        \
eight:                                       \
	VMOVUPS      (SI), Y0                    \
	QUANT8(Y0, Y4, Y5)                       \
	VEXTRACTI128 $1, Y0, X1                  \
	VPACKSSDW    X1, X0, X0                  \
	PACKB        X0, X0, X0                  \
	MOVQ         X0, (DI)                    \
	ADDQ         $32, SI                     \
	ADDQ         $8, DI                      \
	SUBQ         $8, CX                      \
	JNZ          eight                       \
done:                                        \
	VZEROUPPER                               \
	RET

// func quantizeInt8AVX2(src *float32, n int, scale float32, zero int32, dst *int8)
// dst[i] = Quantize's int8 of src[i], for n a positive multiple of 8.
TEXT ·quantizeInt8AVX2(SB), NOSPLIT, $0-32
	QUANTIZE(VPACKSSWB)

// func quantizeUint8AVX2(src *float32, n int, scale float32, zero int32, dst *uint8)
// dst[i] = Quantize's uint8 of src[i], for n a positive multiple of 8.
TEXT ·quantizeUint8AVX2(SB), NOSPLIT, $0-32
	QUANTIZE(VPACKUSWB)
