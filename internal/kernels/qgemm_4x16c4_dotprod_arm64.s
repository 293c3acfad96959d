//go:build arm64 && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "qgemm_tile_arm64.h"

// Tile kernels of PointwiseQ for the dotprod target (ARMv8.2 SDOT/UDOT,
// e.g. Cortex-A55, A76). For each packed group of 16 output channels each
// adds the int32 dot products D[p][c] = Σ_k a[p][k]·w[c][k] of four input
// pixels, with the caller's bytes as they are (int8 by int8 with SDOT,
// uint8 by uint8 with UDOT, whose uint32 sums are the same bits as the
// wrapping int32 ones), to the channel's bias and the pixel's term, which
// hold the zero points' terms; then requantizes them (qgemm_tile_arm64.h).
//
// Packed weights: for each group of four input bytes, [16 channels][4
// bytes], 64 bytes, so that register V4+q holds channels 4q..4q+3 and a
// lane-indexed dot product with four activation bytes adds one group to
// four channels. Registers: V0..V3 the activations of pixels 0..3 (16
// bytes, or 4 in the tail loop), V4..V11 weights, V16+4p..V19+4p the
// accumulators of pixel p.

// DOT_PIXEL accumulates activation group i (lane i of Va) of one pixel
// against the weights in Vw..Vw+3 into its accumulators from Vacc.
#define SDOT_PIXEL(acc, w, a, i) SDOT_LANE(acc, w, a, i); SDOT_LANE(acc+1, w+1, a, i); SDOT_LANE(acc+2, w+2, a, i); SDOT_LANE(acc+3, w+3, a, i)
#define UDOT_PIXEL(acc, w, a, i) UDOT_LANE(acc, w, a, i); UDOT_LANE(acc+1, w+1, a, i); UDOT_LANE(acc+2, w+2, a, i); UDOT_LANE(acc+3, w+3, a, i)

// DOT_GROUP accumulates activation group i of all four pixels.
#define SDOT_GROUP(w, i) SDOT_PIXEL(16, w, 0, i); SDOT_PIXEL(20, w, 1, i); SDOT_PIXEL(24, w, 2, i); SDOT_PIXEL(28, w, 3, i)
#define UDOT_GROUP(w, i) UDOT_PIXEL(16, w, 0, i); UDOT_PIXEL(20, w, 1, i); UDOT_PIXEL(24, w, 2, i); UDOT_PIXEL(28, w, 3, i)

// LOAD_ACTS16 loads the next 16 bytes of each pixel; LOAD_ACTS4 the next 4.
#define LOAD_ACTS16 VLD1.P 16(R0), [V0.B16]; VLD1.P 16(R1), [V1.B16]; VLD1.P 16(R2), [V2.B16]; VLD1.P 16(R3), [V3.B16]
#define LOAD_ACTS4 FMOVS.P 4(R0), F0; FMOVS.P 4(R1), F1; FMOVS.P 4(R2), F2; FMOVS.P 4(R3), F3

// LOAD_W4 and LOAD_W8 load the weights of one group of four input bytes
// into V4..V7 and V8..V11.
#define LOAD_W4 VLD1.P 64(R4), [V4.B16, V5.B16, V6.B16, V7.B16]
#define LOAD_W8 VLD1.P 64(R4), [V8.B16, V9.B16, V10.B16, V11.B16]

// SUM_TAIL adds the remaining R5 bytes at Rp to the row sum in R7 with the
// post-incrementing byte load ld (MOVBU.P for uint8, MOVB.P for int8),
// using R8 and R9 and the labels loop and done.
#define SUM_TAIL(p, ld, loop, done) \
	MOVD R5, R8 \
	CBZ R8, done \
loop: \
	ld 1(p), R9 \
	ADDW R9, R7, R7 \
	SUBS $1, R8, R8 \
	BNE loop \
done:

// DOT_TILE is the body of the tile kernels, with DOT_GROUP the SDOT_GROUP
// or UDOT_GROUP: the K loop takes sixteen bytes a step while at least four
// groups of four remain.
#define DOT_TILE(DOT_GROUP) \
	TILE_BEGIN \
	TILE_GROUP \
	CMP $4, R5 \
	BLT tail \
loop16: \
	LOAD_ACTS16 \
	LOAD_W4 \
	LOAD_W8 \
	DOT_GROUP(4, 0) \
	DOT_GROUP(8, 1) \
	LOAD_W4 \
	LOAD_W8 \
	DOT_GROUP(4, 2) \
	DOT_GROUP(8, 3) \
	SUB $4, R5, R5 \
	CMP $4, R5 \
	BGE loop16 \
tail: \
	CBZ R5, requant \
loop4: \
	LOAD_ACTS4 \
	LOAD_W4 \
	DOT_GROUP(4, 0) \
	SUBS $1, R5, R5 \
	BNE loop4 \
requant: \
	TILE_REQUANT

// func qgemm4x16S8DotProd(t *armTile)
// The tile of int8 pixels and weights t describes.
TEXT ·qgemm4x16S8DotProd(SB), NOSPLIT, $0-8
	DOT_TILE(SDOT_GROUP)

// func qgemm4x16U8DotProd(t *armTile)
// The tile of uint8 pixels and weights t describes.
TEXT ·qgemm4x16U8DotProd(SB), NOSPLIT, $0-8
	DOT_TILE(UDOT_GROUP)

// func qgemmRowSumsU8DotProd(a0, a1, a2, a3 *byte, n int, sums *int32)
// Stores into sums[p] the sum of the n uint8 bytes at ap, p < 4.
TEXT ·qgemmRowSumsU8DotProd(SB), NOSPLIT, $0-48
	MOVD a0+0(FP), R0
	MOVD a1+8(FP), R1
	MOVD a2+16(FP), R2
	MOVD a3+24(FP), R3
	MOVD n+32(FP), R4
	MOVD sums+40(FP), R6
	VMOVI $1, V8.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CMP $16, R4
	BLT tailU8
loopU8:
	LOAD_ACTS16
	UDOT_VEC(16, 0, 8)
	UDOT_VEC(17, 1, 8)
	UDOT_VEC(18, 2, 8)
	UDOT_VEC(19, 3, 8)
	SUB $16, R4, R4
	CMP $16, R4
	BGE loopU8
tailU8:
	MOVD R4, R5
	VADDV V16.S4, V16
	VMOV V16.S[0], R7
	SUM_TAIL(R0, MOVBU.P, utail0, udone0)
	MOVW.P R7, 4(R6)
	VADDV V17.S4, V17
	VMOV V17.S[0], R7
	SUM_TAIL(R1, MOVBU.P, utail1, udone1)
	MOVW.P R7, 4(R6)
	VADDV V18.S4, V18
	VMOV V18.S[0], R7
	SUM_TAIL(R2, MOVBU.P, utail2, udone2)
	MOVW.P R7, 4(R6)
	VADDV V19.S4, V19
	VMOV V19.S[0], R7
	SUM_TAIL(R3, MOVBU.P, utail3, udone3)
	MOVW R7, (R6)
	RET

// func qgemmRowSumsS8DotProd(a0, a1, a2, a3 *byte, n int, sums *int32)
// qgemmRowSumsU8DotProd for int8 bytes.
TEXT ·qgemmRowSumsS8DotProd(SB), NOSPLIT, $0-48
	MOVD a0+0(FP), R0
	MOVD a1+8(FP), R1
	MOVD a2+16(FP), R2
	MOVD a3+24(FP), R3
	MOVD n+32(FP), R4
	MOVD sums+40(FP), R6
	VMOVI $1, V8.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CMP $16, R4
	BLT tailS8
loopS8:
	LOAD_ACTS16
	SDOT_VEC(16, 0, 8)
	SDOT_VEC(17, 1, 8)
	SDOT_VEC(18, 2, 8)
	SDOT_VEC(19, 3, 8)
	SUB $16, R4, R4
	CMP $16, R4
	BGE loopS8
tailS8:
	MOVD R4, R5
	VADDV V16.S4, V16
	VMOV V16.S[0], R7
	SUM_TAIL(R0, MOVB.P, stail0, sdone0)
	MOVW.P R7, 4(R6)
	VADDV V17.S4, V17
	VMOV V17.S[0], R7
	SUM_TAIL(R1, MOVB.P, stail1, sdone1)
	MOVW.P R7, 4(R6)
	VADDV V18.S4, V18
	VMOV V18.S[0], R7
	SUM_TAIL(R2, MOVB.P, stail2, sdone2)
	MOVW.P R7, 4(R6)
	VADDV V19.S4, V19
	VMOV V19.S[0], R7
	SUM_TAIL(R3, MOVB.P, stail3, sdone3)
	MOVW R7, (R6)
	RET
