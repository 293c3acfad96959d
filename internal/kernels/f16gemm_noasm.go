//go:build purego || !arm64

package kernels

// sumsF16 runs the Go model of the fp16 GEMM: this build has no fp16
// assembly (and no fp16 target).
func sumsF16(a []float32, lda, tile int, w []Half, kc int, acc *[fp16TilePixels * fp16Width]float32,
	out []float32, ldo int, bias []float32, act *FloatRange) {
	sumsF16Go(a, lda, tile, w, kc, acc, out, ldo, bias, act)
}
