//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"

// 3×3 depthwise convolution kernels of DepthwiseQ for AVX2: the AVX-512
// kernels' arithmetic (see qdwconv_3x3_avx512_amd64.s) on 8 channels, all
// present, at a time. The weights w' of the 8 channels stay in Y0..Y8; the
// requantization table is read from memory, its rows 64 bytes apart (the
// packed group is 16 channels wide; w and table may point at its second
// half). Unsigned or signed bytes are widened with VPMOVZXBD or VPMOVSXBD.
//
// Arguments: func(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// with dwGeometry {dx, dy, step, pixels, outStep int}.

// GROUP_ROW(i) is the byte offset of row i of a packed group: tap i's
// weights, or the requantization table's row i (const_dwRowBias...).
#define GROUP_ROW(i) ((i)*const_dwGroup*4)

// HALF is the channels of half a group, the 8 channels of one ymm.
#define HALF (const_dwGroup/2)

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

// REQUANT_STORE requantizes Y9 with the table at R11 and stores its 8 low
// bytes at DX.
#define REQUANT_STORE \
	VPSLLVD GROUP_ROW(const_dwRowLeftShift)(R11), Y9, Y9; \
	VPMULDQ GROUP_ROW(const_dwRowMultiplier)(R11), Y9, Y13; \
	VPSRLQ $32, Y9, Y14; \
	VPMULDQ GROUP_ROW(const_dwRowOddMult)(R11), Y14, Y14; \
	VPADDQ Y10, Y13, Y13; \
	VPADDQ Y10, Y14, Y14; \
	VPSRLQ $31, Y13, Y13; \
	VPSLLQ $1, Y14, Y14; \
	VPBLENDD $0xAA, Y14, Y13, Y9; \
	VPCMPEQD Y11, Y9, Y13; \
	VPADDD Y13, Y9, Y9; \
	VPAND GROUP_ROW(const_dwRowRoundMask)(R11), Y9, Y13; \
	VPSRAD $31, Y9, Y14; \
	VMOVDQU GROUP_ROW(const_dwRowThreshold)(R11), Y15; \
	VPSUBD Y14, Y15, Y14; \
	VPSRAVD GROUP_ROW(const_dwRowRightShift)(R11), Y9, Y9; \
	VPCMPGTD Y14, Y13, Y13; \
	VPSUBD Y13, Y9, Y9; \
	VPADDD GROUP_ROW(const_dwRowOutOffset)(R11), Y9, Y9; \
	VPMAXSD GROUP_ROW(const_dwRowActMin)(R11), Y9, Y9; \
	VPMINSD GROUP_ROW(const_dwRowActMax)(R11), Y9, Y9; \
	VPSHUFB Y12, Y9, Y9; \
	VEXTRACTI128 $1, Y9, X13; \
	VPUNPCKLDQ X13, X9, X9; \
	VMOVQ X9, (DX)

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

// The edge kernels are the AVX-512 edge kernels (see
// qdwconv_3x3_avx512_amd64.s) for AVX2: edge.channels, a positive multiple
// of 8, are computed 8 at a time, alternately from the first and the second
// half of each packed group of 16.
//
// Arguments: func(in *byte, edge *dwEdge, w, table *int32, out *byte)
// with dwEdge {dx, dy, rows, cols, channels, rowSkip, wRowSkip, wGroup int};
// AX keeps the dwEdge pointer, R10 counts halves.

// EDGE_TAP adds the tap at addr, widened by widen and offset by the table's
// InputOffset row, times the weights at wmem to Y9.
#define EDGE_TAP(widen, addr, wmem) widen addr, Y13; VPADDD GROUP_ROW(const_dwRowInOffset)(R11), Y13, Y13; VPMULLD wmem, Y13, Y13; VPADDD Y13, Y9, Y9

// EDGE_SETUP loads the arguments and the constants.
#define EDGE_SETUP \
	MOVQ in+0(FP), SI; \
	MOVQ edge+8(FP), AX; \
	MOVQ w+16(FP), DI; \
	MOVQ table+24(FP), R11; \
	MOVQ out+32(FP), DX; \
	MOVQ dwEdge_dx(AX), BX; \
	MOVQ dwEdge_rows(AX), R9; \
	MOVQ dwEdge_channels(AX), CX; \
	XORQ R10, R10; \
	MOVQ $0x40000000, R12; \
	VMOVQ R12, X10; \
	VPBROADCASTQ X10, Y10; \
	MOVL $0x80000000, R12; \
	VMOVD R12, X11; \
	VPBROADCASTD X11, Y11; \
	MOVL $0x0C080400, R12; \
	VMOVD R12, X12; \
	VPBROADCASTD X12, Y12

// NEXT_HALF moves the weight and table pointers to the next 8 channels:
// the second half of the group, or the first half of the next group.
#define NEXT_HALF \
	ADDQ $HALF, SI; \
	ADDQ $HALF, DX; \
	XORQ $1, R10; \
	JZ 4(PC); \
	ADDQ $(HALF*4), DI; \
	ADDQ $(HALF*4), R11; \
	JMP 4(PC); \
	ADDQ dwEdge_wGroup(AX), DI; \
	SUBQ $(HALF*4), DI; \
	ADDQ $(GROUP_ROW(const_dwRows)-HALF*4), R11

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

// func qdwEdgeU8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)
TEXT ·qdwEdgeU8AVX2(SB), NOSPLIT, $0-40
	EDGE_SETUP
halfU8:
	VMOVDQU GROUP_ROW(const_dwRowPlainBias)(R11), Y9
	MOVQ SI, R12
	MOVQ DI, R13
	MOVQ R9, R14
rowU8:
	MOVQ dwEdge_cols(AX), R8
colU8:
	EDGE_TAP(VPMOVZXBD, (R12), 0(R13))
	ADDQ BX, R12
	ADDQ $GROUP_ROW(1), R13
	DECQ R8
	JNZ colU8
	ADDQ dwEdge_rowSkip(AX), R12
	ADDQ dwEdge_wRowSkip(AX), R13
	DECQ R14
	JNZ rowU8
	REQUANT_STORE
	NEXT_HALF
	SUBQ $HALF, CX
	JG halfU8
	VZEROUPPER
	RET

// func qdwEdgeS8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)
TEXT ·qdwEdgeS8AVX2(SB), NOSPLIT, $0-40
	EDGE_SETUP
halfS8:
	VMOVDQU GROUP_ROW(const_dwRowPlainBias)(R11), Y9
	MOVQ SI, R12
	MOVQ DI, R13
	MOVQ R9, R14
rowS8:
	MOVQ dwEdge_cols(AX), R8
colS8:
	EDGE_TAP(VPMOVSXBD, (R12), 0(R13))
	ADDQ BX, R12
	ADDQ $GROUP_ROW(1), R13
	DECQ R8
	JNZ colS8
	ADDQ dwEdge_rowSkip(AX), R12
	ADDQ dwEdge_wRowSkip(AX), R13
	DECQ R14
	JNZ rowS8
	REQUANT_STORE
	NEXT_HALF
	SUBQ $HALF, CX
	JG halfS8
	VZEROUPPER
	RET
