package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// runLayer computes all of l's rows in random pieces, each by one of its
// two workers.
func runLayer[T int8 | uint8 | float32](rng *rand.Rand, l *Layer[T], in []T, outLen int) []T {
	out := make([]T, outLen)
	for i, s := range convSplits(rng, l.Rows()) {
		l.Run(i%2, in, out, s[0], s[1])
	}
	return out
}

// testLayersQ checks NewConvQ, NewDepthwiseConvQ and NewFullyConnectedQ on
// every target against ConvQ, DepthwiseConvQ and FullyConnectedQ on random
// layers: bit-identical outputs, the rows split between two workers.
func testLayersQ[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	for iter := range 60 {
		depthwise := iter%2 == 1
		g := randConvGeometry(rng, depthwise)
		if !depthwise && iter%4 == 0 { // 1×1, stride 1: a GEMM over pixels
			g.p.StrideH, g.p.StrideW, g.p.PadTop, g.p.PadLeft = 1, 1, 0, 0
			g.filter.H, g.filter.W = 1, 1
			g.out.H, g.out.W = g.in.H, g.in.W
		}
		r, bias := randRequant[T](rng, g.out.C)
		in, filter := randValues[T](rng, g.in.Size()), randValues[T](rng, g.filter.Size())
		rows := g.out.N * g.out.H
		want := make([]T, g.out.Size())
		if depthwise {
			DepthwiseConvQ(&g.p, &r, g.in, in, g.filter, filter, bias, g.out, want, 0, rows)
		} else {
			ConvQ(&g.p, &r, g.in, in, g.filter, filter, bias, g.out, want, 0, rows)
		}
		// The conv's data as a fully connected layer: a batch row per pixel.
		batches, inDepth := g.in.N*g.in.H*g.in.W, g.in.C
		fcWant := make([]T, batches*g.out.C)
		if !depthwise {
			FullyConnectedQ(&r, batches, inDepth, g.out.C, in, filter[:g.out.C*inDepth], bias, fcWant, 0, g.out.C)
		}
		for _, target := range Targets() {
			var l *Layer[T]
			if depthwise {
				l = NewDepthwiseConvQ(target, 2, &g.p, &r, g.in, g.filter, g.out, filter, bias)
			} else {
				l = NewConvQ(target, 2, &g.p, &r, g.in, g.filter, g.out, filter, bias)
			}
			require.Equal(t, want, runLayer(rng, l, in, len(want)), "%s, iteration %d: %+v", target, iter, g)
			if !depthwise {
				fc := NewFullyConnectedQ(target, &r, batches, inDepth, g.out.C, filter[:g.out.C*inDepth], bias)
				require.Equal(t, fcWant, runLayer(rng, fc, in, len(fcWant)), "%s FC, iteration %d", target, iter)
			}
		}
	}
}

func TestLayersQUint8(t *testing.T) { testLayersQ[uint8](t, 1) }
func TestLayersQInt8(t *testing.T)  { testLayersQ[int8](t, 2) }

// TestLayersF32 checks NewConvF32, NewDepthwiseConvF32 and
// NewFullyConnectedF32 on every target that is not lossy against ConvF32,
// DepthwiseConvF32 and FullyConnectedF32, with float32 and float16
// weights.
func TestLayersF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	for iter := range 60 {
		depthwise := iter%2 == 1
		g := randConvGeometry(rng, depthwise)
		if !depthwise && iter%4 == 0 {
			g.p.StrideH, g.p.StrideW, g.p.PadTop, g.p.PadLeft = 1, 1, 0, 0
			g.filter.H, g.filter.W = 1, 1
			g.out.H, g.out.W = g.in.H, g.in.W
		}
		act := f32Activations[rng.IntN(len(f32Activations))]
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		halves := convHalves(filter)
		widened := WidenHalves(make([]float32, len(halves)), halves)
		bias := f32RandBias(rng, g.out.C)
		rows := g.out.N * g.out.H
		want := make([]float32, g.out.Size())
		if depthwise {
			DepthwiseConvF32(&g.p, act, g.in, in, g.filter, widened, bias, g.out, want, 0, rows, nil)
		} else {
			ConvF32(&g.p, act, g.in, in, g.filter, widened, bias, g.out, want, 0, rows, nil)
		}
		batches, inDepth, n := g.in.N*g.in.H*g.in.W, g.in.C, g.out.C
		fcWant := make([]float32, batches*n)
		if !depthwise {
			FullyConnectedF32(act, batches, inDepth, n, in, widened[:n*inDepth], bias, fcWant, 0, n, nil)
		}
		for _, target := range Targets() {
			if Lossy(target) {
				continue
			}
			var l *Layer[float32]
			if depthwise {
				l = NewDepthwiseConvF32(target, 2, &g.p, act, g.in, g.filter, g.out, halves, bias)
			} else {
				l = NewConvF32(target, 2, &g.p, act, g.in, g.filter, g.out, halves, bias)
			}
			requireSameF32(t, want, runLayer(rng, l, in, len(want)), target, iter)
			if !depthwise {
				fc := NewFullyConnectedF32(target, 2, act, batches, inDepth, n, halves[:n*inDepth], bias)
				requireSameF32(t, fcWant, runLayer(rng, fc, in, len(fcWant)), target, " FC ", iter)
			}
		}
	}
}

// TestLayerMinSplitMACs checks that a layer's split threshold is a few µs
// of its target's work: lower for the portable Go kernels than for any SIMD
// target's.
func TestLayerMinSplitMACs(t *testing.T) {
	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	s := Shape4{N: 1, H: 1, W: 1, C: 4}
	r, bias := randRequant[int8](rand.New(rand.NewPCG(1, 2)), 4)
	minSplit := func(target string) int64 {
		return NewConvQ(target, 1, &p, &r, s, Shape4{N: 4, H: 1, W: 1, C: 4}, s, make([]int8, 16), bias).MinSplitMACs()
	}
	generic := minSplit(Generic)
	require.Positive(t, generic)
	for _, target := range Targets()[:len(Targets())-1] {
		require.Greater(t, minSplit(target), generic, target)
	}
}
