//go:build !purego

#include "textflag.h"

// Quantized ADD and SUB of operands of one shape in AVX2, bit-exact with
// AddParams.addSub; the arithmetic and its proof are in addq.go (addLanes),
// the constants in the rows of 8 dwords at R8 (addLanes rows):
//   0–5 the other input: mulHi, mulLo, addLo, addHi, zero, shift (count
//   in dword 0); 6 its sign; 7 the half input's sign, 8 its offset times
//   that sign; 9 output multiplier, 10 output rounding (4 qwords), 11 sign
//   shift (count), 12 output shift (count), 13 output zero point, 14
//   activation minimum (32 bytes), 15 maximum.

// The dword order that undoes the in-lane packs of four vectors a, b, c,
// d: a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7 → a b c d.
DATA addqPerm<>+0(SB)/4, $0
DATA addqPerm<>+4(SB)/4, $4
DATA addqPerm<>+8(SB)/4, $1
DATA addqPerm<>+12(SB)/4, $5
DATA addqPerm<>+16(SB)/4, $2
DATA addqPerm<>+20(SB)/4, $6
DATA addqPerm<>+24(SB)/4, $3
DATA addqPerm<>+28(SB)/4, $7
GLOBL addqPerm<>(SB), RODATA|NOPTR, $32

// SUM8 sets r to the 8 output values at offset off of SI (the half input)
// and BX (the other), offset by the output zero point and not yet clamped.
// The half input is (±v ± zero) << 19; the other ((v·mulLo + addLo) >> 11
// + v·mulHi + addHi − (v > zero)) >> shift, its sign applied. Their sum's
// rounding doubling high multiply is two VPMULDQ of even and odd lanes in
// int64, with the output shift's rounding folded into their constant, then
// the shift. EXT widens 8 bytes to int32; Y4–Y6 are scratch; X7 holds the
// other input's shift, Y8 the half input's sign, X9 the sign shift, X13
// the output shift, Y14 the output multiplier, Y15 its rounding.
#define SUM8(EXT, SIGNO, SIGNH, off, r) \
	EXT      off(BX), Y4          \
	VPMULLD  32(R8), Y4, Y5       \
	VPADDD   64(R8), Y5, Y5       \
	VPSRAD   $11, Y5, Y5          \
	VPMULLD  0(R8), Y4, r         \
	VPADDD   Y5, r, r             \
	VPADDD   96(R8), r, r         \
	VPCMPGTD 128(R8), Y4, Y5      \
	VPSUBD   Y5, r, r             \
	VPSRAD   X7, r, r             \
	SIGNO(r)                      \
	EXT      off(SI), Y4          \
	SIGNH(Y4)                     \
	VPADDD   256(R8), Y4, Y4      \
	VPSLLD   $19, Y4, Y4          \
	VPADDD   Y4, r, r             \
	VPMULDQ  Y14, r, Y4           \
	VPSRLQ   $32, r, Y5           \
	VPMULDQ  Y14, Y5, Y5          \
	VPADDQ   Y15, Y4, Y4          \
	VPADDQ   Y15, Y5, Y5          \
	VPSRLQ   $31, Y4, Y4          \
	VPSLLQ   $1, Y5, Y5           \
	VPSRLD   X9, r, Y6            \
	VPBLENDD $0xAA, Y5, Y4, r     \
	VPSUBD   Y6, r, r             \
	VPSRAD   X13, r, r            \
	VPADDD   416(R8), r, r

// ADDROWS is the loop: 32 elements a step, then 8; PACKB packs int16 to the
// 8-bit type with saturation, MAXB and MINB clamp its bytes.
#define ADDROWS(EXT, SIGNO, SIGNH, PACKB, MAXB, MINB) \
	MOVQ    h+0(FP), SI             \
	MOVQ    o+8(FP), BX             \
	MOVQ    dst+16(FP), DI          \
	MOVQ    n+24(FP), CX            \
	MOVQ    l+32(FP), R8        \
	VMOVDQU addqPerm<>(SB), Y10     \
	VMOVDQU 448(R8), Y11            \
	VMOVDQU 480(R8), Y12            \
	VMOVDQU 160(R8), X7             \
	VMOVDQU 224(R8), Y8             \
	VMOVDQU 352(R8), X9             \
	VMOVDQU 384(R8), X13            \
	VMOVDQU 288(R8), Y14            \
	VMOVDQU 320(R8), Y15            \
	CMPQ    CX, $32                 \
	JB      tail                    \
wide:                               \
	SUM8(EXT, SIGNO, SIGNH, 0, Y0)                \
	SUM8(EXT, SIGNO, SIGNH, 8, Y1)                \
	SUM8(EXT, SIGNO, SIGNH, 16, Y2)               \
	SUM8(EXT, SIGNO, SIGNH, 24, Y3)               \
	VPACKSSDW Y1, Y0, Y0            \
	VPACKSSDW Y3, Y2, Y2            \
	PACKB   Y2, Y0, Y0              \
	VPERMD  Y0, Y10, Y0             \
	MAXB    Y11, Y0, Y0             \
	MINB    Y12, Y0, Y0             \
	VMOVDQU Y0, (DI)                \
	ADDQ    $32, SI                 \
	ADDQ    $32, BX                 \
	ADDQ    $32, DI                 \
	SUBQ    $32, CX                 \
	CMPQ    CX, $32                 \
	JAE     wide                    \
tail:                               \
	TESTQ   CX, CX                  \
	JZ      done                    \
eight:                              \
	SUM8(EXT, SIGNO, SIGNH, 0, Y0)                \
	VEXTRACTI128 $1, Y0, X1         \
	VPACKSSDW X1, X0, X0            \
	PACKB   X0, X0, X0              \
	MAXB    X11, X0, X0             \
	MINB    X12, X0, X0             \
	MOVQ    X0, (DI)                \
	ADDQ    $8, SI                  \
	ADDQ    $8, BX                  \
	ADDQ    $8, DI                  \
	SUBQ    $8, CX                  \
	JNZ     eight                   \
done:                               \
	VZEROUPPER                      \
	RET

// The signs of SUB: SIGNO applies the other input's to its term, SIGNH the
// half input's to its bytes; ADD has none.
#define SIGNO(x) VPSIGND 192(R8), x, x
#define SIGNH(x) VPSIGND Y8, x, x
#define NOSIGN(x)

// func addRowsU8AVX2(h, o, dst *byte, n int, l *addLanes)
// dst[i] = h[i] + o[i] for uint8 (h the half input), n a positive multiple of 8.
TEXT ·addRowsU8AVX2(SB), NOSPLIT, $0-40
	ADDROWS(VPMOVZXBD, NOSIGN, NOSIGN, VPACKUSWB, VPMAXUB, VPMINUB)

// func addRowsI8AVX2(h, o, dst *byte, n int, l *addLanes)
// dst[i] = h[i] + o[i] for int8.
TEXT ·addRowsI8AVX2(SB), NOSPLIT, $0-40
	ADDROWS(VPMOVSXBD, NOSIGN, NOSIGN, VPACKSSWB, VPMAXSB, VPMINSB)

// func subRowsU8AVX2(h, o, dst *byte, n int, l *addLanes)
// dst[i] = ±(h[i] − o[i]) for uint8, the signs in l.
TEXT ·subRowsU8AVX2(SB), NOSPLIT, $0-40
	ADDROWS(VPMOVZXBD, SIGNO, SIGNH, VPACKUSWB, VPMAXUB, VPMINUB)

// func subRowsI8AVX2(h, o, dst *byte, n int, l *addLanes)
// dst[i] = ±(h[i] − o[i]) for int8.
TEXT ·subRowsI8AVX2(SB), NOSPLIT, $0-40
	ADDROWS(VPMOVSXBD, SIGNO, SIGNH, VPACKSSWB, VPMAXSB, VPMINSB)
