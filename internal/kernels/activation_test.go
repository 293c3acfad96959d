package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReluFloats(t *testing.T) {
	src := []float32{-2, -0.5, 0, 0.5, 3, 7}
	dst := make([]float32, len(src))
	for _, target := range Targets() {
		NewFloatClamp(target, FloatRange{Min: 0, Max: float32(math.Inf(1))}).Apply(src, dst)
		assert.Equal(t, []float32{0, 0, 0, 0.5, 3, 7}, dst, target)
		NewFloatClamp(target, FloatRange{Min: 0, Max: 6}).Apply(src, dst)
		assert.Equal(t, []float32{0, 0, 0, 0.5, 3, 6}, dst, target)
		NewFloatClamp(target, FloatRange{Min: -1, Max: 1}).Apply(src, dst)
		assert.Equal(t, []float32{-1, -0.5, 0, 0.5, 1, 1}, dst, target)
	}
	LeakyReluF32(src, dst, 0.1)
	assert.Equal(t, []float32{-0.2, -0.05, 0, 0.5, 3, 7}, dst)
	hs := make([]float32, 7)
	HardSwishF32([]float32{-4, -3, -1, 0, 1, 3, 5}, hs)
	// x·relu6(x+3)/6: 0, 0, −1·2/6, 0, 1·4/6, 3, 5
	assert.InDeltaSlice(t, []float64{0, 0, -1.0 / 3, 0, 2.0 / 3, 3, 5}, toF64(hs), 1e-7)
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func TestReluQuantizedByHand(t *testing.T) {
	// In (0.5, 128) → out (0.25, 0): multiplier 2. RELU6's upper bound is
	// round(6/0.25) = 24.
	p, err := NewReluParams[uint8](Affine{0.5, 128}, Affine{0.25, 0}, 0, 6)
	require.NoError(t, err)
	dst := make([]uint8, 4)
	ReluQ(p, []uint8{140, 100, 200, 129}, dst)
	// 140: 6.0 → 24; 100: −14 → clamps to 0; 200: 36 → 24; 129: 0.5 → 2.
	assert.Equal(t, []uint8{24, 0, 24, 2}, dst)

	// RELU (no upper bound) on int8 with the same scale: values pass
	// through above the zero point, clamp to it below.
	p, err = NewReluParams[int8](Affine{0.1, -5}, Affine{0.1, -5}, 0, float32(math.Inf(1)))
	require.NoError(t, err)
	d8 := make([]int8, 4)
	ReluQ(p, []int8{-128, -6, -5, 127}, d8)
	assert.Equal(t, []int8{-5, -5, -5, 127}, d8)

	// RELU_N1_TO_1 at scale 1/64, zero point 0: range [−64, 64].
	p, err = NewReluParams[int8](Affine{1.0 / 64, 0}, Affine{1.0 / 64, 0}, -1, 1)
	require.NoError(t, err)
	ReluQ(p, []int8{-128, -10, 10, 127}, d8)
	assert.Equal(t, []int8{-64, -10, 10, 64}, d8)
}

func TestLeakyReluQuantized(t *testing.T) {
	// In (0.5, 0) → out (0.5, 0), alpha 0.25: identity multiplier 1,
	// alpha multiplier 0.25. −8 (−4.0) → −1.0 → −2; −6 → −0.75 → −1.5
	// rounds away from zero to −2; 10 stays 10.
	p, err := NewLeakyReluParams(Affine{0.5, 0}, Affine{0.5, 0}, 0.25)
	require.NoError(t, err)
	dst := make([]int8, 3)
	LeakyReluQ(p, []int8{-8, -6, 10}, dst)
	assert.Equal(t, []int8{-2, -2, 10}, dst)

	rng := rand.New(rand.NewPCG(11, 1))
	for range 20 {
		qi, qo := randAffine[uint8](rng), randAffine[uint8](rng)
		alpha := float32(rng.Float64())
		p, err := NewLeakyReluParams(qi, qo, alpha)
		require.NoError(t, err)
		src := randValues[uint8](rng, 64)
		want := make([]int32, len(src))
		for i, v := range src {
			r := refReal(int32(v), qi)
			if r < 0 {
				r *= float64(alpha)
			}
			want[i] = refQuantize(r, qo, 0, 255)
		}
		dst := make([]uint8, len(src))
		LeakyReluQ(p, src, dst)
		requireWithin(t, want, dst, 1)
	}
	_, err = NewLeakyReluParams(Affine{0.5, 0}, Affine{0.5, 0}, float32(math.NaN()))
	assert.Error(t, err)
}

func TestPrelu(t *testing.T) {
	// Float, one slope per channel broadcast over [1,2,1,2].
	dst := make([]float32, 4)
	PreluF32(Shape4{1, 2, 1, 2}, []float32{-1, -2, 3, -4}, Shape4{1, 1, 1, 2}, []float32{0.5, 0.25}, dst)
	assert.Equal(t, []float32{-0.5, -0.5, 3, -1}, dst)

	// Quantized: in (0.5, 10), alpha (1/128, 0), out (0.25, −20).
	// x = 2 → −4.0 with alpha 64 → 0.5: −2.0 → −8 − 20 = −28.
	// x = 14 → 2.0 → 8 − 20 = −12.
	p, err := NewPreluParams(Affine{0.5, 10}, Affine{1.0 / 128, 0}, Affine{0.25, -20})
	require.NoError(t, err)
	d8 := make([]int8, 2)
	PreluQ(p, Shape4{1, 1, 1, 2}, []int8{2, 14}, Shape4{1, 1, 1, 2}, []int8{64, 64}, d8)
	assert.Equal(t, []int8{-28, -12}, d8)

	rng := rand.New(rand.NewPCG(12, 1))
	for range 20 {
		qi, qa, qo := randAffine[int8](rng), randAffine[int8](rng), randAffine[int8](rng)
		p, err := NewPreluParams(qi, qa, qo)
		require.NoError(t, err)
		si, sa := Shape4{1, 3, 2, 4}, Shape4{1, 1, 1, 4}
		src, alpha := randValues[int8](rng, si.Size()), randValues[int8](rng, sa.Size())
		want := make([]int32, si.Size())
		for i, v := range src {
			r := refReal(int32(v), qi)
			if r < 0 {
				r *= refReal(int32(alpha[i%4]), qa)
			}
			want[i] = refQuantize(r, qo, -128, 127)
		}
		dst := make([]int8, si.Size())
		PreluQ(p, si, src, sa, alpha, dst)
		requireWithin(t, want, dst, 1)
	}
}

// hardSwishRef is the float64 model of HARD_SWISH.
func hardSwishRef(x float64) float64 { return x * math.Min(6, math.Max(0, x+3)) / 6 }

func TestHardSwishQuantized(t *testing.T) {
	// Zero in gives zero out whatever the scales.
	p, err := NewHardSwishParams(Affine{0.05, 3}, Affine{0.03, -7})
	require.NoError(t, err)
	dst := make([]int8, 1)
	HardSwishQ(p, []int8{3}, dst)
	assert.Equal(t, int8(-7), dst[0])

	// TFLite's int16 fixed-point path is approximate: its own tests allow
	// an error of a few output steps. Against the exact float64 model this
	// bound is 2 steps over the whole input range of random scales.
	rng := rand.New(rand.NewPCG(13, 1))
	for range 40 {
		qi := randAffine[uint8](rng)
		qo := randAffine[uint8](rng)
		qo.ZeroPoint = min(qo.ZeroPoint, 60) // room for the mostly positive outputs
		p, err := NewHardSwishParams(qi, qo)
		require.NoError(t, err)
		src := make([]uint8, 256)
		for i := range src {
			src[i] = uint8(i)
		}
		want := make([]int32, len(src))
		for i, v := range src {
			want[i] = refQuantize(hardSwishRef(refReal(int32(v), qi)), qo, 0, 255)
		}
		dst := make([]uint8, len(src))
		HardSwishQ(p, src, dst)
		requireWithin(t, want, dst, 2, "in %v out %v", qi, qo)
	}
	_, err = NewHardSwishParams(Affine{100, 0}, Affine{0.001, 0}) // output multiplier > 1
	assert.Error(t, err)
}

func TestLogisticTanhFloat(t *testing.T) {
	src := []float32{-20, -9.5, -1, 0, 2, 17}
	dst := make([]float32, len(src))
	LogisticF32(src, dst)
	for i, x := range src {
		assert.InDelta(t, 1/(1+math.Exp(-float64(x))), float64(dst[i]), 1e-7, "logistic(%g)", x)
	}
	assert.Equal(t, float32(1), dst[5], "above the cut-off the result is exactly 1")
	TanhF32(src, dst)
	for i, x := range src {
		assert.InDelta(t, math.Tanh(float64(x)), float64(dst[i]), 1e-7)
	}
}

func testLogisticTanh[T int8 | uint8](t *testing.T, seed uint64) {
	lo, hi := typeRange[T]()
	lp, err := NewLogisticParams[T](Affine{0.1, lo + 128}, Affine{1.0 / 256, lo})
	require.NoError(t, err)
	tp, err := NewTanhParams[T](Affine{0.1, lo + 128}, Affine{1.0 / 128, lo + 128})
	require.NoError(t, err)
	// At the zero point: logistic 0.5 → 128 steps above the minimum,
	// tanh 0 → the output zero point.
	dst := make([]T, 1)
	LogisticQ(lp, []T{T(lo + 128)}, dst)
	assert.Equal(t, T(lo+128), dst[0])
	TanhQ(tp, []T{T(lo + 128)}, dst)
	assert.Equal(t, T(lo+128), dst[0])

	rng := rand.New(rand.NewPCG(seed, 3))
	for range 20 {
		qi := randAffine[T](rng)
		qi.Scale *= 3 // reach the saturated tails too
		lp, err := NewLogisticParams[T](qi, Affine{1.0 / 256, lo})
		require.NoError(t, err)
		tp, err := NewTanhParams[T](qi, Affine{1.0 / 128, lo + 128})
		require.NoError(t, err)
		src := randValues[T](rng, 128)
		wantL := make([]int32, len(src))
		wantT := make([]int32, len(src))
		for i, v := range src {
			x := refReal(int32(v), qi)
			wantL[i] = refQuantize(1/(1+math.Exp(-x)), Affine{1.0 / 256, lo}, lo, hi)
			wantT[i] = refQuantize(math.Tanh(x), Affine{1.0 / 128, lo + 128}, lo, hi)
		}
		dst := make([]T, len(src))
		LogisticQ(lp, src, dst)
		requireWithin(t, wantL, dst, 1, "logistic")
		TanhQ(tp, src, dst)
		requireWithin(t, wantT, dst, 1, "tanh")
	}
	_, err = NewLogisticParams[T](Affine{0.1, 0}, Affine{1.0 / 255, lo})
	assert.Error(t, err)
	_, err = NewTanhParams[T](Affine{0.1, 0}, Affine{1.0 / 128, lo})
	assert.Error(t, err)
	_, err = NewLogisticParams[T](Affine{1e-9, 0}, Affine{1.0 / 256, lo})
	assert.Error(t, err, "input multiplier below one")
}

func TestLogisticTanhQuantized(t *testing.T) {
	testLogisticTanh[uint8](t, 1)
	testLogisticTanh[int8](t, 2)
}

// TestFloatClampOnEveryTarget: the clamps of RELU, RELU6, RELU_N1_TO_1 and
// odd ranges on every target, lengths on both sides of the SIMD widths,
// with NaN, infinities, signed zeros and the bounds themselves mixed in:
// the portable clamp's bits.
func TestFloatClampOnEveryTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -1, 1, 6}
	ranges := []FloatRange{{0, float32(math.Inf(1))}, {0, 6}, {-1, 1}, {float32(math.Copysign(0, -1)), 0}, {-math.MaxFloat32, math.MaxFloat32}}
	for n := range 100 {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(rng.NormFloat64() * 5)
			if rng.IntN(6) == 0 {
				src[i] = special[rng.IntN(len(special))]
			}
		}
		for _, r := range ranges {
			want := make([]float32, n)
			for i, v := range src {
				want[i] = clampFloat(v, r)
			}
			for _, target := range Targets() {
				got := make([]float32, n)
				NewFloatClamp(target, r).Apply(src, got)
				for i := range want {
					require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s: %v clamped to %v, element %d", target, src[i], r, i)
				}
			}
		}
	}
}
