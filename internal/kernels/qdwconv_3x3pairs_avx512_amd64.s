//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"

// 3×3 depthwise convolution kernels of DepthwiseQ for AVX-512 (F, BW; the
// …AVX512VNNI twins with VPDPWSSD) on 32 channels at a time, multiplying pairs of taps with VPMADDWD: the AVX2
// pair kernels' scheme (qdwconv_3x3pairs_avx2_amd64.s) on zmm. The
// unpacking leaves channels 8k..8k+3 (k < 4) in the low accumulator (Z22)
// and 8k+4..8k+7 in the high one (Z2); the packed weights ([5 pairs][2
// halves][16 lanes][2]int16) and the requantization table ([dwRows][32]
// int32, the halves 64 bytes apart) follow that order. The requantization
// is the AVX-512 kernels' (qdwconv_avx512_amd64.h) with the table read
// from memory; the two halves' bytes are interleaved back into channel
// order before two 16-byte stores.
//
// Arguments: func(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
// with dwGeometry {dx, dy, step, pixels, outStep int}.

// ROW(i) is the byte offset of row i of a block's table.
#define ROW(i) ((i)*128)

// PAIR adds the taps at ai and aj, widened by widen, times the weights at
// woff(DI) (low half) and woff+64(DI) (high half) to Z22 and Z2.
#define PAIR(widen, ai, aj, woff) \
	widen ai, Z13; \
	widen aj, Z14; \
	VPUNPCKLWD Z14, Z13, Z15; \
	VPUNPCKHWD Z14, Z13, Z13; \
	VPMADDWD woff(DI), Z15, Z15; \
	VPADDD Z15, Z22, Z22; \
	VPMADDWD woff+64(DI), Z13, Z13; \
	VPADDD Z13, Z2, Z2

// PAIRVNNI is PAIR with AVX-512 VNNI's VPDPWSSD, which multiplies and
// adds the pairs into the accumulators in one instruction (wrapping, as
// VPMADDWD then VPADDD).
#define PAIRVNNI(widen, ai, aj, woff) \
	widen ai, Z13; \
	widen aj, Z14; \
	VPUNPCKLWD Z14, Z13, Z15; \
	VPUNPCKHWD Z14, Z13, Z13; \
	VPDPWSSD woff(DI), Z15, Z22; \
	VPDPWSSD woff+64(DI), Z13, Z2

// REQUANT requantizes acc with the table half at toff(R11) and leaves its
// 16 bytes in xacc.
#define REQUANT(acc, xacc, toff) \
	VPSLLVD ROW(const_dwRowLeftShift)+toff(R11), acc, acc; \
	VPMULDQ ROW(const_dwRowMultiplier)+toff(R11), acc, Z23; \
	VPSRLQ $32, acc, Z24; \
	VPMULDQ ROW(const_dwRowOddMult)+toff(R11), Z24, Z24; \
	VPADDQ Z19, Z23, Z23; \
	VPADDQ Z19, Z24, Z24; \
	VPSRLQ $31, Z23, Z23; \
	VPSLLQ $1, Z24, Z24; \
	VPBLENDMD Z24, Z23, K2, acc; \
	VPCMPEQD Z20, acc, K3; \
	VPSUBD Z21, acc, K3, acc; \
	VPANDD ROW(const_dwRowRoundMask)+toff(R11), acc, Z23; \
	VPSRAD $31, acc, Z24; \
	VMOVDQU32 ROW(const_dwRowThreshold)+toff(R11), Z25; \
	VPSUBD Z24, Z25, Z24; \
	VPSRAVD ROW(const_dwRowRightShift)+toff(R11), acc, acc; \
	VPCMPGTD Z24, Z23, K3; \
	VPADDD Z21, acc, K3, acc; \
	VPADDD ROW(const_dwRowOutOffset)+toff(R11), acc, acc; \
	VPMAXSD ROW(const_dwRowActMin)+toff(R11), acc, acc; \
	VPMINSD ROW(const_dwRowActMax)+toff(R11), acc, acc; \
	VPMOVDB acc, xacc

// SETUP loads the arguments and the constants.
#define SETUP \
	MOVQ in+0(FP), SI; \
	MOVQ geom+8(FP), AX; \
	MOVQ w+16(FP), DI; \
	MOVQ table+24(FP), R11; \
	MOVQ out+32(FP), DX; \
	MOVQ dwGeometry_dx(AX), BX; \
	MOVQ dwGeometry_dy(AX), R8; \
	MOVQ dwGeometry_step(AX), R9; \
	MOVQ dwGeometry_pixels(AX), CX; \
	MOVQ dwGeometry_outStep(AX), R10; \
	LEAQ (BX)(BX*1), R13; \
	LEAQ (R8)(R8*1), R14; \
	MOVQ $0x40000000, R12; \
	VPBROADCASTQ R12, Z19; \
	MOVL $0x80000000, R12; \
	VPBROADCASTD R12, Z20; \
	MOVL $1, R12; \
	VPBROADCASTD R12, Z21; \
	MOVL $0xAAAA, R12; \
	KMOVW R12, K2

// PIXEL computes the 32 channels of the pixel whose window starts at SI,
// its bytes widened by widen, with the multiply-adds of pair, and stores
// them at DX.
#define PIXEL(widen, pair) \
	VMOVDQU32 ROW(const_dwRowBias)(R11), Z22; \
	VMOVDQU32 ROW(const_dwRowBias)+64(R11), Z2; \
	pair(widen, (SI), (SI)(BX*1), 0); \
	pair(widen, (SI)(R13*1), (SI)(R8*1), 128); \
	LEAQ (SI)(R8*1), R12; \
	pair(widen, (R12)(BX*1), (R12)(R13*1), 256); \
	LEAQ (SI)(R14*1), R12; \
	pair(widen, (R12), (R12)(BX*1), 384); \
	pair(widen, (R12)(R13*1), (R12)(R13*1), 512); \
	REQUANT(Z22, X22, 0); \
	REQUANT(Z2, X2, 64); \
	VPUNPCKLDQ X2, X22, X23; \
	VPUNPCKHDQ X2, X22, X24; \
	VMOVDQU32 X23, (DX); \
	VMOVDQU32 X24, 16(DX)

// func qdw3x3x32U8AVX512(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x32U8AVX512(SB), NOSPLIT, $0-40
	SETUP
pixelU8:
	PIXEL(VPMOVZXBW, PAIR)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelU8
	VZEROUPPER
	RET

// func qdw3x3x32S8AVX512(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x32S8AVX512(SB), NOSPLIT, $0-40
	SETUP
pixelS8:
	PIXEL(VPMOVSXBW, PAIR)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelS8
	VZEROUPPER
	RET

// func qdw3x3x32U8AVX512VNNI(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x32U8AVX512VNNI(SB), NOSPLIT, $0-40
	SETUP
pixelU8:
	PIXEL(VPMOVZXBW, PAIRVNNI)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelU8
	VZEROUPPER
	RET

// func qdw3x3x32S8AVX512VNNI(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x32S8AVX512VNNI(SB), NOSPLIT, $0-40
	SETUP
pixelS8:
	PIXEL(VPMOVSXBW, PAIRVNNI)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelS8
	VZEROUPPER
	RET
