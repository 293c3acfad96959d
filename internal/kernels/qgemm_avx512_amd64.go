//go:build amd64 && !purego

package kernels

import "unsafe"

// kernelAVX512 is the int8 GEMM of AVX-512 CPUs without VNNI: VPMADDWD on
// zmm, six pixels × 64 channels, through the VNNI tile's driver and
// requantization (tileVNNI, tilesVNNI, qgemmRequantAVX512) with int16
// weights (qgemmInt16Pairs), which need no per-pixel terms.
const kernelAVX512 = kernelAVX2 + 1

// qgemm6x64AVX512 is the avx512 target's int8 GEMM entry.
var qgemm6x64AVX512 = qgemmConfig{kernel: kernelAVX512, mr: 6, nr: 64, block: 16, layout: qgemmInt16Pairs, maskedStores: true}

// dotSixZ stores into acc ([6][64]int32) the raw dot products of the six
// pixels at a, stride bytes apart, with one packed group of blocks·16
// channels at w, with kernel's instructions (kernelVNNI or kernelAVX512).
func dotSixZ(kernel qgemmKernel, signedActs bool, blocks int, a *byte, stride int, w unsafe.Pointer, kq int, acc *int32) {
	w16 := (*int16)(w)
	switch {
	case kernel == kernelVNNI:
		dotSix(signedActs, blocks, a, stride, (*byte)(w), kq, acc)
	case !signedActs && blocks == 4:
		qgemm6x64U8AVX512(a, stride, w16, kq, acc)
	case !signedActs && blocks == 3:
		qgemm6x48U8AVX512(a, stride, w16, kq, acc)
	case !signedActs && blocks == 2:
		qgemm6x32U8AVX512(a, stride, w16, kq, acc)
	case !signedActs:
		qgemm6x16U8AVX512(a, stride, w16, kq, acc)
	case blocks == 4:
		qgemm6x64S8AVX512(a, stride, w16, kq, acc)
	case blocks == 3:
		qgemm6x48S8AVX512(a, stride, w16, kq, acc)
	case blocks == 2:
		qgemm6x32S8AVX512(a, stride, w16, kq, acc)
	default:
		qgemm6x16S8AVX512(a, stride, w16, kq, acc)
	}
}

// dotOneZ is dotSixZ for the single pixel at a; acc holds [64]int32.
func dotOneZ(kernel qgemmKernel, signedActs bool, blocks int, a *byte, w unsafe.Pointer, kq int, acc *int32) {
	w16 := (*int16)(w)
	switch {
	case kernel == kernelVNNI:
		dotOne(signedActs, blocks, a, (*byte)(w), kq, acc)
	case !signedActs && blocks == 4:
		qgemm1x64U8AVX512(a, w16, kq, acc)
	case !signedActs && blocks == 3:
		qgemm1x48U8AVX512(a, w16, kq, acc)
	case !signedActs && blocks == 2:
		qgemm1x32U8AVX512(a, w16, kq, acc)
	case !signedActs:
		qgemm1x16U8AVX512(a, w16, kq, acc)
	case blocks == 4:
		qgemm1x64S8AVX512(a, w16, kq, acc)
	case blocks == 3:
		qgemm1x48S8AVX512(a, w16, kq, acc)
	case blocks == 2:
		qgemm1x32S8AVX512(a, w16, kq, acc)
	default:
		qgemm1x16S8AVX512(a, w16, kq, acc)
	}
}

// The AVX-512 micro-kernels, in qgemm_6x64_avx512_amd64.s, written by
// _generate.

//go:noescape
func qgemm6x64U8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x48U8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x32U8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x16U8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x64S8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x48S8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x32S8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm6x16S8AVX512(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x64U8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x48U8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x32U8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x16U8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x64S8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x48S8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x32S8AVX512(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x16S8AVX512(a *byte, w *int16, kq int, acc *int32)
