//go:build amd64 && !purego

#include "textflag.h"

// Micro-kernels of PointwiseQ for AVX2. Each computes raw int32 dot products
// D[p][c] = Σ_k a[p][k]·w[c][k] of up to four input pixels against one
// group of 16 packed output channels. Activations are widened to int16 and
// multiplied with VPMADDWD, which is exact here: a pair's sum of products
// stays far inside int32 (VPMADDUBSW would saturate). Packed weights are
// int16; for each group of four input bytes they hold four ymm-sized blocks
// [pair of input bytes][8 channels][2 int16]. Accumulators are stored to acc
// as [pixel][16]int32.

// WIDEN_U8 and WIDEN_S8 broadcast the four activation bytes at addr and
// widen them to int16 in w (wx is its low half), then spread the first pair (a0, a1) over lo and
// the second (a2, a3) over hi.
#define WIDEN_U8(addr, wx, w, lo, hi) VPBROADCASTD addr, wx; VPMOVZXBW wx, w; VPSHUFD $0x00, w, lo; VPSHUFD $0x55, w, hi
#define WIDEN_S8(addr, wx, w, lo, hi) VPBROADCASTD addr, wx; VPMOVSXBW wx, w; VPSHUFD $0x00, w, lo; VPSHUFD $0x55, w, hi

// MAC4 accumulates the pairs lo and hi of one pixel against the four
// weight blocks Y0..Y3 into that pixel's accumulators acc0 (channels 0..7)
// and acc1 (channels 8..15), using Y4 for products.
#define MAC4(lo, hi, acc0, acc1) VPMADDWD Y0, lo, Y4; VPADDD Y4, acc0, acc0; VPMADDWD Y1, lo, Y4; VPADDD Y4, acc1, acc1; VPMADDWD Y2, hi, Y4; VPADDD Y4, acc0, acc0; VPMADDWD Y3, hi, Y4; VPADDD Y4, acc1, acc1

// func dotAVX2U8x4(a *byte, stride int, w *int16, kq int, acc *int32)
// Four pixels, stride bytes apart, starting at a; kq groups of four bytes.
TEXT ·dotAVX2U8x4(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ kq+24(FP), CX
	MOVQ acc+32(FP), DX
	LEAQ (BX)(BX*2), R8
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
	VPXOR Y15, Y15, Y15
	TESTQ CX, CX
	JZ storeU8x4
loopU8x4:
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	WIDEN_U8((SI), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y8, Y9)
	WIDEN_U8((SI)(BX*1), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y10, Y11)
	WIDEN_U8((SI)(BX*2), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y12, Y13)
	WIDEN_U8((SI)(R8*1), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y14, Y15)
	ADDQ $4, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loopU8x4
storeU8x4:
	VMOVDQU Y8, 0(DX)
	VMOVDQU Y9, 32(DX)
	VMOVDQU Y10, 64(DX)
	VMOVDQU Y11, 96(DX)
	VMOVDQU Y12, 128(DX)
	VMOVDQU Y13, 160(DX)
	VMOVDQU Y14, 192(DX)
	VMOVDQU Y15, 224(DX)
	VZEROUPPER
	RET

// func dotAVX2U8x1(a *byte, w *int16, kq int, acc *int32)
// One pixel at a; kq groups of four bytes.
TEXT ·dotAVX2U8x1(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kq+16(FP), CX
	MOVQ acc+24(FP), DX
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	TESTQ CX, CX
	JZ storeU8x1
loopU8x1:
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	WIDEN_U8((SI), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y8, Y9)
	ADDQ $4, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loopU8x1
storeU8x1:
	VMOVDQU Y8, (DX)
	VMOVDQU Y9, 32(DX)
	VZEROUPPER
	RET

// func dotAVX2S8x4(a *byte, stride int, w *int16, kq int, acc *int32)
// Four pixels, stride bytes apart, starting at a; kq groups of four bytes.
TEXT ·dotAVX2S8x4(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ kq+24(FP), CX
	MOVQ acc+32(FP), DX
	LEAQ (BX)(BX*2), R8
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
	VPXOR Y15, Y15, Y15
	TESTQ CX, CX
	JZ storeS8x4
loopS8x4:
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	WIDEN_S8((SI), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y8, Y9)
	WIDEN_S8((SI)(BX*1), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y10, Y11)
	WIDEN_S8((SI)(BX*2), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y12, Y13)
	WIDEN_S8((SI)(R8*1), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y14, Y15)
	ADDQ $4, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loopS8x4
storeS8x4:
	VMOVDQU Y8, 0(DX)
	VMOVDQU Y9, 32(DX)
	VMOVDQU Y10, 64(DX)
	VMOVDQU Y11, 96(DX)
	VMOVDQU Y12, 128(DX)
	VMOVDQU Y13, 160(DX)
	VMOVDQU Y14, 192(DX)
	VMOVDQU Y15, 224(DX)
	VZEROUPPER
	RET

// func dotAVX2S8x1(a *byte, w *int16, kq int, acc *int32)
// One pixel at a; kq groups of four bytes.
TEXT ·dotAVX2S8x1(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kq+16(FP), CX
	MOVQ acc+24(FP), DX
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	TESTQ CX, CX
	JZ storeS8x1
loopS8x1:
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	WIDEN_S8((SI), X5, Y5, Y6, Y7)
	MAC4(Y6, Y7, Y8, Y9)
	ADDQ $4, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loopS8x1
storeS8x1:
	VMOVDQU Y8, (DX)
	VMOVDQU Y9, 32(DX)
	VZEROUPPER
	RET

// func requantAVX2(acc *int32, params *int32, outOffset, actMin, actMax int32, out *byte)
// Requantizes the 16 raw dot products of acc (one pixel, one packed group)
// and stores 16 bytes to out. params holds the group's requantization table,
// [5][16]int32: channel bias, multiplier, left shift, right shift and
// rounding mask (2^right − 1). Each lane computes
// quant.MultiplyByQuantizedMultiplier(acc + bias) + outOffset, clamped to
// [actMin, actMax] and truncated to a byte: the rounding doubling high
// multiply as (x·m + 2^30) >> 31 in int64 (which equals gemmlowp's nudge
// and truncation) with its single overflow saturated, then the rounding
// right shift.
TEXT ·requantAVX2(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), SI
	MOVQ params+8(FP), DI
	MOVL outOffset+16(FP), AX
	VMOVD AX, X10
	VPBROADCASTD X10, Y10
	MOVL actMin+20(FP), AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	MOVL actMax+24(FP), AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVQ out+32(FP), DX
	MOVQ $0x40000000, AX
	VMOVQ AX, X13
	VPBROADCASTQ X13, Y13
	MOVL $0x80000000, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x0C080400, AX // the low byte of each dword of a 128-bit lane
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVQ $2, CX

half:
	VMOVDQU (SI), Y0
	VPADDD (DI), Y0, Y0
	VMOVDQU 128(DI), Y1
	VPSLLVD Y1, Y0, Y0

	// Rounding doubling high multiply: even lanes in Y3, odd lanes in Y4.
	VMOVDQU 64(DI), Y2
	VPMULDQ Y2, Y0, Y3
	VPSRLQ $32, Y0, Y4
	VPSRLQ $32, Y2, Y5
	VPMULDQ Y5, Y4, Y4
	VPADDQ Y13, Y3, Y3
	VPADDQ Y13, Y4, Y4
	VPSRLQ $31, Y3, Y3
	VPSLLQ $1, Y4, Y4
	VPBLENDD $0xAA, Y4, Y3, Y0
	VPCMPEQD Y14, Y0, Y5
	VPADDD Y5, Y0, Y0

	// Rounding divide by 2^right, ties away from zero.
	VMOVDQU 256(DI), Y6
	VPAND Y6, Y0, Y7
	VPSRAD $1, Y6, Y8
	VPSRAD $31, Y0, Y9
	VPSUBD Y9, Y8, Y8
	VMOVDQU 192(DI), Y1
	VPSRAVD Y1, Y0, Y0
	VPCMPGTD Y8, Y7, Y9
	VPSUBD Y9, Y0, Y0

	VPADDD Y10, Y0, Y0
	VPMAXSD Y11, Y0, Y0
	VPMINSD Y12, Y0, Y0
	VPSHUFB Y15, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPUNPCKLDQ X1, X0, X0
	VMOVQ X0, (DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $8, DX
	DECQ CX
	JNZ half
	VZEROUPPER
	RET
