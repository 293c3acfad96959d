package quant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected values below follow from gemmlowp's definitions: the
// doubling high multiply is (a·b + nudge) / 2^31 truncated, with nudge 2^30
// for a non-negative product and 1 − 2^30 otherwise, so its exact ties
// round towards +∞; RoundingDivideByPOT rounds ties away from zero.

func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	cases := []struct {
		a, b, want int32
	}{
		{math.MinInt32, math.MinInt32, math.MaxInt32}, // 2^62·2/2^32 = 2^31 overflows: saturates
		{1 << 30, 1 << 30, 1 << 29},                   // 2^61/2^32
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1},
		{math.MinInt32, math.MaxInt32, -math.MaxInt32}, // exact: −(2^31 − 1)
		{1, 1 << 30, 1},       // 0.5 rounds up
		{-1, 1 << 30, 0},      // −0.5 rounds up to 0
		{3, 1 << 30, 2},       // 1.5 → 2
		{-3, 1 << 30, -1},     // −1.5 → −1
		{-5, 1 << 29, -1},     // −1.25 → −1
		{-7, 1 << 29, -2},     // −1.75 → −2
		{1000, 1 << 29, 250},  // 1000/4
		{0, math.MinInt32, 0}, // zero stays zero
		{-1000, math.MinInt32, 1000},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, SaturatingRoundingDoublingHighMul(c.a, c.b), "a=%d b=%d", c.a, c.b)
	}
}

func TestRoundingDivideByPOT(t *testing.T) {
	cases := []struct {
		x        int32
		exponent int
		want     int32
	}{
		{5, 1, 3},   // 2.5 → 3
		{-5, 1, -3}, // −2.5 → −3
		{1, 1, 1},   // 0.5 → 1
		{-1, 1, -1}, // −0.5 → −1
		{6, 2, 2},   // 1.5 → 2
		{-6, 2, -2}, // −1.5 → −2
		{7, 2, 2},   // 1.75 → 2
		{-7, 2, -2}, // −1.75 → −2
		{-3, 2, -1}, // −0.75 → −1
		{-1, 2, 0},  // −0.25 → 0
		{-9, 3, -1}, // −1.125 → −1
		{-12, 3, -2},
		{42, 0, 42},
		{-42, 0, -42},
		{math.MinInt32, 1, -(1 << 30)},
		{math.MinInt32, 31, -1},
		{math.MaxInt32, 31, 1}, // 0.99999… → 1
		{math.MaxInt32, 30, 2}, // 1.99999… → 2
	}
	for _, c := range cases {
		assert.Equal(t, c.want, RoundingDivideByPOT(c.x, c.exponent), "x=%d exponent=%d", c.x, c.exponent)
	}
}

func TestQuantizeMultiplier(t *testing.T) {
	cases := []struct {
		name  string
		real  float64
		mult  int32
		shift int
	}{
		{"zero", 0, 0, 0},
		{"half", 0.5, 1 << 30, 0},
		{"one", 1, 1 << 30, 1},
		{"three quarters", 0.75, 3 << 29, 0},
		{"three", 3, 3 << 29, 2},
		// 1/3 = (2/3)·2^−1; (2/3)·2^31 = 1431655765.33 rounds down.
		{"third", 1.0 / 3, 1431655765, -1},
		// A uint8 layer: input scale 2^−7, filter scale 2^−8, output 1.
		{"scale product", 0.0078125 * 0.00390625, 1 << 30, -14},
		// 0.0078125·(1/255)/0.05 = 1/1632 = (32/51)·2^−10; (32/51)·2^31 =
		// 1347440720.31 rounds down.
		{"typical", 0.0078125 * (1.0 / 255) / 0.05, 1347440720, -10},
		// Mantissa 1 − 2^−31: 2^31 − 1 exactly, the largest that fits.
		{"largest mantissa", 1 - 0x1p-31, math.MaxInt32, 0},
		// 2^31 − 0.75 rounds to 2^31 − 1.
		{"just below the tie", 1 - 3*0x1p-33, math.MaxInt32, 0},
		// 2^31 − 0.5 rounds up to 2^31, which is halved with the exponent raised.
		{"rounds up to 2^31", 1 - 0x1p-32, 1 << 30, 1},
		{"rounds up to 2^31 below a half", 0.5 - 0x1p-34, 1 << 30, 0},
		{"smallest kept", 0x1p-32, 1 << 30, -31},
		{"flushes to zero", 0x1p-33, 0, 0},
		{"tiny flushes to zero", 1e-20, 0, 0},
		{"largest kept", 0x1p29, 1 << 30, 30},
		{"saturates", 0x1p30, math.MaxInt32, 30},
		{"huge saturates", 1e20, math.MaxInt32, 30},
	}
	for _, c := range cases {
		mult, shift := QuantizeMultiplier(c.real)
		assert.Equal(t, c.mult, mult, c.name)
		assert.Equal(t, c.shift, shift, c.name)
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	const half, threeQuarters = 1 << 30, 3 << 29
	cases := []struct {
		name  string
		x     int32
		mult  int32
		shift int
		want  int32
	}{
		{"exact half", 100, half, 0, 50},
		{"positive tie", 101, half, 0, 51},             // 50.5 → 51
		{"negative tie", -101, half, 0, -50},           // high multiply rounds −50.5 up
		{"quarter of negative", -101, half, -1, -25},   // −50.5 → −50, then −25
		{"negative eighth", -7, half, -2, -1},          // −3.5 → −3, then −0.75 → −1
		{"small negative eighth", -3, half, -2, 0},     // −1.5 → −1, then −0.25 → 0
		{"negative tie after shift", -6, half, -1, -2}, // −3, then −1.5 → −2
		// Double rounding: 1·0.25 is 0.25, but 0.5 rounds to 1, then 1/2 to 1.
		{"double rounding", 1, half, -1, 1},
		{"three eighths", 5, threeQuarters, -1, 2}, // 3.75 → 4, then 2
		{"one", 3, half, 1, 3},                     // 6·0.5
		{"three", 3, threeQuarters, 2, 9},          // 12·0.75
		{"saturation", math.MinInt32, math.MinInt32, 0, math.MaxInt32},
		{"most negative halved", math.MinInt32, half, 0, -(1 << 30)},
		{"zero", 0, threeQuarters, -5, 0},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, MultiplyByQuantizedMultiplier(c.x, c.mult, c.shift), c.name)
	}
}

func TestMultiplyByQuantizedMultiplierVariantsAgree(t *testing.T) {
	// For shift ≤ 0 and shift ≥ 0 respectively, TFLite's specialised
	// variants compute the same as the general function.
	for _, x := range []int32{-1000003, -101, -7, -1, 0, 1, 5, 101, 999999} {
		assert.Equal(t, MultiplyByQuantizedMultiplier(x, 3<<29, -3), MultiplyByQuantizedMultiplierSmallerThanOneExp(x, 3<<29, -3), "x=%d", x)
		assert.Equal(t, MultiplyByQuantizedMultiplier(x, 3<<29, 2), MultiplyByQuantizedMultiplierGreaterThanOne(x, 3<<29, 2), "x=%d", x)
	}
}
