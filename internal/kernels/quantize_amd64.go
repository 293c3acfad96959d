//go:build amd64 && !purego

package kernels

// QUANTIZE from float runs AVX2 on every x86 SIMD target (all have AVX2),
// the portable code on Generic.

// quantizeSIMD reports whether target t runs QUANTIZE's assembly.
func quantizeSIMD(t *target) bool { return t != generic && hasAVX2 }

// quantizeInt8SIMD quantizes as Quantize the first len(src) &^ 7 floats of
// src into dst, at least as long, and returns how many.
func quantizeInt8SIMD(src []float32, dst []int8, q Affine) int {
	n := len(src) &^ 7
	if n > 0 {
		_ = dst[n-1]
		quantizeInt8AVX2(&src[0], n, q.Scale, q.ZeroPoint, &dst[0])
	}
	return n
}

// quantizeUint8SIMD is quantizeInt8SIMD to uint8.
func quantizeUint8SIMD(src []float32, dst []uint8, q Affine) int {
	n := len(src) &^ 7
	if n > 0 {
		_ = dst[n-1]
		quantizeUint8AVX2(&src[0], n, q.Scale, q.ZeroPoint, &dst[0])
	}
	return n
}

// The AVX2 kernels, in quantize_avx2_amd64.s.

//go:noescape
func quantizeInt8AVX2(src *float32, n int, scale float32, zero int32, dst *int8)

//go:noescape
func quantizeUint8AVX2(src *float32, n int, scale float32, zero int32, dst *uint8)
