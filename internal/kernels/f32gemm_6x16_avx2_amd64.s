//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The float32 GEMM micro-kernels for AVX2 and FMA: 16 output channels (two
// ymm) per packed group, one accumulator per pixel and ymm, each lane
// summing its channel's terms in input order with VFMADD231PS (one
// rounding).

// FMA2 fuses the broadcast input Y14 with the weights Y12, Y13 into acc0,
// acc1.
#define FMA2(acc0, acc1) \
	VFMADD231PS Y12, Y14, acc0; \
	VFMADD231PS Y13, Y14, acc1

// CLAMP2 adds the bias (Y12, Y13) to one pixel's accumulators and clamps
// them to [Y14, Y15] as std::max and std::min do (the accumulator is the
// second source: a NaN stays).
#define CLAMP2(acc0, acc1) \
	VADDPS Y12, acc0, acc0; \
	VADDPS Y13, acc1, acc1; \
	VMAXPS acc0, Y14, acc0; \
	VMAXPS acc1, Y14, acc1; \
	VMINPS acc0, Y15, acc0; \
	VMINPS acc1, Y15, acc1

// STORE2 stores the lanes the masks Y12, Y13 enable at (DX).
#define STORE2(acc0, acc1) \
	VMASKMOVPS acc0, Y12, (DX); \
	VMASKMOVPS acc1, Y13, 32(DX)

// LOAD_EPILOGUE loads the bias (at R9) and the clamp bounds (at R10).
#define LOAD_EPILOGUE \
	VMOVUPS      (R9), Y12; \
	VMOVUPS      32(R9), Y13; \
	VBROADCASTSS FloatRange_Min(R10), Y14; \
	VBROADCASTSS FloatRange_Max(R10), Y15

// LOAD_MASKS replaces the bias with the store masks (at AX).
#define LOAD_MASKS \
	VMOVUPS (AX), Y12; \
	VMOVUPS 32(AX), Y13

// func f32gemm6x16AVX2(a *float32, lda int, w *float32, k int, bias *float32, act *FloatRange, out *float32, ldo int, mask *int32)
TEXT ·f32gemm6x16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ k+24(FP), CX
	LEAQ (BX)(BX*2), R8
	ADDQ SI, R8                // R8: pixel 3's inputs
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ  CX, CX
	JZ     finish6

loop6:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI), Y14
	FMA2(Y0, Y1)
	VBROADCASTSS (SI)(BX*1), Y14
	FMA2(Y2, Y3)
	VBROADCASTSS (SI)(BX*2), Y14
	FMA2(Y4, Y5)
	VBROADCASTSS (R8), Y14
	FMA2(Y6, Y7)
	VBROADCASTSS (R8)(BX*1), Y14
	FMA2(Y8, Y9)
	VBROADCASTSS (R8)(BX*2), Y14
	FMA2(Y10, Y11)
	ADDQ         $4, SI
	ADDQ         $4, R8
	ADDQ         $64, DI
	DECQ         CX
	JNZ          loop6

finish6:
	MOVQ bias+32(FP), R9
	MOVQ act+40(FP), R10
	LOAD_EPILOGUE
	CLAMP2(Y0, Y1)
	CLAMP2(Y2, Y3)
	CLAMP2(Y4, Y5)
	CLAMP2(Y6, Y7)
	CLAMP2(Y8, Y9)
	CLAMP2(Y10, Y11)
	MOVQ mask+64(FP), AX
	LOAD_MASKS
	MOVQ out+48(FP), DX
	MOVQ ldo+56(FP), R11
	STORE2(Y0, Y1)
	ADDQ R11, DX
	STORE2(Y2, Y3)
	ADDQ R11, DX
	STORE2(Y4, Y5)
	ADDQ R11, DX
	STORE2(Y6, Y7)
	ADDQ R11, DX
	STORE2(Y8, Y9)
	ADDQ R11, DX
	STORE2(Y10, Y11)
	VZEROUPPER
	RET

// func f32gemm1x16AVX2(a *float32, w *float32, k int, bias *float32, act *FloatRange, out *float32, mask *int32)
TEXT ·f32gemm1x16AVX2(SB), NOSPLIT, $0-56
	MOVQ   a+0(FP), SI
	MOVQ   w+8(FP), DI
	MOVQ   k+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	TESTQ  CX, CX
	JZ     finish1

loop1:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI), Y14
	FMA2(Y0, Y1)
	ADDQ         $4, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          loop1

finish1:
	MOVQ bias+24(FP), R9
	MOVQ act+32(FP), R10
	LOAD_EPILOGUE
	CLAMP2(Y0, Y1)
	MOVQ mask+48(FP), AX
	LOAD_MASKS
	MOVQ out+40(FP), DX
	STORE2(Y0, Y1)
	VZEROUPPER
	RET
