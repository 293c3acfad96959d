//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "clampf32_arm64.h"

// Float elementwise kernels (see floatarith_arm64.go): 8 elements a step,
// then 4; n is a positive multiple of 4. V14 and V15 hold lo and hi in
// every lane for CLAMPF32. OP(d, n, m) is the operation's macro from
// neon_arm64.h: Vd = Vn op Vm, x in Vn, y in Vm.

// FLOAT_ROWS defines NAME(x, y, d *float32, n int, lo, hi float32):
// d[i] = clamp(x[i] OP y[i]).
#define FLOAT_ROWS(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-40              \
	MOVD   x+0(FP), R0                     \
	MOVD   y+8(FP), R1                     \
	MOVD   d+16(FP), R2                    \
	MOVD   n+24(FP), R3                    \
	FMOVS  lo+32(FP), F14                  \
	FMOVS  hi+36(FP), F15                  \
	VDUP   V14.S[0], V14.S4                \
	VDUP   V15.S[0], V15.S4                \
loop8:                                     \
	CMP    $8, R3                          \
	BLT    loop4                           \
	VLD1.P 32(R0), [V0.S4, V1.S4]          \
	VLD1.P 32(R1), [V2.S4, V3.S4]          \
	OP(0, 0, 2)                            \
	OP(1, 1, 3)                            \
	CLAMPF32(0, 4)                         \
	CLAMPF32(1, 5)                         \
	VST1.P [V0.S4, V1.S4], 32(R2)          \
	SUB    $8, R3                          \
	B      loop8                           \
loop4:                                     \
	CBZ    R3, done                        \
	VLD1.P 16(R0), [V0.S4]                 \
	VLD1.P 16(R1), [V2.S4]                 \
	OP(0, 0, 2)                            \
	CLAMPF32(0, 4)                         \
	VST1.P [V0.S4], 16(R2)                 \
	SUB    $4, R3                          \
	B      loop4                           \
done:                                      \
	RET

// FLOAT_SCALAR defines NAME(x *float32, y float32, d *float32, n int, lo,
// hi float32): d[i] = clamp(x[i] OP y), y in every lane of V13.
#define FLOAT_SCALAR(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-40              \
	MOVD   x+0(FP), R0                     \
	FMOVS  y+8(FP), F13                    \
	MOVD   d+16(FP), R2                    \
	MOVD   n+24(FP), R3                    \
	FMOVS  lo+32(FP), F14                  \
	FMOVS  hi+36(FP), F15                  \
	VDUP   V13.S[0], V13.S4                \
	VDUP   V14.S[0], V14.S4                \
	VDUP   V15.S[0], V15.S4                \
loop8:                                     \
	CMP    $8, R3                          \
	BLT    loop4                           \
	VLD1.P 32(R0), [V0.S4, V1.S4]          \
	OP(0, 0, 13)                           \
	OP(1, 1, 13)                           \
	CLAMPF32(0, 4)                         \
	CLAMPF32(1, 5)                         \
	VST1.P [V0.S4, V1.S4], 32(R2)          \
	SUB    $8, R3                          \
	B      loop8                           \
loop4:                                     \
	CBZ    R3, done                        \
	VLD1.P 16(R0), [V0.S4]                 \
	OP(0, 0, 13)                           \
	CLAMPF32(0, 4)                         \
	VST1.P [V0.S4], 16(R2)                 \
	SUB    $4, R3                          \
	B      loop4                           \
done:                                      \
	RET

FLOAT_ROWS(·floatAddRowsNeon, FADD_4S)
FLOAT_ROWS(·floatSubRowsNeon, FSUB_4S)
FLOAT_ROWS(·floatMulRowsNeon, FMUL_4S)
FLOAT_ROWS(·floatDivRowsNeon, FDIV_4S)
FLOAT_SCALAR(·floatAddScalarNeon, FADD_4S)
FLOAT_SCALAR(·floatSubScalarNeon, FSUB_4S)
FLOAT_SCALAR(·floatMulScalarNeon, FMUL_4S)
FLOAT_SCALAR(·floatDivScalarNeon, FDIV_4S)

// func floatClampNeon(x, d *float32, n int, lo, hi float32)
TEXT ·floatClampNeon(SB), NOSPLIT, $0-32
	MOVD  x+0(FP), R0
	MOVD  d+8(FP), R2
	MOVD  n+16(FP), R3
	FMOVS lo+24(FP), F14
	FMOVS hi+28(FP), F15
	VDUP  V14.S[0], V14.S4
	VDUP  V15.S[0], V15.S4

loop8:
	CMP    $8, R3
	BLT    loop4
	VLD1.P 32(R0), [V0.S4, V1.S4]
	CLAMPF32(0, 4)
	CLAMPF32(1, 5)
	VST1.P [V0.S4, V1.S4], 32(R2)
	SUB    $8, R3
	B      loop8

loop4:
	CBZ    R3, done
	VLD1.P 16(R0), [V0.S4]
	CLAMPF32(0, 4)
	VST1.P [V0.S4], 16(R2)
	SUB    $4, R3
	B      loop4

done:
	RET
