package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcat(t *testing.T) {
	// Along channels of [1,2,1,1] and [1,2,1,2]: outer 2, inner 1 and 2.
	dst := make([]float32, 6)
	Concat(2, [][]float32{{1, 2}, {10, 11, 20, 21}}, []int{1, 2}, dst)
	assert.Equal(t, []float32{1, 10, 11, 2, 20, 21}, dst)
}

func TestConcatRequant(t *testing.T) {
	out := Affine{Scale: 0.5, ZeroPoint: 128}
	ins := []Affine{out, {Scale: 1, ZeroPoint: 0}, {Scale: 0.25, ZeroPoint: 10}}
	p, err := NewConcatParams(ins, out)
	require.NoError(t, err)
	dst := make([]uint8, 6)
	ConcatRequant(p, 1, [][]uint8{{7, 200}, {3, 255}, {11, 0}}, []int{2, 2, 2}, dst)
	// Input 0 is copied. Input 1: scale 2, bias 0: 3 → 6+128 = 134;
	// 255 → 510+128 clamps to 255. Input 2: scale 0.5, bias −5:
	// 11 → 0.5 → 1 (half away from zero) + 128 = 129; 0 → −5 + 128 = 123.
	assert.Equal(t, []uint8{7, 200, 134, 255, 129, 123}, dst)

	_, err = NewConcatParams([]Affine{{Scale: -1}}, out)
	assert.Error(t, err)
}
