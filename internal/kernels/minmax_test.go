package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaximumMinimum(t *testing.T) {
	nan := float32(math.NaN())
	dst := make([]float32, 4)
	// [1,1,2,2] against a [1,1,1,2] row; NaN as TFLite's x > y ? x : y.
	Maximum(Shape4{1, 1, 2, 2}, []float32{1, 5, nan, -1}, Shape4{1, 1, 1, 2}, []float32{3, nan}, dst)
	assert.Equal(t, float32(3), dst[0])
	assert.True(t, math.IsNaN(float64(dst[1])))
	assert.Equal(t, float32(3), dst[2]) // NaN > 3 is false: 3
	assert.True(t, math.IsNaN(float64(dst[3])))
	Minimum(Shape4{1, 1, 1, 4}, []float32{1, -5, 0, 2}, Shape4{1, 1, 1, 1}, []float32{0.5}, dst)
	assert.Equal(t, []float32{0.5, -5, 0, 0.5}, dst)

	u := make([]uint8, 3)
	Maximum(Shape4{1, 1, 1, 3}, []uint8{0, 200, 7}, Shape4{1, 1, 1, 3}, []uint8{255, 100, 7}, u)
	assert.Equal(t, []uint8{255, 200, 7}, u)
	i := make([]int8, 3)
	Minimum(Shape4{1, 1, 1, 3}, []int8{-128, 5, 127}, Shape4{1, 1, 1, 1}, []int8{0}, i)
	assert.Equal(t, []int8{-128, 0, 0}, i)
	n := make([]int32, 2)
	Maximum(Shape4{1, 1, 2, 1}, []int32{math.MinInt32, 4}, Shape4{1, 1, 1, 1}, []int32{-1}, n)
	assert.Equal(t, []int32{-1, 4}, n)
}

func TestSquaredDifference(t *testing.T) {
	dst := make([]float32, 3)
	SquaredDifferenceF32(Shape4{1, 1, 1, 3}, []float32{3, -1, 0.5}, Shape4{1, 1, 1, 1}, []float32{1}, dst)
	assert.Equal(t, []float32{4, 4, 0.25}, dst)
	n := make([]int32, 2)
	SquaredDifferenceI32(Shape4{1, 1, 1, 2}, []int32{7, math.MinInt32}, Shape4{1, 1, 1, 2}, []int32{-3, 0}, n)
	assert.Equal(t, []int32{100, 0}, n) // (−2^31)² wraps to 0

	// int8: unit scales, zero points 0: (5 − 2)² = 9; saturates at 127.
	unit := Affine{Scale: 1}
	p, err := NewSquaredDifferenceParams(unit, unit, Affine{Scale: 1})
	require.NoError(t, err)
	q := make([]int8, 3)
	SquaredDifferenceQ(p, Shape4{1, 1, 1, 3}, []int8{5, -3, 100}, Shape4{1, 1, 1, 3}, []int8{2, 3, 0}, q)
	assert.Equal(t, []int8{9, 36, 127}, q)

	_, err = NewSquaredDifferenceParams(unit, unit, Affine{Scale: 1e-6})
	assert.ErrorContains(t, err, "output multiplier")
}

// TestSquaredDifferenceQuantizedNearReal: within one output step of the
// real squared difference for random quantizations.
func TestSquaredDifferenceQuantizedNearReal(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 6))
	for range 200 {
		q1, q2 := randAffine[int8](rng), randAffine[int8](rng)
		qo := Affine{Scale: float32(0.01 + 0.2*rng.Float64()), ZeroPoint: -128 + rng.Int32N(256)}
		p, err := NewSquaredDifferenceParams(q1, q2, qo)
		require.NoError(t, err)
		a, b := randBytes[int8](rng, 64), randBytes[int8](rng, 64)
		s := Shape4{1, 1, 1, 64}
		dst := make([]int8, 64)
		SquaredDifferenceQ(p, s, a, s, b, dst)
		want := make([]int32, 64)
		for i := range a {
			d := refReal(int32(a[i]), q1) - refReal(int32(b[i]), q2)
			want[i] = refQuantize(d*d, qo, -128, 127)
		}
		requireWithin(t, want, dst, 1, "scales %v %v %v", q1, q2, qo)
	}
}
