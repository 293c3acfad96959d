// The frame shared by the PointwiseQ tile kernels of the neon and dotprod
// targets (qgemm_4x16_neon_arm64.s, qgemm_4x16c4_dotprod_arm64.s): each
// takes one *qgemmTile (see qgemm.go), and for each of its groups of 16
// output channels computes the raw dot products of four pixels into
// V16..V31 (V16+4p..V19+4p for pixel p) with its own K loop, between
// TILE_GROUP and TILE_REQUANT, which requantizes and stores them. The K
// loops use R0..R5 (R0..R3 the pixels, R4 the weights, R5 the count of
// groups of four input bytes) and V0..V11; V12..V14 hold the output offset
// and clamp range throughout. The fields of qgemmTile are read at the
// offsets go_asm.h gives.

#include "go_asm.h"

#define TILE_ROWS qgemmTile_rows
#define TILE_W qgemmTile_w
#define TILE_WSTRIDE qgemmTile_wStride
#define TILE_KQ qgemmTile_kq
#define TILE_TABLE qgemmTile_table
#define TILE_GROUPS qgemmTile_groups
#define TILE_INIT qgemmTile_init
#define TILE_OUT qgemmTile_out
#define TILE_OUTSTRIDE qgemmTile_outStride
#define TILE_PIXELS qgemmTile_pixels
#define TILE_TERMS qgemmTile_terms
#define TILE_OUTOFFSET qgemmTile_outOffset
#define TILE_ACTMIN qgemmTile_actMin
#define TILE_ACTMAX qgemmTile_actMax

// TILE_BEGIN loads the tile's constants: R9 the tile, R19 the group's
// weights, R20 the weight stride, R10 the group's table, R11 the groups
// left, R12 the group's outputs, R13 the output stride, R14 the pixels;
// V12..V14 the output offset and clamp range, V15 the pixels' terms.
#define TILE_BEGIN \
	MOVD t+0(FP), R9 \
	MOVD TILE_W(R9), R19 \
	MOVD TILE_WSTRIDE(R9), R20 \
	MOVD TILE_TABLE(R9), R10 \
	MOVD TILE_GROUPS(R9), R11 \
	MOVD TILE_OUT(R9), R12 \
	MOVD TILE_OUTSTRIDE(R9), R13 \
	MOVD TILE_PIXELS(R9), R14 \
	MOVW TILE_OUTOFFSET(R9), R21 \
	VDUP R21, V12.S4 \
	MOVW TILE_ACTMIN(R9), R21 \
	VDUP R21, V13.S4 \
	MOVW TILE_ACTMAX(R9), R21 \
	VDUP R21, V14.S4 \
	ADD $TILE_TERMS, R9, R21 \
	VLD1 (R21), [V15.S4] \
	CBZ R11, done

// TILE_GROUP starts a group at label group: the pixels' rows, weights and
// count in R0..R5, and the accumulators from the group's bias plus each
// pixel's term, plus the tile's init ([4][16]int32) when it is not nil.
#define TILE_GROUP \
group: \
	MOVD (TILE_ROWS+0)(R9), R0 \
	MOVD (TILE_ROWS+8)(R9), R1 \
	MOVD (TILE_ROWS+16)(R9), R2 \
	MOVD (TILE_ROWS+24)(R9), R3 \
	MOVD R19, R4 \
	MOVD TILE_KQ(R9), R5 \
	VLD1 (R10), [V0.S4, V1.S4, V2.S4, V3.S4] \
	VDUP V15.S[0], V4.S4 \
	VDUP V15.S[1], V5.S4 \
	VDUP V15.S[2], V6.S4 \
	VDUP V15.S[3], V7.S4 \
	ADD_4S(16, 0, 4); ADD_4S(17, 1, 4); ADD_4S(18, 2, 4); ADD_4S(19, 3, 4) \
	ADD_4S(20, 0, 5); ADD_4S(21, 1, 5); ADD_4S(22, 2, 5); ADD_4S(23, 3, 5) \
	ADD_4S(24, 0, 6); ADD_4S(25, 1, 6); ADD_4S(26, 2, 6); ADD_4S(27, 3, 6) \
	ADD_4S(28, 0, 7); ADD_4S(29, 1, 7); ADD_4S(30, 2, 7); ADD_4S(31, 3, 7) \
	MOVD TILE_INIT(R9), R6 \
	CBZ R6, accumulate \
	VLD1.P 64(R6), [V0.S4, V1.S4, V2.S4, V3.S4] \
	ADD_4S(16, 16, 0); ADD_4S(17, 17, 1); ADD_4S(18, 18, 2); ADD_4S(19, 19, 3) \
	VLD1.P 64(R6), [V0.S4, V1.S4, V2.S4, V3.S4] \
	ADD_4S(20, 20, 0); ADD_4S(21, 21, 1); ADD_4S(22, 22, 2); ADD_4S(23, 23, 3) \
	VLD1.P 64(R6), [V0.S4, V1.S4, V2.S4, V3.S4] \
	ADD_4S(24, 24, 0); ADD_4S(25, 25, 1); ADD_4S(26, 26, 2); ADD_4S(27, 27, 3) \
	VLD1 (R6), [V0.S4, V1.S4, V2.S4, V3.S4] \
	ADD_4S(28, 28, 0); ADD_4S(29, 29, 1); ADD_4S(30, 30, 2); ADD_4S(31, 31, 3) \
accumulate:

// REQUANT_PIXEL requantizes the accumulators Va..Va+3 of one pixel (bias
// and term included) with the group's table at R10 ([5][16]int32: bias,
// multiplier, left shift, negated right shift, rounding mask) and stores
// the 16 bytes at R22, then steps R22 by the output stride. Each lane
// computes quant.MultiplyByQuantizedMultiplier(acc) + outOffset, clamped:
// SSHL the left shift (wrapping, as TFLite's multiply by 2^left), SQRDMULH
// the multiplier, then RoundingDivideByPOT exactly (the arithmetic shift,
// plus one where the remainder exceeds mask/2, or mask/2 + 1 for negative
// values), the output offset and the clamp. V0..V9 are scratch.
#define REQUANT_PIXEL(a) \
	ADD $64, R10, R15 \
	VLD1.P 64(R15), [V0.S4, V1.S4, V2.S4, V3.S4] \
	VLD1.P 64(R15), [V4.S4, V5.S4, V6.S4, V7.S4] \
	SSHL_4S(a, a, 4); SQRDMULH_4S(a, a, 0) \
	SSHL_4S(a+1, a+1, 5); SQRDMULH_4S(a+1, a+1, 1) \
	SSHL_4S(a+2, a+2, 6); SQRDMULH_4S(a+2, a+2, 2) \
	SSHL_4S(a+3, a+3, 7); SQRDMULH_4S(a+3, a+3, 3) \
	VLD1.P 64(R15), [V0.S4, V1.S4, V2.S4, V3.S4] \
	VLD1 (R15), [V4.S4, V5.S4, V6.S4, V7.S4] \
	ROUND_LANES(a, 0, 4) \
	ROUND_LANES(a+1, 1, 5) \
	ROUND_LANES(a+2, 2, 6) \
	ROUND_LANES(a+3, 3, 7) \
	ADD_4S(a, a, 12); SMAX_4S(a, a, 13); SMIN_4S(a, a, 14) \
	ADD_4S(a+1, a+1, 12); SMAX_4S(a+1, a+1, 13); SMIN_4S(a+1, a+1, 14) \
	ADD_4S(a+2, a+2, 12); SMAX_4S(a+2, a+2, 13); SMIN_4S(a+2, a+2, 14) \
	ADD_4S(a+3, a+3, 12); SMAX_4S(a+3, a+3, 13); SMIN_4S(a+3, a+3, 14) \
	UZP1_8H(0, a, a+1); UZP1_8H(1, a+2, a+3); UZP1_16B(0, 0, 1) \
	VST1 [V0.B16], (R22) \
	ADD R13, R22, R22

// ROUND_LANES divides Vx by 2^right (the negated right shift in Vr, the
// rounding mask in Vm), rounding half away from zero; V8, V9 are scratch.
#define ROUND_LANES(x, r, m) \
	AND_16B(8, x, m); SSHR_4S(9, m, 1); USRA_4S(9, x, 31) \
	SSHL_4S(x, x, r); CMGT_4S(8, 8, 9); SUB_4S(x, x, 8)

// TILE_REQUANT requantizes and stores the tile's pixels for the group,
// then moves on to the next group (its weights, table and outputs) and
// loops to group.
#define TILE_REQUANT \
	MOVD R12, R22 \
	MOVD R14, R23 \
	REQUANT_PIXEL(16) \
	SUBS $1, R23, R23 \
	BEQ next \
	REQUANT_PIXEL(20) \
	SUBS $1, R23, R23 \
	BEQ next \
	REQUANT_PIXEL(24) \
	SUBS $1, R23, R23 \
	BEQ next \
	REQUANT_PIXEL(28) \
next: \
	ADD $(const_requantRows*16*4), R10, R10 \
	ADD $16, R12, R12 \
	ADD R20, R19, R19 \
	SUBS $1, R11, R11 \
	BNE group \
done: \
	RET
