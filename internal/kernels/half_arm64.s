//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// func widenHalvesNeon(dst *float32, src *Half, n int)
TEXT ·widenHalvesNeon(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

loop:
	VLD1.P 32(R1), [V0.H8, V1.H8]
	FCVTL_4S(2, 0)
	FCVTL2_4S(3, 0)
	FCVTL_4S(4, 1)
	FCVTL2_4S(5, 1)
	VST1.P [V2.S4, V3.S4, V4.S4, V5.S4], 64(R0)
	SUBS $16, R2, R2
	BNE  loop
	RET

// func narrowFloatsNeon(dst *Half, src *float32, n int)
TEXT ·narrowFloatsNeon(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

narrow:
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FCVTN_4H(4, 0)
	FCVTN2_8H(4, 1)
	FCVTN_4H(5, 2)
	FCVTN2_8H(5, 3)
	VST1.P [V4.H8, V5.H8], 32(R0)
	SUBS $16, R2, R2
	BNE  narrow
	RET
