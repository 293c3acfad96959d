package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantize(t *testing.T) {
	q := Affine{Scale: 0.5, ZeroPoint: -10}
	src := []float32{0.25, -0.25, 0.75, 100, -100, float32(math.Inf(1)), float32(math.NaN())}
	dst := make([]int8, len(src))
	Quantize(src, dst, q)
	// 0.5 → 1 (half away from zero) −10; −0.5 → −1 −10; 1.5 → 2 −10;
	// 200−10 clamps to 127; −200−10 to −128; +Inf to 127; NaN to the zero point.
	assert.Equal(t, []int8{-9, -11, -8, 127, -128, 127, -10}, dst)
}

func TestDequantize(t *testing.T) {
	dst := make([]float32, 3)
	Dequantize([]uint8{0, 128, 255}, dst, Affine{Scale: 0.5, ZeroPoint: 128})
	assert.Equal(t, []float32{-64, 0, 63.5}, dst)
	Dequantize([]int16{-32768, 0, 32767}, dst, Affine{Scale: 0.25, ZeroPoint: 0})
	assert.Equal(t, []float32{-8192, 0, 8191.75}, dst)
	Dequantize([]int8{-128, 127, 0}, dst, Affine{Scale: 1, ZeroPoint: -128})
	assert.Equal(t, []float32{0, 255, 128}, dst)
}

func TestRequantize(t *testing.T) {
	// uint8 (s, 128) → int8 (s, 0) is a shift by 128.
	p, err := NewRequantizeParams(Affine{0.1, 128}, Affine{0.1, 0})
	require.NoError(t, err)
	d8 := make([]int8, 3)
	Requantize(p, []uint8{0, 128, 255}, d8)
	assert.Equal(t, []int8{-128, 0, 127}, d8)

	// int8 (1, 0) → uint8 (2, 100): multiplier ½ = 2^30·2^−31, so
	// SaturatingRoundingDoublingHighMul(q, 2^30) + 100. Its nudge rounds
	// ties upward: 5 → 2.5 → 3 → 103; −5 → −2.5 → −2 → 98 (the nudge
	// 1 − 2^30 leaves (−3·2^31 + 1)/2^31, truncated to −2);
	// −128 → −64 → 36; 127 → 63.5 → 64 → 164.
	p, err = NewRequantizeParams(Affine{1, 0}, Affine{2, 100})
	require.NoError(t, err)
	du := make([]uint8, 4)
	Requantize(p, []int8{5, -5, -128, 127}, du)
	assert.Equal(t, []uint8{103, 98, 36, 164}, du)

	rng := rand.New(rand.NewPCG(31, 1))
	for range 20 {
		qi, qo := randAffine[int8](rng), randAffine[int8](rng)
		p, err := NewRequantizeParams(qi, qo)
		require.NoError(t, err)
		src := randValues[int8](rng, 64)
		want := make([]int32, len(src))
		for i, v := range src {
			want[i] = refQuantize(refReal(int32(v), qi), qo, -128, 127)
		}
		dst := make([]int8, len(src))
		Requantize(p, src, dst)
		requireWithin(t, want, dst, 1)
	}
	_, err = NewRequantizeParams(Affine{0, 0}, Affine{1, 0})
	assert.Error(t, err)
}

func TestDequantizeLookupMatchesDequantize(t *testing.T) {
	q := Affine{Scale: 0.0078125 * 1.37, ZeroPoint: -3}
	u := make([]uint8, 256)
	s := make([]int8, 256)
	for i := range u {
		u[i], s[i] = uint8(i), int8(i)
	}
	want, got := make([]float32, 256), make([]float32, 256)
	Dequantize(u, want, q)
	DequantizeLookup(NewDequantTable[uint8](q), u, got)
	assert.Equal(t, want, got)
	Dequantize(s, want, q)
	DequantizeLookup(NewDequantTable[int8](q), s, got)
	assert.Equal(t, want, got)
}
