package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTabulate8ReproducesTheKernel(t *testing.T) {
	p, err := NewLogisticParams[uint8](Affine{Scale: 0.05, ZeroPoint: 120}, Affine{Scale: 1.0 / 256})
	require.NoError(t, err)
	table := Tabulate8(func(src, dst []uint8) { LogisticQ(p, src, dst) })
	src := make([]uint8, 1000)
	for i := range src {
		src[i] = uint8(i * 37)
	}
	want, got := make([]uint8, len(src)), make([]uint8, len(src))
	LogisticQ(p, src, want)
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

// TestLookupBinary8MatchesKernels: ADD, SUB and MUL through their pair
// tables give exactly the reference kernels' bytes, same-shape (in pieces)
// and broadcast.
func TestLookupBinary8MatchesKernels(t *testing.T) {
	testLookupBinary8[uint8](t, Affine{Scale: 0.05, ZeroPoint: 7}, Affine{Scale: 0.11, ZeroPoint: 250}, Affine{Scale: 0.09, ZeroPoint: 128})
	testLookupBinary8[int8](t, Affine{Scale: 0.05, ZeroPoint: -100}, Affine{Scale: 0.011, ZeroPoint: 3}, Affine{Scale: 0.03, ZeroPoint: -1})
}

func testLookupBinary8[T int8 | uint8](t *testing.T, qa, qb, qo Affine) {
	lo, hi := typeRange[T]()
	add, err := NewAddParams(qa, qb, qo, lo+3, hi-5)
	require.NoError(t, err)
	mul, err := NewMulParams(qa, qb, qo, lo, hi)
	require.NoError(t, err)
	kernels := map[string]func(Shape4, []T, Shape4, []T, []T){
		"add": func(sa Shape4, a []T, sb Shape4, b []T, d []T) { AddQ(add, sa, a, sb, b, d) },
		"sub": func(sa Shape4, a []T, sb Shape4, b []T, d []T) { SubQ(add, sa, a, sb, b, d) },
		"mul": func(sa Shape4, a []T, sb Shape4, b []T, d []T) { MulQ(mul, sa, a, sb, b, d) },
	}
	same := Shape4{N: 1, H: 5, W: 7, C: 31}
	a, b := make([]T, same.Size()), make([]T, same.Size())
	for i := range a {
		a[i], b[i] = T(i*37+11), T(i*101+5)
	}
	row := Shape4{N: 1, H: 1, W: 1, C: 31}
	for name, kernel := range kernels {
		table := TabulateBinary8(kernel)
		want, got := make([]T, len(a)), make([]T, len(a))
		kernel(same, a, same, b, want)
		LookupBinary8(table, same, a, same, b, got, 0, 100)
		LookupBinary8(table, same, a, same, b, got, 100, len(a))
		require.Equal(t, want, got, name)
		kernel(same, a, row, b[:31], want)
		LookupBinary8(table, same, a, row, b[:31], got, 0, 0)
		require.Equal(t, want, got, name+" broadcast")
	}
}
