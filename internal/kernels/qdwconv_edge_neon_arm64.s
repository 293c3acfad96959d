//go:build arm64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"
#include "qdwconv_neon_arm64.h"

// The edge kernels, for pixels whose window touches the padding (and every
// pixel of other filter sizes), widen activations to int32, add the input
// offset and accumulate (a + InputOffset)·w' with MLA into V16..V19.

// WIDEN32_U8 and WIDEN32_S8 widen the 16 bytes of V0 to int32 in V4..V7;
// WIDEN32_U8_LO and WIDEN32_S8_LO the low 8 to V4, V5.
#define WIDEN32_U8 \
	VUXTL V0.B8, V1.H8; VUXTL2 V0.B16, V2.H8 \
	VUXTL V1.H4, V4.S4; VUXTL2 V1.H8, V5.S4; VUXTL V2.H4, V6.S4; VUXTL2 V2.H8, V7.S4
#define WIDEN32_S8 \
	SXTL_8H(1, 0); SXTL2_8H(2, 0) \
	SXTL_4S(4, 1); SXTL2_4S(5, 1); SXTL_4S(6, 2); SXTL2_4S(7, 2)
#define WIDEN32_U8_LO VUXTL V0.B8, V1.H8; VUXTL V1.H4, V4.S4; VUXTL2 V1.H8, V5.S4
#define WIDEN32_S8_LO SXTL_8H(1, 0); SXTL_4S(4, 1); SXTL2_4S(5, 1)

// EDGE_TAP accumulates (a + InputOffset)·w' for the tap at R10 and the
// weights at R11, both post-incremented (R10 by dx in R5).
#define EDGE_TAP(widen) \
	VLD1 (R10), [V0.B16] \
	ADD R5, R10, R10 \
	widen \
	ADD_4S(4, 4, 12); ADD_4S(5, 5, 13); ADD_4S(6, 6, 14); ADD_4S(7, 7, 15) \
	VLD1.P GROUP_ROW(1)(R11), [V8.S4, V9.S4, V10.S4, V11.S4] \
	MLA_4S(16, 4, 8); MLA_4S(17, 5, 9); MLA_4S(18, 6, 10); MLA_4S(19, 7, 11)

// EDGE_TAP8 is EDGE_TAP for the first eight channels of a group, whose
// weights rows are still 64 bytes apart.
#define EDGE_TAP8(widen) \
	VLD1 (R10), [V0.B8] \
	ADD R5, R10, R10 \
	widen \
	ADD_4S(4, 4, 12); ADD_4S(5, 5, 13) \
	VLD1 (R11), [V8.S4, V9.S4] \
	ADD $GROUP_ROW(1), R11, R11 \
	MLA_4S(16, 4, 8); MLA_4S(17, 5, 9)

// EDGE is the body of the edge kernels: for each group of 16 channels, the
// plain bias plus the valid rows × cols taps, then REQUANT. After a row of
// taps the input pointer moves on by edge.rowSkip and the weight pointer by
// edge.wRowSkip; groups are dwGroup bytes of input and output, edge.wGroup
// bytes of weights and dwRows table rows apart. A last 8 channels
// (edge.channels mod 16) take the first half of the next group.
#define EDGE(widen, widen8) \
	MOVD in+0(FP), R0 \
	MOVD edge+8(FP), R1 \
	MOVD w+16(FP), R2 \
	MOVD table+24(FP), R3 \
	MOVD out+32(FP), R4 \
	MOVD dwEdge_dx(R1), R5 \
	MOVD dwEdge_rows(R1), R7 \
	MOVD dwEdge_cols(R1), R8 \
	MOVD dwEdge_channels(R1), R9 \
	MOVD dwEdge_rowSkip(R1), R6 \
	MOVD dwEdge_wRowSkip(R1), R20 \
	MOVD dwEdge_wGroup(R1), R21 \
	CMP $const_dwGroup, R9 \
	BLT half \
group: \
	ADD $GROUP_ROW(const_dwRowPlainBias), R3, R14 \
	VLD1.P GROUP_ROW(1)(R14), [V16.S4, V17.S4, V18.S4, V19.S4] \
	VLD1 (R14), [V12.S4, V13.S4, V14.S4, V15.S4] \
	MOVD R0, R10 \
	MOVD R2, R11 \
	MOVD R7, R15 \
row: \
	MOVD R8, R19 \
col: \
	EDGE_TAP(widen) \
	SUBS $1, R19, R19 \
	BNE col \
	ADD R6, R10, R10 \
	ADD R20, R11, R11 \
	SUBS $1, R15, R15 \
	BNE row \
	REQUANT(16, 0) \
	VST1 [V16.B16], (R4) \
	ADD $const_dwGroup, R0, R0 \
	ADD R21, R2, R2 \
	ADD $GROUP_ROW(const_dwRows), R3, R3 \
	ADD $const_dwGroup, R4, R4 \
	SUB $const_dwGroup, R9, R9 \
	CMP $const_dwGroup, R9 \
	BGE group \
half: \
	CBZ R9, done \
	ADD $GROUP_ROW(const_dwRowPlainBias), R3, R14 \
	VLD1 (R14), [V16.S4, V17.S4] \
	ADD $GROUP_ROW(const_dwRowInOffset-const_dwRowPlainBias), R14, R14 \
	VLD1 (R14), [V12.S4, V13.S4] \
	MOVD R0, R10 \
	MOVD R2, R11 \
	MOVD R7, R15 \
row8: \
	MOVD R8, R19 \
col8: \
	EDGE_TAP8(widen8) \
	SUBS $1, R19, R19 \
	BNE col8 \
	ADD R6, R10, R10 \
	ADD R20, R11, R11 \
	SUBS $1, R15, R15 \
	BNE row8 \
	REQUANT8(16, 0) \
	VST1 [V16.B8], (R4) \
done: \
	RET

// func qdwEdgeU8Neon(in *byte, edge *dwEdge, w, table *int32, out *byte)
// All edge.channels (a multiple of 8) uint8 channels of one output pixel
// from its edge.rows × edge.cols valid taps (of a filter of any size), the
// first at in with weights at w (the first valid tap's place in group 0);
// table is group 0's.
TEXT ·qdwEdgeU8Neon(SB), NOSPLIT, $0-40
	EDGE(WIDEN32_U8, WIDEN32_U8_LO)

// func qdwEdgeS8Neon(in *byte, edge *dwEdge, w, table *int32, out *byte)
// qdwEdgeU8Neon for int8 channels.
TEXT ·qdwEdgeS8Neon(SB), NOSPLIT, $0-40
	EDGE(WIDEN32_S8, WIDEN32_S8_LO)
