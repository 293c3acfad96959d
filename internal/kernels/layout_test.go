package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	// [2 3] cut along the columns into widths 1 and 2.
	a, b := make([]int16, 2), make([]int16, 4)
	Split(2, []int16{1, 2, 3, 4, 5, 6}, []int{1, 2}, [][]int16{a, b})
	assert.Equal(t, []int16{1, 4}, a)
	assert.Equal(t, []int16{2, 3, 5, 6}, b)
}

// TestSplitUndoesConcat: random outer sizes and widths, some empty.
func TestSplitUndoesConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	for range 100 {
		outer, k := 1+rng.IntN(5), 1+rng.IntN(4)
		inner := make([]int, k)
		parts := make([][]byte, k)
		total := 0
		for i := range parts {
			inner[i] = rng.IntN(7)
			parts[i] = make([]byte, outer*inner[i])
			for j := range parts[i] {
				parts[i][j] = byte(rng.Uint32())
			}
			total += outer * inner[i]
		}
		joined := make([]byte, total)
		Concat(outer, parts, inner, joined)
		back := make([][]byte, k)
		for i := range back {
			back[i] = make([]byte, outer*inner[i])
		}
		Split(outer, joined, inner, back)
		require.Equal(t, parts, back)
	}
}

// TestStridedTransposes: random shapes (rank 1 to 6) and permutations,
// against the definition by coordinates, compacted or not.
func TestStridedTransposes(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	for range 300 {
		rank := 1 + rng.IntN(6)
		shape := make([]int, rank)
		n := 1
		for i := range shape {
			shape[i] = 1 + rng.IntN(4)
			n *= shape[i]
		}
		src := make([]int32, n)
		for i := range src {
			src[i] = int32(i)
		}
		inStrides := make([]int, rank)
		for d := range rank {
			inStrides[d] = 1
			for _, e := range shape[d+1:] {
				inStrides[d] *= e
			}
		}
		perm := rng.Perm(rank)
		dims, strides := make([]int, rank), make([]int, rank)
		for i, p := range perm {
			dims[i], strides[i] = shape[p], inStrides[p]
		}
		want := make([]int32, n)
		idx := make([]int, rank)
		for o := range want {
			from := 0
			for i := range rank {
				from += idx[i] * strides[i]
			}
			want[o] = src[from]
			for i := rank - 1; i >= 0; i-- {
				if idx[i]++; idx[i] < dims[i] {
					break
				}
				idx[i] = 0
			}
		}
		got := make([]int32, n)
		Strided(src, 0, dims, strides, got)
		require.Equal(t, want, got, "shape %v perm %v", shape, perm)
		cd, cs := Compact(dims, strides)
		clear(got)
		Strided(src, 0, cd, cs, got)
		require.Equal(t, want, got, "compacted to %v %v", cd, cs)
	}
}

func TestStrided(t *testing.T) {
	src := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	// [3 4] read backwards along both dimensions from the last element.
	dst := make([]byte, 12)
	Strided(src, 11, []int{3, 4}, []int{-4, -1}, dst)
	assert.Equal(t, []byte{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, dst)
	// Columns 1 and 3 of rows 0 and 2.
	dst = dst[:4]
	Strided(src, 1, []int{2, 2}, []int{8, 2}, dst)
	assert.Equal(t, []byte{1, 3, 9, 11}, dst)
	// No dimensions: one element; an empty destination: nothing.
	Strided(src, 7, nil, nil, dst[:1])
	assert.Equal(t, byte(7), dst[0])
	Strided(src, 99, []int{0, 4}, []int{4, 1}, dst[:0])
	// Compact merges contiguous walks and drops extents of 1.
	d, s := Compact([]int{2, 1, 3, 4}, []int{12, 99, 4, 1})
	assert.Equal(t, []int{24}, d)
	assert.Equal(t, []int{1}, s)
	d, s = Compact([]int{1, 1}, []int{5, 7})
	assert.Equal(t, []int{1}, d)
	assert.Equal(t, []int{1}, s)
}
