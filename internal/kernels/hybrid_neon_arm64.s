//go:build arm64 && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The NEON kernels of the hybrid layers (see hybrid.go), four floats at a
// time (eight for the int8 levels); the callers compute the rest in Go.
// Each rounds as the Go code does: one float32 rounding per multiply and
// per add, no fused multiply-add. FMINNM and FMAXNM skip NaNs as the Go
// comparisons do (a −0 they may keep instead of +0 changes no parameter);
// FMAX and FMIN clamp as clampF32 does for the values these kernels meet
// (never −0 against a bound of +0: their sums of integers are +0 when
// zero, and x + (−x) is +0).

// H_LEVELS computes in Vr the levels of the four floats in Vx:
// round(off + x·inv) clamped to [-128, 127], half away from zero, as
// floats: t = trunc(y), then t plus trunc(2·(y − t)). V4 holds inv, V5
// off, V6 -128, V7 127; Vt and Vu are scratch.
#define H_LEVELS(r, x, t, u) FMUL_4S(t, x, 4); FADD_4S(t, t, 5); FMAX_4S(t, t, 6); FMIN_4S(t, t, 7); FRINTZ_4S(r, t); FSUB_4S(u, t, r); FADD_4S(u, u, u); FRINTZ_4S(u, u); FADD_4S(r, r, u)

// H_CONSTS loads inv and off from the frame offsets into V4 and V5, and
// -128 and 127 into V6 and V7.
#define H_CONSTS(inv, off) \
	FMOVS inv, F4 \
	VDUP  V4.S[0], V4.S4 \
	FMOVS off, F5 \
	VDUP  V5.S[0], V5.S4 \
	MOVW  $0xc3000000, R10 \
	VDUP  R10, V6.S4 \
	MOVW  $0x42fe0000, R10 \
	VDUP  R10, V7.S4

// func hybridMinMaxNeon(x *float32, n int) (lo, hi float32)
// lo = min(0, x...), hi = max(0, x...), NaNs skipped; n is a positive
// multiple of 4.
TEXT ·hybridMinMaxNeon(SB), NOSPLIT, $0-24
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16

minmax:
	VLD1.P 16(R0), [V2.S4]
	FMINNM_4S(0, 0, 2)
	FMAXNM_4S(1, 1, 2)
	SUBS   $4, R1, R1
	BNE    minmax
	FMINNMV_S(0, 0)
	FMAXNMV_S(1, 1)
	FMOVS  F0, lo+16(FP)
	FMOVS  F1, hi+20(FP)
	RET

// H_QUANT8 quantizes the eight floats at (R0), post-incremented, into
// eight bytes at (Rq), post-incremented, adding their levels to V8.
#define H_QUANT8(q) \
	VLD1.P 32(R0), [V0.S4, V1.S4] \
	H_LEVELS(2, 0, 16, 17) \
	H_LEVELS(3, 1, 18, 19) \
	FCVTZS_4S(2, 2) \
	FCVTZS_4S(3, 3) \
	ADD_4S(8, 8, 2) \
	ADD_4S(8, 8, 3) \
	SQXTN_4H(2, 2) \
	SQXTN2_8H(2, 3) \
	SQXTN_8B(2, 2) \
	VST1.P [V2.B8], 8(q)

// func hybridQuantizeNeon(x *float32, n int, inv, off float32, q *int8) (sum int32)
// q[i] = the level of x[i], for n a positive multiple of 8; sum is the
// sum of the levels.
TEXT ·hybridQuantizeNeon(SB), NOSPLIT, $0-36
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	MOVD q+24(FP), R2
	H_CONSTS(inv+16(FP), off+20(FP))
	VEOR V8.B16, V8.B16, V8.B16

quantize:
	H_QUANT8(R2)
	SUBS $8, R1, R1
	BNE  quantize
	ADDV_S(8, 8)
	FMOVS F8, R10
	MOVW  R10, sum+32(FP)
	RET

// func hybridQuantizeRowsNeon(x *float32, rows, depth int, inv, off float32, q *int8, qStride int, sums *int32)
// For each of rows rows of depth floats (depth a positive multiple of 8,
// rows positive), one after another at x: the levels into q + r·qStride
// and their sum into sums[r].
TEXT ·hybridQuantizeRowsNeon(SB), NOSPLIT, $0-56
	MOVD x+0(FP), R0
	MOVD rows+8(FP), R3
	MOVD q+32(FP), R4
	MOVD qStride+40(FP), R5
	MOVD sums+48(FP), R6
	H_CONSTS(inv+24(FP), off+28(FP))

qrow:
	MOVD depth+16(FP), R1
	MOVD R4, R2
	VEOR V8.B16, V8.B16, V8.B16

qcol:
	H_QUANT8(R2)
	SUBS $8, R1, R1
	BNE  qcol
	ADDV_S(8, 8)
	FMOVS   F8, R10
	MOVW.P  R10, 4(R6)
	ADD     R5, R4, R4
	SUBS    $1, R3, R3
	BNE     qrow
	RET

// func hybridLevelsNeon(x *float32, n int, inv, off, zero float32, out *float32)
// out[i] = the level of x[i] less zero, as a float, for n a positive
// multiple of 4.
TEXT ·hybridLevelsNeon(SB), NOSPLIT, $0-40
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	MOVD out+32(FP), R2
	H_CONSTS(inv+16(FP), off+20(FP))
	FMOVS zero+24(FP), F3
	VDUP  V3.S[0], V3.S4

levels:
	VLD1.P 16(R0), [V0.S4]
	H_LEVELS(2, 0, 16, 17)
	FSUB_4S(2, 2, 3)
	VST1.P [V2.S4], 16(R2)
	SUBS   $4, R1, R1
	BNE    levels
	RET

// func hybridOutNeon(acc *int32, accStride, rows, n int, terms, zr *int32, scaled, bias *float32, act *FloatRange, out *float32, outStride int)
// For each of rows rows r, out[r·outStride + c] = clamp(float32(acc[r·accStride + c]
// + terms[r] − zr[c])·scaled[c] + bias[c]), the sum in wrapping int32,
// for c < n, n a positive multiple of 4 and rows positive; strides in
// elements.
TEXT ·hybridOutNeon(SB), NOSPLIT, $0-88
	MOVD  acc+0(FP), R0
	MOVD  accStride+8(FP), R21
	LSL   $2, R21, R21
	MOVD  rows+16(FP), R22
	MOVD  terms+32(FP), R23
	MOVD  act+64(FP), R24
	MOVD  out+72(FP), R8
	MOVD  outStride+80(FP), R9
	LSL   $2, R9, R9
	FMOVS (R24), F6
	VDUP  V6.S[0], V6.S4
	FMOVS 4(R24), F7
	VDUP  V7.S[0], V7.S4

orow:
	MOVWU.P 4(R23), R10
	VDUP    R10, V3.S4
	MOVD    n+24(FP), R1
	MOVD    zr+40(FP), R2
	MOVD    scaled+48(FP), R3
	MOVD    bias+56(FP), R4
	MOVD    R0, R5
	MOVD    R8, R6

ocol:
	VLD1.P 16(R5), [V0.S4]
	VLD1.P 16(R2), [V1.S4]
	VLD1.P 16(R3), [V2.S4]
	VLD1.P 16(R4), [V4.S4]
	ADD_4S(0, 0, 3)
	SUB_4S(0, 0, 1)
	SCVTF_4S(0, 0)
	FMUL_4S(0, 0, 2)
	FADD_4S(0, 0, 4)
	FMAX_4S(0, 0, 6)
	FMIN_4S(0, 0, 7)
	VST1.P [V0.S4], 16(R6)
	SUBS   $4, R1, R1
	BNE    ocol

	ADD  R21, R0, R0
	ADD  R9, R8, R8
	SUBS $1, R22, R22
	BNE  orow
	RET

// func hybridRescaleNeon(x *float32, n int, scaled, bias *float32, act *FloatRange)
// x[c] = clamp(x[c]·scaled[c] + bias[c]), for n a positive multiple of 4.
TEXT ·hybridRescaleNeon(SB), NOSPLIT, $0-40
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	MOVD  scaled+16(FP), R2
	MOVD  bias+24(FP), R3
	MOVD  act+32(FP), R4
	FMOVS (R4), F6
	VDUP  V6.S[0], V6.S4
	FMOVS 4(R4), F7
	VDUP  V7.S[0], V7.S4
	MOVD  R0, R5

rescale:
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V1.S4]
	VLD1.P 16(R3), [V2.S4]
	FMUL_4S(0, 0, 1)
	FADD_4S(0, 0, 2)
	FMAX_4S(0, 0, 6)
	FMIN_4S(0, 0, 7)
	VST1.P [V0.S4], 16(R5)
	SUBS   $4, R1, R1
	BNE    rescale
	RET
