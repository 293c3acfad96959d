//go:build arm && !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm.h"

// 3×3 depthwise interior kernels for 32-bit ARM NEON, 8 channels of one
// packed group per call. The nine taps' weights (int32 w + FilterOffset,
// which fit int16) are narrowed once into Q4-Q12; each pixel widens its
// nine input vectors of 8 bytes to int16 and accumulates with VMLAL.S16 into
// Q13 (channels 0-3) and Q14 (channels 4-7), then requantizes with the
// table: Σ a·w' plus the bias row (bias + InputOffset·Σw'), then scale,
// output offset and clamp rows. Q0-Q3 are scratch.
//
// Registers: R0 the current window, R1 dx, R2 dy, R3 step, R4 pixels left,
// R5 outStep, R6 the table, R7 the current output, R8 and R9 tap pointers
// (R8 holds the table row stride, 64 bytes, during requantization), R12 the
// table row pointer.

// TAP accumulates tap t, the 8 bytes at R8 (which advances by dx), widened
// by vmovl (VMOVL_U8 or VMOVL_S8) from D register d into Q register q.
#define TAP(vmovl, t, d, q) \
	VLD1_8(d, 8, 1); \
	vmovl(q, d); \
	VMLAL_S16(13, 2*(q), 8+2*(t)); \
	VMLAL_S16(14, 2*(q)+1, 9+2*(t))

// TAP_ROW moves R8 to the row of taps at R9, advances R9 by dy and
// accumulates the row's three taps, t0 the first.
#define TAP_ROW(vmovl, t0) \
	MOVW	R9, R8; \
	ADD	R2, R9; \
	TAP(vmovl, t0, 0, 1); \
	TAP(vmovl, (t0)+1, 4, 3); \
	TAP(vmovl, (t0)+2, 0, 1)

// NARROW_TAP loads tap t's 8 int32 weights at R6 (advancing it by 64
// bytes, R8) and narrows them into Q4+t.
#define NARROW_TAP(t) \
	VLD1_32X4(0, 6, 8); \
	VMOVN_I32(8+2*(t), 0); \
	VMOVN_I32(9+2*(t), 1)

// REQUANT requantizes the accumulator q with the table rows at R12 (64
// bytes apart, R8): bias and multiplier, the odd-lane multiplier skipped,
// the scale rows, the threshold skipped, output offset and clamp.
#define REQUANT(q) \
	RQ_BIAS_MULT(q, 12, 8, 0, 1); \
	ADD	R8, R12; \
	RQ_SCALE(q, 12, 8, 0, 1, 2, 3); \
	ADD	R8, R12; \
	VLD1_32X2(0, 12, 8); \
	VADD_I32(q, q, 0); \
	VLD1_32X2(0, 12, 8); \
	VMAX_S32(q, q, 0); \
	VLD1_32X2(0, 12, 8); \
	VMIN_S32(q, q, 0)

// KERNEL is the body of a kernel whose inputs widen with vmovl.
#define KERNEL(vmovl) \
	MOVW	in+0(FP), R0; \
	MOVW	geom+4(FP), R8; \
	MOVW	w+8(FP), R6; \
	MOVW	out+16(FP), R7; \
	MOVW	dwGeometry_dx(R8), R1; \
	MOVW	dwGeometry_dy(R8), R2; \
	MOVW	dwGeometry_step(R8), R3; \
	MOVW	dwGeometry_pixels(R8), R4; \
	MOVW	dwGeometry_outStep(R8), R5; \
	MOVW	$(const_dwGroup*4), R8; \
	NARROW_TAP(0); \
	NARROW_TAP(1); \
	NARROW_TAP(2); \
	NARROW_TAP(3); \
	NARROW_TAP(4); \
	NARROW_TAP(5); \
	NARROW_TAP(6); \
	NARROW_TAP(7); \
	NARROW_TAP(8); \
	MOVW	table+12(FP), R6; \
	CMP	$0, R4; \
	BLE	done; \
pixel: \
	VEOR(13, 13, 13); \
	VEOR(14, 14, 14); \
	MOVW	R0, R9; \
	TAP_ROW(vmovl, 0); \
	TAP_ROW(vmovl, 3); \
	TAP_ROW(vmovl, 6); \
	MOVW	$(const_dwGroup*4), R8; \
	MOVW	R6, R12; \
	REQUANT(13); \
	ADD	$16, R6, R12; \
	REQUANT(14); \
	VMOVN_I32(0, 13); \
	VMOVN_I32(1, 14); \
	VMOVN_I16(0, 0); \
	VST1_8(0, 7, 5); \
	ADD	R3, R0; \
	SUB.S	$1, R4; \
	BNE	pixel; \
done: \
	RET

// func qdw3x3U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
TEXT ·qdw3x3U8Neon(SB), NOSPLIT, $0-20
	KERNEL(VMOVL_U8)

// func qdw3x3S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
TEXT ·qdw3x3S8Neon(SB), NOSPLIT, $0-20
	KERNEL(VMOVL_S8)
