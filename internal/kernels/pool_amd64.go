//go:build amd64 && !purego

package kernels

// AVERAGE_POOL_2D's window sums run AVX2 on every x86 SIMD target (all have
// AVX2), the portable code on Generic.

// poolSumSIMD reports whether target t sums pooling windows in assembly.
func poolSumSIMD(t *target) bool { return t != generic && hasAVX2 }

// poolSumSIMD8 adds to sums[c] the channel c of pixels pixels of src,
// stride elements apart, for the leading channels the AVX2 kernels cover
// (a multiple of 8), and returns how many. src holds them all.
func poolSumSIMD8[T int8 | uint8](src []T, pixels, stride int, sums []int32) int {
	width := len(sums) &^ 7
	if width == 0 || pixels <= 0 {
		return 0
	}
	if _, signed := any(T(0)).(int8); signed {
		poolSumI8AVX2(bytePtr(src), pixels, stride, width, &sums[0])
	} else {
		poolSumU8AVX2(bytePtr(src), pixels, stride, width, &sums[0])
	}
	return width
}

// The AVX2 kernels, in pool_avx2_amd64.s: sums[c] += Σ_p src[p·stride + c]
// for c < width (a positive multiple of 8) and p < pixels (positive), the
// bytes read as uint8 or int8.

//go:noescape
func poolSumU8AVX2(src *byte, pixels, stride, width int, sums *int32)

//go:noescape
func poolSumI8AVX2(src *byte, pixels, stride, width int, sums *int32)

// maxPoolF32SIMD computes one output pixel of a float max pooling into d
// (len(d) channels) with the AVX2 kernel and reports whether it could (8
// channels or more): the window is rows rows of pixels pixels at src,
// rowStride and stride elements apart.
func maxPoolF32SIMD(src []float32, rows, rowStride, pixels, stride int, act FloatRange, d []float32) bool {
	width := len(d)
	if width < 8 || rows <= 0 || pixels <= 0 {
		return false
	}
	_ = src[(rows-1)*rowStride+(pixels-1)*stride+width-1]
	maxPoolF32AVX2(&src[0], rows, rowStride, pixels, stride, width, act.Min, act.Max, &d[0])
	return true
}

// maxRows8SIMD sets m[c] = max(m[c], src[p·stride + c]) for the leading
// channels the AVX2 kernels cover (a multiple of 32) and returns how many.
// src holds them all.
func maxRows8SIMD[T int8 | uint8](src []T, pixels, stride int, m []T) int {
	width := len(m) &^ 31
	if width == 0 || pixels <= 0 {
		return 0
	}
	if _, signed := any(T(0)).(int8); signed {
		maxRowsI8AVX2(bytePtr(src), pixels, stride, width, bytePtr(m))
	} else {
		maxRowsU8AVX2(bytePtr(src), pixels, stride, width, bytePtr(m))
	}
	return width
}

// The AVX2 max kernels, in pool_avx2_amd64.s. maxRowsU8AVX2 and
// maxRowsI8AVX2 set m[c] = max(m[c], src[p·stride + c]) for c < width (a
// positive multiple of 32) and p < pixels (positive), stride in bytes.
// maxPoolF32AVX2 computes one output pixel of a float max pooling: each
// channel's std::max over the window in TFLite's order, then the clamp.

//go:noescape
func maxPoolF32AVX2(src *float32, rows, rowStride, pixels, stride, width int, lo, hi float32, dst *float32)

//go:noescape
func maxRowsU8AVX2(src *byte, pixels, stride, width int, m *byte)

//go:noescape
func maxRowsI8AVX2(src *byte, pixels, stride, width int, m *byte)
