package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// testConvGemmQ checks ConvGemmQ on every target against ConvQ on random
// layers: bit-identical outputs, also when rows are computed in pieces.
func testConvGemmQ[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for iter := range 200 {
		g := randConvGeometry(rng, false)
		if rng.IntN(3) == 0 { // wider layers reach the SIMD tiles
			g.in.C = 1 + rng.IntN(40)
			g.filter.C = g.in.C
			g.filter.N = 1 + rng.IntN(90)
			g.out.C = g.filter.N
		}
		l := randConvLayer[T](rng, g.out.C)
		in := randValues[T](rng, g.in.Size())
		filter := randValues[T](rng, g.filter.Size())
		filterSize := g.filter.Size() / g.filter.N
		realOut, _ := naiveConvF64(g, l.dequantizeInput(convWiden(in)),
			l.dequantizeFilter(convWiden(filter), func(i int) int { return i / filterSize }), l.realBias(g.out.C))
		l.calibrate(rng, g.out.C, realOut)
		rows := g.out.N * g.out.H
		want := make([]T, g.out.Size())
		ConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, want, 0, rows)
		for _, target := range Targets() {
			k := NewConvGemmQ(target, &g.p, &l.r, g.in, g.filter, g.out, filter, l.bias)
			scratch := make([]T, k.ScratchLen())
			got := make([]T, len(want))
			k.Run(in, got, 0, rows, scratch)
			require.Equal(t, want, got, "%s, iteration %d: %+v", target, iter, g)
			pieces := make([]T, len(want))
			for _, s := range convSplits(rng, rows) {
				k.Run(in, pieces, s[0], s[1], scratch)
			}
			require.Equal(t, want, pieces, "%s in pieces, iteration %d", target, iter)
		}
	}
}

func TestConvGemmQUint8(t *testing.T) { testConvGemmQ[uint8](t, 11) }
func TestConvGemmQInt8(t *testing.T)  { testConvGemmQ[int8](t, 12) }

func TestConvGemmQAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := randConvGeometry(rng, false)
	l := randConvLayer[uint8](rng, g.out.C)
	l.calibrate(rng, g.out.C, make([]float64, g.out.Size()))
	in := randValues[uint8](rng, g.in.Size())
	filter := randValues[uint8](rng, g.filter.Size())
	for _, target := range Targets() {
		k := NewConvGemmQ(target, &g.p, &l.r, g.in, g.filter, g.out, filter, l.bias)
		scratch, out := make([]uint8, k.ScratchLen()), make([]uint8, g.out.Size())
		require.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, g.out.N*g.out.H, scratch) }), target)
	}
}

// BenchmarkConvGemmQ times SSD-MobileNet v1's stem, a 3×3 stride-2
// convolution of the 300×300 RGB image to 24 channels, on every target.
func BenchmarkConvGemmQ(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 1))
	in := Shape4{N: 1, H: 300, W: 300, C: 3}
	outH, pad := OutputSize(in.H, 3, 2, 1, true)
	p := &ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, DepthMultiplier: 1}
	out := Shape4{N: 1, H: outH, W: outH, C: 24}
	filter := Shape4{N: 24, H: 3, W: 3, C: 3}
	l := randConvLayer[uint8](rng, out.C)
	l.calibrate(rng, out.C, nil)
	inData, filterData := randValues[uint8](rng, in.Size()), randValues[uint8](rng, filter.Size())
	outData := make([]uint8, out.Size())
	for _, target := range Targets() {
		k := NewConvGemmQ(target, p, &l.r, in, filter, out, filterData, l.bias)
		scratch := make([]uint8, k.ScratchLen())
		b.Run("3x3s2_300x300x3to24_uint8/"+target, func(b *testing.B) {
			for b.Loop() {
				k.Run(inData, outData, 0, out.H, scratch)
			}
			reportGMACs(b, float64(out.Size()*filter.H*filter.W*filter.C))
		})
	}
}
