//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The float32 depthwise kernel for NEON: one output pixel's sums, 16, then
// 4 channels at a time; one lane per channel sums the valid taps in
// (ky, kx) order with FMLA (one rounding).

// func f32dwSumsNeon(in, w *float32, taps *dwF32Taps, out *float32, channels int)
TEXT ·f32dwSumsNeon(SB), NOSPLIT, $0-40
	MOVD in+0(FP), R0
	MOVD w+8(FP), R1
	MOVD taps+16(FP), R2
	MOVD out+24(FP), R3
	MOVD channels+32(FP), R4
	MOVD dwF32Taps_rows(R2), R5
	MOVD dwF32Taps_cols(R2), R6
	MOVD dwF32Taps_inCol(R2), R7   // input bytes between taps along x
	MOVD dwF32Taps_inRow(R2), R8   // and along y
	MOVD dwF32Taps_wCol(R2), R9    // filter bytes between taps along x
	MOVD dwF32Taps_wRow(R2), R10   // and along y

wide:
	CMP  $16, R4
	BLT  single
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	CBZ  R5, widedone
	MOVD R0, R11
	MOVD R1, R12
	MOVD R5, R13

widerows:
	MOVD R11, R14
	MOVD R12, R15
	MOVD R6, R19

widecols:
	VLD1 (R14), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1 (R15), [V8.S4, V9.S4, V10.S4, V11.S4]
	VFMLA V8.S4, V4.S4, V0.S4
	VFMLA V9.S4, V5.S4, V1.S4
	VFMLA V10.S4, V6.S4, V2.S4
	VFMLA V11.S4, V7.S4, V3.S4
	ADD  R7, R14
	ADD  R9, R15
	SUBS $1, R19, R19
	BNE  widecols
	ADD  R8, R11
	ADD  R10, R12
	SUBS $1, R13, R13
	BNE  widerows

widedone:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R3)
	ADD  $64, R0
	ADD  $64, R1
	SUB  $16, R4
	B    wide

single:
	CMP  $4, R4
	BLT  end
	VEOR V0.B16, V0.B16, V0.B16
	CBZ  R5, singledone
	MOVD R0, R11
	MOVD R1, R12
	MOVD R5, R13

singlerows:
	MOVD R11, R14
	MOVD R12, R15
	MOVD R6, R19

singlecols:
	VLD1 (R14), [V4.S4]
	VLD1 (R15), [V8.S4]
	VFMLA V8.S4, V4.S4, V0.S4
	ADD  R7, R14
	ADD  R9, R15
	SUBS $1, R19, R19
	BNE  singlecols
	ADD  R8, R11
	ADD  R10, R12
	SUBS $1, R13, R13
	BNE  singlerows

singledone:
	VST1.P [V0.S4], 16(R3)
	ADD  $16, R0
	ADD  $16, R1
	SUB  $4, R4
	B    single

end:
	RET
