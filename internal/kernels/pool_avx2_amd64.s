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

// func maxRowsU8AVX2(src *byte, pixels, stride, width int, m *byte)
TEXT ·maxRowsU8AVX2(SB), NOSPLIT, $0-40
	MAXROWS(MAXU8, 1, VMOVDQU)

// func maxRowsI8AVX2(src *byte, pixels, stride, width int, m *byte)
TEXT ·maxRowsI8AVX2(SB), NOSPLIT, $0-40
	MAXROWS(MAXI8, 1, VMOVDQU)

DATA poolLowest<>+0(SB)/4, $0xff7fffff // −MaxFloat32
GLOBL poolLowest<>(SB), RODATA|NOPTR, $4

// func maxPoolF32AVX2(src *float32, rows, rowStride, pixels, stride, width int, lo, hi float32, dst *float32)
// One output pixel of MAX_POOL_2D on floats: for c < width (at least 8),
// dst[c] = clampFloat(max over the window, [lo, hi]), the window being rows
// rows of pixels pixels (strides in elements), its maximum started at
// −MaxFloat32 and taken as std::max in row-then-column order (MAXF32). The
// channels go 32 at a time, then 8, then the last 8 again when width is
// not a multiple of 8 (recomputed alike). The clamp is std::min(std::max(v,
// lo), hi): VMAXPS and VMINPS with the bound as first source.
TEXT ·maxPoolF32AVX2(SB), NOSPLIT, $0-64
	MOVQ         src+0(FP), SI
	MOVQ         rows+8(FP), R10
	MOVQ         rowStride+16(FP), R11
	MOVQ         pixels+24(FP), CX
	MOVQ         stride+32(FP), DX
	MOVQ         width+40(FP), BX
	VBROADCASTSS lo+48(FP), Y14
	VBROADCASTSS hi+52(FP), Y15
	MOVQ         dst+56(FP), DI
	VBROADCASTSS poolLowest<>(SB), Y13
	SHLQ         $2, R11
	SHLQ         $2, DX
	XORQ         R12, R12 // the first channel of the block

block32:
	MOVQ    BX, AX
	SUBQ    R12, AX
	CMPQ    AX, $32
	JLT     block8
	VMOVAPS Y13, Y0
	VMOVAPS Y13, Y1
	VMOVAPS Y13, Y2
	VMOVAPS Y13, Y3
	LEAQ    (SI)(R12*4), R8
	MOVQ    R10, R13

rows32:
	MOVQ R8, R9
	MOVQ CX, R14

pixels32:
	MAXF32(0(R9), Y0, Y4)
	MAXF32(32(R9), Y1, Y5)
	MAXF32(64(R9), Y2, Y6)
	MAXF32(96(R9), Y3, Y7)
	ADDQ DX, R9
	DECQ R14
	JNZ  pixels32
	ADDQ R11, R8
	DECQ R13
	JNZ  rows32
	VMAXPS  Y0, Y14, Y0
	VMAXPS  Y1, Y14, Y1
	VMAXPS  Y2, Y14, Y2
	VMAXPS  Y3, Y14, Y3
	VMINPS  Y0, Y15, Y0
	VMINPS  Y1, Y15, Y1
	VMINPS  Y2, Y15, Y2
	VMINPS  Y3, Y15, Y3
	LEAQ    (DI)(R12*4), R8
	VMOVUPS Y0, 0(R8)
	VMOVUPS Y1, 32(R8)
	VMOVUPS Y2, 64(R8)
	VMOVUPS Y3, 96(R8)
	ADDQ    $32, R12
	JMP     block32

block8:
	CMPQ AX, $8
	JLT  tail

one8:
	VMOVAPS Y13, Y0
	LEAQ    (SI)(R12*4), R8
	MOVQ    R10, R13

rows8:
	MOVQ R8, R9
	MOVQ CX, R14

pixels8:
	MAXF32(0(R9), Y0, Y4)
	ADDQ DX, R9
	DECQ R14
	JNZ  pixels8
	ADDQ R11, R8
	DECQ R13
	JNZ  rows8
	VMAXPS  Y0, Y14, Y0
	VMINPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(R12*4)
	ADDQ    $8, R12
	MOVQ    BX, AX
	SUBQ    R12, AX
	JMP     block8

tail:
	TESTQ AX, AX
	JZ    done
	MOVQ  BX, R12
	SUBQ  $8, R12 // the last 8 channels, some of them again
	JMP   one8

done:
	VZEROUPPER
	RET
