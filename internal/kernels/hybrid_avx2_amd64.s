//go:build !purego

#include "textflag.h"

// The AVX2 kernels of the hybrid layers (see hybrid.go), eight floats at a
// time; the callers compute the last n mod 8 in Go. Each rounds as the Go
// code does: one float32 rounding per multiply and per add, no fused
// multiply-add, the clamps as clampF32.

DATA hybridMinus128<>+0(SB)/4, $-128.0
DATA hybridPlus127<>+0(SB)/4, $127.0
GLOBL hybridMinus128<>(SB), RODATA|NOPTR, $4
GLOBL hybridPlus127<>(SB), RODATA|NOPTR, $4

// func hybridMinMaxAVX2(x *float32, n int) (lo, hi float32)
// lo = min(0, x...), hi = max(0, x...), NaNs skipped; n is a positive
// multiple of 8.
TEXT ·hybridMinMaxAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

minmax:
	VMOVUPS (SI), Y2
	// The accumulator is the second source: VMINPS and VMAXPS return it
	// when x is NaN or when they are equal.
	VMINPS Y0, Y2, Y0
	VMAXPS Y1, Y2, Y1
	ADDQ   $32, SI
	SUBQ   $8, CX
	JNZ    minmax

	VEXTRACTF128 $1, Y0, X2
	VMINPS       X2, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VMAXPS       X3, X1, X1
	VPERMILPS    $0x4e, X0, X2
	VMINPS       X2, X0, X0
	VPERMILPS    $0x4e, X1, X3
	VMAXPS       X3, X1, X1
	VPERMILPS    $0xb1, X0, X2
	VMINPS       X2, X0, X0
	VPERMILPS    $0xb1, X1, X3
	VMAXPS       X3, X1, X1
	VMOVSS       X0, lo+16(FP)
	VMOVSS       X1, hi+20(FP)
	VZEROUPPER
	RET

// LEVELS computes in Y1 the quantization levels of the eight floats at
// (SI): round(off + x·inv) clamped to [-128, 127], half away from zero, as
// floats: t = trunc(y), then t plus trunc(2·(y − t)), the fraction being
// exact. Y4 holds inv, Y5 off, Y6 -128 and Y7 127.
#define LEVELS \
	VMOVUPS    (SI), Y0     \
	VMULPS     Y4, Y0, Y0   \
	VADDPS     Y0, Y5, Y0   \
	VMAXPS     Y0, Y6, Y0   \
	VMINPS     Y0, Y7, Y0   \
	VROUNDPS   $3, Y0, Y1   \
	VSUBPS     Y1, Y0, Y2   \
	VADDPS     Y2, Y2, Y2   \
	VROUNDPS   $3, Y2, Y2   \ // -1, 0 or 1
	VADDPS     Y2, Y1, Y1

// func hybridQuantizeAVX2(x *float32, n int, inv, off float32, q *int8) (sum int32)
// q[i] = the level of x[i], for n a positive multiple of 8; sum is the
// sum of the levels.
TEXT ·hybridQuantizeAVX2(SB), NOSPLIT, $0-36
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS inv+16(FP), Y4
	VBROADCASTSS off+20(FP), Y5
	MOVQ         q+24(FP), DI
	VBROADCASTSS hybridMinus128<>(SB), Y6
	VBROADCASTSS hybridPlus127<>(SB), Y7
	VPXOR        Y8, Y8, Y8

quantize:
	LEVELS
	VCVTTPS2DQ   Y1, Y1
	VPADDD       Y1, Y8, Y8
	VEXTRACTI128 $1, Y1, X2
	VPACKSSDW    X2, X1, X1
	VPACKSSWB    X1, X1, X1
	MOVQ         X1, (DI)
	ADDQ         $32, SI
	ADDQ         $8, DI
	SUBQ         $8, CX
	JNZ          quantize

	VEXTRACTI128 $1, Y8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0x4e, X8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0xb1, X8, X9
	VPADDD       X9, X8, X8
	VMOVD        X8, AX
	MOVL         AX, sum+32(FP)
	VZEROUPPER
	RET

// func hybridLevelsAVX2(x *float32, n int, inv, off, zero float32, out *float32)
// out[i] = the level of x[i] less zero, as a float, for n a positive
// multiple of 8.
TEXT ·hybridLevelsAVX2(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS inv+16(FP), Y4
	VBROADCASTSS off+20(FP), Y5
	VBROADCASTSS zero+24(FP), Y3
	MOVQ         out+32(FP), DI
	VBROADCASTSS hybridMinus128<>(SB), Y6
	VBROADCASTSS hybridPlus127<>(SB), Y7

levels:
	LEVELS
	VSUBPS  Y3, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     levels
	VZEROUPPER
	RET

// func hybridOutAVX2(acc *int32, accStride, rows, n int, terms, zr *int32, scaled, bias *float32, act *FloatRange, out *float32, outStride int)
// For each of rows rows r, out[r·outStride + c] = clamp(float32(acc[r·accStride + c]
// + terms[r] − zr[c])·scaled[c] + bias[c]), the sum in wrapping int32,
// for c < n, n a positive multiple of 8 and rows positive; strides in
// elements.
TEXT ·hybridOutAVX2(SB), NOSPLIT, $0-88
	MOVQ         acc+0(FP), SI
	MOVQ         accStride+8(FP), R12
	SHLQ         $2, R12
	MOVQ         rows+16(FP), DX
	MOVQ         terms+32(FP), R13
	MOVQ         act+64(FP), R11
	MOVQ         out+72(FP), DI
	MOVQ         outStride+80(FP), R14
	SHLQ         $2, R14
	VBROADCASTSS (R11), Y6
	VBROADCASTSS 4(R11), Y7

row:
	VPBROADCASTD (R13), Y3
	MOVQ         n+24(FP), CX
	MOVQ         zr+40(FP), R8
	MOVQ         scaled+48(FP), R9
	MOVQ         bias+56(FP), R10
	MOVQ         SI, AX
	MOVQ         DI, BX

epilogue:
	VMOVDQU   (AX), Y0
	VPADDD    Y3, Y0, Y0
	VPSUBD    (R8), Y0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS    (R9), Y0, Y0
	VADDPS    (R10), Y0, Y0
	VMAXPS    Y0, Y6, Y0
	VMINPS    Y0, Y7, Y0
	VMOVUPS   Y0, (BX)
	ADDQ      $32, AX
	ADDQ      $32, R8
	ADDQ      $32, R9
	ADDQ      $32, R10
	ADDQ      $32, BX
	SUBQ      $8, CX
	JNZ       epilogue

	ADDQ R12, SI
	ADDQ R14, DI
	ADDQ $4, R13
	DECQ DX
	JNZ  row
	VZEROUPPER
	RET

// func hybridRescaleAVX2(x *float32, n int, scaled, bias *float32, act *FloatRange)
// x[c] = clamp(x[c]·scaled[c] + bias[c]), for n a positive multiple of 8.
TEXT ·hybridRescaleAVX2(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	MOVQ         scaled+16(FP), R9
	MOVQ         bias+24(FP), R10
	MOVQ         act+32(FP), R11
	VBROADCASTSS (R11), Y6
	VBROADCASTSS 4(R11), Y7

rescale:
	VMOVUPS (SI), Y0
	VMULPS  (R9), Y0, Y0
	VADDPS  (R10), Y0, Y0
	VMAXPS  Y0, Y6, Y0
	VMINPS  Y0, Y7, Y0
	VMOVUPS Y0, (SI)
	ADDQ    $32, SI
	ADDQ    $32, R9
	ADDQ    $32, R10
	SUBQ    $8, CX
	JNZ     rescale
	VZEROUPPER
	RET

// func hybridQuantizeRowsAVX2(x *float32, rows, depth int, inv, off float32, q *int8, qStride int, sums *int32)
// For each of rows rows of depth floats (depth a positive multiple of 8,
// rows positive), one after another at x: the levels into q + r·qStride
// and their sum into sums[r].
TEXT ·hybridQuantizeRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), SI
	MOVQ         rows+8(FP), DX
	VBROADCASTSS inv+24(FP), Y4
	VBROADCASTSS off+28(FP), Y5
	MOVQ         q+32(FP), R8
	MOVQ         sums+48(FP), R9
	VBROADCASTSS hybridMinus128<>(SB), Y6
	VBROADCASTSS hybridPlus127<>(SB), Y7

qrow:
	MOVQ  depth+16(FP), CX
	MOVQ  R8, DI
	VPXOR Y8, Y8, Y8

qcol:
	LEVELS
	VCVTTPS2DQ   Y1, Y1
	VPADDD       Y1, Y8, Y8
	VEXTRACTI128 $1, Y1, X2
	VPACKSSDW    X2, X1, X1
	VPACKSSWB    X1, X1, X1
	MOVQ         X1, (DI)
	ADDQ         $32, SI
	ADDQ         $8, DI
	SUBQ         $8, CX
	JNZ          qcol

	VEXTRACTI128 $1, Y8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0x4e, X8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0xb1, X8, X9
	VPADDD       X9, X8, X8
	VMOVD        X8, AX
	MOVL         AX, (R9)
	ADDQ         $4, R9
	ADDQ         qStride+40(FP), R8
	DECQ         DX
	JNZ          qrow
	VZEROUPPER
	RET
