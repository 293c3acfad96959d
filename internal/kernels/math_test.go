package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRsqrtFloat(t *testing.T) {
	dst := make([]float32, 4)
	RsqrtF32([]float32{4, 0.25, 0, -1}, dst)
	assert.Equal(t, []float32{0.5, 2, float32(math.Inf(1))}, dst[:3])
	assert.True(t, math.IsNaN(float64(dst[3])))
}

func TestRsqrtQuantizedByHand(t *testing.T) {
	// Unit input scale, output scale 1/128: 1/sqrt(4) = 0.5 → 64 steps;
	// 1/sqrt(16) → 32; 1/sqrt(1) → 128 saturates; the zero point and
	// below give the maximum.
	p, err := NewRsqrtParams(Affine{Scale: 1, ZeroPoint: -10}, Affine{Scale: 1.0 / 128})
	require.NoError(t, err)
	dst := make([]int8, 6)
	RsqrtQ(p, []int8{-6, 6, -9, -10, -11, 90}, dst)
	assert.Equal(t, []int8{64, 32, 127, 127, 127, 13}, dst) // 1/sqrt(100)·128 = 12.8
	assert.Equal(t, 4, BelowZeroPoint([]int8{-6, 6, -9, -10, -11, 90}, -10))
	assert.Equal(t, -1, BelowZeroPoint([]int8{-6, 6}, -10))
}

// TestRsqrtQuantizedNearReal compares every int8 input's fixed-point
// inverse square root with the real one for random quantizations: within
// one output step.
func TestRsqrtQuantizedNearReal(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	for range 100 {
		in := Affine{Scale: float32(0.001 + rng.Float64()), ZeroPoint: -128 + rng.Int32N(64)}
		out := Affine{Scale: float32(0.005 + 0.1*rng.Float64()), ZeroPoint: -128 + rng.Int32N(256)}
		p, err := NewRsqrtParams(in, out)
		require.NoError(t, err)
		src := make([]int8, 0, 256)
		for v := in.ZeroPoint + 1; v <= 127; v++ {
			src = append(src, int8(v))
		}
		dst := make([]int8, len(src))
		RsqrtQ(p, src, dst)
		want := make([]int32, len(src))
		for i, v := range src {
			want[i] = refQuantize(1/math.Sqrt(refReal(int32(v), in)), out, -128, 127)
		}
		requireWithin(t, want, dst, 1, "in %v out %v", in, out)
	}
}

func TestInvSqrtMultiplier(t *testing.T) {
	// 1/sqrt(x) = mult·2^(shift−31) to about 1e-6 (the Newton–Raphson
	// steps' fixed point) over the whole range.
	for _, x := range []int32{2, 3, 4, 100, 255, 1 << 20, 1<<29 + 7, math.MaxInt32} {
		m, s := invSqrtMultiplier(x)
		got := float64(m) * math.Pow(2, float64(s-31))
		assert.InEpsilon(t, 1/math.Sqrt(float64(x)), got, 2e-6, "x = %d", x)
	}
	m, s := invSqrtMultiplier(1)
	assert.Equal(t, [2]int{math.MaxInt32, 0}, [2]int{int(m), s})
}

func TestExpQuantized(t *testing.T) {
	// Input scale 0.1, output scale 0.05 at −128: e^1 = 2.718 → 54.37 →
	// 54 − 128; e^0 → 20 − 128; e^−12.8 → 0 − 128; e^12.7 saturates.
	in, out := Affine{Scale: 0.1}, Affine{Scale: 0.05, ZeroPoint: -128}
	dst := make([]int8, 4)
	ExpQ(in, out, []int8{10, 0, -128, 127}, dst)
	assert.Equal(t, []int8{-74, -108, -128, 127}, dst)

	// +Inf (e^1000) saturates to the maximum.
	ExpQ(Affine{Scale: 10}, Affine{Scale: 1}, []int8{100}, dst[:1])
	assert.Equal(t, int8(127), dst[0])

	// Random quantizations: the LUT formula to the letter (float32
	// arithmetic, round half away from zero).
	rng := rand.New(rand.NewPCG(15, 5))
	for range 50 {
		in, out := randAffine[int8](rng), Affine{Scale: float32(0.01 + rng.Float64()), ZeroPoint: -128 + rng.Int32N(256)}
		var src, dst [256]int8
		for i := range src {
			src[i] = int8(i)
		}
		ExpQ(in, out, src[:], dst[:])
		for i, v := range src {
			y := float32(math.Exp(float64(in.Scale * float32(int32(v)-in.ZeroPoint))))
			q := math.Round(float64(y*(1/out.Scale))) + float64(out.ZeroPoint)
			require.Equal(t, int8(math.Max(-128, math.Min(127, q))), dst[i])
		}
	}
}

func TestExpFloat(t *testing.T) {
	dst := make([]float32, 4)
	ExpF32([]float32{0, 1, float32(math.Inf(-1)), 100}, dst)
	assert.Equal(t, []float32{1, float32(math.E), 0, float32(math.Inf(1))}, dst)
}
