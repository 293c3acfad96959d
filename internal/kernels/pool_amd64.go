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

// maxRowsF32SIMD sets m[c] = stdMax(m[c], src[p·stride + c]) for the pixels
// p in order, for the leading channels the AVX2 kernel covers (a multiple
// of 8), and returns how many. src holds them all.
func maxRowsF32SIMD(src []float32, pixels, stride int, m []float32) int {
	width := len(m) &^ 7
	if width == 0 || pixels <= 0 {
		return 0
	}
	maxRowsF32AVX2(&src[0], pixels, stride, width, &m[0])
	return width
}

// maxRows8SIMD is maxRowsF32SIMD on 8-bit values, 32 channels at a time.
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

// The AVX2 max kernels, in pool_avx2_amd64.s: m[c] = max(m[c],
// src[p·stride + c]) for c < width and p < pixels (positive), in order of
// p; width is a positive multiple of 8 floats or 32 bytes, stride counts
// elements. The float maximum is stdMax(m, v): VMAXPS with v first keeps m
// when either is NaN and when they are zeros of either sign.

//go:noescape
func maxRowsF32AVX2(src *float32, pixels, stride, width int, m *float32)

//go:noescape
func maxRowsU8AVX2(src *byte, pixels, stride, width int, m *byte)

//go:noescape
func maxRowsI8AVX2(src *byte, pixels, stride, width int, m *byte)

// clampFloatsSIMD sets d[c] = clampFloat(m[c], act) for the leading
// elements the AVX2 kernel covers (a multiple of 8) and returns how many;
// d is as long as m.
func clampFloatsSIMD(m []float32, act FloatRange, d []float32) int {
	n := len(m) &^ 7
	if n == 0 {
		return 0
	}
	_ = d[n-1]
	clampFloatsAVX2(&m[0], n, act.Min, act.Max, &d[0])
	return n
}

// clampFloatsAVX2 sets dst[i] = clampFloat(src[i], [lo, hi]) for i < n, a
// positive multiple of 8, in pool_avx2_amd64.s.
//
//go:noescape
func clampFloatsAVX2(src *float32, n int, lo, hi float32, dst *float32)
