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

// maxPoolF32SIMD computes one output pixel of a float max pooling into d
// (len(d) channels) with the NEON kernel and reports whether it could (4
// channels or more): the window is rows rows of pixels pixels at src,
// rowStride and stride elements apart.
func maxPoolF32SIMD(src []float32, rows, rowStride, pixels, stride int, act FloatRange, d []float32) bool {
	width := len(d)
	if width < 4 || rows <= 0 || pixels <= 0 {
		return false
	}
	_ = src[(rows-1)*rowStride+(pixels-1)*stride+width-1]
	maxPoolF32Neon(&src[0], rows, rowStride, pixels, stride, width, act.Min, act.Max, &d[0])
	return true
}

// maxPoolF32Neon computes one output pixel of a float max pooling (see
// maxPoolF32SIMD), in pool_neon_arm64.s.
//
//go:noescape
func maxPoolF32Neon(src *float32, rows, rowStride, pixels, stride, width int, lo, hi float32, dst *float32)

// maxRows8SIMD returns 0: the window maxima run in Go on arm64.
func maxRows8SIMD[T int8 | uint8]([]T, int, int, []T) int { return 0 }
