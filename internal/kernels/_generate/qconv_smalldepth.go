package main

import "fmt"

// The small-depth convolution kernels (ConvSmallDepthQ): each output pixel's
// window is read in place, row by row, as pairs of bytes widened to int16
// and broadcast, multiplied with VPMADDWD against 1 to 4 blocks of 8
// channels, then requantized and stored, for a run of pixels in one call.
const (
	sdMaxBlocks  = 4   // blocks of 8 channels per call
	sdBlockBytes = 32  // packed int16 weights of one pair of bytes, one block
	sdTableBytes = 160 // one block's table: [5][8]int32
)

// smallDepthFile returns the AVX2 kernels of ConvSmallDepthQ.
func smallDepthFile() string {
	f := newFile(
		"Kernels of ConvSmallDepthQ for AVX2: a quantized convolution whose input has few channels (a network's RGB stem), computed from each output pixel's window in place, without im2col. One call computes a run of pixels (qconvSmallDepthCall in go_asm.h): for each pixel, for each of its window's rows, the row's bytes are read in pairs — four bytes broadcast at a time and spread into two broadcast pairs with VPSHUFB, which also widens them to int16 — and multiplied with VPMADDWD against the packed weights, [row][pair][block of 8 channels][channel][2]int16 holding w + FilterOffset, zero past the row's end. int8 activations are flipped to uint8 (XOR 0x80) first; the table's bias makes up for it and for InputOffset. The sums are exact: a pair's products stay far inside int32. Each block's 8 sums are requantized as qgemmRequantAVX2 does (the table is [block][5][8]int32: bias, multiplier, left shift, right shift, rounding mask) and stored as 8 bytes.",
	)
	f.raw(`#include "go_asm.h"`)
	f.raw("")
	f.comment("Constants read from memory: 0x80000000 in every dword, the byte shuffle that gathers each dword's low byte into the first four bytes of its 128-bit lane.")
	requantConsts(f, "qconvSmallDepthConsts<>")
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		for nb := 1; nb <= sdMaxBlocks; nb++ {
			smallDepthKernel(f, s, nb)
		}
	}
	return f.String()
}

// smallDepthKernel writes the kernel for nb blocks of 8 channels. Registers:
// Y0… the accumulators, Y4 the broadcast bytes, Y5 and Y6 the broadcast
// pairs, Y7 products (Y4–Y7 are the requantization's temporaries), Y8 the
// int8 flip, Y9–Y11 the output offset and clamp, Y12 the rounding term
// 2^30 in each qword, Y14 and Y15 the pair shuffles.
func smallDepthKernel(f *file, s signedness, nb int) {
	name := fmt.Sprintf("qconvSmallDepth%dx8%sAVX2", nb, s.name)
	f.text(name, fmt.Sprintf("func %s(c *qconvSmallDepthCall)", name), 8,
		fmt.Sprintf("%d block(s) of 8 channels; %s.", nb, s.description))
	f.ins("MOVQ c+0(FP), AX")
	f.ins("MOVQ qconvSmallDepthCall_a(AX), SI")
	f.ins("MOVQ qconvSmallDepthCall_out(AX), DX")
	f.ins("MOVQ qconvSmallDepthCall_pixels(AX), R8")
	f.ins("MOVQ qconvSmallDepthCall_rowStride(AX), BX")
	f.ins("MOVQ qconvSmallDepthCall_quads(AX), R12")
	f.ins("MOVQ qconvSmallDepthCall_pair(AX), R13")
	// Bytes 0 and 1 (2 and 3) of each dword, zero-extended to words.
	f.ins("MOVQ $0x8001800080018000, R9")
	f.ins("VMOVQ R9, X14")
	f.ins("VPBROADCASTQ X14, Y14")
	f.ins("MOVQ $0x8003800280038002, R9")
	f.ins("VMOVQ R9, X15")
	f.ins("VPBROADCASTQ X15, Y15")
	f.ins("MOVQ $0x40000000, R9")
	f.ins("VMOVQ R9, X12")
	f.ins("VPBROADCASTQ X12, Y12")
	if s.signedActs {
		f.ins("MOVL $0x80808080, R9")
		f.ins("VMOVD R9, X8")
		f.ins("VPBROADCASTD X8, Y8")
	}
	f.ins("VPBROADCASTD qconvSmallDepthCall_outOffset(AX), Y9")
	f.ins("VPBROADCASTD qconvSmallDepthCall_actMin(AX), Y10")
	f.ins("VPBROADCASTD qconvSmallDepthCall_actMax(AX), Y11")
	f.ins("TESTQ R8, R8")
	f.ins("JZ done")

	f.label("pixel")
	for b := range nb {
		f.ins("VPXOR Y%d, Y%d, Y%d", b, b, b)
	}
	f.ins("MOVQ qconvSmallDepthCall_w(AX), DI")
	f.ins("MOVQ qconvSmallDepthCall_rows(AX), R9")
	f.ins("MOVQ SI, R10")
	f.label("row")
	f.ins("MOVQ R10, R11")
	f.ins("MOVQ R12, CX")
	f.ins("TESTQ CX, CX")
	f.ins("JZ pair")
	f.label("quad")
	f.ins("VPBROADCASTD (R11), Y4")
	if s.signedActs {
		f.ins("VPXOR Y8, Y4, Y4")
	}
	f.ins("VPSHUFB Y14, Y4, Y5")
	f.ins("VPSHUFB Y15, Y4, Y6")
	for half, pair := range []int{5, 6} {
		for b := range nb {
			f.ins("VPMADDWD %d(DI), Y%d, Y7", (half*nb+b)*sdBlockBytes, pair)
			f.ins("VPADDD Y7, Y%d, Y%d", b, b)
		}
	}
	f.ins("ADDQ $4, R11")
	f.ins("ADDQ $%d, DI", 2*nb*sdBlockBytes)
	f.ins("DECQ CX")
	f.ins("JNZ quad")
	f.label("pair")
	f.ins("TESTQ R13, R13")
	f.ins("JZ nextrow")
	f.ins("VPBROADCASTW (R11), Y4")
	if s.signedActs {
		f.ins("VPXOR Y8, Y4, Y4")
	}
	f.ins("VPSHUFB Y14, Y4, Y5")
	for b := range nb {
		f.ins("VPMADDWD %d(DI), Y5, Y7", b*sdBlockBytes)
		f.ins("VPADDD Y7, Y%d, Y%d", b, b)
	}
	f.ins("ADDQ $%d, DI", nb*sdBlockBytes)
	f.label("nextrow")
	f.ins("ADDQ BX, R10")
	f.ins("DECQ R9")
	f.ins("JNZ row")

	f.ins("MOVQ qconvSmallDepthCall_table(AX), R11")
	for b := range nb {
		smallDepthRequant(f, b, b*sdTableBytes)
	}
	f.ins("ADDQ qconvSmallDepthCall_pixelStep(AX), SI")
	f.ins("ADDQ qconvSmallDepthCall_outStride(AX), DX")
	f.ins("DECQ R8")
	f.ins("JNZ pixel")
	f.label("done")
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// smallDepthRequant writes the requantization of block b's sums in Yb with
// the table at off(R11), [5][8]int32, and the store of its 8 bytes at
// 8b(DX).
func smallDepthRequant(f *file, b, off int) {
	requant8(f, requantRegs{acc: b, table: "R11", off: off, rowStride: 32, round: 12, outOffset: 9, actMin: 10, actMax: 11, temps: [3]int{4, 5, 6}, consts: "qconvSmallDepthConsts<>"}, fmt.Sprintf("%d(DX)", 8*b))
}

// smallDepthVNNIFile returns the AVX-512 VNNI kernels of ConvSmallDepthQ.
func smallDepthVNNIFile() string {
	f := newFile(
		"Kernels of ConvSmallDepthQ for AVX-512 VNNI: the AVX2 kernels' work (qconv_smalldepth_avx2_amd64.s) with VPDPBUSD, four bytes of a window row against 16 channels per instruction. The packed weights are [row][group of four bytes][block of 16 channels][channel][4]int8 holding w + FilterOffset (which must fit int8), zero past the row's end; int8 activations are flipped to uint8 (XOR 0x80), the table's bias making up for it and for InputOffset. Each block's 16 sums are requantized as qgemmRequantAVX512 does (the table is [block][5][16]int32: bias, multiplier, left shift, right shift, rounding mask) and stored as 16 bytes, the last block's under the call's channel mask.",
	)
	f.raw(`#include "go_asm.h"`)
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		for nb := 1; nb <= sdMaxBlocks; nb++ {
			smallDepthVNNIKernel(f, s, nb)
		}
	}
	return f.String()
}

// smallDepthVNNIKernel writes the VNNI kernel for nb blocks of 16 channels:
// two pixels at a time (VPDPBUSD's latency would otherwise chain each
// block's nine or so products), then the last odd one. Registers: Z0… and
// Z16… the two pixels' accumulators, Z4–Z6 the requantization's
// temporaries, Z7 and Z15 the broadcast bytes, Z8 the int8 flip, Z9–Z11
// the output offset and clamp, Z12 2^30 in each qword, Z13 0x80000000, Z14
// ones; K1 the last block's channels, K2 the odd dwords.
func smallDepthVNNIKernel(f *file, s signedness, nb int) {
	name := fmt.Sprintf("qconvSmallDepth%dx16%sAVX512VNNI", nb, s.name)
	f.text(name, fmt.Sprintf("func %s(c *qconvSmallDepthCall)", name), 8,
		fmt.Sprintf("%d block(s) of 16 channels; %s.", nb, s.description))
	f.ins("MOVQ c+0(FP), AX")
	f.ins("MOVQ qconvSmallDepthCall_a(AX), SI")
	f.ins("MOVQ qconvSmallDepthCall_out(AX), DX")
	f.ins("MOVQ qconvSmallDepthCall_pixels(AX), R8")
	f.ins("MOVQ qconvSmallDepthCall_rowStride(AX), BX")
	f.ins("MOVQ qconvSmallDepthCall_quads(AX), R12")
	f.ins("MOVQ qconvSmallDepthCall_pixelStep(AX), R13")
	f.ins("KMOVW qconvSmallDepthCall_mask(AX), K1")
	f.ins("MOVL $0xAAAA, R9")
	f.ins("KMOVW R9, K2")
	f.ins("MOVQ $0x40000000, R9")
	f.ins("VPBROADCASTQ R9, Z12")
	f.ins("MOVL $0x80000000, R9")
	f.ins("VPBROADCASTD R9, Z13")
	f.ins("MOVL $1, R9")
	f.ins("VPBROADCASTD R9, Z14")
	if s.signedActs {
		f.ins("MOVL $0x80808080, R9")
		f.ins("VPBROADCASTD R9, Z8")
	}
	f.ins("VPBROADCASTD qconvSmallDepthCall_outOffset(AX), Z9")
	f.ins("VPBROADCASTD qconvSmallDepthCall_actMin(AX), Z10")
	f.ins("VPBROADCASTD qconvSmallDepthCall_actMax(AX), Z11")
	for _, pixels := range []int{2, 1} {
		p := fmt.Sprint(pixels)
		f.label("pixel" + p)
		f.ins("CMPQ R8, $%d", pixels)
		if pixels == 2 {
			f.ins("JLT pixel1")
		} else {
			f.ins("JLT done")
		}
		for q := range pixels {
			for b := range nb {
				r := 16*q + b
				f.ins("VPXORD Z%d, Z%d, Z%d", r, r, r)
			}
		}
		f.ins("MOVQ qconvSmallDepthCall_w(AX), DI")
		f.ins("MOVQ qconvSmallDepthCall_rows(AX), R9")
		f.ins("MOVQ SI, R10")
		f.label("row" + p)
		f.ins("MOVQ R10, R11")
		f.ins("MOVQ R12, CX")
		f.label("quad" + p)
		for q, bcast := range []int{7, 15}[:pixels] {
			if q == 0 {
				f.ins("VPBROADCASTD (R11), Z%d", bcast)
			} else {
				f.ins("VPBROADCASTD (R11)(R13*1), Z%d", bcast)
			}
			if s.signedActs {
				f.ins("VPXORD Z8, Z%d, Z%d", bcast, bcast)
			}
		}
		for b := range nb {
			for q, bcast := range []int{7, 15}[:pixels] {
				f.ins("VPDPBUSD %d(DI), Z%d, Z%d", b*64, bcast, 16*q+b)
			}
		}
		f.ins("ADDQ $4, R11")
		f.ins("ADDQ $%d, DI", nb*64)
		f.ins("DECQ CX")
		f.ins("JNZ quad%s", p)
		f.ins("ADDQ BX, R10")
		f.ins("DECQ R9")
		f.ins("JNZ row%s", p)

		f.ins("MOVQ qconvSmallDepthCall_table(AX), R11")
		if pixels == 2 {
			f.ins("MOVQ DX, R14")
			f.ins("ADDQ qconvSmallDepthCall_outStride(AX), R14")
		}
		for q, out := range []string{"DX", "R14"}[:pixels] {
			for b := range nb {
				smallDepthRequant16(f, 16*q+b, b, b == nb-1, out)
			}
		}
		for range pixels {
			f.ins("ADDQ R13, SI")
			f.ins("ADDQ qconvSmallDepthCall_outStride(AX), DX")
		}
		f.ins("SUBQ $%d, R8", pixels)
		f.ins("JMP pixel%s", p)
	}
	f.label("done")
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// smallDepthRequant16 writes the requantization of block b's sums in Z(reg)
// with the block's table at 320b(R11), [5][16]int32, and the store of its
// 16 bytes at 16b(out), under K1 for the last block: the arithmetic of
// qgemmRequantAVX512.
func smallDepthRequant16(f *file, reg, b int, last bool, out string) {
	z := fmt.Sprintf("Z%d", reg)
	off := b * 5 * 64
	f.ins("VPADDD %d(R11), %s, %s", off, z, z)
	f.ins("VPSLLVD %d(R11), %s, %s", off+128, z, z)
	// Rounding doubling high multiply: even lanes in Z5, odd lanes in Z6.
	f.ins("VMOVDQU32 %d(R11), Z4", off+64)
	f.ins("VPMULDQ Z4, %s, Z5", z)
	f.ins("VPSRLQ $32, %s, Z6", z)
	f.ins("VPSRLQ $32, Z4, Z4")
	f.ins("VPMULDQ Z4, Z6, Z6")
	f.ins("VPADDQ Z12, Z5, Z5")
	f.ins("VPADDQ Z12, Z6, Z6")
	f.ins("VPSRLQ $31, Z5, Z5")
	f.ins("VPSLLQ $1, Z6, Z6")
	f.ins("VPBLENDMD Z6, Z5, K2, %s", z)
	f.ins("VPCMPEQD Z13, %s, K3", z)
	f.ins("VPSUBD Z14, %s, K3, %s", z, z)
	// Rounding divide by 2^right, ties away from zero.
	f.ins("VMOVDQU32 %d(R11), Z4", off+256)
	f.ins("VPANDD Z4, %s, Z5", z)
	f.ins("VPSRAD $1, Z4, Z4")
	f.ins("VPSRAD $31, %s, Z6", z)
	f.ins("VPSUBD Z6, Z4, Z4")
	f.ins("VPSRAVD %d(R11), %s, %s", off+192, z, z)
	f.ins("VPCMPGTD Z4, Z5, K3")
	f.ins("VPADDD Z14, %s, K3, %s", z, z)
	f.ins("VPADDD Z9, %s, %s", z, z)
	f.ins("VPMAXSD Z10, %s, %s", z, z)
	f.ins("VPMINSD Z11, %s, %s", z, z)
	if last {
		f.ins("VPMOVDB %s, K1, %d(%s)", z, 16*b, out)
	} else {
		f.ins("VPMOVDB %s, %d(%s)", z, 16*b, out)
	}
}
