package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkDepthwiseF32 runs a DepthwiseF32 for every target over random row
// splits and requires DepthwiseConvF32's outputs bit for bit, with float32
// and with float16 weights.
func checkDepthwiseF32(t *testing.T, rng *rand.Rand, g convGeometry, in, filter []float32, act FloatRange, msg string) {
	t.Helper()
	bias := f32RandBias(rng, g.out.C)
	rows := g.out.N * g.out.H
	want := make([]float32, g.out.Size())
	DepthwiseConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, want, 0, rows, nil)
	halves := convHalves(filter)
	wantHalf := make([]float32, g.out.Size())
	DepthwiseConvF32(&g.p, act, g.in, in, g.filter, halves, bias, g.out, wantHalf, 0, rows, make([]float32, g.filter.Size()))
	for _, target := range Targets() {
		m := fmt.Sprintf("%s, target %s: %+v, act %v, bias %v", msg, target, g, act, bias != nil)
		got := make([]float32, g.out.Size())
		k := NewDepthwiseF32(target, &g.p, act, g.in, g.filter, g.out, filter, bias)
		for _, s := range convSplits(rng, rows) {
			k.Run(in, got, s[0], s[1])
		}
		requireSameF32(t, want, got, m)
		gotHalf := make([]float32, g.out.Size())
		NewDepthwiseF32(target, &g.p, act, g.in, g.filter, g.out, halves, bias).Run(in, gotHalf, 0, rows)
		requireSameF32(t, wantHalf, gotHalf, m, " (float16 weights)")
	}
}

func TestDepthwiseF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 1))
	n := 120
	if testing.Short() {
		n = 40
	}
	geometries := wideDepthwiseGeometries()
	for range n {
		geometries = append(geometries, randF32ConvGeometry(rng, true))
	}
	for iter, g := range geometries {
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		act := f32Activations[rng.IntN(len(f32Activations))]
		checkDepthwiseF32(t, rng, g, in, filter, act, fmt.Sprint("iteration ", iter))
	}
}

// TestDepthwiseF32EveryChannelCount covers every channel count up to 140
// with a 3×3 SAME layer, so that each block size and mask of the assembly
// runs, with interior and edge pixels.
func TestDepthwiseF32EveryChannelCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(52, 1))
	step := 1
	if testing.Short() {
		step = 7
	}
	for c := 1; c <= 140; c += step {
		p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
		g := convGeometry{p: p, in: Shape4{1, 4, 5, c}, filter: Shape4{1, 3, 3, c}, out: Shape4{1, 4, 5, c}}
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		checkDepthwiseF32(t, rng, g, in, filter, f32Activations[2], fmt.Sprint("channels ", c))
	}
}

// TestDepthwiseF32Specials puts infinities, NaNs and signed zeros in the
// input, the weights and the bias.
func TestDepthwiseF32Specials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	specials := []float32{inf, -inf, nan, 0, negZero, math.MaxFloat32, -math.MaxFloat32}
	rng := rand.New(rand.NewPCG(53, 1))
	p := ConvGeometry{StrideH: 2, StrideW: 1, DilationH: 1, DilationW: 2, PadTop: 1, PadLeft: 2, DepthMultiplier: 1}
	g := convGeometry{p: p, in: Shape4{1, 6, 7, 37}, filter: Shape4{1, 3, 3, 37}, out: Shape4{1, 3, 7, 37}}
	for iter := range 10 {
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		for range 8 {
			in[rng.IntN(len(in))] = specials[rng.IntN(len(specials))]
			filter[rng.IntN(len(filter))] = specials[rng.IntN(len(specials))]
		}
		checkDepthwiseF32(t, rng, g, in, filter, FloatRange{negZero, 1}, fmt.Sprint("iteration ", iter))
	}
}

func TestDepthwiseF32Allocs(t *testing.T) {
	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
	is, fs := Shape4{1, 9, 9, 40}, Shape4{1, 3, 3, 40}
	rng := rand.New(rand.NewPCG(54, 1))
	in, filter, out := f32RandData(rng, is.Size()), f32RandData(rng, fs.Size()), make([]float32, is.Size())
	for _, target := range Targets() {
		k := NewDepthwiseF32(target, &p, f32Activations[2], is, fs, is, filter, nil)
		require.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, 9) }), target)
	}
}

func FuzzDepthwiseF32(f *testing.F) {
	f.Add(uint64(1))
	f.Add(uint64(2))
	f.Fuzz(func(t *testing.T, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 2))
		g := randF32ConvGeometry(rng, true)
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		checkDepthwiseF32(t, rng, g, in, filter, f32Activations[int(seed%3)], "fuzz")
	})
}

func BenchmarkDepthwiseF32(b *testing.B) {
	rng := rand.New(rand.NewPCG(55, 1))
	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
	is, fs := Shape4{1, 56, 56, 128}, Shape4{1, 3, 3, 128}
	in, filter, out := f32RandData(rng, is.Size()), f32RandData(rng, fs.Size()), make([]float32, is.Size())
	for _, target := range Targets() {
		b.Run("dw3x3_56x56x128/"+target, func(b *testing.B) {
			k := NewDepthwiseF32(target, &p, f32Activations[2], is, fs, is, filter, nil)
			for b.Loop() {
				k.Run(in, out, 0, is.H)
			}
			b.ReportMetric(2*float64(is.Size()*9)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
