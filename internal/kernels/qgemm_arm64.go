//go:build arm64 && !purego

package kernels

import "unsafe"

// The arm64 int8 GEMM micro-kernels: tiles of four pixels by groups of 16
// output channels that requantize in assembly, every group of a call in
// one kernel call.
//
// The neon kernels widen activations to int16 and multiply them by lane
// with the int16 weights (SMLAL); the dotprod kernels multiply the
// caller's bytes as they are, uint8 by uint8 (UDOT) or int8 by int8
// (SDOT), and iw·Σa is summed once per pixel when iw is not zero (int8
// layers with symmetric weights skip it).
const (
	kernelNeon qgemmKernel = iota + 1
	kernelDot
)

// The table entries of the arm64 targets. The requantization (SSHL)
// shifts right by negative amounts.
var (
	qgemm4x16Neon  = qgemmConfig{kernel: kernelNeon, mr: 4, nr: 16, block: 16, layout: qgemmInt16, negatedRightShift: true}
	qgemm4x16c4Dot = qgemmConfig{kernel: kernelDot, mr: 4, nr: 16, block: 16, layout: qgemmBytes, negatedRightShift: true}
)

// qgemmRunTile runs cfg's micro-kernels on t. A switch, not a table of
// functions: calls through function values would make the tile and its
// buffers escape.
func qgemmRunTile(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	switch {
	case cfg.kernel == kernelNeon && signedActs:
		qgemm4x16S8Neon(t)
	case cfg.kernel == kernelNeon:
		qgemm4x16U8Neon(t)
	case cfg.kernel == kernelDot && signedActs:
		qgemm4x16S8DotProd(t)
	case cfg.kernel == kernelDot:
		qgemm4x16U8DotProd(t)
	default:
		qgemmTileGo(cfg, signedActs, t)
	}
}

// qgemmRowSums stores into t.terms the sums of the tile's pixels' inputs.
func qgemmRowSums(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	switch {
	case cfg.kernel != kernelDot:
		qgemmRowSumsGo(signedActs, t)
	case signedActs:
		qgemmRowSumsS8DotProd(t.rows[0], t.rows[1], t.rows[2], t.rows[3], t.stride, &t.terms[0])
	default:
		qgemmRowSumsU8DotProd(t.rows[0], t.rows[1], t.rows[2], t.rows[3], t.stride, &t.terms[0])
	}
}

// The tile kernels, in qgemm_4x16_neon_arm64.s (int16 weights) and
// qgemm_4x16c4_dotprod_arm64.s (bytes): see qgemmTile.

//go:noescape
func qgemm4x16U8Neon(t *qgemmTile)

//go:noescape
func qgemm4x16S8Neon(t *qgemmTile)

//go:noescape
func qgemm4x16U8DotProd(t *qgemmTile)

//go:noescape
func qgemm4x16S8DotProd(t *qgemmTile)

// qgemmRowSumsU8DotProd stores into sums[p] the sum of the n bytes at ap, p < 4, as
// uint8; qgemmRowSumsS8DotProd as int8. In qgemm_4x16c4_dotprod_arm64.s.
//
//go:noescape
func qgemmRowSumsU8DotProd(a0, a1, a2, a3 *byte, n int, sums *int32)

//go:noescape
func qgemmRowSumsS8DotProd(a0, a1, a2, a3 *byte, n int, sums *int32)

// qgemmRunTiles runs range call t (see qgemmTile) tile by tile.
func qgemmRunTiles(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	qgemmRunTilesGo(cfg, signedActs, *t)
}

// hybridConfig returns the int8 GEMM entry hybrid layers of target t run
// (see hybridGemm): the dotprod and fp16 targets', whose packed bytes
// hybridDot4x16S8DotProd reads; the neon target's kernels requantize in
// assembly, so its hybrid layers run the exact float path
// (hybrid_float.go).
func hybridConfig(t *target) *qgemmConfig {
	if t.qgemm != nil && t.qgemm.kernel == kernelDot {
		return t.qgemm
	}
	return nil
}

// hybridDots stores into acc[i·nr + c] the raw dot products of the pixels
// int8 rows at a, stride bytes apart (whole steps of four bytes), with the
// packed group of width channels at w over kq steps, with cfg's
// micro-kernels: four rows at once by SDOT, a row repeated where there are
// fewer.
func hybridDots(cfg *qgemmConfig, a *byte, stride, pixels int, w unsafe.Pointer, kq, width int, acc *[qgemmMaxTile]int32) {
	if cfg.kernel != kernelDot {
		hybridDotsGo(cfg, a, stride, pixels, w, kq, width, acc)
		return
	}
	var rows [4]*byte
	for i := range rows {
		rows[i] = (*byte)(unsafe.Add(unsafe.Pointer(a), min(i, pixels-1)*stride))
	}
	hybridDot4x16S8DotProd(rows[0], rows[1], rows[2], rows[3], (*byte)(w), kq, &acc[0])
}

// hybridDot4x16S8DotProd stores into acc ([4][16]int32) the raw dot
// products of the four int8 rows at a0..a3 with the packed group of 16
// channels at w over kq steps of four bytes; in
// hybrid_dotprod_arm64.s.
//
//go:noescape
func hybridDot4x16S8DotProd(a0, a1, a2, a3, w *byte, kq int, acc *int32)

// hybridRowSums stores into sums[i] the sum of row i of the pixels int8
// rows of stride bytes in a.
func hybridRowSums(_ *qgemmConfig, a []int8, stride, pixels int, sums *[qgemmMaxPixels]int32) {
	hybridRowSumsGo(a, stride, pixels, sums)
}
