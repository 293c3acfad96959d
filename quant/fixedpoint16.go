package quant

import "math"

// The int16 fixed-point arithmetic of TFLite's quantized HARD_SWISH
// (reference_ops::HardSwish): the int32 primitives of fixedpoint.go at
// half the width, Q15 instead of Q31.

// DownScaleInt32ToInt16Multiplier rounds a non-negative Q31 multiplier, as
// QuantizeMultiplier makes it, to Q15, saturating at math.MaxInt16. It is
// TFLite's function of the same name.
func DownScaleInt32ToInt16Multiplier(m int32) int16 {
	const roundingOffset = 1 << 15
	if m >= math.MaxInt32-roundingOffset {
		return math.MaxInt16
	}
	return int16((m + roundingOffset) >> 16)
}

// SaturatingRoundingDoublingHighMul16 is SaturatingRoundingDoublingHighMul
// on int16: the high 16 bits of 2·a·b, rounded to nearest with ties toward
// +∞, saturating the single overflow case a = b = MinInt16.
func SaturatingRoundingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	ab := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if ab < 0 {
		nudge = 1 - (1 << 14)
	}
	return int16((ab + nudge) / (1 << 15))
}

// SaturatingDoublingHighMul16 is the high 16 bits of 2·a·b rounded toward
// zero, saturating the single overflow case a = b = MinInt16: TFLite's
// SaturatingDoublingHighMul, which HARD_SWISH uses for its last product.
func SaturatingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// SaturatingLeftShift16 is v·2^amount saturated to the int16 range, as
// gemmlowp's ShiftLeft is on int16. amount must be in [0, 47].
func SaturatingLeftShift16(v int16, amount int) int16 {
	r := int64(v) << amount
	return int16(min(max(r, math.MinInt16), math.MaxInt16))
}

// RoundingDivideByPOT16 is RoundingDivideByPOT on int16: x divided by
// 2^exponent, rounded to nearest with ties away from zero. exponent must be
// in [0, 15].
func RoundingDivideByPOT16(x int16, exponent int) int16 {
	mask := int16(int64(1)<<exponent - 1)
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
