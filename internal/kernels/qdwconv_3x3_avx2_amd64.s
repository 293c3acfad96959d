//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "qdwconv_avx2_amd64.h"

// 3×3 depthwise convolution kernels of DepthwiseQ for AVX2: the AVX-512
// kernels' arithmetic (see qdwconv_3x3_avx512_amd64.s) on 8 channels, all
// present, at a time. The weights w' of the 8 channels stay in Y0..Y8; the
// requantization table is read from memory, its rows 64 bytes apart (the
// packed group is 16 channels wide; w and table may point at its second
// half). Unsigned or signed bytes are widened with VPMOVZXBD or VPMOVSXBD.
//
// Arguments: func(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// with dwGeometry {dx, dy, step, pixels, outStep int}.

// TAP adds the tap at addr, widened by the instruction widen, times the
// weights wreg to the accumulator Y9.
#define TAP(widen, addr, wreg) widen addr, Y13; VPMULLD wreg, Y13, Y13; VPADDD Y13, Y9, Y9

// SETUP loads the arguments, the weights and the constants.
#define SETUP \
	MOVQ in+0(FP), SI; \
	MOVQ geom+8(FP), AX; \
	MOVQ w+16(FP), DI; \
	MOVQ table+24(FP), R11; \
	MOVQ out+32(FP), DX; \
	MOVQ dwGeometry_dx(AX), BX; \
	MOVQ dwGeometry_dy(AX), R8; \
	MOVQ dwGeometry_step(AX), R9; \
	MOVQ dwGeometry_pixels(AX), CX; \
	MOVQ dwGeometry_outStep(AX), R10; \
	LEAQ (BX)(BX*1), R13; \
	LEAQ (R8)(R8*1), R14; \
	VMOVDQU GROUP_ROW(0)(DI), Y0; \
	VMOVDQU GROUP_ROW(1)(DI), Y1; \
	VMOVDQU GROUP_ROW(2)(DI), Y2; \
	VMOVDQU GROUP_ROW(3)(DI), Y3; \
	VMOVDQU GROUP_ROW(4)(DI), Y4; \
	VMOVDQU GROUP_ROW(5)(DI), Y5; \
	VMOVDQU GROUP_ROW(6)(DI), Y6; \
	VMOVDQU GROUP_ROW(7)(DI), Y7; \
	VMOVDQU GROUP_ROW(8)(DI), Y8; \
	MOVQ $0x40000000, R12; \
	VMOVQ R12, X10; \
	VPBROADCASTQ X10, Y10; \
	MOVL $0x80000000, R12; \
	VMOVD R12, X11; \
	VPBROADCASTD X11, Y11; \
	MOVL $0x0C080400, R12; \
	VMOVD R12, X12; \
	VPBROADCASTD X12, Y12

// PIXEL computes the pixel whose window starts at SI, its bytes widened by
// widen, and stores it at DX.
#define PIXEL(widen) \
	VMOVDQU GROUP_ROW(const_dwRowBias)(R11), Y9; \
	TAP(widen, (SI), Y0); \
	TAP(widen, (SI)(BX*1), Y1); \
	TAP(widen, (SI)(R13*1), Y2); \
	LEAQ (SI)(R8*1), R12; \
	TAP(widen, (R12), Y3); \
	TAP(widen, (R12)(BX*1), Y4); \
	TAP(widen, (R12)(R13*1), Y5); \
	LEAQ (SI)(R14*1), R12; \
	TAP(widen, (R12), Y6); \
	TAP(widen, (R12)(BX*1), Y7); \
	TAP(widen, (R12)(R13*1), Y8); \
	REQUANT_STORE

// func qdw3x3U8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)
TEXT ·qdw3x3U8AVX2(SB), NOSPLIT, $0-40
	SETUP
pixelU8:
	PIXEL(VPMOVZXBD)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelU8
	VZEROUPPER
	RET

// func qdw3x3S8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)
TEXT ·qdw3x3S8AVX2(SB), NOSPLIT, $0-40
	SETUP
pixelS8:
	PIXEL(VPMOVSXBD)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelS8
	VZEROUPPER
	RET
