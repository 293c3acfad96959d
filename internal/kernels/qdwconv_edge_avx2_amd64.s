//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "qdwconv_avx2_amd64.h"

// The edge kernels are the AVX-512 edge kernels (see
// qdwconv_edge_avx512_amd64.s) for AVX2: edge.channels, a positive multiple
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
