//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The float32 depthwise kernel for AVX-512: one output pixel, 64, then 16
// channels at a time, then the last channels under a mask; one lane per
// channel sums its valid taps in (ky, kx) order with VFMADD231PS (one
// rounding), adds the bias and clamps as std::max and std::min do.

// func dwF32PixelAVX512(in, w *float32, taps *dwF32Taps, bias *float32, act *FloatRange, out *float32)
TEXT ·dwF32PixelAVX512(SB), NOSPLIT, $0-48
	MOVQ         in+0(FP), SI
	MOVQ         w+8(FP), DI
	MOVQ         taps+16(FP), R8
	MOVQ         bias+24(FP), R9
	MOVQ         act+32(FP), R13
	MOVQ         out+40(FP), R10
	VBROADCASTSS FloatRange_Min(R13), Z14
	VBROADCASTSS FloatRange_Max(R13), Z15
	MOVQ         dwF32Taps_channels(R8), CX        // channels left
	XORQ         AX, AX            // byte offset of the next channel

wide:
	CMPQ CX, $64
	JLT  single
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ dwF32Taps_rows(R8), DX
	TESTQ DX, DX
	JZ widedone
widerows:
	MOVQ R11, R13
	MOVQ R12, R14
	MOVQ dwF32Taps_cols(R8), BX
widecols:
	VMOVUPS (R13)(AX*1), Z4
	VMOVUPS 64(R13)(AX*1), Z5
	VMOVUPS 128(R13)(AX*1), Z6
	VMOVUPS 192(R13)(AX*1), Z7
	VFMADD231PS (R14)(AX*1), Z4, Z0
	VFMADD231PS 64(R14)(AX*1), Z5, Z1
	VFMADD231PS 128(R14)(AX*1), Z6, Z2
	VFMADD231PS 192(R14)(AX*1), Z7, Z3
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  widecols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  widerows
widedone:
	VADDPS (R9)(AX*1), Z0, Z0
	VMAXPS Z0, Z14, Z0
	VMINPS Z0, Z15, Z0
	VMOVUPS Z0, (R10)(AX*1)
	VADDPS 64(R9)(AX*1), Z1, Z1
	VMAXPS Z1, Z14, Z1
	VMINPS Z1, Z15, Z1
	VMOVUPS Z1, 64(R10)(AX*1)
	VADDPS 128(R9)(AX*1), Z2, Z2
	VMAXPS Z2, Z14, Z2
	VMINPS Z2, Z15, Z2
	VMOVUPS Z2, 128(R10)(AX*1)
	VADDPS 192(R9)(AX*1), Z3, Z3
	VMAXPS Z3, Z14, Z3
	VMINPS Z3, Z15, Z3
	VMOVUPS Z3, 192(R10)(AX*1)
	ADDQ $256, AX
	SUBQ $64, CX
	JMP  wide

single:
	CMPQ CX, $16
	JLT  tail
	VXORPS Z0, Z0, Z0
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ dwF32Taps_rows(R8), DX
	TESTQ DX, DX
	JZ singledone
singlerows:
	MOVQ R11, R13
	MOVQ R12, R14
	MOVQ dwF32Taps_cols(R8), BX
singlecols:
	VMOVUPS (R13)(AX*1), Z4
	VFMADD231PS (R14)(AX*1), Z4, Z0
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  singlecols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  singlerows
singledone:
	VADDPS  (R9)(AX*1), Z0, Z0
	VMAXPS  Z0, Z14, Z0
	VMINPS  Z0, Z15, Z0
	VMOVUPS Z0, (R10)(AX*1)
	ADDQ    $64, AX
	SUBQ    $16, CX
	JMP     single

tail:
	TESTQ CX, CX
	JZ    end
	MOVL  $1, BX
	SHLL  CX, BX
	DECL  BX
	KMOVW BX, K1                   // the channels left
	VXORPS Z0, Z0, Z0
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ dwF32Taps_rows(R8), DX
	TESTQ DX, DX
	JZ taildone
tailrows:
	MOVQ R11, R13
	MOVQ R12, R14
	MOVQ dwF32Taps_cols(R8), BX
tailcols:
	VMOVUPS.Z (R13)(AX*1), K1, Z4
	VMOVUPS.Z (R14)(AX*1), K1, Z5
	VFMADD231PS Z5, Z4, Z0
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  tailcols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  tailrows
taildone:
	VMOVUPS.Z (R9)(AX*1), K1, Z5
	VADDPS    Z5, Z0, Z0
	VMAXPS    Z0, Z14, Z0
	VMINPS    Z0, Z15, Z0
	VMOVUPS   Z0, K1, (R10)(AX*1)

end:
	VZEROUPPER
	RET
