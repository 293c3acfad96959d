package main

import "fmt"

// signedness is the pairing of operand types a VPDPBUSD kernel multiplies.
type signedness struct {
	name        string // U8S8 or S8U8, as in the Go function names
	signedActs  bool   // int8 activations against unsigned packed weights
	description string
}

var pairings = []signedness{
	{"U8S8", false, "unsigned activations against signed weights"},
	{"S8U8", true, "signed activations against unsigned weights"},
}

// encoding is how a kernel spells VPDPBUSD on ymm registers.
type encoding struct {
	suffix string                                 // of the Go function names
	dpbusd func(dst, unsigned, signed int) string // one instruction
}

// The two encodings of the AVX-VNNI kernels: VEX, for CPUs with AVX-VNNI,
// and EVEX (AVX-512 VL + VNNI), the same kernels spelled so that tests can
// run them on CPUs with AVX-512 VNNI but without AVX-VNNI.
var (
	vex  = encoding{"AVXVNNI", vexVPDPBUSD}
	evex = encoding{"AVXVNNIEVEX", func(dst, unsigned, signed int) string {
		return fmt.Sprintf("VPDPBUSD Y%d, Y%d, Y%d", signed, unsigned, dst)
	}}
)

// dpbusd returns the VPDPBUSD in encoding e that adds the product of
// activations act and weights w to acc, for the pairing s: VPDPBUSD's
// unsigned operand is the activations' register for U8S8 and the weights'
// for S8U8.
func (s signedness) dpbusd(e encoding, acc, act, w int) string {
	if s.signedActs {
		return e.dpbusd(acc, w, act)
	}
	return e.dpbusd(acc, act, w)
}

// AVX-VNNI tile: four pixels against one packed group of 16 channels, two
// ymm of 8 channels each.
const (
	vnniYPixels   = 4
	vnniYChannels = 16
	vnniYKBytes   = vnniYChannels * 4 // packed bytes per group of four input bytes
)

// avxVNNIFile returns the AVX-VNNI micro-kernels of PointwiseQ.
func avxVNNIFile() string {
	f := newFile(
		"Micro-kernels of PointwiseQ for AVX-VNNI, the VEX-encoded form of VPDPBUSD that CPUs without AVX-512 have (Alder Lake and later). Each computes raw int32 dot products D[p][c] = Σ_k a[p][k]·w[c][k] of up to four input pixels against one group of 16 packed output channels, the product of each group of four input bytes coming from one VPDPBUSD (u8 × s8 → int32, wrapping, no saturation). Packed weights hold, for each group of four input bytes, 16 channels × 4 bytes: Y0 holds channels 0–7, Y1 channels 8–15. Accumulators are stored to acc as [pixel][16]int32.",
		"Go's assembler knows VPDPBUSD only in its EVEX form, so each one is written as the bytes of its VEX encoding, computed by the generator in _generate. The functions ending in EVEX are the same kernels in the EVEX encoding (AVX-512 VL + VNNI), which the tests run on CPUs that have AVX-512 VNNI but not AVX-VNNI.",
	)
	for _, e := range []encoding{vex, evex} {
		for _, s := range pairings {
			avxVNNITile(f, e, s)
			avxVNNIOne(f, e, s)
		}
	}
	qgemmRowSumsAVX2(f)
	return f.String()
}

// avxVNNITile writes the four-pixel kernel: weights in Y0, Y1; pixel p's
// broadcast in Y(2+p) and its accumulators in Y(8+2p), Y(9+2p).
func avxVNNITile(f *file, e encoding, s signedness) {
	name := "qgemm4x16" + s.name + e.suffix
	f.dotText(name, "byte", true,
		fmt.Sprintf("Four pixels, stride bytes apart, starting at a; kq groups of four bytes; %s.", s.description))
	for r := 8; r < 16; r++ {
		f.ins("VPXOR Y%d, Y%d, Y%d", r, r, r)
	}
	loop, store := "loop", "store"
	f.ins("TESTQ CX, CX")
	f.ins("JZ %s", store)
	f.label(loop)
	f.ins("VMOVDQU 0(DI), Y0")
	f.ins("VMOVDQU 32(DI), Y1")
	rows := []string{"(SI)", "(SI)(BX*1)", "(SI)(BX*2)", "(SI)(R8*1)"}
	for p, addr := range rows {
		f.ins("VPBROADCASTD %s, Y%d", addr, 2+p)
	}
	for p := range vnniYPixels {
		f.ins("%s", s.dpbusd(e, 8+2*p, 2+p, 0))
		f.ins("%s", s.dpbusd(e, 9+2*p, 2+p, 1))
	}
	f.ins("ADDQ $4, SI")
	f.ins("ADDQ $%d, DI", vnniYKBytes)
	f.ins("DECQ CX")
	f.ins("JNZ %s", loop)
	f.label(store)
	for r := 8; r < 16; r++ {
		f.ins("VMOVDQU Y%d, %d(DX)", r, (r-8)*32)
	}
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// avxVNNIOne writes the one-pixel kernel: two groups of four bytes a step,
// into separate accumulators (Y8, Y9 and Y10, Y11) summed at the end, to
// hide VPDPBUSD's latency.
func avxVNNIOne(f *file, e encoding, s signedness) {
	name := "qgemm1x16" + s.name + e.suffix
	f.dotText(name, "byte", false,
		fmt.Sprintf("One pixel at a; kq groups of four bytes; %s.", s.description))
	for r := 8; r < 12; r++ {
		f.ins("VPXOR Y%d, Y%d, Y%d", r, r, r)
	}
	pairs, single, store := "pairs", "single", "store"
	f.label(pairs)
	f.ins("CMPQ CX, $2")
	f.ins("JLT %s", single)
	f.ins("VMOVDQU 0(DI), Y0")
	f.ins("VMOVDQU 32(DI), Y1")
	f.ins("VMOVDQU %d(DI), Y2", vnniYKBytes)
	f.ins("VMOVDQU %d(DI), Y3", vnniYKBytes+32)
	f.ins("VPBROADCASTD (SI), Y4")
	f.ins("VPBROADCASTD 4(SI), Y5")
	f.ins("%s", s.dpbusd(e, 8, 4, 0))
	f.ins("%s", s.dpbusd(e, 9, 4, 1))
	f.ins("%s", s.dpbusd(e, 10, 5, 2))
	f.ins("%s", s.dpbusd(e, 11, 5, 3))
	f.ins("ADDQ $8, SI")
	f.ins("ADDQ $%d, DI", 2*vnniYKBytes)
	f.ins("SUBQ $2, CX")
	f.ins("JMP %s", pairs)
	f.label(single)
	f.ins("TESTQ CX, CX")
	f.ins("JZ %s", store)
	f.ins("VMOVDQU 0(DI), Y0")
	f.ins("VMOVDQU 32(DI), Y1")
	f.ins("VPBROADCASTD (SI), Y4")
	f.ins("%s", s.dpbusd(e, 8, 4, 0))
	f.ins("%s", s.dpbusd(e, 9, 4, 1))
	f.label(store)
	f.ins("VPADDD Y10, Y8, Y8")
	f.ins("VPADDD Y11, Y9, Y9")
	f.ins("VMOVDQU Y8, 0(DX)")
	f.ins("VMOVDQU Y9, 32(DX)")
	f.ins("VZEROUPPER")
	f.ins("RET")
}

// qgemmRowSumsAVX2 writes the AVX2 row sums the VNNI kernels' zero-point term
// needs.
func qgemmRowSumsAVX2(f *file) {
	f.text("qgemmRowSumsAVX2", "func qgemmRowSumsAVX2(a *byte, stride int, n int, rows int, flip int32, sums *int32)", 48,
		"Stores into sums[r] the wrapping int32 sum of the n (≥ 1) bytes at a + r·stride for each of rows rows, each byte XORed with flip (0 or 0x80) and flip·n subtracted: uint8 sums for flip 0, int8 sums for flip 0x80. Whole 32-byte blocks go through VPSADBW, the rest one byte at a time.")
	f.ins("MOVQ a+0(FP), R8")
	f.ins("MOVQ stride+8(FP), R9")
	f.ins("MOVQ n+16(FP), R10")
	f.ins("MOVQ rows+24(FP), R11")
	f.ins("MOVL flip+32(FP), BX")
	f.ins("MOVQ sums+40(FP), DX")
	f.ins("MOVQ BX, X2")
	f.ins("VPBROADCASTB X2, Y2")
	f.ins("MOVL BX, R12")
	f.ins("IMULL R10, R12 // flip·n, taken off each sum")
	f.ins("VPXOR Y3, Y3, Y3")
	f.label("sumRow")
	f.ins("MOVQ R8, SI")
	f.ins("MOVQ R10, CX")
	f.ins("VPXOR Y1, Y1, Y1")
	f.label("sumBlocks")
	f.ins("CMPQ CX, $32")
	f.ins("JLT sumBlocksDone")
	f.ins("VPXOR (SI), Y2, Y0")
	f.ins("VPSADBW Y3, Y0, Y0")
	f.ins("VPADDQ Y0, Y1, Y1")
	f.ins("ADDQ $32, SI")
	f.ins("SUBQ $32, CX")
	f.ins("JMP sumBlocks")
	f.label("sumBlocksDone")
	f.ins("VEXTRACTI128 $1, Y1, X0")
	f.ins("VPADDQ X0, X1, X1")
	f.ins("VPSHUFD $0x4E, X1, X0")
	f.ins("VPADDQ X0, X1, X1")
	f.ins("VMOVQ X1, AX")
	f.label("sumTail")
	f.ins("TESTQ CX, CX")
	f.ins("JZ sumStore")
	f.ins("MOVBLZX (SI), DI")
	f.ins("XORL BX, DI")
	f.ins("ADDL DI, AX")
	f.ins("INCQ SI")
	f.ins("DECQ CX")
	f.ins("JMP sumTail")
	f.label("sumStore")
	f.ins("SUBL R12, AX")
	f.ins("MOVL AX, (DX)")
	f.ins("ADDQ $4, DX")
	f.ins("ADDQ R9, R8")
	f.ins("DECQ R11")
	f.ins("JNZ sumRow")
	f.ins("VZEROUPPER")
	f.ins("RET")
}
