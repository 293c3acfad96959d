//go:build !purego

#include "textflag.h"

// AVERAGE_POOL_2D's window sums in AVX2: sums[c] += Σ_p src[p·stride + c]
// for c < width (a positive multiple of 8) and p < pixels (positive). The
// channels go 32 at a time (then 8 at a time), their sums held in int32
// lanes across the pixels and written back once; EXT widens 8 bytes to 8
// int32 (VPMOVZXBD for uint8, VPMOVSXBD for int8). Integer sums, exact in
// any order.
#define POOLSUM(EXT) \
	MOVQ src+0(FP), SI       \
	MOVQ pixels+8(FP), CX    \
	MOVQ stride+16(FP), DX   \
	MOVQ width+24(FP), BX    \
	MOVQ sums+32(FP), DI     \
block32:                     \
	CMPQ BX, $32             \
	JLT  block8              \
	VMOVDQU 0(DI), Y0        \
	VMOVDQU 32(DI), Y1       \
	VMOVDQU 64(DI), Y2       \
	VMOVDQU 96(DI), Y3       \
	MOVQ SI, R8              \
	MOVQ CX, R9              \
loop32:                      \
	EXT  0(R8), Y4           \
	EXT  8(R8), Y5           \
	EXT  16(R8), Y6          \
	EXT  24(R8), Y7          \
	VPADDD Y4, Y0, Y0        \
	VPADDD Y5, Y1, Y1        \
	VPADDD Y6, Y2, Y2        \
	VPADDD Y7, Y3, Y3        \
	ADDQ DX, R8              \
	DECQ R9                  \
	JNZ  loop32              \
	VMOVDQU Y0, 0(DI)        \
	VMOVDQU Y1, 32(DI)       \
	VMOVDQU Y2, 64(DI)       \
	VMOVDQU Y3, 96(DI)       \
	ADDQ $32, SI             \
	ADDQ $128, DI            \
	SUBQ $32, BX             \
	JMP  block32             \
block8:                      \
	CMPQ BX, $8              \
	JLT  done                \
	VMOVDQU 0(DI), Y0        \
	MOVQ SI, R8              \
	MOVQ CX, R9              \
loop8:                       \
	EXT  0(R8), Y4           \
	VPADDD Y4, Y0, Y0        \
	ADDQ DX, R8              \
	DECQ R9                  \
	JNZ  loop8               \
	VMOVDQU Y0, 0(DI)        \
	ADDQ $8, SI              \
	ADDQ $32, DI             \
	SUBQ $8, BX              \
	JMP  block8              \
done:                        \
	VZEROUPPER               \
	RET

// func poolSumU8AVX2(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumU8AVX2(SB), NOSPLIT, $0-40
	POOLSUM(VPMOVZXBD)

// func poolSumI8AVX2(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumI8AVX2(SB), NOSPLIT, $0-40
	POOLSUM(VPMOVSXBD)
