//go:build amd64 && !purego

#include "textflag.h"

// Micro-kernels of PointwiseQ for AVX-512 VNNI. Each computes raw int32 dot
// products D[p][c] = Σ_k a[p][k]·w[c][k] of up to six input pixels against
// one group of 64 packed output channels, the product of each group of four
// input bytes coming from one VPDPBUSD (u8 × s8 → int32, wrapping, no
// saturation). Packed weights hold, for each group of four input bytes, four
// zmm-sized blocks of 16 channels × 4 bytes; accumulators are stored to acc
// as [pixel][64]int32.
//
// U8S8 kernels take unsigned activations and signed weights; S8U8 kernels
// take signed activations and unsigned weights (VPDPBUSD's unsigned operand
// is then the weight register).

// FMA_U8S8 accumulates a broadcast unsigned activation b times signed
// weights w into acc.
#define FMA_U8S8(w, b, acc) VPDPBUSD w, b, acc

// FMA_S8U8 accumulates a broadcast signed activation b times unsigned
// weights w into acc.
#define FMA_S8U8(w, b, acc) VPDPBUSD b, w, acc

// func dotU8S8x6(a *byte, stride int, w *byte, kq int, acc *int32)
// Six pixels, stride bytes apart, starting at a; kq groups of four bytes.
TEXT ·dotU8S8x6(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ kq+24(FP), CX
	MOVQ acc+32(FP), DX
	LEAQ (BX)(BX*2), R8
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31
	TESTQ CX, CX
	JZ storeU8S8x6
loopU8S8x6:
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	LEAQ (SI)(BX*4), R9
	VPBROADCASTD (SI), Z4
	FMA_U8S8(Z0, Z4, Z8)
	FMA_U8S8(Z1, Z4, Z9)
	FMA_U8S8(Z2, Z4, Z10)
	FMA_U8S8(Z3, Z4, Z11)
	VPBROADCASTD (SI)(BX*1), Z5
	FMA_U8S8(Z0, Z5, Z12)
	FMA_U8S8(Z1, Z5, Z13)
	FMA_U8S8(Z2, Z5, Z14)
	FMA_U8S8(Z3, Z5, Z15)
	VPBROADCASTD (SI)(BX*2), Z6
	FMA_U8S8(Z0, Z6, Z16)
	FMA_U8S8(Z1, Z6, Z17)
	FMA_U8S8(Z2, Z6, Z18)
	FMA_U8S8(Z3, Z6, Z19)
	VPBROADCASTD (SI)(R8*1), Z7
	FMA_U8S8(Z0, Z7, Z20)
	FMA_U8S8(Z1, Z7, Z21)
	FMA_U8S8(Z2, Z7, Z22)
	FMA_U8S8(Z3, Z7, Z23)
	VPBROADCASTD (R9), Z4
	FMA_U8S8(Z0, Z4, Z24)
	FMA_U8S8(Z1, Z4, Z25)
	FMA_U8S8(Z2, Z4, Z26)
	FMA_U8S8(Z3, Z4, Z27)
	VPBROADCASTD (R9)(BX*1), Z5
	FMA_U8S8(Z0, Z5, Z28)
	FMA_U8S8(Z1, Z5, Z29)
	FMA_U8S8(Z2, Z5, Z30)
	FMA_U8S8(Z3, Z5, Z31)
	ADDQ $4, SI
	ADDQ $256, DI
	DECQ CX
	JNZ loopU8S8x6
storeU8S8x6:
	VMOVDQU32 Z8, 0(DX)
	VMOVDQU32 Z9, 64(DX)
	VMOVDQU32 Z10, 128(DX)
	VMOVDQU32 Z11, 192(DX)
	VMOVDQU32 Z12, 256(DX)
	VMOVDQU32 Z13, 320(DX)
	VMOVDQU32 Z14, 384(DX)
	VMOVDQU32 Z15, 448(DX)
	VMOVDQU32 Z16, 512(DX)
	VMOVDQU32 Z17, 576(DX)
	VMOVDQU32 Z18, 640(DX)
	VMOVDQU32 Z19, 704(DX)
	VMOVDQU32 Z20, 768(DX)
	VMOVDQU32 Z21, 832(DX)
	VMOVDQU32 Z22, 896(DX)
	VMOVDQU32 Z23, 960(DX)
	VMOVDQU32 Z24, 1024(DX)
	VMOVDQU32 Z25, 1088(DX)
	VMOVDQU32 Z26, 1152(DX)
	VMOVDQU32 Z27, 1216(DX)
	VMOVDQU32 Z28, 1280(DX)
	VMOVDQU32 Z29, 1344(DX)
	VMOVDQU32 Z30, 1408(DX)
	VMOVDQU32 Z31, 1472(DX)
	VZEROUPPER
	RET

// func dotU8S8x1(a *byte, w *byte, kq int, acc *int32)
// One pixel at a; kq groups of four bytes. Even and odd groups accumulate
// into separate registers, summed at the end, to hide VPDPBUSD's latency.
TEXT ·dotU8S8x1(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kq+16(FP), CX
	MOVQ acc+24(FP), DX
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	CMPQ CX, $2
	JLT tailU8S8x1
pairU8S8x1:
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	VMOVDQU32 256(DI), Z4
	VMOVDQU32 320(DI), Z5
	VMOVDQU32 384(DI), Z6
	VMOVDQU32 448(DI), Z7
	VPBROADCASTD (SI), Z16
	VPBROADCASTD 4(SI), Z17
	FMA_U8S8(Z0, Z16, Z8)
	FMA_U8S8(Z1, Z16, Z9)
	FMA_U8S8(Z2, Z16, Z10)
	FMA_U8S8(Z3, Z16, Z11)
	FMA_U8S8(Z4, Z17, Z12)
	FMA_U8S8(Z5, Z17, Z13)
	FMA_U8S8(Z6, Z17, Z14)
	FMA_U8S8(Z7, Z17, Z15)
	ADDQ $8, SI
	ADDQ $512, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE pairU8S8x1
tailU8S8x1:
	TESTQ CX, CX
	JZ storeU8S8x1
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	VPBROADCASTD (SI), Z16
	FMA_U8S8(Z0, Z16, Z8)
	FMA_U8S8(Z1, Z16, Z9)
	FMA_U8S8(Z2, Z16, Z10)
	FMA_U8S8(Z3, Z16, Z11)
storeU8S8x1:
	VPADDD Z12, Z8, Z8
	VMOVDQU32 Z8, 0(DX)
	VPADDD Z13, Z9, Z9
	VMOVDQU32 Z9, 64(DX)
	VPADDD Z14, Z10, Z10
	VMOVDQU32 Z10, 128(DX)
	VPADDD Z15, Z11, Z11
	VMOVDQU32 Z11, 192(DX)
	VZEROUPPER
	RET

// func dotS8U8x6(a *byte, stride int, w *byte, kq int, acc *int32)
// Six pixels, stride bytes apart, starting at a; kq groups of four bytes.
TEXT ·dotS8U8x6(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ w+16(FP), DI
	MOVQ kq+24(FP), CX
	MOVQ acc+32(FP), DX
	LEAQ (BX)(BX*2), R8
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31
	TESTQ CX, CX
	JZ storeS8U8x6
loopS8U8x6:
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	LEAQ (SI)(BX*4), R9
	VPBROADCASTD (SI), Z4
	FMA_S8U8(Z0, Z4, Z8)
	FMA_S8U8(Z1, Z4, Z9)
	FMA_S8U8(Z2, Z4, Z10)
	FMA_S8U8(Z3, Z4, Z11)
	VPBROADCASTD (SI)(BX*1), Z5
	FMA_S8U8(Z0, Z5, Z12)
	FMA_S8U8(Z1, Z5, Z13)
	FMA_S8U8(Z2, Z5, Z14)
	FMA_S8U8(Z3, Z5, Z15)
	VPBROADCASTD (SI)(BX*2), Z6
	FMA_S8U8(Z0, Z6, Z16)
	FMA_S8U8(Z1, Z6, Z17)
	FMA_S8U8(Z2, Z6, Z18)
	FMA_S8U8(Z3, Z6, Z19)
	VPBROADCASTD (SI)(R8*1), Z7
	FMA_S8U8(Z0, Z7, Z20)
	FMA_S8U8(Z1, Z7, Z21)
	FMA_S8U8(Z2, Z7, Z22)
	FMA_S8U8(Z3, Z7, Z23)
	VPBROADCASTD (R9), Z4
	FMA_S8U8(Z0, Z4, Z24)
	FMA_S8U8(Z1, Z4, Z25)
	FMA_S8U8(Z2, Z4, Z26)
	FMA_S8U8(Z3, Z4, Z27)
	VPBROADCASTD (R9)(BX*1), Z5
	FMA_S8U8(Z0, Z5, Z28)
	FMA_S8U8(Z1, Z5, Z29)
	FMA_S8U8(Z2, Z5, Z30)
	FMA_S8U8(Z3, Z5, Z31)
	ADDQ $4, SI
	ADDQ $256, DI
	DECQ CX
	JNZ loopS8U8x6
storeS8U8x6:
	VMOVDQU32 Z8, 0(DX)
	VMOVDQU32 Z9, 64(DX)
	VMOVDQU32 Z10, 128(DX)
	VMOVDQU32 Z11, 192(DX)
	VMOVDQU32 Z12, 256(DX)
	VMOVDQU32 Z13, 320(DX)
	VMOVDQU32 Z14, 384(DX)
	VMOVDQU32 Z15, 448(DX)
	VMOVDQU32 Z16, 512(DX)
	VMOVDQU32 Z17, 576(DX)
	VMOVDQU32 Z18, 640(DX)
	VMOVDQU32 Z19, 704(DX)
	VMOVDQU32 Z20, 768(DX)
	VMOVDQU32 Z21, 832(DX)
	VMOVDQU32 Z22, 896(DX)
	VMOVDQU32 Z23, 960(DX)
	VMOVDQU32 Z24, 1024(DX)
	VMOVDQU32 Z25, 1088(DX)
	VMOVDQU32 Z26, 1152(DX)
	VMOVDQU32 Z27, 1216(DX)
	VMOVDQU32 Z28, 1280(DX)
	VMOVDQU32 Z29, 1344(DX)
	VMOVDQU32 Z30, 1408(DX)
	VMOVDQU32 Z31, 1472(DX)
	VZEROUPPER
	RET

// func dotS8U8x1(a *byte, w *byte, kq int, acc *int32)
// One pixel at a; kq groups of four bytes. Even and odd groups accumulate
// into separate registers, summed at the end, to hide VPDPBUSD's latency.
TEXT ·dotS8U8x1(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kq+16(FP), CX
	MOVQ acc+24(FP), DX
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	CMPQ CX, $2
	JLT tailS8U8x1
pairS8U8x1:
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	VMOVDQU32 256(DI), Z4
	VMOVDQU32 320(DI), Z5
	VMOVDQU32 384(DI), Z6
	VMOVDQU32 448(DI), Z7
	VPBROADCASTD (SI), Z16
	VPBROADCASTD 4(SI), Z17
	FMA_S8U8(Z0, Z16, Z8)
	FMA_S8U8(Z1, Z16, Z9)
	FMA_S8U8(Z2, Z16, Z10)
	FMA_S8U8(Z3, Z16, Z11)
	FMA_S8U8(Z4, Z17, Z12)
	FMA_S8U8(Z5, Z17, Z13)
	FMA_S8U8(Z6, Z17, Z14)
	FMA_S8U8(Z7, Z17, Z15)
	ADDQ $8, SI
	ADDQ $512, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE pairS8U8x1
tailS8U8x1:
	TESTQ CX, CX
	JZ storeS8U8x1
	VMOVDQU32 0(DI), Z0
	VMOVDQU32 64(DI), Z1
	VMOVDQU32 128(DI), Z2
	VMOVDQU32 192(DI), Z3
	VPBROADCASTD (SI), Z16
	FMA_S8U8(Z0, Z16, Z8)
	FMA_S8U8(Z1, Z16, Z9)
	FMA_S8U8(Z2, Z16, Z10)
	FMA_S8U8(Z3, Z16, Z11)
storeS8U8x1:
	VPADDD Z12, Z8, Z8
	VMOVDQU32 Z8, 0(DX)
	VPADDD Z13, Z9, Z9
	VMOVDQU32 Z9, 64(DX)
	VPADDD Z14, Z10, Z10
	VMOVDQU32 Z10, 128(DX)
	VPADDD Z15, Z11, Z11
	VMOVDQU32 Z11, 192(DX)
	VZEROUPPER
	RET
// func requantAVX512(acc *int32, params *int32, sums *int32, pixels int, pixelFactor, outOffset, actMin, actMax int32, n int, out *byte, outStride int)
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
TEXT ·requantAVX512(SB), NOSPLIT, $0-72
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

pixel:
	MOVL (R11), AX
	IMULL BX, AX
	VPBROADCASTD AX, Z20
	MOVQ R12, SI
	MOVQ params+8(FP), DI
	MOVQ R13, DX
	MOVQ n+48(FP), CX

chunk:
	MOVL $0xFFFF, AX
	CMPQ CX, $16
	JGE store_mask
	MOVL $1, AX
	SHLL CX, AX
	DECL AX

store_mask:
	KMOVW AX, K1
	VMOVDQU32 (SI), Z0
	VPADDD (DI), Z0, Z0
	VPADDD Z20, Z0, Z0
	VMOVDQU32 512(DI), Z1
	VPSLLVD Z1, Z0, Z0

	// Rounding doubling high multiply: even lanes in Z3, odd lanes in Z4.
	VMOVDQU32 256(DI), Z2
	VPMULDQ Z2, Z0, Z3
	VPSRLQ $32, Z0, Z4
	VPSRLQ $32, Z2, Z5
	VPMULDQ Z5, Z4, Z4
	VPADDQ Z24, Z3, Z3
	VPADDQ Z24, Z4, Z4
	VPSRAQ $31, Z3, Z3
	VPSRAQ $31, Z4, Z4
	VPSLLQ $32, Z4, Z4
	VPBLENDMD Z4, Z3, K2, Z0
	VPCMPEQD Z25, Z0, K3
	VPSUBD Z26, Z0, K3, Z0

	// Rounding divide by 2^right, ties away from zero.
	VMOVDQU32 1024(DI), Z6
	VPANDD Z6, Z0, Z7
	VPSRAD $1, Z6, Z8
	VPSRAD $31, Z0, Z9
	VPSUBD Z9, Z8, Z8
	VMOVDQU32 768(DI), Z1
	VPSRAVD Z1, Z0, Z0
	VPCMPGTD Z8, Z7, K4
	VPADDD Z26, Z0, K4, Z0

	VPADDD Z21, Z0, Z0
	VPMAXSD Z22, Z0, Z0
	VPMINSD Z23, Z0, Z0
	VPMOVDB Z0, K1, (DX)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $16, DX
	SUBQ $16, CX
	JG chunk

	ADDQ $4, R11
	ADDQ $256, R12
	ADDQ R14, R13
	DECQ R10
	JNZ pixel
	VZEROUPPER
	RET

// func sumRowsAVX512(a *byte, stride int, n int, rows int, flip int32, sums *int32)
// Stores into sums[r] the wrapping int32 sum of the n (≥ 1) bytes at
// a + r·stride for each of rows rows, each byte XORed with flip (0 or 0x80)
// and flip·n subtracted: uint8 sums for flip 0, int8 sums for flip 0x80.
TEXT ·sumRowsAVX512(SB), NOSPLIT, $0-48
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
