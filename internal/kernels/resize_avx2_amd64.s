//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The uint8 bilinear row kernel for AVX2: one output pixel at a time, 8
// channels a step; the last c%8 channels are computed by a step that ends
// at the pixel's last channel and so overlaps the step before, writing the
// same bytes again (c is at least 8). Each product and sum is its own
// VMULPS or VADDPS (rounded to float32, as TFLite's expression is), then
// VCVTTPS2DQ truncates and VPACKUSDW/VPACKUSWB saturate to bytes.

DATA resizeHalf2<>+0(SB)/4, $0x3f000000 // 0.5
GLOBL resizeHalf2<>(SB), RODATA|NOPTR, $4

// STEP computes 8 channels from R10–R13 (weights Y13, Y14) into 8 bytes
// at DI, and advances the four pointers by 32 bytes and DI by 8.
#define STEP \
	VMULPS (R10), Y13, Y0 ; \
	VMULPS (R11), Y13, Y1 ; \
	VMULPS (R12), Y14, Y2 ; \
	VMULPS (R13), Y14, Y3 ; \
	VADDPS Y1, Y0, Y0 ; \
	VADDPS Y2, Y0, Y0 ; \
	VADDPS Y3, Y0, Y0 ; \
	VADDPS Y15, Y0, Y0 ; \
	VCVTTPS2DQ Y0, Y0 ; \
	VEXTRACTI128 $1, Y0, X1 ; \
	VPACKUSDW X1, X0, X0 ; \
	VPACKUSWB X0, X0, X0 ; \
	MOVQ X0, (DI) ; \
	ADDQ $32, R10 ; \
	ADDQ $32, R11 ; \
	ADDQ $32, R12 ; \
	ADDQ $32, R13 ; \
	ADDQ $8, DI

// func resizeRowU8AVX2(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)
TEXT ·resizeRowU8AVX2(SB), NOSPLIT, $0-48
	MOVQ cols+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ a0+16(FP), R8
	MOVQ a1+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ dst+40(FP), DI
	VBROADCASTSS resizeHalf2<>(SB), Y15

pixel:
	MOVLQSX resizeTap_lo(SI), AX
	MOVLQSX resizeTap_hi(SI), BX
	VBROADCASTSS resizeTap_w0(SI), Y13
	VBROADCASTSS resizeTap_w1(SI), Y14
	LEAQ (R8)(AX*4), R10 // p00
	LEAQ (R9)(AX*4), R11 // p10
	LEAQ (R8)(BX*4), R12 // p01
	LEAQ (R9)(BX*4), R13 // p11
	MOVQ DX, R14 // channels left

step:
	CMPQ R14, $8
	JLT  tail
	STEP
	SUBQ $8, R14
	JMP  step

tail:
	TESTQ R14, R14
	JZ    next
	// Back up by 8−r channels and compute the pixel's last 8.
	MOVQ $8, AX
	SUBQ R14, AX
	SUBQ AX, DI
	SHLQ $2, AX
	SUBQ AX, R10
	SUBQ AX, R11
	SUBQ AX, R12
	SUBQ AX, R13
	STEP

next:
	ADDQ $resizeTap__size, SI
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func resizeWeightU8AVX2(src *byte, n int, w float32, dst *float32)
// sets dst[i] = float32(src[i])·w for i < n, n a multiple of 8.
TEXT ·resizeWeightU8AVX2(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS w+16(FP), Y1
	MOVQ dst+24(FP), DI
	SHRQ $3, CX
	JZ   done

loop:
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
