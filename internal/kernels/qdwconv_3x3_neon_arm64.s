//go:build arm64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"
#include "qdwconv_neon_arm64.h"

// The 3×3 interior kernels narrow the group's nine weight rows to int16
// once per call and keep them in V12..V29 (tap t: V12+2t channels 0..7,
// V13+2t channels 8..15), widen activations to int16 and accumulate with
// SMLAL/SMLAL2 into V0..V3; the caller makes sure every w' fits int16.

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

// func qdw3x3c8U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// qdw3x3U8Neon for the first 8 channels of a group.
TEXT ·qdw3x3c8U8Neon(SB), NOSPLIT, $0-40
	INTERIOR8(WIDEN8_U8)

// func qdw3x3c8S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
// qdw3x3S8Neon for the first 8 channels of a group.
TEXT ·qdw3x3c8S8Neon(SB), NOSPLIT, $0-40
	INTERIOR8(WIDEN8_S8)
