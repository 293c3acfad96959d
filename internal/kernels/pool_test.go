package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAveragePoolQuantizedRounding(t *testing.T) {
	// One 2×2 window, stride 2, two channels. Channel 0: 1+2+3+5 = 11,
	// (11+2)/4 = 3; channel 1: −11, (−11−2)/4 = −3 (C division truncates).
	p := &ConvGeometry{StrideH: 2, StrideW: 2}
	src := []int8{1, -1, 2, -2, 3, -3, 5, -5}
	dst := make([]int8, 2)
	require.NoError(t, AveragePoolQ(p, 2, 2, Shape4{1, 2, 2, 2}, src, Shape4{1, 1, 1, 2}, dst, -128, 127))
	assert.Equal(t, []int8{3, -3}, dst)
	// The activation range clamps.
	require.NoError(t, AveragePoolQ(p, 2, 2, Shape4{1, 2, 2, 2}, src, Shape4{1, 1, 1, 2}, dst, -2, 2))
	assert.Equal(t, []int8{2, -2}, dst)
}

func TestPoolSamePadding(t *testing.T) {
	// 3×3 input 1..9, 3×3 window, stride 1, SAME: padding 1 each side;
	// windows clipped at the border average only real pixels.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, PadTop: 1, PadLeft: 1}
	in, out := Shape4{1, 3, 3, 1}, Shape4{1, 3, 3, 1}
	dst := make([]float32, 9)
	wide := FloatRange{Min: -100, Max: 100}
	require.NoError(t, AveragePoolF32(p, 3, 3, in, src, out, dst, wide))
	// corner (1+2+4+5)/4 = 3; top edge (1+2+3+4+5+6)/6 = 3.5; centre 5.
	assert.Equal(t, []float32{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}, dst)
	require.NoError(t, MaxPoolF32(p, 3, 3, in, src, out, dst, FloatRange{Min: -100, Max: 8}))
	assert.Equal(t, []float32{5, 6, 6, 8, 8, 8, 8, 8, 8}, dst)

	u8 := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}
	d8 := make([]uint8, 9)
	require.NoError(t, AveragePoolQ(p, 3, 3, in, u8, out, d8, 0, 255))
	// 12/4 = 3; 21/6 → (21+3)/6 = 4; 16/4 = 4; 27/6 → 30/6 = 5; 45/9 = 5 …
	assert.Equal(t, []uint8{3, 4, 4, 5, 5, 6, 6, 7, 7}, d8)
	require.NoError(t, MaxPoolQ(p, 3, 3, in, u8, out, d8, 2, 7))
	assert.Equal(t, []uint8{5, 6, 6, 7, 7, 7, 7, 7, 7}, d8)
}

func TestPoolEmptyWindow(t *testing.T) {
	// Padding so large the first window sees no input: an error, not a
	// division by zero.
	p := &ConvGeometry{StrideH: 1, StrideW: 1, PadTop: 3, PadLeft: 0}
	dst := make([]int8, 1)
	assert.Error(t, AveragePoolQ(p, 2, 1, Shape4{1, 2, 1, 1}, []int8{1, 2}, Shape4{1, 1, 1, 1}, dst, -128, 127))
	assert.Error(t, MaxPoolQ(p, 2, 1, Shape4{1, 2, 1, 1}, []int8{1, 2}, Shape4{1, 1, 1, 1}, dst, -128, 127))
	df := make([]float32, 1)
	assert.Error(t, AveragePoolF32(p, 2, 1, Shape4{1, 2, 1, 1}, []float32{1, 2}, Shape4{1, 1, 1, 1}, df, FloatRange{Min: -1, Max: 1}))
	assert.Error(t, MaxPoolF32(p, 2, 1, Shape4{1, 2, 1, 1}, []float32{1, 2}, Shape4{1, 1, 1, 1}, df, FloatRange{Min: -1, Max: 1}))
}
