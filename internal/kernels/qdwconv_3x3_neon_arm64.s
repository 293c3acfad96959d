//go:build arm64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"

// DepthwiseQ kernels for arm64, shared by the neon and dotprod targets, one
// group of 16 channels a step, then the first half of a group when 8 to 15
// channels remain. The packed weights are int32
// w' = w + FilterOffset, [taps][16] per group; a group's table is
// [dwRows][16]int32, one row every 64 bytes, in the order of dwRowBias.
// Where a kernel walks the table with post-incremented loads, the rows it
// reads one after the other must stay adjacent: asm_layout.go checks that.

// GROUP_ROW(i) is the byte offset of row i of a packed group: tap i's
// weights, or the requantization table's row i (const_dwRowBias...).
#define GROUP_ROW(i) ((i)*const_dwGroup*4)
//
// The 3×3 interior kernels narrow the group's nine weight rows to int16
// once per call and keep them in V12..V29 (tap t: V12+2t channels 0..7,
// V13+2t channels 8..15), widen activations to int16 and accumulate with
// SMLAL/SMLAL2 into V0..V3; the caller makes sure every w' fits int16.
// The edge kernels, for pixels whose window touches the padding (and every
// pixel of other filter sizes), widen activations to int32, add the input
// offset and accumulate (a + InputOffset)·w' with MLA into V16..V19.

// REQUANT requantizes the accumulators Va..Va+3 with the table at R3 (rows
// from dwRowMultiplier on), leaving the 16 bytes in the low lanes of Va,
// using R14, V4..V11 for table rows and Vs, Vs+1 as scratch: the left shift
// (SSHL, wrapping, as TFLite's multiply by 2^left), SQRDMULH, then
// RoundingDivideByPOT exactly (the arithmetic shift, plus one where the
// remainder exceeds mask/2, or mask/2 + 1 for negative values), the output
// offset and the clamp.
#define REQUANT(a, s) \
	ADD $GROUP_ROW(const_dwRowMultiplier), R3, R14 \
	VLD1.P GROUP_ROW(1)(R14), [V4.S4, V5.S4, V6.S4, V7.S4] \
	ADD $GROUP_ROW(const_dwRowLeftShift-const_dwRowMultiplier-1), R14, R14 \
	VLD1.P GROUP_ROW(1)(R14), [V8.S4, V9.S4, V10.S4, V11.S4] \
	SSHL_4S(a, a, 8); SQRDMULH_4S(a, a, 4) \
	SSHL_4S(a+1, a+1, 9); SQRDMULH_4S(a+1, a+1, 5) \
	SSHL_4S(a+2, a+2, 10); SQRDMULH_4S(a+2, a+2, 6) \
	SSHL_4S(a+3, a+3, 11); SQRDMULH_4S(a+3, a+3, 7) \
	VLD1.P GROUP_ROW(1)(R14), [V4.S4, V5.S4, V6.S4, V7.S4] \
	VLD1.P GROUP_ROW(1)(R14), [V8.S4, V9.S4, V10.S4, V11.S4] \
	ADD $GROUP_ROW(const_dwRowOutOffset-const_dwRowRoundMask-1), R14, R14 \
	ROUND_SHIFT(a, 4, 8, s) \
	ROUND_SHIFT(a+1, 5, 9, s) \
	ROUND_SHIFT(a+2, 6, 10, s) \
	ROUND_SHIFT(a+3, 7, 11, s) \
	VLD1.P GROUP_ROW(1)(R14), [V4.S4, V5.S4, V6.S4, V7.S4] \
	VLD1.P GROUP_ROW(1)(R14), [V8.S4, V9.S4, V10.S4, V11.S4] \
	ADD_4S(a, a, 4); SMAX_4S(a, a, 8) \
	ADD_4S(a+1, a+1, 5); SMAX_4S(a+1, a+1, 9) \
	ADD_4S(a+2, a+2, 6); SMAX_4S(a+2, a+2, 10) \
	ADD_4S(a+3, a+3, 7); SMAX_4S(a+3, a+3, 11) \
	VLD1 (R14), [V4.S4, V5.S4, V6.S4, V7.S4] \
	SMIN_4S(a, a, 4); SMIN_4S(a+1, a+1, 5); SMIN_4S(a+2, a+2, 6); SMIN_4S(a+3, a+3, 7) \
	UZP1_8H(a, a, a+1); UZP1_8H(a+2, a+2, a+3); UZP1_16B(a, a, a+2)

// ROUND_SHIFT divides Vx by 2^right (right shift Vr, negated in place;
// mask Vm), rounding half away from zero, with Vs, Vs+1 as scratch.
#define ROUND_SHIFT(x, r, m, s) \
	NEG_4S(r, r); AND_16B(s, x, m); SSHR_4S(s+1, m, 1); USRA_4S(s+1, x, 31) \
	SSHL_4S(x, x, r); CMGT_4S(s, s, s+1); SUB_4S(x, x, s)

// NARROW_TAP narrows tap t's int32 weights at R2 (post-incremented) to
// int16 in V12+2t and V13+2t.
#define NARROW_TAP(t) \
	VLD1.P GROUP_ROW(1)(R2), [V4.S4, V5.S4, V6.S4, V7.S4] \
	UZP1_8H(12+2*(t), 4, 5); UZP1_8H(13+2*(t), 6, 7)

// WIDEN16_U8 and WIDEN16_S8 widen the 16 bytes of V4 to int16 in V5
// (channels 0..7) and V6 (8..15).
#define WIDEN16_U8 VUXTL V4.B8, V5.H8; VUXTL2 V4.B16, V6.H8
#define WIDEN16_S8 SXTL_8H(5, 4); SXTL2_8H(6, 4)

// TAP16 accumulates the activations at R12 against tap t's int16 weights,
// then steps R12 by dx (R5).
#define TAP16(widen, t) \
	VLD1 (R12), [V4.B16] \
	ADD R5, R12, R12 \
	widen \
	SMLAL_VEC(0, 5, 12+2*(t)); SMLAL2_VEC(1, 5, 12+2*(t)) \
	SMLAL_VEC(2, 6, 13+2*(t)); SMLAL2_VEC(3, 6, 13+2*(t))

// TAP_ROW accumulates the window row of taps t..t+2 at R10, then steps R10
// by dy (R6).
#define TAP_ROW(widen, t) MOVD R10, R12; TAP16(widen, t); TAP16(widen, t+1); TAP16(widen, t+2); ADD R6, R10, R10

// INTERIOR is the body of the interior kernels.
#define INTERIOR(widen) \
	MOVD in+0(FP), R0 \
	MOVD geom+8(FP), R1 \
	MOVD w+16(FP), R2 \
	MOVD table+24(FP), R3 \
	MOVD out+32(FP), R4 \
	MOVD dwGeometry_dx(R1), R5 \
	MOVD dwGeometry_dy(R1), R6 \
	MOVD dwGeometry_step(R1), R7 \
	MOVD dwGeometry_pixels(R1), R8 \
	MOVD dwGeometry_outStep(R1), R9 \
	CBZ R8, done \
	NARROW_TAP(0); NARROW_TAP(1); NARROW_TAP(2) \
	NARROW_TAP(3); NARROW_TAP(4); NARROW_TAP(5) \
	NARROW_TAP(6); NARROW_TAP(7); NARROW_TAP(8) \
pixel: \
	VLD1 (R3), [V0.S4, V1.S4, V2.S4, V3.S4] \
	MOVD R0, R10 \
	TAP_ROW(widen, 0) \
	TAP_ROW(widen, 3) \
	TAP_ROW(widen, 6) \
	REQUANT(0, 30) \
	VST1 [V0.B16], (R4) \
	ADD R7, R0, R0 \
	ADD R9, R4, R4 \
	SUBS $1, R8, R8 \
	BNE pixel \
done: \
	RET

// REQUANT8 is REQUANT for the eight channels of Va, Va+1 (the first eight
// of the group's table columns), leaving the 8 bytes in the low half of Va.
#define REQUANT8(a, s) \
	ADD $GROUP_ROW(const_dwRowMultiplier), R3, R14 \
	VLD1 (R14), [V4.S4, V5.S4] \
	ADD $GROUP_ROW(const_dwRowLeftShift-const_dwRowMultiplier), R14, R14 \
	VLD1 (R14), [V8.S4, V9.S4] \
	ADD $GROUP_ROW(const_dwRowRightShift-const_dwRowLeftShift), R14, R14 \
	SSHL_4S(a, a, 8); SQRDMULH_4S(a, a, 4) \
	SSHL_4S(a+1, a+1, 9); SQRDMULH_4S(a+1, a+1, 5) \
	VLD1 (R14), [V4.S4, V5.S4] \
	ADD $GROUP_ROW(const_dwRowRoundMask-const_dwRowRightShift), R14, R14 \
	VLD1 (R14), [V8.S4, V9.S4] \
	ADD $GROUP_ROW(const_dwRowOutOffset-const_dwRowRoundMask), R14, R14 \
	ROUND_SHIFT(a, 4, 8, s) \
	ROUND_SHIFT(a+1, 5, 9, s) \
	VLD1 (R14), [V4.S4, V5.S4] \
	ADD $GROUP_ROW(const_dwRowActMin-const_dwRowOutOffset), R14, R14 \
	VLD1 (R14), [V8.S4, V9.S4] \
	ADD $GROUP_ROW(const_dwRowActMax-const_dwRowActMin), R14, R14 \
	ADD_4S(a, a, 4); SMAX_4S(a, a, 8); ADD_4S(a+1, a+1, 5); SMAX_4S(a+1, a+1, 9) \
	VLD1 (R14), [V4.S4, V5.S4] \
	SMIN_4S(a, a, 4); SMIN_4S(a+1, a+1, 5) \
	UZP1_8H(a, a, a+1); UZP1_16B(a, a, a)

// NARROW_TAP8 narrows the first eight of tap t's int32 weights at R2 to
// int16 in V12+t and steps R2 to the next tap.
#define NARROW_TAP8(t) \
	VLD1 (R2), [V4.S4, V5.S4] \
	ADD $GROUP_ROW(1), R2, R2 \
	UZP1_8H(12+(t), 4, 5)

// WIDEN8_U8 and WIDEN8_S8 widen the low 8 bytes of V4 to int16 in V5.
#define WIDEN8_U8 VUXTL V4.B8, V5.H8
#define WIDEN8_S8 SXTL_8H(5, 4)

// TAP8 is TAP16 for eight channels, tap t's weights in V12+t.
#define TAP8(widen, t) \
	VLD1 (R12), [V4.B8] \
	ADD R5, R12, R12 \
	widen \
	SMLAL_VEC(0, 5, 12+(t)); SMLAL2_VEC(1, 5, 12+(t))

#define TAP_ROW8(widen, t) MOVD R10, R12; TAP8(widen, t); TAP8(widen, t+1); TAP8(widen, t+2); ADD R6, R10, R10

// INTERIOR8 is INTERIOR for the first eight channels of a group.
#define INTERIOR8(widen) \
	MOVD in+0(FP), R0 \
	MOVD geom+8(FP), R1 \
	MOVD w+16(FP), R2 \
	MOVD table+24(FP), R3 \
	MOVD out+32(FP), R4 \
	MOVD dwGeometry_dx(R1), R5 \
	MOVD dwGeometry_dy(R1), R6 \
	MOVD dwGeometry_step(R1), R7 \
	MOVD dwGeometry_pixels(R1), R8 \
	MOVD dwGeometry_outStep(R1), R9 \
	CBZ R8, done \
	NARROW_TAP8(0); NARROW_TAP8(1); NARROW_TAP8(2) \
	NARROW_TAP8(3); NARROW_TAP8(4); NARROW_TAP8(5) \
	NARROW_TAP8(6); NARROW_TAP8(7); NARROW_TAP8(8) \
pixel: \
	VLD1 (R3), [V0.S4, V1.S4] \
	MOVD R0, R10 \
	TAP_ROW8(widen, 0) \
	TAP_ROW8(widen, 3) \
	TAP_ROW8(widen, 6) \
	REQUANT8(0, 30) \
	VST1 [V0.B8], (R4) \
	ADD R7, R0, R0 \
	ADD R9, R4, R4 \
	SUBS $1, R8, R8 \
	BNE pixel \
done: \
	RET

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

// func qdw3x3U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// geom.pixels output pixels of one group of 16 uint8 channels whose 3×3
// windows lie inside the input: pixel i's window starts at
// in + i·geom.step (taps geom.dx and geom.dy apart), its outputs at
// out + i·geom.outStep; w and table are the group's.
TEXT ·qdw3x3U8Neon(SB), NOSPLIT, $0-40
	INTERIOR(WIDEN16_U8)

// func qdw3x3S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// qdw3x3U8Neon for int8 channels.
TEXT ·qdw3x3S8Neon(SB), NOSPLIT, $0-40
	INTERIOR(WIDEN16_S8)

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

// func qdw3x3c8U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// qdw3x3U8Neon for the first 8 channels of a group.
TEXT ·qdw3x3c8U8Neon(SB), NOSPLIT, $0-40
	INTERIOR8(WIDEN8_U8)

// func qdw3x3c8S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// qdw3x3S8Neon for the first 8 channels of a group.
TEXT ·qdw3x3c8S8Neon(SB), NOSPLIT, $0-40
	INTERIOR8(WIDEN8_S8)
