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
	return f.String()
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
