// Macros shared by the arm64 DepthwiseQ kernels, interior (qdwconv_3x3_neon_arm64.s)
// and edge (qdwconv_edge_neon_arm64.s); included after go_asm.h and neon_arm64.h.

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
