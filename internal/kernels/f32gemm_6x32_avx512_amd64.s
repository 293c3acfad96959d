//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The float32 GEMM micro-kernels for AVX-512: 32 output channels (two zmm)
// per packed group, one accumulator per pixel and zmm, each lane summing
// its channel's terms in input order with VFMADD231PS (one rounding).

// FINISH adds the bias (Z12, Z13) to one pixel's accumulators, clamps them
// to [Z14, Z15] as std::max and std::min do (the accumulator is the second
// source: a NaN stays), and stores the lanes K1 and K2 enable at (DX).
#define FINISH(acc0, acc1) \
	VADDPS  Z12, acc0, acc0; \
	VADDPS  Z13, acc1, acc1; \
	VMAXPS  acc0, Z14, acc0; \
	VMAXPS  acc1, Z14, acc1; \
	VMINPS  acc0, Z15, acc0; \
	VMINPS  acc1, Z15, acc1; \
	VMOVUPS acc0, K1, (DX); \
	VMOVUPS acc1, K2, 64(DX)

// FMA2 fuses the broadcast input Z14 with the weights Z12, Z13 into acc0,
// acc1.
#define FMA2(acc0, acc1) \
	VFMADD231PS Z12, Z14, acc0; \
	VFMADD231PS Z13, Z14, acc1

// LOAD_EPILOGUE loads the bias (at R9), the clamp bounds (at R10) and the
// store masks (bits of AX).
#define LOAD_EPILOGUE \
	KMOVW        AX, K1; \
	SHRL         $16, AX; \
	KMOVW        AX, K2; \
	VMOVUPS      (R9), Z12; \
	VMOVUPS      64(R9), Z13; \
	VBROADCASTSS FloatRange_Min(R10), Z14; \
	VBROADCASTSS FloatRange_Max(R10), Z15

// func f32gemm6x32AVX512(a *float32, lda int, w *float32, k int, bias *float32, act *FloatRange, out *float32, ldo int, mask uint32)
TEXT ·f32gemm6x32AVX512(SB), NOSPLIT, $0-68
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ k+24(FP), CX
	LEAQ (BX)(BX*2), R8
	ADDQ SI, R8                // R8: pixel 3's inputs
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	TESTQ  CX, CX
	JZ     finish6

loop6:
	VMOVUPS      (DI), Z12
	VMOVUPS      64(DI), Z13
	VBROADCASTSS (SI), Z14
	FMA2(Z0, Z1)
	VBROADCASTSS (SI)(BX*1), Z14
	FMA2(Z2, Z3)
	VBROADCASTSS (SI)(BX*2), Z14
	FMA2(Z4, Z5)
	VBROADCASTSS (R8), Z14
	FMA2(Z6, Z7)
	VBROADCASTSS (R8)(BX*1), Z14
	FMA2(Z8, Z9)
	VBROADCASTSS (R8)(BX*2), Z14
	FMA2(Z10, Z11)
	ADDQ         $4, SI
	ADDQ         $4, R8
	ADDQ         $128, DI
	DECQ         CX
	JNZ          loop6

finish6:
	MOVQ bias+32(FP), R9
	MOVQ act+40(FP), R10
	MOVL mask+64(FP), AX
	LOAD_EPILOGUE
	MOVQ out+48(FP), DX
	MOVQ ldo+56(FP), R11
	FINISH(Z0, Z1)
	ADDQ R11, DX
	FINISH(Z2, Z3)
	ADDQ R11, DX
	FINISH(Z4, Z5)
	ADDQ R11, DX
	FINISH(Z6, Z7)
	ADDQ R11, DX
	FINISH(Z8, Z9)
	ADDQ R11, DX
	FINISH(Z10, Z11)
	VZEROUPPER
	RET

// func f32gemm1x32AVX512(a *float32, w *float32, k int, bias *float32, act *FloatRange, out *float32, mask uint32)
TEXT ·f32gemm1x32AVX512(SB), NOSPLIT, $0-52
	MOVQ   a+0(FP), SI
	MOVQ   w+8(FP), DI
	MOVQ   k+16(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	TESTQ  CX, CX
	JZ     finish1

loop1:
	VMOVUPS      (DI), Z12
	VMOVUPS      64(DI), Z13
	VBROADCASTSS (SI), Z14
	FMA2(Z0, Z1)
	ADDQ         $4, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          loop1

finish1:
	MOVQ bias+24(FP), R9
	MOVQ act+32(FP), R10
	MOVL mask+48(FP), AX
	LOAD_EPILOGUE
	MOVQ out+40(FP), DX
	FINISH(Z0, Z1)
	VZEROUPPER
	RET
