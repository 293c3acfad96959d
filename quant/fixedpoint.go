package quant

import "math"

// QuantizeMultiplier splits a positive real multiplier into a Q31 fixed-point
// mantissa and a power-of-two exponent, so that real ≈ mult × 2^(shift−31).
// A positive shift means a left shift. It follows TFLite's QuantizeMultiplier:
// the mantissa is rounded half away from zero, a mantissa that rounds up to
// 2^31 is halved, tiny multipliers flush to zero and huge ones saturate.
func QuantizeMultiplier(real float64) (mult int32, shift int) {
	if real == 0 {
		return 0, 0
	}
	q, exp := math.Frexp(real)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	if exp > 30 {
		return math.MaxInt32, 30
	}
	return int32(qFixed), exp
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2·a·b,
// rounded to nearest with ties toward +∞ (gemmlowp's nudge-then-truncate),
// saturating the single overflow case a = b = MinInt32. It is gemmlowp's
// and TFLite's primitive of the same name.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT divides x by 2^exponent, rounding to nearest with ties
// away from zero (gemmlowp's RoundingDivideByPOT). exponent must be in
// [0, 31].
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(1)<<exponent - 1
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exponent
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier scales x by the real multiplier that
// QuantizeMultiplier encoded as (mult, shift), with TFLite's default
// double rounding: a rounding doubling high multiply, then a rounding
// right shift. A positive shift is applied as a left shift before the
// multiply, exactly as TFLite does (wrapping on overflow like its int32
// arithmetic).
func MultiplyByQuantizedMultiplier(x int32, mult int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(int32(1)<<left), mult), right)
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp is TFLite's variant for
// multipliers below one: shift must be ≤ 0.
func MultiplyByQuantizedMultiplierSmallerThanOneExp(x int32, mult int32, shift int) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, mult), -shift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne is TFLite's variant for
// multipliers of at least one: leftShift must be ≥ 0.
func MultiplyByQuantizedMultiplierGreaterThanOne(x int32, mult int32, leftShift int) int32 {
	return SaturatingRoundingDoublingHighMul(x*(int32(1)<<leftShift), mult)
}

// Quantize maps a real value to the quantized domain of (scale, zeroPoint)
// without clamping, as TFLite's activation-range helper does: the division
// is done in float32 and rounded half away from zero.
func Quantize(real, scale float32, zeroPoint int32) int32 {
	return zeroPoint + int32(math.Round(float64(real/scale)))
}

// Clamp limits v to [lo, hi].
func Clamp(v, lo, hi int32) int32 {
	return min(max(v, lo), hi)
}
