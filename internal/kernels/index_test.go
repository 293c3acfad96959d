package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArgMaxHandValues(t *testing.T) {
	nan := float32(math.NaN())
	// Rows {1 5 5}, {NaN 2 3}, {2 NaN 1}: ties go to the lowest index, a
	// NaN is never taken, nor replaced when first.
	src := []float32{1, 5, 5, nan, 2, 3, 2, nan, 1}
	got := make([]int32, 3)
	ArgMax(src, 3, 3, 1, got)
	assert.Equal(t, []int32{1, 0, 0}, got)
	ArgMin(src, 3, 3, 1, got)
	assert.Equal(t, []int32{0, 0, 2}, got)
	// Along the first axis: columns {1 NaN 2}, {5 2 NaN}, {5 3 1}.
	wide := make([]int64, 3)
	ArgMax(src, 1, 3, 3, wide)
	assert.Equal(t, []int64{2, 0, 0}, wide)
	ArgMin(src, 1, 3, 3, wide)
	assert.Equal(t, []int64{0, 1, 2}, wide)
	// Extremes of the 8-bit types.
	ArgMax([]int8{-128, 127, 127, -128}, 1, 4, 1, got[:1])
	assert.Equal(t, int32(1), got[0])
	ArgMin([]uint8{255, 0, 0}, 1, 3, 1, got[:1])
	assert.Equal(t, int32(1), got[0])
}

// argRef is ARG_MAX or ARG_MIN by coordinates, the definition itself.
func argRef[T Ordered](src []T, outer, axis, inner int, isMax bool) []int64 {
	out := make([]int64, outer*inner)
	for o := range outer {
		for k := range inner {
			at := 0
			for i := 1; i < axis; i++ {
				v, best := src[(o*axis+i)*inner+k], src[(o*axis+at)*inner+k]
				if isMax && v > best || !isMax && v < best {
					at = i
				}
			}
			out[o*inner+k] = int64(at)
		}
	}
	return out
}

func checkArg[T Ordered](t *testing.T, rng *rand.Rand, gen func() T) {
	for range 200 {
		outer, axis, inner := 1+rng.IntN(7), 1+rng.IntN(23), 1+rng.IntN(5)
		if rng.IntN(3) == 0 {
			inner = 1
		}
		src := make([]T, outer*axis*inner)
		for i := range src {
			src[i] = gen()
		}
		for _, isMax := range []bool{true, false} {
			want := argRef(src, outer, axis, inner, isMax)
			got32, got64 := make([]int32, len(want)), make([]int64, len(want))
			if isMax {
				ArgMax(src, outer, axis, inner, got32)
				ArgMax(src, outer, axis, inner, got64)
			} else {
				ArgMin(src, outer, axis, inner, got32)
				ArgMin(src, outer, axis, inner, got64)
			}
			require.Equal(t, want, got64, "%d×%d×%d max %v", outer, axis, inner, isMax)
			for i := range want {
				require.Equal(t, want[i], int64(got32[i]))
			}
		}
	}
}

func TestArgMinMaxRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	// Few distinct values, so that ties are common.
	checkArg(t, rng, func() uint8 { return uint8(rng.IntN(4)) * 85 })
	checkArg(t, rng, func() int8 { return int8(rng.IntN(5)*60 - 120) })
	checkArg(t, rng, func() int32 { return int32(rng.IntN(7)) - 3 })
	checkArg(t, rng, func() float32 {
		if rng.IntN(9) == 0 {
			return float32(math.NaN())
		}
		return float32(rng.IntN(9)) - 4
	})
}

func TestGatherND(t *testing.T) {
	// params [2 3 2] holding 0..11 as bytes.
	params := make([]byte, 12)
	for i := range params {
		params[i] = byte(i)
	}
	dims, strides := []int{2, 3}, []int{6, 2}
	dst := make([]byte, 4)
	assert.Equal(t, -1, GatherND(params, dims, strides, []int32{1, 0, 0, 2}, 2, 2, dst))
	assert.Equal(t, []byte{6, 7, 4, 5}, dst)
	// Whole coordinates: one element each.
	one := make([]byte, 2)
	assert.Equal(t, -1, GatherND(params, []int{2, 3, 2}, []int{6, 2, 1}, []int64{1, 2, 1, 0, 1, 0}, 2, 1, one))
	assert.Equal(t, []byte{11, 2}, one)
	// No coordinates: the whole tensor per row.
	all := make([]byte, 24)
	assert.Equal(t, -1, GatherND(params, nil, nil, []int32{}, 2, 12, all))
	assert.Equal(t, append(append([]byte{}, params...), params...), all)
	// Out of range, in either direction, in any row: nothing is copied.
	for _, ix := range [][]int32{{2, 0, 0, 0}, {0, 0, 0, 3}, {0, -1, 0, 0}, {1, 2, -2147483648, 0}} {
		clear(dst)
		bad := GatherND(params, dims, strides, ix, 2, 2, dst)
		assert.Equal(t, BadRowND(dims, ix, 2), bad)
		assert.GreaterOrEqual(t, bad, 0, "%v", ix)
		assert.Equal(t, []byte{0, 0, 0, 0}, dst)
	}
	assert.Equal(t, 1, BadRowND([]int{4}, []int64{3, 1 << 40}, 2))
}

func TestGatherNDRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	for range 300 {
		rank := 1 + rng.IntN(4)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = 1 + rng.IntN(5)
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		params := make([]byte, n)
		for i := range params {
			params[i] = byte(rng.Uint32())
		}
		nd := rng.IntN(rank + 1)
		rows := rng.IntN(6)
		slice := 1
		for _, d := range shape[nd:] {
			slice *= d
		}
		strides := make([]int, nd)
		for j := range strides {
			strides[j] = 1
			for _, d := range shape[j+1:] {
				strides[j] *= d
			}
		}
		ix := make([]int32, rows*nd)
		want := make([]byte, 0, rows*slice)
		for r := range rows {
			from := 0
			for j := range nd {
				ix[r*nd+j] = int32(rng.IntN(shape[j]))
				from += int(ix[r*nd+j]) * strides[j]
			}
			want = append(want, params[from:from+slice]...)
		}
		got := make([]byte, rows*slice)
		require.Equal(t, -1, GatherND(params, shape[:nd], strides, ix, rows, slice, got))
		require.Equal(t, want, got, "shape %v nd %d rows %d", shape, nd, rows)
	}
}

func TestGather(t *testing.T) {
	// params [2 3 2] as bytes, gathered along the middle axis.
	params := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	dst := make([]byte, 12)
	assert.Equal(t, -1, Gather(params, 1, 2, 3, 2, []int32{2, 0, 2}, 3, dst))
	assert.Equal(t, []byte{4, 5, 0, 1, 4, 5, 10, 11, 6, 7, 10, 11}, dst)
	// One batch dimension of 2: batch 0 takes row 2, batch 1 row 0.
	assert.Equal(t, -1, Gather(params, 2, 1, 3, 2, []int64{2, 0}, 1, dst[:4]))
	assert.Equal(t, []byte{4, 5, 6, 7}, dst[:4])
	clear(dst)
	assert.Equal(t, 1, Gather(params, 1, 2, 3, 2, []int64{0, 3}, 2, dst))
	assert.Equal(t, 0, Gather(params, 1, 2, 3, 2, []int32{-1}, 1, dst))
	assert.Equal(t, make([]byte, 12), dst, "nothing copied")
}
