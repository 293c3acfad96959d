//go:build arm64 && !purego

#include "textflag.h"
#include "neon_arm64.h"

// QUANTIZE from float32 in NEON (see FloatQuantizer), bit-exact with
// Quantize: q = clamp(round(x/scale) + zero), rounding half away from
// zero, NaN to the zero point. Per four floats: FDIV makes Go's one
// float32 rounding of x/scale; FCVTAS converts to int32 rounding to
// nearest with ties away from zero (the float's exact value, as
// math.Round), saturating ±Inf and huge quotients and taking NaN to 0;
// SQXTN saturates to int16, SQADD adds the zero point (saturating, so a
// clamped quotient stays beyond the 8-bit range for |zero| ≤ 2^14), and
// SQXTN or SQXTUN saturates to int8 or uint8.

// The last narrowing, int16 → 8 bits, low half (8B) and high half (16B):
// SQXTN for int8, SQXTUN for uint8, as base words.
#define Q_SQXTN_8B 0x0E214800
#define Q_SQXTN2_16B 0x4E214800
#define Q_SQXTUN_8B 0x2E212800
#define Q_SQXTUN2_16B 0x6E212800

// Q_LEVELS turns the four floats in Vx into int32 levels (the quotient by
// V4 rounded half away from zero, saturated).
#define Q_LEVELS(x) FDIV_4S(x, x, 4); FCVTAS_4S(x, x)

// Q_QUANTIZE is the body of a kernel, lo and hi the base words of its last
// narrowing: 16 floats at a time, then 8. V4 holds scale, V5 the zero
// point as eight int16.
#define Q_QUANTIZE(lo, hi) \
	MOVD   src+0(FP), R0                        \
	MOVD   n+8(FP), R1                          \
	FMOVS  scale+16(FP), F4                     \
	VDUP   V4.S[0], V4.S4                       \
	MOVW   zero+20(FP), R3                      \
	VDUP   R3, V5.H8                            \
	MOVD   dst+24(FP), R2                       \
	CMP    $16, R1                              \
	BLT    tail                                 \
wide:                                           \
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4] \
	Q_LEVELS(0)                                 \
	Q_LEVELS(1)                                 \
	Q_LEVELS(2)                                 \
	Q_LEVELS(3)                                 \
	SQXTN_4H(16, 0)                           \
	SQXTN2_8H(16, 1)                          \
	SQXTN_4H(17, 2)                           \
	SQXTN2_8H(17, 3)                          \
	SQADD_8H(16, 16, 5)                       \
	SQADD_8H(17, 17, 5)                       \
	WORD   $(lo | (16<<5) | 18)                 \
	WORD   $(hi | (17<<5) | 18)                 \
	VST1.P [V18.B16], 16(R2)                    \
	SUB    $16, R1, R1                          \
	CMP    $16, R1                              \
	BGE    wide                                 \
tail:                                           \
	CBZ    R1, done                             \
eight:                                          \
	VLD1.P 32(R0), [V0.S4, V1.S4]               \
	Q_LEVELS(0)                                 \
	Q_LEVELS(1)                                 \
	SQXTN_4H(16, 0)                           \
	SQXTN2_8H(16, 1)                          \
	SQADD_8H(16, 16, 5)                       \
	WORD   $(lo | (16<<5) | 18)                 \
	FMOVD.P F18, 8(R2)                          \
	SUBS   $8, R1, R1                           \
	BNE    eight                                \
done:                                           \
	RET

// func quantizeInt8Neon(src *float32, n int, scale float32, zero int32, dst *int8)
// dst[i] = Quantize's int8 of src[i], for n a positive multiple of 8.
TEXT ·quantizeInt8Neon(SB), NOSPLIT, $0-32
	Q_QUANTIZE(Q_SQXTN_8B, Q_SQXTN2_16B)

// func quantizeUint8Neon(src *float32, n int, scale float32, zero int32, dst *uint8)
// dst[i] = Quantize's uint8 of src[i], for n a positive multiple of 8.
TEXT ·quantizeUint8Neon(SB), NOSPLIT, $0-32
	Q_QUANTIZE(Q_SQXTUN_8B, Q_SQXTUN2_16B)
