package main

import "fmt"

// AVX-512 (BW) tile without VNNI: six pixels against one packed group of up
// to 64 channels, VPMADDWD on zmm: each zmm of weights holds one pair of
// input bytes for 16 channels as int16.
const (
	bwPixels   = 6
	bwBlocks   = 4  // zmm of 16 channels in a group
	bwAccFirst = 8  // first accumulator register: pixel p, block b in Z(8+4p+b)
	bwPairZmm  = 64 // bytes of one pair's weights for 16 channels
)

// avx512BWFile returns the AVX-512 micro-kernels of PointwiseQ for CPUs
// without VNNI.
func avx512BWFile() string {
	f := newFile(
		"Micro-kernels of PointwiseQ for AVX-512 (F, BW) without VNNI. Each computes raw int32 dot products D[p][c] = Σ_k a[p][k]·w[c][k] of up to six input pixels against one group of up to 64 packed output channels. The four activation bytes of a step are broadcast, widened to int16 (zero-extended for uint8, sign-extended for int8) and spread into two broadcast pairs; VPMADDWD multiplies each with a zmm of int16 weights, 16 channels × one pair, which is exact: a pair's sum of products stays far inside int32. Packed weights (qgemmInt16Pairs) hold w + FilterOffset, for each step [pair of input bytes][channel][2]; accumulators are stored to acc as [pixel][64]int32.",
		"A layer's last group may be narrower: 16, 32 or 48 channels; the kernels named for them compute only those.",
	)
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		for blocks := bwBlocks; blocks >= 1; blocks-- {
			avx512BWKernel(f, s, blocks, bwPixels)
			avx512BWKernel(f, s, blocks, 1)
		}
	}
	return f.String()
}

// avx512BWKernel writes the kernel for pixels pixels (6 or 1) and a group
// of blocks blocks of 16 channels: the first pair's weights in Z0…, the
// second's read from memory, Z4 the widened bytes, Z5 and Z6 the broadcast
// pairs, Z7 products.
func avx512BWKernel(f *file, s signedness, blocks, pixels int) {
	name := fmt.Sprintf("qgemm%dx%d%sAVX512", pixels, 16*blocks, s.name)
	description := fmt.Sprintf("Six pixels, stride bytes apart, starting at a; kq groups of four bytes; %s.", s.description)
	if pixels == 1 {
		description = fmt.Sprintf("One pixel at a; kq groups of four bytes; %s.", s.description)
	}
	f.dotText(name, "int16", pixels > 1, description)
	ext := "VPMOVZXBW"
	if s.signedActs {
		ext = "VPMOVSXBW"
	}
	for p := range pixels {
		for b := range blocks {
			r := bwAccFirst + p*bwBlocks + b
			f.ins("VPXORD Z%d, Z%d, Z%d", r, r, r)
		}
	}
	f.ins("TESTQ CX, CX")
	f.ins("JZ store")
	f.label("loop")
	for b := range blocks {
		f.ins("VMOVDQU32 %d(DI), Z%d", b*bwPairZmm, b)
	}
	rows := []string{"(SI)"}
	if pixels > 1 {
		f.ins("LEAQ (SI)(BX*4), R9")
		rows = []string{"(SI)", "(SI)(BX*1)", "(SI)(BX*2)", "(SI)(R8*1)", "(R9)", "(R9)(BX*1)"}
	}
	for p, addr := range rows {
		f.ins("VPBROADCASTD %s, Y4", addr)
		f.ins("%s Y4, Z4", ext)
		f.ins("VPSHUFD $0x00, Z4, Z5")
		f.ins("VPSHUFD $0x55, Z4, Z6")
		for b := range blocks {
			acc := bwAccFirst + p*bwBlocks + b
			f.ins("VPMADDWD Z%d, Z5, Z7", b)
			f.ins("VPADDD Z7, Z%d, Z%d", acc, acc)
		}
		for b := range blocks {
			acc := bwAccFirst + p*bwBlocks + b
			f.ins("VPMADDWD %d(DI), Z6, Z7", (blocks+b)*bwPairZmm)
			f.ins("VPADDD Z7, Z%d, Z%d", acc, acc)
		}
	}
	f.ins("ADDQ $4, SI")
	f.ins("ADDQ $%d, DI", 2*blocks*bwPairZmm)
	f.ins("DECQ CX")
	f.ins("JNZ loop")
	f.label("store")
	for p := range pixels {
		for b := range blocks {
			f.ins("VMOVDQU32 Z%d, %d(DX)", bwAccFirst+p*bwBlocks+b, p*256+b*64)
		}
	}
	f.ins("VZEROUPPER")
	f.ins("RET")
}
