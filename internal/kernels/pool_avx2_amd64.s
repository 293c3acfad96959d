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

// MAX_POOL_2D's window maxima in AVX2: m[c] = max(m[c], src[p·stride + c])
// for c < width and p < pixels (positive), the pixels in order. The maxima
// of 4 vectors of channels (then 1) are held across the pixels; MAX(addr,
// acc, tmp) takes the maximum of acc and the vector at addr (tmp is
// scratch), SCALE is the bytes of an element, LOAD the vector move.
#define MAXF32(addr, acc, tmp) \
	VMOVUPS addr, tmp        \ // v
	VMAXPS  acc, tmp, acc       // v > m ? v : m: C++'s std::max(m, v), m kept for NaN and zeros
#define MAXU8(addr, acc, tmp) VPMAXUB addr, acc, acc
#define MAXI8(addr, acc, tmp) VPMAXSB addr, acc, acc

#define MAXROWS(MAX, SCALE, LOAD) \
	MOVQ src+0(FP), SI            \
	MOVQ pixels+8(FP), CX         \
	MOVQ stride+16(FP), DX        \
	MOVQ width+24(FP), BX         \
	MOVQ m+32(FP), DI             \
	IMULQ $SCALE, DX              \
block4:                           \
	CMPQ BX, $(128/SCALE)         \
	JLT  block1                   \
	LOAD 0(DI), Y0                \
	LOAD 32(DI), Y1               \
	LOAD 64(DI), Y2               \
	LOAD 96(DI), Y3               \
	MOVQ SI, R8                   \
	MOVQ CX, R9                   \
loop4:                            \
	MAX(0(R8), Y0, Y4)          \
	MAX(32(R8), Y1, Y5)          \
	MAX(64(R8), Y2, Y6)          \
	MAX(96(R8), Y3, Y7)          \
	ADDQ DX, R8                   \
	DECQ R9                       \
	JNZ  loop4                    \
	LOAD Y0, 0(DI)                \
	LOAD Y1, 32(DI)               \
	LOAD Y2, 64(DI)               \
	LOAD Y3, 96(DI)               \
	ADDQ $128, SI                 \
	ADDQ $128, DI                 \
	SUBQ $(128/SCALE), BX         \
	JMP  block4                   \
block1:                           \
	CMPQ BX, $(32/SCALE)          \
	JLT  done                     \
	LOAD 0(DI), Y0                \
	MOVQ SI, R8                   \
	MOVQ CX, R9                   \
loop1:                            \
	MAX(0(R8), Y0, Y4)            \
	ADDQ DX, R8                   \
	DECQ R9                       \
	JNZ  loop1                    \
	LOAD Y0, 0(DI)                \
	ADDQ $32, SI                  \
	ADDQ $32, DI                  \
	SUBQ $(32/SCALE), BX          \
	JMP  block1                   \
done:                             \
	VZEROUPPER                    \
	RET

// func poolSumU8AVX2(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumU8AVX2(SB), NOSPLIT, $0-40
	POOLSUM(VPMOVZXBD)

// func poolSumI8AVX2(src *byte, pixels, stride, width int, sums *int32)
TEXT ·poolSumI8AVX2(SB), NOSPLIT, $0-40
	POOLSUM(VPMOVSXBD)

// func maxRowsF32AVX2(src *float32, pixels, stride, width int, m *float32)
TEXT ·maxRowsF32AVX2(SB), NOSPLIT, $0-40
	MAXROWS(MAXF32, 4, VMOVUPS)

// func maxRowsU8AVX2(src *byte, pixels, stride, width int, m *byte)
TEXT ·maxRowsU8AVX2(SB), NOSPLIT, $0-40
	MAXROWS(MAXU8, 1, VMOVDQU)

// func maxRowsI8AVX2(src *byte, pixels, stride, width int, m *byte)
TEXT ·maxRowsI8AVX2(SB), NOSPLIT, $0-40
	MAXROWS(MAXI8, 1, VMOVDQU)

// func clampFloatsAVX2(src *float32, n int, lo, hi float32, dst *float32)
// dst[i] = clampFloat(src[i], [lo, hi]), for n a positive multiple of 8:
// C++'s std::min(std::max(v, lo), hi). VMAXPS with lo first gives lo > v ?
// lo : v, v itself when either is NaN (std::max(v, lo) keeps v unless
// v < lo); VMINPS with hi first gives hi < x ? hi : x, likewise.
TEXT ·clampFloatsAVX2(SB), NOSPLIT, $0-32
	MOVQ         src+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS lo+16(FP), Y1
	VBROADCASTSS hi+20(FP), Y2
	MOVQ         dst+24(FP), DI
clamp:
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y1, Y0
	VMINPS  Y0, Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     clamp
	VZEROUPPER
	RET
