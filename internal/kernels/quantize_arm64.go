//go:build arm64 && !purego

package kernels

// QUANTIZE from float runs NEON on every arm64 SIMD target,
// the portable code on Generic.

// quantizeSIMD reports whether target t runs QUANTIZE's assembly.
func quantizeSIMD(t *target) bool { return t != generic }

// quantizeInt8SIMD quantizes as Quantize the first len(src) &^ 7 floats of
// src into dst, at least as long, and returns how many.
func quantizeInt8SIMD(src []float32, dst []int8, q Affine) int {
	n := len(src) &^ 7
	if n > 0 {
		_ = dst[n-1]
		quantizeInt8Neon(&src[0], n, q.Scale, q.ZeroPoint, &dst[0])
	}
	return n
}

// quantizeUint8SIMD is quantizeInt8SIMD to uint8.
func quantizeUint8SIMD(src []float32, dst []uint8, q Affine) int {
	n := len(src) &^ 7
	if n > 0 {
		_ = dst[n-1]
		quantizeUint8Neon(&src[0], n, q.Scale, q.ZeroPoint, &dst[0])
	}
	return n
}

// The NEON kernels, in quantize_neon_arm64.s.

//go:noescape
func quantizeInt8Neon(src *float32, n int, scale float32, zero int32, dst *int8)

//go:noescape
func quantizeUint8Neon(src *float32, n int, scale float32, zero int32, dst *uint8)
