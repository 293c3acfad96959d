//go:build arm64 && !purego

package kernels

// sumsF16 does what sumsF16Go does, in assembly on a CPU with the FP16
// extension. a holds tile pixels (1 or fp16TilePixels) of kc > 0 inputs,
// lda apart, w kc·fp16Width packed halves, bias fp16Width floats.
func sumsF16(a []float32, lda, tile int, w []Half, kc int, acc *[fp16TilePixels * fp16Width]float32,
	out []float32, ldo int, bias []float32, act *FloatRange) {
	if !hasFP16 {
		sumsF16Go(a, lda, tile, w, kc, acc, out, ldo, bias, act)
		return
	}
	var o *float32 // nil: add to acc
	if out != nil {
		o = &out[0]
	}
	bias = bias[:fp16Width]
	if tile == fp16TilePixels {
		f16gemm8x16FP16(&a[0], 4*lda, &w[0], kc, acc, o, 4*ldo, &bias[0], act)
	} else {
		f16gemm1x16FP16(&a[0], &w[0], kc, acc, o, &bias[0], act)
	}
}

// f16gemm8x16FP16 adds, for 8 pixels whose inputs start at a, lda bytes
// apart, and one packed group of half weights w ([k][16]), to
// acc[pixel][lane] the half sum of fma16(half(a[pixel][i]), w[i][lane]) in
// input order, widened. When out is not nil it then writes
// min(max(acc[pixel][lane] + bias[lane], act.Min), act.Max) to
// out[pixel][lane], pixel rows ldo bytes apart, instead of updating acc.
//
//go:noescape
func f16gemm8x16FP16(a *float32, lda int, w *Half, k int, acc *[fp16TilePixels * fp16Width]float32,
	out *float32, ldo int, bias *float32, act *FloatRange)

// f16gemm1x16FP16 is f16gemm8x16FP16 for one pixel, with acc[0:16].
//
//go:noescape
func f16gemm1x16FP16(a *float32, w *Half, k int, acc *[fp16TilePixels * fp16Width]float32,
	out *float32, bias *float32, act *FloatRange)
