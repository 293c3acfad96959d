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
