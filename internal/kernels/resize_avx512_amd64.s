//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The uint8 bilinear row kernel for AVX-512: one output pixel at a time,
// 16 channels a step, the last c%16 channels under mask K1. Each product
// and sum is its own VMULPS or VADDPS (rounded to float32, as TFLite's
// expression is), then VCVTTPS2DQ truncates and VPMOVUSDB stores bytes.

DATA resizeHalf<>+0(SB)/4, $0x3f000000 // 0.5
GLOBL resizeHalf<>(SB), RODATA|NOPTR, $4

// func resizeRowU8AVX512(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)
TEXT ·resizeRowU8AVX512(SB), NOSPLIT, $0-48
	MOVQ cols+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ a0+16(FP), R8
	MOVQ a1+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ dst+40(FP), DI
	VBROADCASTSS resizeHalf<>(SB), Z30
	VPXORD Z31, Z31, Z31
	// K1 enables the last c%16 channels.
	MOVQ DX, AX
	ANDQ $15, AX
	MOVQ $1, BX
	SHLXQ AX, BX, BX
	DECQ BX
	KMOVW BX, K1

pixel:
	MOVLQSX resizeTap_lo(SI), AX
	MOVLQSX resizeTap_hi(SI), BX
	VBROADCASTSS resizeTap_w0(SI), Z28
	VBROADCASTSS resizeTap_w1(SI), Z29
	LEAQ (R8)(AX*4), R10 // p00
	LEAQ (R9)(AX*4), R11 // p10
	LEAQ (R8)(BX*4), R12 // p01
	LEAQ (R9)(BX*4), R13 // p11
	MOVQ DX, R14 // channels left

step:
	CMPQ R14, $16
	JLT  tail
	VMULPS (R10), Z28, Z0
	VMULPS (R11), Z28, Z1
	VMULPS (R12), Z29, Z2
	VMULPS (R13), Z29, Z3
	VADDPS Z1, Z0, Z0
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z0, Z0
	VADDPS Z30, Z0, Z0
	VCVTTPS2DQ Z0, Z0
	VPMAXSD Z31, Z0, Z0
	VPMOVUSDB Z0, (DI)
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $64, R13
	ADDQ $16, DI
	SUBQ $16, R14
	JMP  step

tail:
	TESTQ R14, R14
	JZ    next
	VMOVUPS.Z (R10), K1, Z0
	VMOVUPS.Z (R11), K1, Z1
	VMOVUPS.Z (R12), K1, Z2
	VMOVUPS.Z (R13), K1, Z3
	VMULPS Z28, Z0, Z0
	VMULPS Z28, Z1, Z1
	VMULPS Z29, Z2, Z2
	VMULPS Z29, Z3, Z3
	VADDPS Z1, Z0, Z0
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z0, Z0
	VADDPS Z30, Z0, Z0
	VCVTTPS2DQ Z0, Z0
	VPMAXSD Z31, Z0, Z0
	VPMOVUSDB Z0, K1, (DI)
	ADDQ R14, DI

next:
	ADDQ $resizeTap__size, SI
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func resizeWeightU8AVX512(src *byte, n int, w float32, dst *float32)
// sets dst[i] = float32(src[i])·w for i < n, n a multiple of 16.
TEXT ·resizeWeightU8AVX512(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS w+16(FP), Z1
	MOVQ dst+24(FP), DI
	SHRQ $4, CX
	JZ   done

loop:
	VPMOVZXBD (SI), Z0
	VCVTDQ2PS Z0, Z0
	VMULPS Z1, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $16, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
