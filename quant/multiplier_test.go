package quant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConvMultipliersPerTensor(t *testing.T) {
	// 0.5·0.25/0.125 = 1 = 0.5·2^1.
	mult, shift := ConvMultipliers(0.5, []float32{0.25}, 0.125, 3, true)
	assert.Equal(t, []int32{1 << 30, 1 << 30, 1 << 30}, mult)
	assert.Equal(t, []int{1, 1, 1}, shift)
}

func TestConvMultipliersPerChannel(t *testing.T) {
	// 0.5·{0.25, 0.0625, 3}/1 = {0.125, 0.03125, 1.5} = {0.5·2^−2, 0.5·2^−4, 0.75·2^1}.
	mult, shift := ConvMultipliers(0.5, []float32{0.25, 0.0625, 3}, 1, 3, false)
	assert.Equal(t, []int32{1 << 30, 1 << 30, 3 << 29}, mult)
	assert.Equal(t, []int{-2, -4, 1}, shift)
}

func TestConvMultipliersProductPrecision(t *testing.T) {
	// s = 1 + 2^−12 is exact in float32. s·s = 1 + 2^−11 + 2^−24: float32
	// drops the 2^−24 (a tie, to even), float64 keeps it. The mantissa of
	// 0.5·(1 + 2^−11 [+ 2^−24])·2^1 is 2^30 + 2^19 [+ 2^6].
	const s = 1 + 0x1p-12
	mult, shift := ConvMultipliers(s, []float32{s}, 1, 1, true)
	assert.Equal(t, []int32{1<<30 + 1<<19}, mult, "legacy per-tensor multiplies in float32")
	assert.Equal(t, []int{1}, shift)
	mult, shift = ConvMultipliers(s, []float32{s}, 1, 1, false)
	assert.Equal(t, []int32{1<<30 + 1<<19 + 1<<6}, mult, "per-tensor int8 convolution multiplies in float64")
	assert.Equal(t, []int{1}, shift)
	mult, shift = ConvMultipliers(s, []float32{s, s}, 1, 2, true)
	assert.Equal(t, []int32{1<<30 + 1<<19 + 1<<6, 1<<30 + 1<<19 + 1<<6}, mult, "per-channel multiplies in float64")
	assert.Equal(t, []int{1, 1}, shift)
}

func TestActivationRange(t *testing.T) {
	cases := []struct {
		name             string
		kind             FusedActivation
		scale            float32
		zero, qmin, qmax int32
		lo, hi           int32
	}{
		{"uint8 none", ActNone, 0.05, 10, 0, 255, 0, 255},
		{"uint8 relu", ActRelu, 0.05, 10, 0, 255, 10, 255},
		// 6/0.05 rounds to 120 in float32: 10 + 120.
		{"uint8 relu6", ActRelu6, 0.05, 10, 0, 255, 10, 130},
		// ±1/0.05 = ±20: 10 − 20 clamps to 0, 10 + 20.
		{"uint8 relu-1-1", ActReluN1To1, 0.05, 10, 0, 255, 0, 30},
		// 6/0.1 = 60: −128 + 60.
		{"int8 relu6", ActRelu6, 0.1, -128, -128, 127, -128, -68},
		// ±1/0.4 = ±2.5 in float32, rounded away from zero.
		{"int8 relu-1-1 ties", ActReluN1To1, 0.4, 0, -128, 127, -3, 3},
		{"int8 relu6 wide", ActRelu6, 0.01, 0, -128, 127, 0, 127},
		{"tiny scale saturates", ActRelu6, 1e-30, 0, -128, 127, 0, 127},
	}
	for _, c := range cases {
		lo, hi := ActivationRange(c.kind, c.scale, c.zero, c.qmin, c.qmax)
		assert.Equal(t, c.lo, lo, c.name)
		assert.Equal(t, c.hi, hi, c.name)
	}
}

func TestFloatActivationRange(t *testing.T) {
	cases := []struct {
		kind   FusedActivation
		lo, hi float32
	}{
		{ActNone, -math.MaxFloat32, math.MaxFloat32},
		{ActRelu, 0, math.MaxFloat32},
		{ActRelu6, 0, 6},
		{ActReluN1To1, -1, 1},
	}
	for _, c := range cases {
		lo, hi := FloatActivationRange(c.kind)
		assert.Equal(t, c.lo, lo, "kind %d", c.kind)
		assert.Equal(t, c.hi, hi, "kind %d", c.kind)
	}
}
