//go:build !purego

#include "textflag.h"
#include "go_asm.h"
#include "neon_arm64.h"

// The fp16 depthwise kernel: one output pixel's sums, 32 channels (four
// independent accumulators of eight halves, so that consecutive taps'
// FMLAs overlap), then 8 at a time; one half lane per channel sums the
// valid taps in (ky, kx) order with FMLA (one rounding to half each); the
// sums are widened to float32 (FCVTL, FCVTL2), the bias added and the
// result clamped (FMAX, FMIN).

// func f16dwSumsFP16(in, w *Half, taps *dwF32Taps, out *float32, channels int, bias *float32, act *FloatRange)
TEXT ·f16dwSumsFP16(SB), NOSPLIT, $0-56
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
	MOVD bias+40(FP), R20
	MOVD act+48(FP), R21
	VLD1R.P FloatRange_Max(R21), [V12.S4] // Min (the first field), then R21 moves on to Max
	VLD1R (R21), [V13.S4]

wide:
	CMP  $32, R4
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
	VLD1 (R14), [V4.H8, V5.H8, V6.H8, V7.H8]
	VLD1 (R15), [V8.H8, V9.H8, V10.H8, V11.H8]
	FMLA_8H(0, 8, 4)
	FMLA_8H(1, 9, 5)
	FMLA_8H(2, 10, 6)
	FMLA_8H(3, 11, 7)
	ADD  R7, R14
	ADD  R9, R15
	SUBS $1, R19, R19
	BNE  widecols
	ADD  R8, R11
	ADD  R10, R12
	SUBS $1, R13, R13
	BNE  widerows

widedone:
	FCVTL_4S(16, 0)
	FCVTL2_4S(17, 0)
	FCVTL_4S(18, 1)
	FCVTL2_4S(19, 1)
	FCVTL_4S(20, 2)
	FCVTL2_4S(21, 2)
	FCVTL_4S(22, 3)
	FCVTL2_4S(23, 3)
	VLD1.P 64(R20), [V24.S4, V25.S4, V26.S4, V27.S4]
	VLD1.P 64(R20), [V28.S4, V29.S4, V30.S4, V31.S4]
	FADD_4S(16, 16, 24)
	FADD_4S(17, 17, 25)
	FADD_4S(18, 18, 26)
	FADD_4S(19, 19, 27)
	FADD_4S(20, 20, 28)
	FADD_4S(21, 21, 29)
	FADD_4S(22, 22, 30)
	FADD_4S(23, 23, 31)
	FMAX_4S(16, 16, 12)
	FMAX_4S(17, 17, 12)
	FMAX_4S(18, 18, 12)
	FMAX_4S(19, 19, 12)
	FMAX_4S(20, 20, 12)
	FMAX_4S(21, 21, 12)
	FMAX_4S(22, 22, 12)
	FMAX_4S(23, 23, 12)
	FMIN_4S(16, 16, 13)
	FMIN_4S(17, 17, 13)
	FMIN_4S(18, 18, 13)
	FMIN_4S(19, 19, 13)
	FMIN_4S(20, 20, 13)
	FMIN_4S(21, 21, 13)
	FMIN_4S(22, 22, 13)
	FMIN_4S(23, 23, 13)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R3)
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(R3)
	ADD  $64, R0
	ADD  $64, R1
	SUB  $32, R4
	B    wide

single:
	CMP  $8, R4
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
	VLD1 (R14), [V4.H8]
	VLD1 (R15), [V8.H8]
	FMLA_8H(0, 8, 4)
	ADD  R7, R14
	ADD  R9, R15
	SUBS $1, R19, R19
	BNE  singlecols
	ADD  R8, R11
	ADD  R10, R12
	SUBS $1, R13, R13
	BNE  singlerows

singledone:
	FCVTL_4S(16, 0)
	FCVTL2_4S(17, 0)
	VLD1.P 32(R20), [V24.S4, V25.S4]
	FADD_4S(16, 16, 24)
	FADD_4S(17, 17, 25)
	FMAX_4S(16, 16, 12)
	FMAX_4S(17, 17, 12)
	FMIN_4S(16, 16, 13)
	FMIN_4S(17, 17, 13)
	VST1.P [V16.S4, V17.S4], 32(R3)
	ADD  $16, R0
	ADD  $16, R1
	SUB  $8, R4
	B    single

end:
	RET
