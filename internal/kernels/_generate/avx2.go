package main

import "fmt"

// AVX2 tile: four pixels against one packed group of 16 channels; the
// weights of a group of four input bytes are four ymm of int16:
// [pair of input bytes][8 channels][2].
const (
	avx2Pixels  = 4
	avx2KBytes  = 4 * 32 // packed bytes per group of four input bytes
	avx2AccBase = 8      // pixel p's accumulators are Y(8+2p), Y(9+2p)
)

// widen returns the instructions that broadcast the four activation bytes
// at addr, widen them to int16 (zero-extending uint8, sign-extending int8)
// in Y5, and spread the first pair over Y6 and the second over Y7.
func (s signedness) widen(f *file, addr string) {
	ext := "VPMOVZXBW"
	if s.signedActs {
		ext = "VPMOVSXBW"
	}
	f.ins("VPBROADCASTD %s, X5", addr)
	f.ins("%s X5, Y5", ext)
	f.ins("VPSHUFD $0x00, Y5, Y6")
	f.ins("VPSHUFD $0x55, Y5, Y7")
}

// mac4 writes the multiply-adds of one pixel's spread pairs (Y6, Y7)
// against the weights Y0–Y3 into its accumulators acc (channels 0–7) and
// acc+1 (channels 8–15), with Y4 for products.
func mac4(f *file, acc int) {
	for i, w := range []int{0, 1, 2, 3} {
		pair := 6 + i/2
		f.ins("VPMADDWD Y%d, Y%d, Y4", w, pair)
		f.ins("VPADDD Y4, Y%d, Y%d", acc+i%2, acc+i%2)
	}
}

// avx2File returns the AVX2 micro-kernels of PointwiseQ.
func avx2File() string {
	f := newFile(
		"Micro-kernels of PointwiseQ for AVX2. Each computes raw int32 dot products D[p][c] = Σ_k a[p][k]·w[c][k] of up to four input pixels against one group of 16 packed output channels. Activations are widened to int16 and multiplied with VPMADDWD, which is exact here: a pair's sum of products stays far inside int32 (VPMADDUBSW would saturate). Packed weights are int16; for each group of four input bytes they hold four ymm-sized blocks [pair of input bytes][8 channels][2 int16]. Accumulators are stored to acc as [pixel][16]int32.",
	)
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		avx2Kernel(f, s, avx2Pixels)
		avx2Kernel(f, s, 1)
	}
	f.raw("")
	f.comment("The constants of the requantizing kernels: 0x80000000 in every dword, the byte shuffle that gathers each dword's low byte into the first four bytes of its 128-bit lane.")
	requantConsts(f, "qgemmAVX2Consts<>")
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		avx2RequantKernel(f, s)
	}
	for _, s := range []signedness{{"U8", false, "uint8 activations"}, {"S8", true, "int8 activations"}} {
		avx2WideRequantKernel(f, s)
	}
	return f.String()
}

// avx2RequantKernel writes the four-pixel kernel that also requantizes:
// for each of groups packed groups, the dot products as avx2Kernel's, then
// each pixel's 16 sums requantized with the group's table and stored, the
// accumulators never leaving their registers.
func avx2RequantKernel(f *file, s signedness) {
	name := fmt.Sprintf("qgemm4x16Requant%sAVX2", s.name)
	f.text(name, fmt.Sprintf("func %s(a *byte, stride int, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)", name), 84,
		fmt.Sprintf("Four pixels, stride bytes apart, starting at a, against groups packed groups of 16 channels, wStride bytes apart from w, each with its requantization table ([5][16]int32, one after another from table); kq groups of four bytes; %s. Pixel p's outputs of group g are stored at out + p·outStride + 16g.", s.description))
	f.ins("MOVQ a+0(FP), AX")
	f.ins("MOVQ stride+8(FP), BX")
	f.ins("MOVQ w+16(FP), R11")
	f.ins("MOVQ kq+24(FP), R13")
	f.ins("MOVQ groups+32(FP), R9")
	f.ins("MOVQ table+48(FP), R10")
	f.ins("MOVQ out+56(FP), DX")
	f.ins("MOVQ outStride+64(FP), R12")
	f.ins("LEAQ (BX)(BX*2), R8")
	avx2RequantGroups(f, s, false, 40)
}

// avx2RequantGroups writes the group loop of the requantizing kernels, from
// their registers: AX the first pixel's activations, BX and R8 one and
// three pixels' strides, R11 the group's weights, R13 kq, R9 the groups,
// R10 the group's table, DX and R12 the outputs and their stride. wide
// reads activations widened to int16, 8 bytes a step, rather than bytes;
// wStride is the frame offset of the argument wStride, which outOffset,
// actMin and actMax follow from 32 bytes on.
func avx2RequantGroups(f *file, s signedness, wide bool, wStride int) {
	f.label("group")
	for r := avx2AccBase; r < avx2AccBase+2*avx2Pixels; r++ {
		f.ins("VPXOR Y%d, Y%d, Y%d", r, r, r)
	}
	f.ins("MOVQ AX, SI")
	f.ins("MOVQ R11, DI")
	f.ins("MOVQ R13, CX")
	f.ins("TESTQ CX, CX")
	f.ins("JZ requant")
	step := 4
	if wide {
		step = 8
		f.ins("PCALIGN $32")
	}
	f.label("loop")
	for b := range 4 {
		f.ins("VMOVDQU %d(DI), Y%d", b*32, b)
	}
	rows := []string{"(SI)", "(SI)(BX*1)", "(SI)(BX*2)", "(SI)(R8*1)"}
	for p := range avx2Pixels {
		if wide {
			f.ins("VPBROADCASTD %s, Y6", rows[p])
			f.ins("VPBROADCASTD 4%s, Y7", rows[p])
		} else {
			s.widen(f, rows[p])
		}
		mac4(f, avx2AccBase+2*p)
	}
	f.ins("ADDQ $%d, SI", step)
	f.ins("ADDQ $%d, DI", avx2KBytes)
	f.ins("DECQ CX")
	f.ins("JNZ loop")
	f.label("requant")
	// Y0–Y3 hold the constants now, Y4–Y6 are temporaries.
	f.ins("MOVQ $0x40000000, CX")
	f.ins("VMOVQ CX, X0")
	f.ins("VPBROADCASTQ X0, Y0")
	for i, arg := range []string{"outOffset", "actMin", "actMax"} {
		f.ins("MOVL %s+%d(FP), CX", arg, wStride+32+4*i)
		f.ins("VMOVD CX, X%d", 1+i)
		f.ins("VPBROADCASTD X%d, Y%d", 1+i, 1+i)
	}
	f.ins("LEAQ (DX)(R12*2), R14")
	outs := []string{"(DX)", "(DX)(R12*1)", "(R14)", "(R14)(R12*1)"}
	for p := range avx2Pixels {
		for h := range 2 {
			addr := outs[p]
			if h == 1 {
				addr = "8" + addr
			}
			requant8(f, requantRegs{acc: avx2AccBase + 2*p + h, table: "R10", off: 32 * h, rowStride: 64, round: 0, outOffset: 1, actMin: 2, actMax: 3, temps: [3]int{4, 5, 6}, consts: "qgemmAVX2Consts<>"}, addr)
		}
	}
	f.ins("ADDQ wStride+%d(FP), R11", wStride)
	f.ins("ADDQ $%d, R10", 5*16*4)
	f.ins("ADDQ $16, DX")
	f.ins("DECQ R9")
	f.ins("JNZ group")
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// avx2Kernel writes the kernel for pixels pixels (4 or 1).
func avx2Kernel(f *file, s signedness, pixels int) {
	name := fmt.Sprintf("qgemm%dx16%sAVX2", pixels, s.name)
	description := fmt.Sprintf("Four pixels, stride bytes apart, starting at a; kq groups of four bytes; %s.", s.description)
	if pixels == 1 {
		description = fmt.Sprintf("One pixel at a; kq groups of four bytes; %s.", s.description)
	}
	f.dotText(name, "int16", pixels > 1, description)
	accs := 2 * pixels
	for r := avx2AccBase; r < avx2AccBase+accs; r++ {
		f.ins("VPXOR Y%d, Y%d, Y%d", r, r, r)
	}
	f.ins("TESTQ CX, CX")
	f.ins("JZ store")
	f.label("loop")
	for b := range 4 {
		f.ins("VMOVDQU %d(DI), Y%d", b*32, b)
	}
	rows := []string{"(SI)", "(SI)(BX*1)", "(SI)(BX*2)", "(SI)(R8*1)"}
	for p := range pixels {
		s.widen(f, rows[p])
		mac4(f, avx2AccBase+2*p)
	}
	f.ins("ADDQ $4, SI")
	f.ins("ADDQ $%d, DI", avx2KBytes)
	f.ins("DECQ CX")
	f.ins("JNZ loop")
	f.label("store")
	for i := range accs {
		f.ins("VMOVDQU Y%d, %d(DX)", avx2AccBase+i, i*32)
	}
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// avx2WideRequantKernel writes qgemm4x16RequantWide{U8,S8}AVX2: the
// requantizing four-pixel kernel that first widens the tile's activations
// to int16 into a buffer, once for all its groups, and then broadcasts
// each pixel's pairs straight from there. That leaves the vector units the
// multiply-adds and their sums alone: the shuffles that widen and spread
// four bytes per pixel and step (three of the eleven vector operations
// per pixel and step) are gone.
func avx2WideRequantKernel(f *file, s signedness) {
	name := fmt.Sprintf("qgemm4x16RequantWide%sAVX2", s.name)
	f.text(name, fmt.Sprintf("func %s(a *byte, stride int, wide *int16, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)", name), 92,
		fmt.Sprintf("qgemm4x16Requant%sAVX2 through wide, which takes the four pixels' 4·kq activations each, widened to int16, one pixel after another.", s.name))
	ext := "VPMOVZXBW"
	if s.signedActs {
		ext = "VPMOVSXBW"
	}
	// Widen pixel by pixel: 16 bytes at a time, then 4.
	f.ins("MOVQ a+0(FP), SI")
	f.ins("MOVQ stride+8(FP), BX")
	f.ins("MOVQ wide+16(FP), DI")
	f.ins("MOVQ kq+32(FP), R13")
	f.ins("MOVQ $4, R9")
	f.label("widenRow")
	f.ins("MOVQ SI, R10")
	f.ins("LEAQ (R13*4), CX")
	f.label("widen16")
	f.ins("CMPQ CX, $16")
	f.ins("JLT widen4")
	f.ins("%s (R10), Y0", ext)
	f.ins("VMOVDQU Y0, (DI)")
	f.ins("ADDQ $16, R10")
	f.ins("ADDQ $32, DI")
	f.ins("SUBQ $16, CX")
	f.ins("JMP widen16")
	f.label("widen4")
	f.ins("TESTQ CX, CX")
	f.ins("JZ widenNext")
	f.ins("VMOVD (R10), X0")
	f.ins("%s X0, X0", ext)
	f.ins("VMOVQ X0, (DI)")
	f.ins("ADDQ $4, R10")
	f.ins("ADDQ $8, DI")
	f.ins("SUBQ $4, CX")
	f.ins("JMP widen4")
	f.label("widenNext")
	f.ins("ADDQ BX, SI")
	f.ins("DECQ R9")
	f.ins("JNZ widenRow")

	f.ins("MOVQ wide+16(FP), AX")
	f.ins("LEAQ (R13*8), BX") // the bytes of one widened pixel
	f.ins("MOVQ w+24(FP), R11")
	f.ins("MOVQ groups+40(FP), R9")
	f.ins("MOVQ table+56(FP), R10")
	f.ins("MOVQ out+64(FP), DX")
	f.ins("MOVQ outStride+72(FP), R12")
	f.ins("LEAQ (BX)(BX*2), R8")
	avx2RequantGroups(f, s, true, 48)
}
