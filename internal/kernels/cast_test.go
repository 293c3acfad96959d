package kernels

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCastFloat(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	src := []float32{1.9, -1.9, 300.5, -0.5, nan, 3e9, -3e9, inf, -inf}
	i32 := make([]int32, len(src))
	CastFloat(src, i32)
	assert.Equal(t, []int32{1, -1, 300, 0, 0, math.MaxInt32, math.MinInt32, math.MaxInt32, math.MinInt32}, i32)
	// Narrower types keep the low bits of that int32.
	u8 := make([]uint8, len(src))
	CastFloat(src, u8)
	assert.Equal(t, []uint8{1, 255, 44, 0, 0, 255, 0, 255, 0}, u8)
	i8 := make([]int8, len(src))
	CastFloat(src, i8)
	assert.Equal(t, []int8{1, -1, 44, 0, 0, -1, 0, -1, 0}, i8)
	i64 := make([]int64, len(src))
	CastFloat(src, i64)
	assert.Equal(t, []int64{1, -1, 300, 0, 0, 3000000000, -3000000000, math.MaxInt64, math.MinInt64}, i64)
	b := make([]uint8, 4)
	CastToBool([]float32{0, float32(math.Copysign(0, -1)), nan, 1e-45}, b)
	assert.Equal(t, []uint8{0, 0, 1, 1}, b)
}

func TestCastInt(t *testing.T) {
	u8 := make([]uint8, 4)
	CastInt([]int32{300, -1, 256, 255}, u8)
	assert.Equal(t, []uint8{44, 255, 0, 255}, u8)
	i8 := make([]int8, 2)
	CastInt([]uint8{200, 127}, i8)
	assert.Equal(t, []int8{-56, 127}, i8)
	f := make([]float32, 3)
	CastInt([]int32{16777217, -7, math.MinInt32}, f) // round to nearest even
	assert.Equal(t, []float32{16777216, -7, -2147483648}, f)
	CastInt([]int64{1<<53 + 1, 1 << 40, -1}, f)
	assert.Equal(t, []float32{1 << 53, 1 << 40, -1}, f)
	i32 := make([]int32, 2)
	CastInt([]int64{1<<32 + 7, -1 << 31}, i32)
	assert.Equal(t, []int32{7, math.MinInt32}, i32)
	wide := make([]int64, 2)
	CastInt([]int8{-128, 127}, wide)
	assert.Equal(t, []int64{-128, 127}, wide)
	b := make([]uint8, 3)
	CastToBool([]int32{0, 5, -1}, b)
	assert.Equal(t, []uint8{0, 1, 1}, b)
	fromBool := make([]float32, 3)
	CastFromBool([]uint8{0, 1, 2}, fromBool)
	assert.Equal(t, []float32{0, 1, 1}, fromBool)
}
