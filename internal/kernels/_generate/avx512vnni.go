package main

import "fmt"

// AVX-512 VNNI tile: six pixels against one packed group of 64 channels,
// four zmm of 16 channels each.
const (
	vnniZPixels   = 6
	vnniZBlocks   = 4                // zmm of 16 channels in a group
	vnniZKBytes   = vnniZBlocks * 64 // packed bytes per group of four input bytes
	vnniZAccFirst = 8                // first accumulator register
)

// zDPBUSD is the EVEX VPDPBUSD on zmm registers, which Go's assembler
// spells with Go's operand order (signed, unsigned, destination).
func zDPBUSD(dst, unsigned, signed int) string {
	return fmt.Sprintf("VPDPBUSD Z%d, Z%d, Z%d", signed, unsigned, dst)
}

// zDot returns the VPDPBUSD adding activations act times weights w into
// acc for the pairing s.
func (s signedness) zDot(acc, act, w int) string {
	if s.signedActs {
		return zDPBUSD(acc, w, act)
	}
	return zDPBUSD(acc, act, w)
}

// avx512VNNIFile returns the AVX-512 VNNI micro-kernels of PointwiseQ.
func avx512VNNIFile() string {
	f := newFile(
		"Micro-kernels of PointwiseQ for AVX-512 VNNI. Each computes raw int32 dot products D[p][c] = Σ_k a[p][k]·w[c][k] of up to six input pixels against one group of 64 packed output channels, the product of each group of four input bytes coming from one VPDPBUSD (u8 × s8 → int32, wrapping, no saturation). Packed weights hold, for each group of four input bytes, four zmm-sized blocks of 16 channels × 4 bytes; accumulators are stored to acc as [pixel][64]int32.",
		"U8S8 kernels take unsigned activations and signed weights; S8U8 kernels take signed activations and unsigned weights (VPDPBUSD's unsigned operand is then the weight register).",
		"A layer's last group may be narrower: 16, 32 or 48 channels, packed as one, two or three blocks; the kernels named for 16, 32 and 48 channels (qgemm6x16…, qgemm1x16… and so on) compute those, so that no lane is spent on channels that do not exist. Every kernel stores a pixel's accumulators 256 bytes apart, as for a whole group.",
	)
	for _, s := range pairings {
		for blocks := vnniZBlocks; blocks >= 1; blocks-- {
			avx512VNNITile(f, s, blocks)
			avx512VNNIOne(f, s, blocks)
		}
	}
	return f.String()
}

// vnniZName returns the name of the kernel for pixels pixels and a group of
// blocks blocks of 16 channels: qgemm<pixels>x<channels><types>AVX512VNNI.
func vnniZName(s signedness, pixels, blocks int) string {
	return fmt.Sprintf("qgemm%dx%d%sAVX512VNNI", pixels, 16*blocks, s.name)
}

// avx512VNNITile writes the six-pixel kernel for a group of blocks blocks
// of 16 channels: the weights in Z0…, broadcasts in Z4–Z7 (reused), pixel
// p's accumulators in Z(8+4p)… (block b in Z(8+4p+b)).
func avx512VNNITile(f *file, s signedness, blocks int) {
	name := vnniZName(s, vnniZPixels, blocks)
	f.dotText(name, "byte", true,
		fmt.Sprintf("Six pixels, stride bytes apart, starting at a; kq groups of four bytes; %s.", s.description))
	for p := range vnniZPixels {
		for b := range blocks {
			r := vnniZAccFirst + p*vnniZBlocks + b
			f.ins("VPXORD Z%d, Z%d, Z%d", r, r, r)
		}
	}
	f.ins("TESTQ CX, CX")
	f.ins("JZ store")
	f.label("loop")
	for b := range blocks {
		f.ins("VMOVDQU32 %d(DI), Z%d", b*64, b)
	}
	f.ins("LEAQ (SI)(BX*4), R9")
	rows := []string{"(SI)", "(SI)(BX*1)", "(SI)(BX*2)", "(SI)(R8*1)", "(R9)", "(R9)(BX*1)"}
	for p, addr := range rows {
		bcast := 4 + p%4
		f.ins("VPBROADCASTD %s, Z%d", addr, bcast)
		for b := range blocks {
			f.ins("%s", s.zDot(vnniZAccFirst+p*vnniZBlocks+b, bcast, b))
		}
	}
	f.ins("ADDQ $4, SI")
	f.ins("ADDQ $%d, DI", blocks*64)
	f.ins("DECQ CX")
	f.ins("JNZ loop")
	f.label("store")
	for p := range vnniZPixels {
		for b := range blocks {
			f.ins("VMOVDQU32 Z%d, %d(DX)", vnniZAccFirst+p*vnniZBlocks+b, p*vnniZKBytes+b*64)
		}
	}
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// avx512VNNIOne writes the one-pixel kernel for a group of blocks blocks:
// two groups of four bytes a step, the first into Z8… and the second into
// Z12…, summed at the end, to hide VPDPBUSD's latency.
func avx512VNNIOne(f *file, s signedness, blocks int) {
	name := vnniZName(s, 1, blocks)
	f.dotText(name, "byte", false,
		fmt.Sprintf("One pixel at a; kq groups of four bytes; %s. Even and odd groups accumulate into separate registers, summed at the end, to hide VPDPBUSD's latency.", s.description))
	for b := range blocks {
		f.ins("VPXORD Z%d, Z%d, Z%d", 8+b, 8+b, 8+b)
		f.ins("VPXORD Z%d, Z%d, Z%d", 12+b, 12+b, 12+b)
	}
	f.ins("CMPQ CX, $2")
	f.ins("JLT tail")
	f.label("pair")
	for step := range 2 {
		for b := range blocks {
			f.ins("VMOVDQU32 %d(DI), Z%d", (step*blocks+b)*64, 4*step+b)
		}
	}
	f.ins("VPBROADCASTD (SI), Z16")
	f.ins("VPBROADCASTD 4(SI), Z17")
	for step := range 2 {
		for b := range blocks {
			f.ins("%s", s.zDot(8+4*step+b, 16+step, 4*step+b))
		}
	}
	f.ins("ADDQ $8, SI")
	f.ins("ADDQ $%d, DI", 2*blocks*64)
	f.ins("SUBQ $2, CX")
	f.ins("CMPQ CX, $2")
	f.ins("JGE pair")
	f.label("tail")
	f.ins("TESTQ CX, CX")
	f.ins("JZ store")
	for b := range blocks {
		f.ins("VMOVDQU32 %d(DI), Z%d", b*64, b)
	}
	f.ins("VPBROADCASTD (SI), Z16")
	for b := range blocks {
		f.ins("%s", s.zDot(8+b, 16, b))
	}
	f.label("store")
	for b := range blocks {
		f.ins("VPADDD Z%d, Z%d, Z%d", 12+b, 8+b, 8+b)
		f.ins("VMOVDQU32 Z%d, %d(DX)", 8+b, b*64)
	}
	f.ins("VZEROUPPER")
	f.ins("RET")
}
