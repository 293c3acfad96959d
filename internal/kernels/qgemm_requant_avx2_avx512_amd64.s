//go:build amd64 && !purego

#include "textflag.h"

// Requantization and row sums of PointwiseQ's x86 micro-kernels, written by
// hand: one of each per instruction set, whereas ./internal/asmgen writes
// the dot-product kernels, which come in many variants.

// func qgemmRequantAVX512(acc *int32, params *int32, sums *int32, pixels int, pixelFactor, outOffset, actMin, actMax int32, n int, out *byte, outStride int)
// Requantizes, for each of pixels pixels, the first n (1..64) raw dot
// products of its row of acc ([pixel][64]int32) for one packed group,
// storing n bytes to out + pixel·outStride. params holds the group's
// requantization table, [5][64]int32: channel bias, multiplier, left shift,
// right shift and rounding mask (2^right − 1). Each lane computes
// quant.MultiplyByQuantizedMultiplier(acc + bias + pixelFactor·sums[pixel])
// + outOffset, clamped to [actMin, actMax]: the rounding doubling high
// multiply as (x·m + 2^30) >> 31 in int64 (which equals gemmlowp's nudge
// and truncation) with its single overflow saturated, then the rounding
// right shift.
TEXT ·qgemmRequantAVX512(SB), NOSPLIT, $0-72
	MOVQ acc+0(FP), R12
	MOVQ sums+16(FP), R11
	MOVQ pixels+24(FP), R10
	MOVL pixelFactor+32(FP), BX
	MOVL outOffset+36(FP), AX
	VPBROADCASTD AX, Z21
	MOVL actMin+40(FP), AX
	VPBROADCASTD AX, Z22
	MOVL actMax+44(FP), AX
	VPBROADCASTD AX, Z23
	MOVQ out+56(FP), R13
	MOVQ outStride+64(FP), R14
	MOVQ $0x40000000, AX
	VPBROADCASTQ AX, Z24
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z25
	MOVL $1, AX
	VPBROADCASTD AX, Z26
	MOVL $0xAAAA, AX
	KMOVW AX, K2

	MOVQ params+8(FP), DI
	MOVQ n+48(FP), CX

	// Chunk by chunk of 16 channels, its table in registers, then pixel
	// by pixel.
chunk:
	MOVL $0xFFFF, AX
	CMPQ CX, $16
	JGE store_mask
	MOVL $1, AX
	SHLL CX, AX
	DECL AX

store_mask:
	KMOVW AX, K1
	VMOVDQU32 (DI), Z10      // bias
	VMOVDQU32 512(DI), Z11   // left shift
	VMOVDQU32 256(DI), Z12   // multiplier, even lanes
	VPSRLQ $32, Z12, Z13     // and odd lanes
	VMOVDQU32 768(DI), Z14   // right shift
	VMOVDQU32 1024(DI), Z15  // rounding mask
	VPSRAD $1, Z15, Z16      // and its threshold
	MOVQ sums+16(FP), R11
	MOVQ pixels+24(FP), R10
	MOVQ R12, SI
	MOVQ R13, DX

pixel:
	MOVL (R11), AX
	IMULL BX, AX
	VPBROADCASTD AX, Z20
	VMOVDQU32 (SI), Z0
	VPADDD Z10, Z0, Z0
	VPADDD Z20, Z0, Z0
	VPSLLVD Z11, Z0, Z0

	// Rounding doubling high multiply: even lanes in Z3, odd lanes in Z4.
	VPMULDQ Z12, Z0, Z3
	VPSRLQ $32, Z0, Z4
	VPMULDQ Z13, Z4, Z4
	VPADDQ Z24, Z3, Z3
	VPADDQ Z24, Z4, Z4
	VPSRAQ $31, Z3, Z3
	VPSRAQ $31, Z4, Z4
	VPSLLQ $32, Z4, Z4
	VPBLENDMD Z4, Z3, K2, Z0
	VPCMPEQD Z25, Z0, K3
	VPSUBD Z26, Z0, K3, Z0

	// Rounding divide by 2^right, ties away from zero.
	VPANDD Z15, Z0, Z7
	VPSRAD $31, Z0, Z9
	VPSUBD Z9, Z16, Z8
	VPSRAVD Z14, Z0, Z0
	VPCMPGTD Z8, Z7, K4
	VPADDD Z26, Z0, K4, Z0

	VPADDD Z21, Z0, Z0
	VPMAXSD Z22, Z0, Z0
	VPMINSD Z23, Z0, Z0
	VPMOVDB Z0, K1, (DX)
	ADDQ $4, R11
	ADDQ $256, SI
	ADDQ R14, DX
	DECQ R10
	JNZ pixel

	ADDQ $64, R12
	ADDQ $64, DI
	ADDQ $16, R13
	SUBQ $16, CX
	JG chunk
	VZEROUPPER
	RET

// func qgemmRowSumsAVX512(a *byte, stride int, n int, rows int, flip int32, sums *int32)
// Stores into sums[r] the wrapping int32 sum of the n (≥ 1) bytes at
// a + r·stride for each of rows rows, each byte XORed with flip (0 or 0x80)
// and flip·n subtracted: uint8 sums for flip 0, int8 sums for flip 0x80.
TEXT ·qgemmRowSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), R8
	MOVQ stride+8(FP), R9
	MOVQ n+16(FP), R10
	MOVQ rows+24(FP), R11
	MOVL flip+32(FP), BX
	MOVQ sums+40(FP), DX
	VPBROADCASTB BX, Z2
	MOVL BX, R12
	IMULL R10, R12 // flip·n, taken off each sum
	VPXORD Z3, Z3, Z3

row:
	MOVQ R8, SI
	MOVQ R10, CX
	VPXORD Z1, Z1, Z1

bytes:
	MOVQ $-1, AX
	CMPQ CX, $64
	JGE load
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX

load:
	KMOVQ AX, K1
	VMOVDQU8.Z (SI), K1, Z0
	VPXORD Z2, Z0, Z4
	VMOVDQU8 Z4, K1, Z0
	VPSADBW Z3, Z0, Z0
	VPADDQ Z0, Z1, Z1
	ADDQ $64, SI
	SUBQ $64, CX
	JG bytes

	VEXTRACTI64X4 $1, Z1, Y0
	VPADDQ Y0, Y1, Y1
	VEXTRACTI128 $1, Y1, X0
	VPADDQ X0, X1, X1
	VPSHUFD $0x4E, X1, X0
	VPADDQ X0, X1, X1
	VMOVQ X1, AX
	SUBL R12, AX
	MOVL AX, (DX)
	ADDQ $4, DX
	ADDQ R9, R8
	DECQ R11
	JNZ row
	VZEROUPPER
	RET

// func qgemmRequantAVX2(acc *int32, params *int32, outOffset, actMin, actMax int32, out *byte)
// Requantizes the 16 raw dot products of acc (one pixel, one packed group)
// and stores 16 bytes to out. params holds the group's requantization table,
// [5][16]int32: channel bias, multiplier, left shift, right shift and
// rounding mask (2^right − 1). Each lane computes
// quant.MultiplyByQuantizedMultiplier(acc + bias) + outOffset, clamped to
// [actMin, actMax] and truncated to a byte: the rounding doubling high
// multiply as (x·m + 2^30) >> 31 in int64 (which equals gemmlowp's nudge
// and truncation) with its single overflow saturated, then the rounding
// right shift.
TEXT ·qgemmRequantAVX2(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), SI
	MOVQ params+8(FP), DI
	MOVL outOffset+16(FP), AX
	VMOVD AX, X10
	VPBROADCASTD X10, Y10
	MOVL actMin+20(FP), AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	MOVL actMax+24(FP), AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVQ out+32(FP), DX
	MOVQ $0x40000000, AX
	VMOVQ AX, X13
	VPBROADCASTQ X13, Y13
	MOVL $0x80000000, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x0C080400, AX // the low byte of each dword of a 128-bit lane
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVQ $2, CX

half:
	VMOVDQU (SI), Y0
	VPADDD (DI), Y0, Y0
	VMOVDQU 128(DI), Y1
	VPSLLVD Y1, Y0, Y0

	// Rounding doubling high multiply: even lanes in Y3, odd lanes in Y4.
	VMOVDQU 64(DI), Y2
	VPMULDQ Y2, Y0, Y3
	VPSRLQ $32, Y0, Y4
	VPSRLQ $32, Y2, Y5
	VPMULDQ Y5, Y4, Y4
	VPADDQ Y13, Y3, Y3
	VPADDQ Y13, Y4, Y4
	VPSRLQ $31, Y3, Y3
	VPSLLQ $1, Y4, Y4
	VPBLENDD $0xAA, Y4, Y3, Y0
	VPCMPEQD Y14, Y0, Y5
	VPADDD Y5, Y0, Y0

	// Rounding divide by 2^right, ties away from zero.
	VMOVDQU 256(DI), Y6
	VPAND Y6, Y0, Y7
	VPSRAD $1, Y6, Y8
	VPSRAD $31, Y0, Y9
	VPSUBD Y9, Y8, Y8
	VMOVDQU 192(DI), Y1
	VPSRAVD Y1, Y0, Y0
	VPCMPGTD Y8, Y7, Y9
	VPSUBD Y9, Y0, Y0

	VPADDD Y10, Y0, Y0
	VPMAXSD Y11, Y0, Y0
	VPMINSD Y12, Y0, Y0
	VPSHUFB Y15, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPUNPCKLDQ X1, X0, X0
	VMOVQ X0, (DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $8, DX
	DECQ CX
	JNZ half
	VZEROUPPER
	RET
