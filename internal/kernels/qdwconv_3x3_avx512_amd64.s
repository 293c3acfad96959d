//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "qdwconv_avx512_amd64.h"

// 3×3 depthwise convolution kernels of DepthwiseQ for AVX-512 (F and BW).
// Each call computes a run of output pixels, all of whose nine taps lie in
// the input, for one group of 16 channels. The group's weights w' = w +
// FilterOffset (int32, [9 taps][16]) stay in Z0..Z8 and its requantization
// table ([10 rows][16]int32, rows as dwRowBias...) in Z9..Z18. For each pixel
// the 16 input bytes under each tap are widened to int32 (masked loads, so
// a partial group reads nothing past its channels), multiplied by the tap's
// weights with VPMULLD (wrapping, as Go's int32 arithmetic) and added to the
// table's bias row, which already holds bias + InputOffset·Σw'. The sum is
// requantized exactly as quant.MultiplyByQuantizedMultiplier: left shift,
// the rounding doubling high multiply as (x·m + 2^30) >> 31 on 64-bit
// products with its single overflow (MinInt32·MinInt32) saturated, then the
// rounding right shift with ties away from zero; plus the output offset,
// clamped, and the low bytes stored under the channel mask.
//
// Arguments: func(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)
// with dwGeometry {dx, dy, step, pixels, outStep int}.

// TAP adds the tap at addr, widened by the instruction widen, times the
// weights wreg to the accumulator Z22.
#define TAP(widen, addr, wreg) widen addr, K1, Z23; VPMULLD wreg, Z23, Z23; VPADDD Z23, Z22, Z22

// SETUP loads the arguments, the weights, the table and the constants.
#define SETUP \
	MOVQ in+0(FP), SI; \
	MOVQ geom+8(FP), AX; \
	MOVQ w+16(FP), DI; \
	MOVQ table+24(FP), R11; \
	MOVQ out+32(FP), DX; \
	MOVWLZX mask+40(FP), R12; \
	KMOVW R12, K1; \
	MOVQ dwGeometry_dx(AX), BX; \
	MOVQ dwGeometry_dy(AX), R8; \
	MOVQ dwGeometry_step(AX), R9; \
	MOVQ dwGeometry_pixels(AX), CX; \
	MOVQ dwGeometry_outStep(AX), R10; \
	LEAQ (BX)(BX*1), R13; \
	LEAQ (R8)(R8*1), R14; \
	VMOVDQU32 GROUP_ROW(0)(DI), Z0; \
	VMOVDQU32 GROUP_ROW(1)(DI), Z1; \
	VMOVDQU32 GROUP_ROW(2)(DI), Z2; \
	VMOVDQU32 GROUP_ROW(3)(DI), Z3; \
	VMOVDQU32 GROUP_ROW(4)(DI), Z4; \
	VMOVDQU32 GROUP_ROW(5)(DI), Z5; \
	VMOVDQU32 GROUP_ROW(6)(DI), Z6; \
	VMOVDQU32 GROUP_ROW(7)(DI), Z7; \
	VMOVDQU32 GROUP_ROW(8)(DI), Z8; \
	VMOVDQU32 GROUP_ROW(const_dwRowBias)(R11), Z9; \
	VMOVDQU32 GROUP_ROW(const_dwRowMultiplier)(R11), Z10; \
	VMOVDQU32 GROUP_ROW(const_dwRowOddMult)(R11), Z11; \
	VMOVDQU32 GROUP_ROW(const_dwRowLeftShift)(R11), Z12; \
	VMOVDQU32 GROUP_ROW(const_dwRowRightShift)(R11), Z13; \
	VMOVDQU32 GROUP_ROW(const_dwRowRoundMask)(R11), Z14; \
	VMOVDQU32 GROUP_ROW(const_dwRowThreshold)(R11), Z15; \
	VMOVDQU32 GROUP_ROW(const_dwRowOutOffset)(R11), Z16; \
	VMOVDQU32 GROUP_ROW(const_dwRowActMin)(R11), Z17; \
	VMOVDQU32 GROUP_ROW(const_dwRowActMax)(R11), Z18; \
	MOVQ $0x40000000, R12; \
	VPBROADCASTQ R12, Z19; \
	MOVL $0x80000000, R12; \
	VPBROADCASTD R12, Z20; \
	MOVL $1, R12; \
	VPBROADCASTD R12, Z21; \
	MOVL $0xAAAA, R12; \
	KMOVW R12, K2

// PIXEL computes the pixel whose window starts at SI, its bytes widened by
// widen, and stores it at DX.
#define PIXEL(widen) \
	VMOVDQA32 Z9, Z22; \
	TAP(widen, (SI), Z0); \
	TAP(widen, (SI)(BX*1), Z1); \
	TAP(widen, (SI)(R13*1), Z2); \
	LEAQ (SI)(R8*1), R12; \
	TAP(widen, (R12), Z3); \
	TAP(widen, (R12)(BX*1), Z4); \
	TAP(widen, (R12)(R13*1), Z5); \
	LEAQ (SI)(R14*1), R12; \
	TAP(widen, (R12), Z6); \
	TAP(widen, (R12)(BX*1), Z7); \
	TAP(widen, (R12)(R13*1), Z8); \
	REQUANT_STORE

// func qdw3x3U8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)
TEXT ·qdw3x3U8AVX512(SB), NOSPLIT, $0-42
	SETUP
pixelU8:
	PIXEL(VPMOVZXBD.Z)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelU8
	VZEROUPPER
	RET

// func qdw3x3S8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)
TEXT ·qdw3x3S8AVX512(SB), NOSPLIT, $0-42
	SETUP
pixelS8:
	PIXEL(VPMOVSXBD.Z)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelS8
	VZEROUPPER
	RET
