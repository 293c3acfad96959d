package quant

import (
	"fmt"
	"math"
	"math/bits"
)

// This file holds gemmlowp's fixed-point transcendental functions, the ones
// TFLite's reference kernels use for SOFTMAX, LOGISTIC and TANH, and the
// Prepare-time helpers that set those kernels up.
//
// A fixed-point value is passed as its raw int32 together with its number of
// integer bits m (gemmlowp's FixedPoint<int32_t, m>): the value is
// raw / 2^(31−m). Q0.31 (m = 0) covers [−1, 1); its "one" is MaxInt32.

// Fixed-point constants of gemmlowp, each the nearest raw value of the real
// number in the comment.
const (
	expMinusOneEighth  = 1895147668  // exp(−1/8) in Q0.31
	oneThird           = 715827883   // 1/3 in Q0.31
	fortyEightOver17   = 1515870810  // 48/17 in Q2.29
	minusThirtyTwoOv17 = -1010580540 // −32/17 in Q2.29
	q2One              = 1 << 29     // 1 in Q2.29
)

// expBarrel holds exp(−2^k) in Q0.31 for k = −2 … 4: the factors that
// ExpOnNegativeValues multiplies in for each set bit of the input's
// integer and top fractional part.
var expBarrel = [...]struct {
	exponent int
	factor   int32
}{
	{-2, 1672461947}, // exp(−1/4)
	{-1, 1302514674}, // exp(−1/2)
	{0, 790015084},   // exp(−1)
	{1, 290630308},   // exp(−2)
	{2, 39332535},    // exp(−4)
	{3, 720401},      // exp(−8)
	{4, 242},         // exp(−16)
}

// SaturatingRoundingMultiplyByPOT multiplies x by 2^exponent: a saturating
// left shift for a positive exponent, a rounding right shift (ties away
// from zero) for a negative one. exponent must be in [−31, 31].
func SaturatingRoundingMultiplyByPOT(x int32, exponent int) int32 {
	switch {
	case exponent == 0:
		return x
	case exponent < 0:
		return RoundingDivideByPOT(x, -exponent)
	}
	threshold := int32(1)<<(31-exponent) - 1
	switch {
	case x > threshold:
		return math.MaxInt32
	case x < -threshold:
		return math.MinInt32
	}
	return x << exponent
}

// RoundingHalfSum returns (a+b)/2 rounded to nearest, ties away from zero.
func RoundingHalfSum(a, b int32) int32 {
	sum := int64(a) + int64(b)
	if sum >= 0 {
		return int32((sum + 1) / 2)
	}
	return int32((sum - 1) / 2)
}

// expOnQuarterInterval returns exp(a) in Q0.31 for a in [−1/4, 0) given in
// Q0.31, by gemmlowp's fourth-order Taylor expansion around −1/8.
func expOnQuarterInterval(a int32) int32 {
	x := a + 1<<28 // a + 1/8
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4Over4 := RoundingDivideByPOT(x4, 2)
	// x⁴/24 + x³/6 + x²/2 = ((x⁴/4 + x³)/3 + x²)/2
	poly := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x4Over4+x3, oneThird)+x2, 1)
	return expMinusOneEighth + SaturatingRoundingDoublingHighMul(expMinusOneEighth, x+poly)
}

// ExpOnNegativeValues returns exp(a) in Q0.31 for a ≤ 0 held with
// integerBits integer bits (gemmlowp's exp_on_negative_values). integerBits
// must be in [0, 29].
func ExpOnNegativeValues(a int32, integerBits int) int32 {
	fractionalBits := 31 - integerBits
	oneQuarter := int32(1) << (fractionalBits - 2)
	// Split a into a part in [−1/4, 0) and a non-negative multiple of 1/4
	// whose bits select the barrel factors.
	aModQuarterMinusQuarter := (a & (oneQuarter - 1)) - oneQuarter
	result := expOnQuarterInterval(SaturatingRoundingMultiplyByPOT(aModQuarterMinusQuarter, integerBits))
	remainder := aModQuarterMinusQuarter - a
	for _, b := range expBarrel {
		if integerBits > b.exponent && remainder&(int32(1)<<(fractionalBits+b.exponent)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, b.factor)
		}
	}
	if integerBits > 5 && a < -(int32(1)<<(36-integerBits)) { // a < −32
		result = 0
	}
	if a == 0 {
		result = math.MaxInt32
	}
	return result
}

// newtonReciprocalHalf runs gemmlowp's Newton–Raphson division for a in
// [0, 1) in Q0.31 and returns 1/((1+a)/2) in Q2.29.
func newtonReciprocalHalf(a int32) int32 {
	halfDenominator := RoundingHalfSum(a, math.MaxInt32)
	x := fortyEightOver17 + SaturatingRoundingDoublingHighMul(halfDenominator, minusThirtyTwoOv17)
	for range 3 {
		oneMinusHalfDenTimesX := q2One - SaturatingRoundingDoublingHighMul(halfDenominator, x)
		// x·(1 − d·x) is in Q4.27; bring it back to Q2.29.
		x += SaturatingRoundingMultiplyByPOT(SaturatingRoundingDoublingHighMul(x, oneMinusHalfDenTimesX), 2)
	}
	return x
}

// OneOverOnePlusX returns 1/(1+a) in Q0.31 for a in [0, 1) given in Q0.31
// (gemmlowp's one_over_one_plus_x_for_x_in_0_1).
func OneOverOnePlusX(a int32) int32 {
	// Halving the Q2.29 reciprocal of (1+a)/2 is the same raw value read as
	// Q1.30, which is then rescaled to Q0.31.
	return SaturatingRoundingMultiplyByPOT(newtonReciprocalHalf(a), 1)
}

// OneMinusXOverOnePlusX returns (1−a)/(1+a) in Q0.31 for a in [0, 1) given
// in Q0.31 (gemmlowp's one_minus_x_over_one_plus_x_for_x_in_0_1).
func OneMinusXOverOnePlusX(a int32) int32 {
	return SaturatingRoundingMultiplyByPOT(newtonReciprocalHalf(a)-q2One, 2)
}

// Logistic returns 1/(1+exp(−a)) in Q0.31 for a held with integerBits
// integer bits (gemmlowp's logistic). integerBits must be in [0, 29].
func Logistic(a int32, integerBits int) int32 {
	if a == 0 {
		return 1 << 30 // one half
	}
	abs := a
	if a < 0 {
		abs = -a
	}
	positive := OneOverOnePlusX(ExpOnNegativeValues(-abs, integerBits))
	if a > 0 {
		return positive
	}
	return math.MaxInt32 - positive
}

// Tanh returns tanh(a) in Q0.31 for a held with integerBits integer bits
// (gemmlowp's tanh). integerBits must be in [0, 28].
func Tanh(a int32, integerBits int) int32 {
	if a == 0 {
		return 0
	}
	negative := a
	if a > 0 {
		negative = -a
	}
	// −tanh(n) = (1 − exp(2n)) / (1 + exp(2n)) for n < 0; doubling n is
	// exact by reading its raw value with one more integer bit.
	negTanh := OneMinusXOverOnePlusX(ExpOnNegativeValues(negative, integerBits+1))
	if a < 0 {
		return -negTanh
	}
	return negTanh
}

// Reciprocal returns the reciprocal of the positive fixed-point x, held with
// integerBits integer bits, as TFLite's GetReciprocal does: the result is a
// Q0.31 mantissa scale and 1/x = scale × 2^−bitsOverUnit.
func Reciprocal(x int32, integerBits int) (scale int32, bitsOverUnit int) {
	headroomPlusOne := bits.LeadingZeros32(uint32(x))
	bitsOverUnit = integerBits - headroomPlusOne
	shiftedMinusOne := int32(uint32(x)<<headroomPlusOne - 1<<31)
	return OneOverOnePlusX(shiftedMinusOne), bitsOverUnit
}

// QuantizeMultiplierSmallerThanOneExp is TFLite's QuantizeMultiplier for a
// real multiplier in (0, 1): the shift it returns is ≤ 0 (a right shift).
func QuantizeMultiplierSmallerThanOneExp(real float64) (mult int32, shift int, err error) {
	if !(real > 0 && real < 1) {
		return 0, 0, fmt.Errorf("quant: multiplier %g is not in (0, 1)", real)
	}
	mult, shift = QuantizeMultiplier(real)
	if shift > 0 {
		return 0, 0, fmt.Errorf("quant: multiplier %g rounds up to 1", real)
	}
	return mult, shift, nil
}

// QuantizeMultiplierGreaterThanOne is TFLite's QuantizeMultiplier for a real
// multiplier above 1: the shift it returns is ≥ 0 (a left shift).
func QuantizeMultiplierGreaterThanOne(real float64) (mult int32, leftShift int, err error) {
	if !(real > 1) || math.IsInf(real, 1) {
		return 0, 0, fmt.Errorf("quant: multiplier %g is not above 1", real)
	}
	mult, leftShift = QuantizeMultiplier(real)
	return mult, leftShift, nil
}

// PreprocessSoftmaxScaling is TFLite's PreprocessSoftmaxScaling: it encodes
// beta·inputScale, scaled to a fixed-point format with inputIntegerBits
// integer bits, as a multiplier above one and its left shift. It fails when
// that product is not above 2^−(31−inputIntegerBits), where TFLite's check
// would abort.
func PreprocessSoftmaxScaling(beta, inputScale float64, inputIntegerBits int) (mult int32, leftShift int, err error) {
	multiplier := min(beta*inputScale*float64(int64(1)<<(31-inputIntegerBits)), float64(math.MaxInt32))
	mult, leftShift, err = QuantizeMultiplierGreaterThanOne(multiplier)
	if err != nil {
		return 0, 0, fmt.Errorf("quant: softmax beta %g × input scale %g is too small: %w", beta, inputScale, err)
	}
	return mult, leftShift, nil
}

// CalculateInputRadius is TFLite's CalculateInputRadius: the largest input
// magnitude, in quantized steps, that still fits a fixed-point format with
// inputIntegerBits integer bits once shifted left by inputLeftShift; inputs
// beyond it saturate. totalSignedBits is 31 for int32 arithmetic.
func CalculateInputRadius(inputIntegerBits, inputLeftShift, totalSignedBits int) int32 {
	maxRescaled := float64(int64(1)<<inputIntegerBits-1) *
		float64(int64(1)<<(totalSignedBits-inputIntegerBits)) /
		float64(int64(1)<<inputLeftShift)
	return int32(math.Floor(maxRescaled))
}
