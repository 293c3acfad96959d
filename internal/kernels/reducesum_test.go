package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReduceMaxByHand(t *testing.T) {
	nan := float32(math.NaN())
	// [1,2,2,2] over H and W: per channel; NaN never wins, an all-NaN
	// channel gives the lowest float.
	in := Shape4{1, 2, 2, 2}
	src := []float32{1, nan, 5, nan, -3, nan, 2, nan}
	axes, err := NewReduceAxes(4, []int32{1, 2})
	require.NoError(t, err)
	dst := make([]float32, 2)
	ReduceMax(in, src, axes, dst)
	assert.Equal(t, []float32{5, -math.MaxFloat32}, dst)

	// int8 over the last axis of a rank-2 tensor, axis −1.
	axes, err = NewReduceAxes(2, []int32{-1})
	require.NoError(t, err)
	q := make([]int8, 2)
	ReduceMax(Shape4{1, 1, 2, 3}, []int8{-128, -128, -128, 4, -7, 9}, axes, q)
	assert.Equal(t, []int8{-128, 9}, q)
}

// TestReduceMaxRandom checks random shapes and axis sets against a direct
// reduction over the flat index.
func TestReduceMaxRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 7))
	for range 200 {
		in := Shape4{1 + rng.IntN(3), 1 + rng.IntN(4), 1 + rng.IntN(5), 1 + rng.IntN(6)}
		var axes ReduceAxes
		for d := range axes {
			axes[d] = rng.IntN(2) == 0
		}
		src := randBytes[uint8](rng, in.Size())
		out := axes.Shape(in)
		want := make([]uint8, out.Size())
		od := [4]int{out.N, out.H, out.W, out.C}
		for i, v := range src {
			c := [4]int{i / (in.H * in.W * in.C), i / (in.W * in.C) % in.H, i / in.C % in.W, i % in.C}
			for d := range c {
				if axes[d] {
					c[d] = 0
				}
			}
			o := ((c[0]*od[1]+c[1])*od[2]+c[2])*od[3] + c[3]
			want[o] = max(want[o], v)
		}
		got := make([]uint8, out.Size())
		ReduceMax(in, src, axes, got)
		require.Equal(t, want, got, "%+v %v", in, axes)
	}
}

func TestSumQuantized(t *testing.T) {
	// uint8 at zero point 10 summed over 3 elements: (12 + 14 + 16 − 30)
	// = 12 steps of 0.5 = 6.0 → output scale 1, zero point 100: 106.
	axes, err := NewReduceAxes(2, []int32{1})
	require.NoError(t, err)
	in := Shape4{1, 1, 2, 3}
	p, err := NewSumParams(in, axes, Affine{Scale: 0.5, ZeroPoint: 10}, Affine{Scale: 1, ZeroPoint: 100})
	require.NoError(t, err)
	dst := make([]uint8, 2)
	SumQ(p, in, []uint8{12, 14, 16, 255, 255, 255}, dst)
	assert.Equal(t, []uint8{106, 255}, dst) // 100 + 367.5 clamps

	// Random: within one step of the real sum (float32 arithmetic).
	rng := rand.New(rand.NewPCG(15, 8))
	for range 100 {
		qi, qo := randAffine[int8](rng), Affine{Scale: float32(0.05 + rng.Float64()), ZeroPoint: -128 + rng.Int32N(256)}
		in := Shape4{1, 1 + rng.IntN(4), 1 + rng.IntN(4), 1 + rng.IntN(8)}
		axes := ReduceAxes{false, rng.IntN(2) == 0, rng.IntN(2) == 0, true}
		p, err := NewSumParams(in, axes, qi, qo)
		require.NoError(t, err)
		src := randBytes[int8](rng, in.Size())
		got := make([]int8, axes.Shape(in).Size())
		SumQ(p, in, src, got)
		f := make([]float32, len(src))
		for i, v := range src {
			f[i] = float32(refReal(int32(v), qi))
		}
		real := make([]float32, len(got))
		SumF32(in, f, axes, real)
		want := make([]int32, len(got))
		for i := range want {
			want[i] = refQuantize(float64(real[i]), qo, -128, 127)
		}
		requireWithin(t, want, got, 1, "%+v %v %v %v", in, axes, qi, qo)
	}
}

func TestSumInt32(t *testing.T) {
	axes, err := NewReduceAxes(1, []int32{0})
	require.NoError(t, err)
	dst := make([]int32, 1)
	SumI32(Shape4{1, 1, 1, 3}, []int32{math.MaxInt32, 1, 5}, axes, dst)
	assert.Equal(t, []int32{math.MinInt32 + 5}, dst) // wraps
}
