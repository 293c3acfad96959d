//go:build arm64 && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "qgemm_tile_arm64.h"

// Tile kernels of PointwiseQ for the neon target (ARMv8.0 Advanced SIMD,
// e.g. Cortex-A53 and A72). For each packed group of 16 output channels
// each adds the int32 dot products D[p][c] = Σ_k a[p][k]·w'[c][k] of four
// input pixels, w' = w + FilterOffset stored as int16, to the channel's
// bias, then requantizes them (qgemm_tile_arm64.h). Activations are widened to int16 (exact for uint8 and int8) and
// multiplied by lane with SMLAL/SMLAL2, which accumulate int16·int16
// products into int32 lanes with wrapping addition, as the reference's
// int32 arithmetic does.
//
// Packed weights: for each group of four input bytes, four rows [byte j of
// the four][16 channels]int16, 128 bytes. Registers: V0..V3 the widened
// activations of pixels 0..3 (lanes 0..7: two groups of four bytes, or
// lanes 0..3: the last group), V4..V11 the weights of one group's bytes
// 0..3 (V4+2j channels 0..7, V5+2j channels 8..15),
// V16+4p..V19+4p the accumulators of pixel p (channels 0..3 .. 12..15).

// MAC_PIXEL accumulates byte j (lane j of Va) of one pixel against the
// weight rows lo (channels 0..7) and hi (channels 8..15) into the pixel's
// four accumulators from Vacc.
#define MAC_PIXEL(acc, lo, hi, a, j) SMLAL_LANE(acc, lo, a, j); SMLAL2_LANE(acc+1, lo, a, j); SMLAL_LANE(acc+2, hi, a, j); SMLAL2_LANE(acc+3, hi, a, j)

// MAC_BYTE accumulates lane j of V0..V3 (an activation byte of each pixel)
// against the weight rows V4+2q, V5+2q (byte q of the loaded group).
#define MAC_BYTE(q, j) MAC_PIXEL(16, 4+2*(q), 5+2*(q), 0, j); MAC_PIXEL(20, 4+2*(q), 5+2*(q), 1, j); MAC_PIXEL(24, 4+2*(q), 5+2*(q), 2, j); MAC_PIXEL(28, 4+2*(q), 5+2*(q), 3, j)

// MAC_GROUP accumulates the four bytes in lanes j..j+3 of V0..V3 against
// the weights of one group of four input bytes.
#define MAC_GROUP(j) LOAD_WEIGHTS; MAC_BYTE(0, j); MAC_BYTE(1, j+1); MAC_BYTE(2, j+2); MAC_BYTE(3, j+3)

// LOAD_ACTS4 loads the next four bytes of each pixel into the low lanes of
// V0..V3; LOAD_ACTS8 the next eight.
#define LOAD_ACTS4 FMOVS.P 4(R0), F0; FMOVS.P 4(R1), F1; FMOVS.P 4(R2), F2; FMOVS.P 4(R3), F3
#define LOAD_ACTS8 VLD1.P 8(R0), [V0.B8]; VLD1.P 8(R1), [V1.B8]; VLD1.P 8(R2), [V2.B8]; VLD1.P 8(R3), [V3.B8]

// LOAD_WEIGHTS loads the weight rows of the next four input bytes.
#define LOAD_WEIGHTS VLD1.P 64(R4), [V4.H8, V5.H8, V6.H8, V7.H8]; VLD1.P 64(R4), [V8.H8, V9.H8, V10.H8, V11.H8]

// WIDEN_U8 and WIDEN_S8 widen the activation bytes in V0..V3 to int16.
#define WIDEN_U8 VUXTL V0.B8, V0.H8; VUXTL V1.B8, V1.H8; VUXTL V2.B8, V2.H8; VUXTL V3.B8, V3.H8
#define WIDEN_S8 SXTL_8H(0, 0); SXTL_8H(1, 1); SXTL_8H(2, 2); SXTL_8H(3, 3)

// NEON_TILE is the body of the tile kernels: the K loop takes eight bytes
// a step while at least two groups of four remain.
#define NEON_TILE(widen) \
	TILE_BEGIN \
	TILE_GROUP \
	CMP $2, R5 \
	BLT tail \
loop8: \
	LOAD_ACTS8 \
	widen \
	MAC_GROUP(0) \
	MAC_GROUP(4) \
	SUB $2, R5, R5 \
	CMP $2, R5 \
	BGE loop8 \
tail: \
	CBZ R5, requant \
	LOAD_ACTS4 \
	widen \
	MAC_GROUP(0) \
requant: \
	TILE_REQUANT

// func qgemm4x16U8Neon(t *armTile)
// The tile of uint8 pixels t describes.
TEXT ·qgemm4x16U8Neon(SB), NOSPLIT, $0-8
	NEON_TILE(WIDEN_U8)

// func qgemm4x16S8Neon(t *armTile)
// The tile of int8 pixels t describes.
TEXT ·qgemm4x16S8Neon(SB), NOSPLIT, $0-8
	NEON_TILE(WIDEN_S8)
