//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "qdwconv_avx2_amd64.h"

// 3×3 depthwise convolution kernels of DepthwiseQ for AVX2 on 16 channels
// at a time, multiplying pairs of taps with VPMADDWD: the input bytes of
// two taps are widened to int16 (VPMOVZXBW for uint8, VPMOVSXBW for int8)
// and interleaved word by word with VPUNPCKLWD/VPUNPCKHWD, which gives,
// in each dword lane, one channel's two activations; its two weights w' =
// w + FilterOffset sit in the same lane of the packed weights (the ninth
// tap is paired with itself against a zero weight). The sums are exact: a
// pair's products stay far inside int32. The unpacking leaves the channels
// in the order 0–3, 8–11 (low accumulator, Y9) and 4–7, 12–15 (high, Y2);
// the packed weights ([5 pairs][2 halves][8 lanes][2]int16) and the
// requantization table ([dwRows][16]int32, read as two halves 32 bytes
// apart by REQUANT_PACK) follow that order, and the two halves' bytes are
// interleaved back into channel order before the 16-byte store.
//
// Arguments: func(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
// with dwGeometry {dx, dy, step, pixels, outStep int}.

// PAIR adds the taps at ai and aj, widened by widen, times the weights at
// woff(DI) (low half) and woff+32(DI) (high half) to Y9 and Y2.
#define PAIR(widen, ai, aj, woff) \
	widen ai, Y13; \
	widen aj, Y14; \
	VPUNPCKLWD Y14, Y13, Y15; \
	VPUNPCKHWD Y14, Y13, Y13; \
	VPMADDWD woff(DI), Y15, Y15; \
	VPADDD Y15, Y9, Y9; \
	VPMADDWD woff+32(DI), Y13, Y13; \
	VPADDD Y13, Y2, Y2

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
	VMOVQ R12, X10; \
	VPBROADCASTQ X10, Y10; \
	MOVL $0x80000000, R12; \
	VMOVD R12, X11; \
	VPBROADCASTD X11, Y11; \
	MOVL $0x0C080400, R12; \
	VMOVD R12, X12; \
	VPBROADCASTD X12, Y12

// PIXEL computes the 16 channels of the pixel whose window starts at SI,
// its bytes widened by widen, and stores them at DX.
#define PIXEL(widen) \
	VMOVDQU GROUP_ROW(const_dwRowBias)(R11), Y9; \
	VMOVDQU GROUP_ROW(const_dwRowBias)+32(R11), Y2; \
	PAIR(widen, (SI), (SI)(BX*1), 0); \
	PAIR(widen, (SI)(R13*1), (SI)(R8*1), 64); \
	LEAQ (SI)(R8*1), R12; \
	PAIR(widen, (R12)(BX*1), (R12)(R13*1), 128); \
	LEAQ (SI)(R14*1), R12; \
	PAIR(widen, (R12), (R12)(BX*1), 192); \
	PAIR(widen, (R12)(R13*1), (R12)(R13*1), 256); \
	REQUANT_PACK; \
	VMOVDQA X9, X3; \
	VMOVDQA Y2, Y9; \
	ADDQ $32, R11; \
	REQUANT_PACK; \
	SUBQ $32, R11; \
	VPUNPCKLDQ X9, X3, X3; \
	VMOVDQU X3, (DX)

// func qdw3x3x16U8AVX2(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x16U8AVX2(SB), NOSPLIT, $0-40
	SETUP
pixelU8:
	PIXEL(VPMOVZXBW)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelU8
	VZEROUPPER
	RET

// func qdw3x3x16S8AVX2(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)
TEXT ·qdw3x3x16S8AVX2(SB), NOSPLIT, $0-40
	SETUP
pixelS8:
	PIXEL(VPMOVSXBW)
	ADDQ R9, SI
	ADDQ R10, DX
	DECQ CX
	JNZ pixelS8
	VZEROUPPER
	RET
