//go:build amd64 && !purego

package kernels

// The x86 instruction sets of ResizeBilinear's uint8 row kernel.
const (
	resizeAVX512 resizeISA = iota + 1 // 16 channels a step, the last step masked
	resizeAVX2                        // 8 channels a step, the last step overlapping the one before (8 channels or more)
)

// resizeRowSIMD computes one uint8 output row, as resizeRowUint8 does, from
// the weighted source rows b (two of len(b)/2 floats) with the row kernel
// of isa, and reports whether it could.
func resizeRowSIMD(isa resizeISA, cols []resizeTap, c int, b []float32, dst []uint8) bool {
	if len(cols) == 0 || c == 0 || len(dst) < len(cols)*c {
		return false
	}
	a1 := &b[len(b)/2]
	switch {
	case isa == resizeAVX512:
		resizeRowU8AVX512(&cols[0], len(cols), &b[0], a1, c, &dst[0])
	case isa == resizeAVX2 && c >= 8:
		resizeRowU8AVX2(&cols[0], len(cols), &b[0], a1, c, &dst[0])
	default:
		return false
	}
	return true
}

// The row kernels compute n output pixels of c channels into dst: for
// pixel x, with t = cols[x], channel j is
// trunc((((a0[t.lo+j]·t.w0 + a1[t.lo+j]·t.w0) + a0[t.hi+j]·t.w1) +
// a1[t.hi+j]·t.w1) + 0.5), each product and sum rounded to float32 (no
// fused multiply-add), saturated to [0, 255].

//go:noescape
func resizeRowU8AVX512(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)

//go:noescape
func resizeRowU8AVX2(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)

// weightRowSIMD sets a[i] = float32(s[i])·w, rounded to float32, for the
// leading elements of s that the weighting kernel of isa covers (a whole
// number of vectors), and returns their count.
func weightRowSIMD(isa resizeISA, s []uint8, w float32, a []float32) int {
	var n int
	switch isa {
	case resizeAVX512:
		n = len(s) - len(s)%16
	case resizeAVX2:
		n = len(s) - len(s)%8
	}
	if n == 0 || len(a) < n {
		return 0
	}
	if isa == resizeAVX512 {
		resizeWeightU8AVX512(&s[0], n, w, &a[0])
	} else {
		resizeWeightU8AVX2(&s[0], n, w, &a[0])
	}
	return n
}

//go:noescape
func resizeWeightU8AVX512(src *byte, n int, w float32, dst *float32)

//go:noescape
func resizeWeightU8AVX2(src *byte, n int, w float32, dst *float32)
