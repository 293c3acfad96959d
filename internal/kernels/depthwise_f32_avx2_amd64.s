//go:build !purego

#include "textflag.h"
#include "go_asm.h"

// The float32 depthwise kernel for AVX2 and FMA: one output pixel, 32,
// then 8 channels at a time, then the last channels under a lane mask; one
// lane per channel sums its valid taps in (ky, kx) order with VFMADD231PS
// (one rounding), adds the bias and clamps as std::max and std::min do.

// func dwF32PixelAVX2(in, w *float32, taps *dwF32Taps, bias *float32, act *FloatRange, out *float32, tailMask *int32)
TEXT ·dwF32PixelAVX2(SB), NOSPLIT, $0-56
	MOVQ         in+0(FP), SI
	MOVQ         w+8(FP), DI
	MOVQ         taps+16(FP), R8
	MOVQ         bias+24(FP), R9
	MOVQ         act+32(FP), R13
	MOVQ         out+40(FP), R10
	VBROADCASTSS FloatRange_Min(R13), Y14
	VBROADCASTSS FloatRange_Max(R13), Y15
	MOVQ         dwF32Taps_channels(R8), CX        // channels left
	XORQ         AX, AX            // byte offset of the next channel

wide:
	CMPQ CX, $32
	JLT  single
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
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
	VMOVUPS (R13)(AX*1), Y4
	VMOVUPS 32(R13)(AX*1), Y5
	VMOVUPS 64(R13)(AX*1), Y6
	VMOVUPS 96(R13)(AX*1), Y7
	VFMADD231PS (R14)(AX*1), Y4, Y0
	VFMADD231PS 32(R14)(AX*1), Y5, Y1
	VFMADD231PS 64(R14)(AX*1), Y6, Y2
	VFMADD231PS 96(R14)(AX*1), Y7, Y3
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  widecols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  widerows
widedone:
	VADDPS (R9)(AX*1), Y0, Y0
	VMAXPS Y0, Y14, Y0
	VMINPS Y0, Y15, Y0
	VMOVUPS Y0, (R10)(AX*1)
	VADDPS 32(R9)(AX*1), Y1, Y1
	VMAXPS Y1, Y14, Y1
	VMINPS Y1, Y15, Y1
	VMOVUPS Y1, 32(R10)(AX*1)
	VADDPS 64(R9)(AX*1), Y2, Y2
	VMAXPS Y2, Y14, Y2
	VMINPS Y2, Y15, Y2
	VMOVUPS Y2, 64(R10)(AX*1)
	VADDPS 96(R9)(AX*1), Y3, Y3
	VMAXPS Y3, Y14, Y3
	VMINPS Y3, Y15, Y3
	VMOVUPS Y3, 96(R10)(AX*1)
	ADDQ $128, AX
	SUBQ $32, CX
	JMP  wide

single:
	CMPQ CX, $8
	JLT  tail
	VXORPS Y0, Y0, Y0
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
	VMOVUPS (R13)(AX*1), Y4
	VFMADD231PS (R14)(AX*1), Y4, Y0
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  singlecols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  singlerows
singledone:
	VADDPS  (R9)(AX*1), Y0, Y0
	VMAXPS  Y0, Y14, Y0
	VMINPS  Y0, Y15, Y0
	VMOVUPS Y0, (R10)(AX*1)
	ADDQ    $32, AX
	SUBQ    $8, CX
	JMP     single

tail:
	TESTQ CX, CX
	JZ    end
	MOVQ       tailMask+48(FP), BX
	VMOVUPS    (BX), Y13           // the channels left
	VXORPS     Y0, Y0, Y0
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
	VMASKMOVPS (R13)(AX*1), Y13, Y4
	VMASKMOVPS (R14)(AX*1), Y13, Y5
	VFMADD231PS Y5, Y4, Y0
	ADDQ dwF32Taps_inCol(R8), R13
	ADDQ dwF32Taps_wCol(R8), R14
	DECQ BX
	JNZ  tailcols
	ADDQ dwF32Taps_inRow(R8), R11
	ADDQ dwF32Taps_wRow(R8), R12
	DECQ DX
	JNZ  tailrows
taildone:
	VMASKMOVPS (R9)(AX*1), Y13, Y5
	VADDPS     Y5, Y0, Y0
	VMAXPS     Y0, Y14, Y0
	VMINPS     Y0, Y15, Y0
	VMASKMOVPS Y0, Y13, (R10)(AX*1)

end:
	VZEROUPPER
	RET
