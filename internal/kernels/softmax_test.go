package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/quant"
)

func TestSoftmaxFloat(t *testing.T) {
	src := []float32{1, 2, 3, 0, 0, 0}
	dst := make([]float32, 6)
	SoftmaxF32(2, 3, src, dst, 1)
	e := []float64{math.Exp(-2), math.Exp(-1), 1}
	s := e[0] + e[1] + e[2]
	assert.InDeltaSlice(t, []float64{e[0] / s, e[1] / s, e[2] / s, 1.0 / 3, 1.0 / 3, 1.0 / 3}, toF64(dst), 1e-7)
}

func TestSoftmaxQuantizedByHand(t *testing.T) {
	// Two equal entries: each exp is one (MaxInt32), rescaled to Q12.19 is
	// 2^19; the sum 2^20 has 11 leading zeros, so one bit over unit and the
	// reciprocal mantissa ≈ 1; exponent 1 + 31 − 8 = 24, and
	// 2^31·2^31/2^31 >> 24 = 128 steps of 1/256 — one half.
	p, err := NewSoftmaxParams[int8](Affine{0.1, 0}, Affine{1.0 / 256, -128}, 1)
	require.NoError(t, err)
	dst := make([]int8, 2)
	SoftmaxQ(p, 1, 2, []int8{5, 5}, dst)
	assert.Equal(t, []int8{0, 0}, dst) // 128 − 128

	// An entry far below the maximum (difference beyond diff_min) is
	// exactly the output minimum; a lone maximum takes everything: 256
	// steps saturates at 255.
	pu, err := NewSoftmaxParams[uint8](Affine{1, 0}, Affine{1.0 / 256, 0}, 1)
	require.NoError(t, err)
	du := make([]uint8, 2)
	SoftmaxQ(pu, 1, 2, []uint8{255, 0}, du)
	assert.Equal(t, []uint8{255, 0}, du)

	_, err = NewSoftmaxParams[uint8](Affine{1, 0}, Affine{1.0 / 256, -128}, 1)
	assert.Error(t, err, "uint8 output zero point must be 0")
	_, err = NewSoftmaxParams[int8](Affine{1e-9, 0}, Affine{1.0 / 256, -128}, 1)
	assert.Error(t, err, "beta·scale too small")
}

func testSoftmaxRandom[T int8 | uint8](t *testing.T, seed uint64) {
	lo, hi := typeRange[T]()
	rng := rand.New(rand.NewPCG(seed, 5))
	for range 30 {
		qi := randAffine[T](rng)
		qi.Scale *= 2
		beta := float32(0.5 + rng.Float64())
		p, err := NewSoftmaxParams[T](qi, Affine{1.0 / 256, lo}, beta)
		require.NoError(t, err)
		const outer, depth = 3, 10
		src := randValues[T](rng, outer*depth)
		want := make([]int32, len(src))
		for r := range outer {
			row := src[r*depth : (r+1)*depth]
			var sum float64
			for _, v := range row {
				sum += math.Exp(float64(beta) * refReal(int32(v), qi))
			}
			for c, v := range row {
				prob := math.Exp(float64(beta)*refReal(int32(v), qi)) / sum
				want[r*depth+c] = refQuantize(prob, Affine{1.0 / 256, lo}, lo, hi)
			}
		}
		dst := make([]T, len(src))
		SoftmaxQ(p, outer, depth, src, dst)
		// The fixed-point exp and reciprocal are accurate to ~1e−6, far
		// below a 1/256 step: one step covers rounding ties.
		requireWithin(t, want, dst, 1)
	}
}

func TestSoftmaxRandom(t *testing.T) {
	testSoftmaxRandom[uint8](t, 1)
	testSoftmaxRandom[int8](t, 2)
}

// softmaxQPerElement is SoftmaxQ as TFLite's reference writes it, the
// fixed-point exp evaluated for every element in both passes: the twin
// the tabulated SoftmaxQ must equal bit for bit.
func softmaxQPerElement[T int8 | uint8](p *SoftmaxParams, outer, depth int, src, dst []T) {
	lo, hi := typeRange[T]()
	for r := range outer {
		row, out := src[r*depth:(r+1)*depth], dst[r*depth:(r+1)*depth]
		maxVal := lo
		for _, v := range row {
			maxVal = max(maxVal, int32(v))
		}
		var sum int32
		for _, v := range row {
			if diff := int32(v) - maxVal; diff >= p.diffMin {
				sum += quant.RoundingDivideByPOT(p.exp(diff), softmaxAccumIntegerBits)
			}
		}
		scale, bitsOverUnit := quant.Reciprocal(sum, softmaxAccumIntegerBits)
		exponent := bitsOverUnit + 31 - 8
		for c, v := range row {
			diff := int32(v) - maxVal
			if diff < p.diffMin || exponent > 31 {
				out[c] = T(lo)
				continue
			}
			prob := quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(scale, p.exp(diff)), exponent)
			out[c] = T(quant.Clamp(prob+lo, lo, hi))
		}
	}
}

// testSoftmaxTables checks SoftmaxQ against softmaxQPerElement on random
// scales and betas (small ones, where diffMin cuts differences off, and
// large), rows of 1 to 1100 values with edge values and many equal maxima.
func testSoftmaxTables[T int8 | uint8](t *testing.T, seed uint64) {
	lo, hi := typeRange[T]()
	rng := rand.New(rand.NewPCG(seed, 9))
	for iter := range 300 {
		qi := randAffine[T](rng)
		qi.Scale = float32(math.Exp(rng.Float64()*8 - 6)) // 0.0025 to 7.4
		beta := float32(0.2 + 2*rng.Float64())
		p, err := NewSoftmaxParams[T](qi, Affine{1.0 / 256, lo}, beta)
		if err != nil {
			continue
		}
		outer, depth := 1+rng.IntN(3), 1+rng.IntN(1100)
		src := randValues[T](rng, outer*depth)
		for i := range src {
			switch rng.IntN(8) {
			case 0:
				src[i] = T(lo)
			case 1:
				src[i] = T(hi)
			}
		}
		want, got := make([]T, len(src)), make([]T, len(src))
		softmaxQPerElement(p, outer, depth, src, want)
		SoftmaxQ(p, outer, depth, src, got)
		require.Equal(t, want, got, "iteration %d: scale %g beta %g depth %d", iter, qi.Scale, beta, depth)
	}
}

func TestSoftmaxTablesMatchTheReference(t *testing.T) {
	testSoftmaxTables[uint8](t, 3)
	testSoftmaxTables[int8](t, 4)
}

// BenchmarkSoftmaxQ times MobileNet's 1001-class SOFTMAX.
func BenchmarkSoftmaxQ(b *testing.B) {
	p, err := NewSoftmaxParams[uint8](Affine{0.1, 0}, Affine{1.0 / 256, 0}, 1)
	require.NoError(b, err)
	rng := rand.New(rand.NewPCG(1, 2))
	src, dst := randValues[uint8](rng, 1001), make([]uint8, 1001)
	for b.Loop() {
		SoftmaxQ(p, 1, 1001, src, dst)
	}
}
