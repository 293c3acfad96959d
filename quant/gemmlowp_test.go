package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// toRaw converts a real value to a fixed-point raw with integerBits integer
// bits (for building test inputs).
func toRaw(v float64, integerBits int) int32 {
	return int32(math.Round(v * float64(int64(1)<<(31-integerBits))))
}

// toReal converts a raw fixed-point value back to a real number.
func toReal(r int32, integerBits int) float64 {
	return float64(r) / float64(int64(1)<<(31-integerBits))
}

func TestSaturatingRoundingMultiplyByPOT(t *testing.T) {
	assert.Equal(t, int32(3), SaturatingRoundingMultiplyByPOT(5, -1))   // 2.5 rounds away from zero
	assert.Equal(t, int32(-3), SaturatingRoundingMultiplyByPOT(-5, -1)) // −2.5 likewise
	assert.Equal(t, int32(2), SaturatingRoundingMultiplyByPOT(9, -2))   // 2.25 → 2
	assert.Equal(t, int32(12), SaturatingRoundingMultiplyByPOT(3, 2))
	assert.Equal(t, int32(7), SaturatingRoundingMultiplyByPOT(7, 0))
	// 2^30 << 1 does not fit: saturates (threshold is 2^30 − 1).
	assert.Equal(t, int32(math.MaxInt32), SaturatingRoundingMultiplyByPOT(1<<30, 1))
	assert.Equal(t, int32(math.MinInt32), SaturatingRoundingMultiplyByPOT(-(1<<30)-1, 1))
	assert.Equal(t, int32(1<<30-1)*2, SaturatingRoundingMultiplyByPOT(1<<30-1, 1))
}

func TestRoundingHalfSum(t *testing.T) {
	assert.Equal(t, int32(2), RoundingHalfSum(1, 2))    // 1.5 → 2
	assert.Equal(t, int32(-2), RoundingHalfSum(-1, -2)) // −1.5 → −2
	assert.Equal(t, int32(3), RoundingHalfSum(3, 3))
	assert.Equal(t, int32(math.MaxInt32), RoundingHalfSum(math.MaxInt32, math.MaxInt32)) // no overflow
}

// The fixed-point functions approximate their real counterparts to within a
// few units of 2^−31; gemmlowp documents no exact bound, so these tests use
// 1e−6, about 2000 Q0.31 units, which still catches any wrong constant,
// shift or branch.
const fixedTol = 1e-6

func TestExpOnNegativeValues(t *testing.T) {
	assert.Equal(t, int32(math.MaxInt32), ExpOnNegativeValues(0, 5), "exp(0) is gemmlowp's one")
	for _, bits := range []int{0, 4, 5, 6, 12} {
		limit := math.Min(float64(int64(1)<<bits), 40)
		for _, x := range []float64{-0.25, -0.125, -0.5, -1, -2, -3.75, -limit + 1e-3} {
			if x < -float64(int64(1)<<bits) {
				continue
			}
			got := toReal(ExpOnNegativeValues(toRaw(x, bits), bits), 0)
			assert.InDelta(t, math.Exp(x), got, fixedTol, "exp(%g) with %d integer bits", x, bits)
		}
	}
	// With more than 5 integer bits, inputs below −32 flush to zero.
	assert.Equal(t, int32(0), ExpOnNegativeValues(toRaw(-33, 6), 6))

	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		x := -rng.Float64() * 31.9
		got := toReal(ExpOnNegativeValues(toRaw(x, 5), 5), 0)
		require.InDelta(t, math.Exp(x), got, fixedTol, "exp(%g)", x)
	}
}

func TestOneOverOnePlusXAndOneMinusX(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		x := rng.Float64()
		require.InDelta(t, 1/(1+x), toReal(OneOverOnePlusX(toRaw(x, 0)), 0), fixedTol, "1/(1+%g)", x)
		require.InDelta(t, (1-x)/(1+x), toReal(OneMinusXOverOnePlusX(toRaw(x, 0)), 0), fixedTol, "(1−x)/(1+x) at %g", x)
	}
}

func TestLogisticAndTanh(t *testing.T) {
	assert.Equal(t, int32(1<<30), Logistic(0, 4), "logistic(0) = 1/2 exactly")
	assert.Equal(t, int32(0), Tanh(0, 4))
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		x := (rng.Float64()*2 - 1) * 15.9
		require.InDelta(t, 1/(1+math.Exp(-x)), toReal(Logistic(toRaw(x, 4), 4), 0), fixedTol, "logistic(%g)", x)
		require.InDelta(t, math.Tanh(x), toReal(Tanh(toRaw(x, 4), 4), 0), fixedTol, "tanh(%g)", x)
	}
	// Symmetry: logistic(−x) = 1 − logistic(x) exactly in gemmlowp's
	// construction (MaxInt32 − positive result).
	p := Logistic(toRaw(1.5, 4), 4)
	assert.Equal(t, int32(math.MaxInt32)-p, Logistic(toRaw(-1.5, 4), 4))
	assert.Equal(t, -Tanh(toRaw(0.7, 4), 4), Tanh(toRaw(-0.7, 4), 4))
}

func TestReciprocal(t *testing.T) {
	// 1.0 in Q12.19 is 2^19: 12 leading zeros, so no bits over unit, and
	// the mantissa is 1/(1+0) ≈ one.
	scale, over := Reciprocal(1<<19, 12)
	assert.Equal(t, 0, over)
	assert.InDelta(t, 1.0, toReal(scale, 0), fixedTol)
	// 3.0 = 1.5·2^1: bitsOverUnit 1, mantissa 1/1.5.
	scale, over = Reciprocal(3<<19, 12)
	assert.Equal(t, 1, over)
	assert.InDelta(t, 1/1.5, toReal(scale, 0), fixedTol)
	// 0.75 in Q12.19: 0.75 = 1.5·2^−1.
	scale, over = Reciprocal(3<<17, 12)
	assert.Equal(t, -1, over)
	assert.InDelta(t, 1/1.5, toReal(scale, 0), fixedTol)
}

func TestQuantizeMultiplierVariants(t *testing.T) {
	m, s, err := QuantizeMultiplierSmallerThanOneExp(0.5)
	require.NoError(t, err)
	assert.Equal(t, int32(1<<30), m) // 0.5 = 2^30/2^31 · 2^0
	assert.Equal(t, 0, s)
	m, s, err = QuantizeMultiplierSmallerThanOneExp(0.1875) // 0.75·2^−2
	require.NoError(t, err)
	assert.Equal(t, int32(1610612736), m) // 0.75·2^31
	assert.Equal(t, -2, s)
	for _, bad := range []float64{0, 1, 1.5, -0.5, math.NaN()} {
		_, _, err = QuantizeMultiplierSmallerThanOneExp(bad)
		assert.Error(t, err, "%g", bad)
	}

	m, s, err = QuantizeMultiplierGreaterThanOne(3) // 0.75·2^2
	require.NoError(t, err)
	assert.Equal(t, int32(1610612736), m)
	assert.Equal(t, 2, s)
	for _, bad := range []float64{1, 0.5, math.Inf(1), math.NaN()} {
		_, _, err = QuantizeMultiplierGreaterThanOne(bad)
		assert.Error(t, err, "%g", bad)
	}
}

func TestSoftmaxScalingAndRadius(t *testing.T) {
	// beta 1, scale 0.1: 0.1·2^26 = 6710886.4 = 0.8·2^23.
	m, s, err := PreprocessSoftmaxScaling(1, 0.1, 5)
	require.NoError(t, err)
	assert.Equal(t, int32(1717986918), m) // round(0.8·2^31)
	assert.Equal(t, 23, s)
	// Radius: floor((2^5−1)·2^26 / 2^23) = 31·8 = 248.
	assert.Equal(t, int32(248), CalculateInputRadius(5, 23, 31))
	// Logistic's Q4.27 with shift 20: floor(15·2^27/2^20) = 1920.
	assert.Equal(t, int32(1920), CalculateInputRadius(4, 20, 31))

	// A huge product is capped at 2^31 − 1, which saturates to shift 30.
	m, s, err = PreprocessSoftmaxScaling(1e6, 1e3, 5)
	require.NoError(t, err)
	assert.Equal(t, int32(math.MaxInt32), m)
	assert.Equal(t, 30, s)
	assert.Equal(t, int32(1), CalculateInputRadius(5, 30, 31)) // floor(31/16)

	_, _, err = PreprocessSoftmaxScaling(1, 1e-9, 5) // 1e−9·2^26 < 1
	assert.Error(t, err)
}
