//go:build amd64 && !purego

package kernels

// Quantized ADD and SUB of operands of one shape run AVX2 on every x86 SIMD
// target (all have AVX2), the portable code on Generic.

// addRowsSIMD reports whether target t runs AddRows8's assembly.
func addRowsSIMD(t *target) bool { return t != generic && hasAVX2 }

// addRowsSIMD8 computes AddRows8's dst for the leading elements the AVX2
// kernels cover (a multiple of 8) and returns how many; a and b are as long
// as dst.
func addRowsSIMD8[T int8 | uint8](l *addLanes, subtract bool, h, o, dst []T) int {
	n := len(dst) &^ 7
	if n == 0 {
		return 0
	}
	_, _ = h[n-1], o[n-1]
	_, signed := any(T(0)).(int8)
	switch {
	case signed && subtract:
		subRowsI8AVX2(bytePtr(h), bytePtr(o), bytePtr(dst), n, l)
	case signed:
		addRowsI8AVX2(bytePtr(h), bytePtr(o), bytePtr(dst), n, l)
	case subtract:
		subRowsU8AVX2(bytePtr(h), bytePtr(o), bytePtr(dst), n, l)
	default:
		addRowsU8AVX2(bytePtr(h), bytePtr(o), bytePtr(dst), n, l)
	}
	return n
}

// The AVX2 kernels, in addq_amd64.s: dst[i] = h[i] + o[i] (add) or the
// difference with the signs of l (sub) for i < n, a positive multiple of
// 8, h the half input (see addLanes).

//go:noescape
func addRowsU8AVX2(h, o, dst *byte, n int, l *addLanes)

//go:noescape
func addRowsI8AVX2(h, o, dst *byte, n int, l *addLanes)

//go:noescape
func subRowsU8AVX2(h, o, dst *byte, n int, l *addLanes)

//go:noescape
func subRowsI8AVX2(h, o, dst *byte, n int, l *addLanes)
