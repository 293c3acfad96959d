//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "qdwconv_avx512_amd64.h"

// The edge kernels compute one output pixel whose window touches the
// padding, all its channels (the last group masked), from the valid taps
// only: a rectangle of edge.rows × edge.cols taps (each 1..3) starting at in
// and at the weights w (the tap's place in group 0; taps of a row are 64
// bytes apart, rows 192). The tap set varies, so InputOffset is added to
// every widened byte instead of being folded into the bias: each lane sums
// (a + InputOffset)·w' onto the table's plain bias row, then requantizes as
// above. The groups' weights and tables follow each other.
//
// Arguments: func(in *byte, edge *dwEdge, w, table *int32, out *byte)
// with dwEdge {dx, dy, rows, cols, channels, rowSkip, wRowSkip, wGroup int}:
// the filter may be any KH × KW, its taps packed [group][KH·KW][16], so
// the edge kernels also compute every pixel of depthwise layers whose
// filter is not 3 × 3. AX keeps the dwEdge pointer for the row and group
// steps.

// EDGE_TAP adds the tap at addr, widened by widen and offset by Z25, times
// the weights at wmem to Z22.
#define EDGE_TAP(widen, addr, wmem) widen addr, K1, Z23; VPADDD Z25, Z23, Z23; VPMULLD wmem, Z23, Z23; VPADDD Z23, Z22, Z22

// EDGE_SETUP loads the arguments and the constants.
#define EDGE_SETUP \
	MOVQ in+0(FP), SI; \
	MOVQ edge+8(FP), AX; \
	MOVQ w+16(FP), DI; \
	MOVQ table+24(FP), R11; \
	MOVQ out+32(FP), DX; \
	MOVQ dwEdge_dx(AX), BX; \
	MOVQ dwEdge_rows(AX), R9; \
	MOVQ dwEdge_cols(AX), R10; \
	MOVQ dwEdge_channels(AX), CX; \
	MOVQ $0x40000000, R12; \
	VPBROADCASTQ R12, Z19; \
	MOVL $0x80000000, R12; \
	VPBROADCASTD R12, Z20; \
	MOVL $1, R12; \
	VPBROADCASTD R12, Z21; \
	MOVL $0xAAAA, R12; \
	KMOVW R12, K2

// func qdwEdgeU8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)
TEXT ·qdwEdgeU8AVX512(SB), NOSPLIT, $0-40
	EDGE_SETUP
groupU8:
	MOVL $0xFFFF, R15
	CMPQ CX, $const_dwGroup
	JGE maskU8
	MOVL $1, R15
	SHLL CX, R15
	DECL R15
maskU8:
	KMOVW R15, K1
	VMOVDQU32 GROUP_ROW(const_dwRowMultiplier)(R11), Z10
	VMOVDQU32 GROUP_ROW(const_dwRowOddMult)(R11), Z11
	VMOVDQU32 GROUP_ROW(const_dwRowLeftShift)(R11), Z12
	VMOVDQU32 GROUP_ROW(const_dwRowRightShift)(R11), Z13
	VMOVDQU32 GROUP_ROW(const_dwRowRoundMask)(R11), Z14
	VMOVDQU32 GROUP_ROW(const_dwRowThreshold)(R11), Z15
	VMOVDQU32 GROUP_ROW(const_dwRowOutOffset)(R11), Z16
	VMOVDQU32 GROUP_ROW(const_dwRowActMin)(R11), Z17
	VMOVDQU32 GROUP_ROW(const_dwRowActMax)(R11), Z18
	VMOVDQU32 GROUP_ROW(const_dwRowPlainBias)(R11), Z22
	VMOVDQU32 GROUP_ROW(const_dwRowInOffset)(R11), Z25
	MOVQ SI, R12
	MOVQ DI, R13
	MOVQ R9, R14
rowU8:
	MOVQ R10, R15
colU8:
	EDGE_TAP(VPMOVZXBD.Z, (R12), 0(R13))
	ADDQ BX, R12
	ADDQ $GROUP_ROW(1), R13
	DECQ R15
	JNZ colU8
	ADDQ dwEdge_rowSkip(AX), R12
	ADDQ dwEdge_wRowSkip(AX), R13
	DECQ R14
	JNZ rowU8
	REQUANT_STORE
	ADDQ $const_dwGroup, SI
	ADDQ dwEdge_wGroup(AX), DI
	ADDQ $GROUP_ROW(const_dwRows), R11
	ADDQ $const_dwGroup, DX
	SUBQ $const_dwGroup, CX
	JG groupU8
	VZEROUPPER
	RET

// func qdwEdgeS8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)
TEXT ·qdwEdgeS8AVX512(SB), NOSPLIT, $0-40
	EDGE_SETUP
groupS8:
	MOVL $0xFFFF, R15
	CMPQ CX, $const_dwGroup
	JGE maskS8
	MOVL $1, R15
	SHLL CX, R15
	DECL R15
maskS8:
	KMOVW R15, K1
	VMOVDQU32 GROUP_ROW(const_dwRowMultiplier)(R11), Z10
	VMOVDQU32 GROUP_ROW(const_dwRowOddMult)(R11), Z11
	VMOVDQU32 GROUP_ROW(const_dwRowLeftShift)(R11), Z12
	VMOVDQU32 GROUP_ROW(const_dwRowRightShift)(R11), Z13
	VMOVDQU32 GROUP_ROW(const_dwRowRoundMask)(R11), Z14
	VMOVDQU32 GROUP_ROW(const_dwRowThreshold)(R11), Z15
	VMOVDQU32 GROUP_ROW(const_dwRowOutOffset)(R11), Z16
	VMOVDQU32 GROUP_ROW(const_dwRowActMin)(R11), Z17
	VMOVDQU32 GROUP_ROW(const_dwRowActMax)(R11), Z18
	VMOVDQU32 GROUP_ROW(const_dwRowPlainBias)(R11), Z22
	VMOVDQU32 GROUP_ROW(const_dwRowInOffset)(R11), Z25
	MOVQ SI, R12
	MOVQ DI, R13
	MOVQ R9, R14
rowS8:
	MOVQ R10, R15
colS8:
	EDGE_TAP(VPMOVSXBD.Z, (R12), 0(R13))
	ADDQ BX, R12
	ADDQ $GROUP_ROW(1), R13
	DECQ R15
	JNZ colS8
	ADDQ dwEdge_rowSkip(AX), R12
	ADDQ dwEdge_wRowSkip(AX), R13
	DECQ R14
	JNZ rowS8
	REQUANT_STORE
	ADDQ $const_dwGroup, SI
	ADDQ dwEdge_wGroup(AX), DI
	ADDQ $GROUP_ROW(const_dwRows), R11
	ADDQ $const_dwGroup, DX
	SUBQ $const_dwGroup, CX
	JG groupS8
	VZEROUPPER
	RET
