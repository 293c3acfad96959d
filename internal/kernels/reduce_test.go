package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReduceAxes(t *testing.T) {
	a, err := NewReduceAxes(3, []int32{-1, 0, 2})
	require.NoError(t, err)
	assert.Equal(t, ReduceAxes{false, true, false, true}, a) // rank 3 pads one dimension in front
	assert.Equal(t, Shape4{2, 1, 4, 1}, a.Shape(Shape4{2, 3, 4, 5}))
	_, err = NewReduceAxes(2, []int32{2})
	assert.Error(t, err)
	_, err = NewReduceAxes(5, nil)
	assert.Error(t, err)
}

func TestMeanSumFloat(t *testing.T) {
	in := Shape4{1, 2, 2, 2}
	src := []float32{1, 10, 2, 20, 3, 30, 4, 40}
	a, err := NewReduceAxes(4, []int32{1, 2})
	require.NoError(t, err)
	dst := make([]float32, 2)
	MeanF32(in, src, a, dst)
	assert.Equal(t, []float32{2.5, 25}, dst)
	SumF32(in, src, a, dst)
	assert.Equal(t, []float32{10, 100}, dst)
	a, err = NewReduceAxes(4, []int32{3})
	require.NoError(t, err)
	dst = make([]float32, 4)
	MeanF32(in, src, a, dst)
	assert.Equal(t, []float32{5.5, 11, 16.5, 22}, dst)
}

func TestMeanQuantizedMethods(t *testing.T) {
	in := Shape4{1, 2, 2, 1}
	q := Affine{Scale: 0.5, ZeroPoint: 10}

	// Same quantization, axes not the spatial pair: raw sum / count,
	// truncating: (1+2+4+8)/4 = 3.75 → 3.
	p, err := NewMeanParams[uint8](in, 4, []int32{1, 2, 3}, true, q, q)
	require.NoError(t, err)
	dst := make([]uint8, 1)
	MeanQ(p, in, []uint8{1, 2, 4, 8}, dst)
	assert.Equal(t, uint8(3), dst[0])

	// int8 spatial path: sum of (x − 10) = 4·(13−10)+1 = 13, multiplier
	// in/out = 1, then (13 + 2)/4 = 3, + 10 = 13.
	p, err = NewMeanParams[int8](in, 4, []int32{2, 1}, true, q, q)
	require.NoError(t, err)
	d8 := make([]int8, 1)
	MeanQ(p, in, []int8{13, 13, 13, 14}, d8)
	assert.Equal(t, int8(13), d8[0])

	// uint8 spatial path: bias = 10 − trunc(10·0.5/0.5) = 0, multiplier
	// 0.5/(4·0.5) = 1/4 = 2^30·2^−31·2^−1. The raw sum 53 goes through
	// TFLite's double rounding: 53·2^30/2^31 = 26.5 → 27, then 27/2 = 13.5
	// → 14 (the exact 13.25 would give 13).
	p, err = NewMeanParams[uint8](in, 4, []int32{1, 2}, true, q, q)
	require.NoError(t, err)
	MeanQ(p, in, []uint8{13, 13, 13, 14}, dst)
	assert.Equal(t, uint8(14), dst[0])
	MeanQ(p, in, []uint8{13, 13, 13, 13}, dst) // 52/4 = 13 exactly
	assert.Equal(t, uint8(13), dst[0])

	// Requantizing path: in (0.5, 10) → out (0.25, 0). scale 2, bias
	// −20 + 0.5; mean 13.25 → round(26.5 − 19.5) = 7 — TFLite's extra
	// 0.5 nudges 6.5 up to 7 here (the exact answer is 6.5).
	p, err = NewMeanParams[uint8](in, 4, []int32{1, 2}, false, q, Affine{0.25, 0})
	require.NoError(t, err)
	MeanQ(p, in, []uint8{13, 13, 13, 14}, dst)
	assert.Equal(t, uint8(7), dst[0])
}

func TestMeanQuantizedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2))
	in := Shape4{2, 3, 4, 5}
	for _, tc := range []struct {
		axes     []int32
		keepDims bool
	}{{[]int32{1, 2}, true}, {[]int32{1, 2}, false}, {[]int32{3}, true}, {[]int32{0, 2}, false}} {
		for range 10 {
			qi, qo := randAffine[int8](rng), randAffine[int8](rng)
			p, err := NewMeanParams[int8](in, 4, tc.axes, tc.keepDims, qi, qo)
			require.NoError(t, err)
			src := randValues[int8](rng, in.Size())
			outShape := p.Axes.Shape(in)
			want := make([]int32, outShape.Size())
			i := 0
			for n := range outShape.N {
				for y := range outShape.H {
					for x := range outShape.W {
						for c := range outShape.C {
							var sum float64
							cnt := 0
							for k, v := range src {
								kn, ky, kx, kc := k/(in.H*in.W*in.C), k/(in.W*in.C)%in.H, k/in.C%in.W, k%in.C
								if (p.Axes[0] || kn == n) && (p.Axes[1] || ky == y) && (p.Axes[2] || kx == x) && (p.Axes[3] || kc == c) {
									sum += refReal(int32(v), qi)
									cnt++
								}
							}
							want[i] = refQuantize(sum/float64(cnt), qo, -128, 127)
							i++
						}
					}
				}
			}
			dst := make([]int8, outShape.Size())
			MeanQ(p, in, src, dst)
			// The requantizing path's extra half step makes it round up
			// by one where the exact mean is just below a tie.
			requireWithin(t, want, dst, 1, "axes %v", tc.axes)
		}
	}
}
