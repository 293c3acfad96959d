//go:build arm64 && !purego

package kernels

// AVERAGE_POOL_2D's window sums run NEON on every arm64 SIMD target, the
// portable code on Generic.

// poolSumSIMD reports whether target t sums pooling windows in assembly.
func poolSumSIMD(t *target) bool { return t != generic }

// poolSumSIMD8 adds to sums[c] the channel c of pixels pixels of src,
// stride elements apart, for the leading channels the NEON kernels cover
// (a multiple of 16), and returns how many. src holds them all.
func poolSumSIMD8[T int8 | uint8](src []T, pixels, stride int, sums []int32) int {
	width := len(sums) &^ 15
	if width == 0 || pixels <= 0 {
		return 0
	}
	if _, signed := any(T(0)).(int8); signed {
		poolSumI8Neon(bytePtr(src), pixels, stride, width, &sums[0])
	} else {
		poolSumU8Neon(bytePtr(src), pixels, stride, width, &sums[0])
	}
	return width
}

// The NEON kernels, in pool_neon_arm64.s: sums[c] += Σ_p src[p·stride + c]
// for c < width (a positive multiple of 16) and p < pixels (positive), the
// bytes read as uint8 or int8.

//go:noescape
func poolSumU8Neon(src *byte, pixels, stride, width int, sums *int32)

//go:noescape
func poolSumI8Neon(src *byte, pixels, stride, width int, sums *int32)

// maxPoolF32SIMD reports false: float max pooling runs in Go on arm64.
func maxPoolF32SIMD([]float32, int, int, int, int, FloatRange, []float32) bool { return false }

// maxRows8SIMD returns 0: the window maxima run in Go on arm64.
func maxRows8SIMD[T int8 | uint8]([]T, int, int, []T) int { return 0 }
