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

	// The tables give the same bytes for every value of every input.
	all := make([]uint8, 256)
	for i := range all {
		all[i] = uint8(i)
	}
	inputs := [][]uint8{all, all, all}
	want, got := make([]uint8, 3*256), make([]uint8, 3*256)
	ConcatRequant(p, 1, inputs, []int{256, 256, 256}, want)
	tables := ConcatTables[uint8](p)
	ConcatLookup(tables, 1, inputs, []int{256, 256, 256}, got, 300, 768) // ranges in any order, across inputs
	ConcatLookup(tables, 1, inputs, []int{256, 256, 256}, got, 0, 300)
	assert.Equal(t, want, got)
	signed := make([]int8, 256)
	for i := range signed {
		signed[i] = int8(i)
	}
	wantS, gotS := make([]int8, 2*128), make([]int8, 2*128)
	ConcatRequant(p, 2, [][]int8{signed[:128], signed[:128], signed[128:]}, []int{64, 64, 0}, wantS)
	// Every split point, across the outer slices too.
	for cut := range len(wantS) + 1 {
		clear(gotS)
		ConcatLookup(ConcatTables[int8](p), 2, [][]int8{signed[:128], signed[:128], signed[128:]}, []int{64, 64, 0}, gotS, cut, len(gotS))
		ConcatLookup(ConcatTables[int8](p), 2, [][]int8{signed[:128], signed[:128], signed[128:]}, []int{64, 64, 0}, gotS, 0, cut)
		require.Equal(t, wantS, gotS, "cut at %d", cut)
	}

	_, err = NewConcatParams([]Affine{{Scale: -1}}, out)
	assert.Error(t, err)
}
