package kernels

import "math"

// fma32 returns x·y + acc rounded once, to the nearest float32 with ties to
// even: the float32 fused multiply-add of VFMADD231PS and FMLA, on every
// platform. The float kernels accumulate with it so that the portable
// reference and the SIMD targets agree bit for bit.
//
// The product of two float32 values is exact in float64, so the float64 sum
// s = x·y + acc is the exact sum rounded once, to 53 bits. Narrowing s to
// float32 rounds a second time, which is wrong only when s lies exactly
// halfway between two float32 values although the exact sum did not, or when
// s is below float32's normal range, where its precision shrinks; both are
// rare, and take the exact path.
func fma32(x, y, acc float32) float32 {
	if r, ok := fma32Fast(x, y, acc); ok {
		return r
	}
	return fma32Exact(x, y, acc)
}

// fma32Fast returns fma32(x, y, acc) and true when narrowing the float64
// sum rounds once, as it does for all but rare sums; hot loops call it,
// inlined, and fma32Exact only when it reports false.
func fma32Fast(x, y, acc float32) (float32, bool) {
	s := float64(x)*float64(y) + float64(acc) // the product is exact
	bits := math.Float64bits(s)
	return float32(s), bits&f64DroppedBits != f64Midpoint && bits>>52&0x7ff >= f64MinNormal32
}

// The float64 bit patterns fma32's fast path checks.
const (
	f64DroppedBits = 1<<29 - 1  // the mantissa bits narrowing to float32 drops
	f64Midpoint    = 1 << 28    // those bits when s is halfway between float32s
	f64MinNormal32 = 1023 - 126 // the biased exponent of float32's least normal
)

// fma32Exact is fma32 for the sums narrowing could round twice: it rounds
// the float64 sum to odd, which keeps the information a second rounding
// needs, then narrows.
func fma32Exact(x, y, acc float32) float32 {
	return float32(sumRoundedToOdd(float64(x)*float64(y), float64(acc))) // the product is exact
}

// sumRoundedToOdd returns p + a rounded to float64 by rounding to odd: an
// inexact sum becomes the neighbour with an odd last bit on the exact
// value's side, which keeps what a later rounding to a narrower format
// (float32, half) needs to be correct. Zeros, infinities and NaN are the
// ordinary sum.
func sumRoundedToOdd(p, a float64) float64 {
	s := p + a
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return s
	}
	// The rounding error of s, exactly (TwoSum): p + a = s + e.
	pv := s - a
	av := s - pv
	e := (p - pv) + (a - av)
	bits := math.Float64bits(s)
	if e != 0 && bits&1 == 0 {
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
	}
	return math.Float64frombits(bits)
}
