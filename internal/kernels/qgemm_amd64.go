//go:build amd64 && !purego

package kernels

//go:generate go -C _generate run . -dir ..

// dotSix stores into acc ([6][64]int32) the raw dot products of the six
// pixels at a, stride bytes apart, with one packed group of blocks·16
// channels (blocks 1 to 4) over kq groups of four bytes. signedActs selects
// int8 activations against unsigned packed weights; otherwise uint8
// activations meet signed weights.
func dotSix(signedActs bool, blocks int, a *byte, stride int, w *byte, kq int, acc *int32) {
	// A switch, not a table of functions: calls through function values
	// would make acc escape.
	switch {
	case !signedActs && blocks == 4:
		dotU8S8x6(a, stride, w, kq, acc)
	case !signedActs && blocks == 3:
		dotU8S8x6b3(a, stride, w, kq, acc)
	case !signedActs && blocks == 2:
		dotU8S8x6b2(a, stride, w, kq, acc)
	case !signedActs:
		dotU8S8x6b1(a, stride, w, kq, acc)
	case blocks == 4:
		dotS8U8x6(a, stride, w, kq, acc)
	case blocks == 3:
		dotS8U8x6b3(a, stride, w, kq, acc)
	case blocks == 2:
		dotS8U8x6b2(a, stride, w, kq, acc)
	default:
		dotS8U8x6b1(a, stride, w, kq, acc)
	}
}

// dotOne is dotSix for the single pixel at a; acc holds [64]int32.
func dotOne(signedActs bool, blocks int, a *byte, w *byte, kq int, acc *int32) {
	switch {
	case !signedActs && blocks == 4:
		dotU8S8x1(a, w, kq, acc)
	case !signedActs && blocks == 3:
		dotU8S8x1b3(a, w, kq, acc)
	case !signedActs && blocks == 2:
		dotU8S8x1b2(a, w, kq, acc)
	case !signedActs:
		dotU8S8x1b1(a, w, kq, acc)
	case blocks == 4:
		dotS8U8x1(a, w, kq, acc)
	case blocks == 3:
		dotS8U8x1b3(a, w, kq, acc)
	case blocks == 2:
		dotS8U8x1b2(a, w, kq, acc)
	default:
		dotS8U8x1b1(a, w, kq, acc)
	}
}

// The VNNI micro-kernels, in qgemm_6x64c4_avx512vnni_amd64.s, written by
// ./internal/asmgen.

//go:noescape
func dotU8S8x6(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x6b3(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1b3(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x6b2(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1b2(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x6b1(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1b1(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x6(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x6b3(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1b3(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x6b2(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1b2(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x6b1(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1b1(a *byte, w *byte, kq int, acc *int32)

// requantAVX512 requantizes, for each of pixels pixels, the first n raw dot
// products of its row of acc ([pixel][64]int32) for one VNNI group, with
// the pixel's term pixelFactor·sums[pixel] and the group's table params
// ([requantRows][64]int32), into n bytes at out + pixel·outStride; see the
// assembly.
//
//go:noescape
func requantAVX512(acc, params, sums *int32, pixels int, pixelFactor, outOffset, actMin, actMax int32, n int, out *byte, outStride int)

// sumRowsAVX512 stores into sums[r] the sum of the n bytes at a + r·stride,
// r < rows, as uint8 for flip 0 and as int8 for flip 0x80.
//
//go:noescape
func sumRowsAVX512(a *byte, stride, n, rows int, flip int32, sums *int32)

// dotAVX2Four stores into acc ([4][16]int32) the raw dot products of the
// four pixels at a, stride bytes apart, with one packed AVX2 group of 16
// channels over kq groups of four bytes; signedActs selects int8
// activations.
func dotAVX2Four(signedActs bool, a *byte, stride int, w *int16, kq int, acc *int32) {
	if signedActs {
		dotAVX2S8x4(a, stride, w, kq, acc)
	} else {
		dotAVX2U8x4(a, stride, w, kq, acc)
	}
}

// dotAVX2One is dotAVX2Four for the single pixel at a; acc holds [16]int32.
func dotAVX2One(signedActs bool, a *byte, w *int16, kq int, acc *int32) {
	if signedActs {
		dotAVX2S8x1(a, w, kq, acc)
	} else {
		dotAVX2U8x1(a, w, kq, acc)
	}
}

// The AVX2 micro-kernels, in qgemm_avx2_amd64.s.

//go:noescape
func dotAVX2U8x4(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func dotAVX2S8x4(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func dotAVX2U8x1(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func dotAVX2S8x1(a *byte, w *int16, kq int, acc *int32)

// requantAVX2 requantizes the 16 raw dot products of one pixel's AVX2 group
// of 16 channels into 16 bytes at out, with the group's table params
// ([requantRows][16]int32); see the assembly.
//
//go:noescape
func requantAVX2(acc, params *int32, outOffset, actMin, actMax int32, out *byte)

// dotAVXVNNIFour stores into acc ([4][16]int32) the raw dot products of the
// four pixels at a, stride bytes apart, with one packed AVX-VNNI group of
// 16 channels over kq groups of four bytes; signedActs selects int8
// activations against unsigned weights.
func dotAVXVNNIFour(signedActs bool, a *byte, stride int, w *byte, kq int, acc *int32) {
	switch {
	case avxVNNIThroughEVEX && signedActs:
		dotS8U8x4AVXVNNIEVEX(a, stride, w, kq, acc)
	case avxVNNIThroughEVEX:
		dotU8S8x4AVXVNNIEVEX(a, stride, w, kq, acc)
	case signedActs:
		dotS8U8x4AVXVNNI(a, stride, w, kq, acc)
	default:
		dotU8S8x4AVXVNNI(a, stride, w, kq, acc)
	}
}

// dotAVXVNNIOne is dotAVXVNNIFour for the single pixel at a; acc holds
// [16]int32.
func dotAVXVNNIOne(signedActs bool, a *byte, w *byte, kq int, acc *int32) {
	switch {
	case avxVNNIThroughEVEX && signedActs:
		dotS8U8x1AVXVNNIEVEX(a, w, kq, acc)
	case avxVNNIThroughEVEX:
		dotU8S8x1AVXVNNIEVEX(a, w, kq, acc)
	case signedActs:
		dotS8U8x1AVXVNNI(a, w, kq, acc)
	default:
		dotU8S8x1AVXVNNI(a, w, kq, acc)
	}
}

// avxVNNIThroughEVEX makes the AVX-VNNI target run its kernels' EVEX twins
// (the same code, encoded for AVX-512 VL + VNNI). Only tests set it, to
// check the AVX-VNNI kernels on CPUs with AVX-512 VNNI but not AVX-VNNI,
// before any kernel is built.
var avxVNNIThroughEVEX bool

// The AVX-VNNI micro-kernels, in qgemm_4x16c4_avxvnni_amd64.s, written by
// ./internal/asmgen.

//go:noescape
func dotU8S8x4AVXVNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x4AVXVNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1AVXVNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1AVXVNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x4AVXVNNIEVEX(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x4AVXVNNIEVEX(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func dotU8S8x1AVXVNNIEVEX(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func dotS8U8x1AVXVNNIEVEX(a *byte, w *byte, kq int, acc *int32)

// sumRowsAVX2 is sumRowsAVX512 for AVX2, in the same file.
//
//go:noescape
func sumRowsAVX2(a *byte, stride, n, rows int, flip int32, sums *int32)
