package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTabulate8ReproducesTheKernel(t *testing.T) {
	p, err := NewLogisticParams[uint8](Affine{Scale: 0.05, ZeroPoint: 120}, Affine{Scale: 1.0 / 256})
	require.NoError(t, err)
	table := Tabulate8(func(src, dst []uint8) { Logistic(p, src, dst) })
	src := make([]uint8, 1000)
	for i := range src {
		src[i] = uint8(i * 37)
	}
	want, got := make([]uint8, len(src)), make([]uint8, len(src))
	Logistic(p, src, want)
	Lookup8(table, src, got)
	assert.Equal(t, want, got)
	// At the zero point the logistic of 0 is one half: 128/256.
	assert.Equal(t, byte(128), table[120])
}

func TestTabulate8SignedAndMixedTypes(t *testing.T) {
	// int8 → uint8 requantization by +128 with the same scale.
	p, err := NewRequantizeParams(Affine{Scale: 0.5, ZeroPoint: -3}, Affine{Scale: 0.5, ZeroPoint: 125})
	require.NoError(t, err)
	table := Tabulate8(func(src []int8, dst []uint8) { Requantize(p, src, dst) })
	src := []int8{-128, -3, 0, 127}
	got := make([]uint8, len(src))
	Lookup8(table, src, got)
	// q − (−3) + 125, clamped to [0, 255].
	assert.Equal(t, []uint8{0, 125, 128, 255}, got)
}
