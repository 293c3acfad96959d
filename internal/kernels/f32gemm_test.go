package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// f32ChannelCounts are the channel counts the float kernel tests draw from:
// below, at and just past the vector widths and the wide blocks.
var f32ChannelCounts = []int{1, 3, 7, 8, 15, 16, 17, 32, 33, 64, 65, 81, 130}

// f32Activations are the clamp ranges of none, relu and relu6.
var f32Activations = []FloatRange{
	{float32(math.Inf(-1)), float32(math.Inf(1))},
	{0, float32(math.Inf(1))},
	{0, 6},
}

// f32RandData returns n random floats in [−2, 2], with a sprinkling of
// zeros of both signs and of values too small or too large to matter, so
// that signed zeros, cancellation and the clamp all occur.
func f32RandData(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch rng.IntN(40) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(math.Copysign(0, -1))
		case 2:
			v[i] = float32(rng.NormFloat64() * 1e-30)
		default:
			v[i] = float32(4*rng.Float64() - 2)
		}
	}
	return v
}

// f32RandBias returns nil a quarter of the time, else a random bias of n
// values, one of them −0.
func f32RandBias(rng *rand.Rand, n int) []float32 {
	if rng.IntN(4) == 0 {
		return nil
	}
	b := f32RandData(rng, n)
	b[rng.IntN(n)] = float32(math.Copysign(0, -1))
	return b
}

// requireSameF32 requires got to equal want bit for bit (any NaN matching
// any NaN).
func requireSameF32(t *testing.T, want, got []float32, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, len(want), len(got), msgAndArgs...)
	for i := range want {
		if math.IsNaN(float64(want[i])) && math.IsNaN(float64(got[i])) {
			continue
		}
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			require.Failf(t, "outputs differ", "element %d: want %g (%#x), got %g (%#x); %s", i,
				want[i], math.Float32bits(want[i]), got[i], math.Float32bits(got[i]), fmt.Sprint(msgAndArgs...))
		}
	}
}

// checkPointwiseF32 runs a PointwiseF32 for every target over random row
// splits and requires FullyConnectedF32's outputs (all units, each pixel a
// batch row) bit for bit, with float32 and with float16 weights.
func checkPointwiseF32(t *testing.T, rng *rand.Rand, pixels, inDepth, outDepth int, act FloatRange) {
	t.Helper()
	in := f32RandData(rng, pixels*inDepth)
	filter := f32RandData(rng, outDepth*inDepth)
	bias := f32RandBias(rng, outDepth)
	halves := convHalves(filter)
	want := make([]float32, pixels*outDepth)
	FullyConnectedF32(act, pixels, inDepth, outDepth, in, filter, bias, want, 0, outDepth, nil)
	wantHalf := make([]float32, pixels*outDepth)
	FullyConnectedF32(act, pixels, inDepth, outDepth, in, halves, bias, wantHalf, 0, outDepth, make([]float32, inDepth))
	for _, target := range Targets() {
		msg := fmt.Sprintf("target %s: %d pixels × %d → %d, act %v, bias %v", target, pixels, inDepth, outDepth, act, bias != nil)
		got := make([]float32, len(want))
		k := NewPointwiseF32(target, act, inDepth, outDepth, filter, bias)
		for _, s := range convSplits(rng, pixels) {
			k.Run(in, got, s[0], s[1])
		}
		requireSameF32(t, want, got, msg)
		gotHalf := make([]float32, len(want))
		NewPointwiseF32(target, act, inDepth, outDepth, halves, bias).Run(in, gotHalf, 0, pixels)
		requireSameF32(t, wantHalf, gotHalf, msg, " (float16 weights)")
	}
}

func TestPointwiseF32ChannelCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 1))
	counts := f32ChannelCounts
	if testing.Short() {
		counts = []int{1, 7, 17, 33, 65}
	}
	for _, inDepth := range counts {
		for _, outDepth := range counts {
			act := f32Activations[rng.IntN(len(f32Activations))]
			checkPointwiseF32(t, rng, 1+rng.IntN(20), inDepth, outDepth, act)
		}
	}
}

func TestPointwiseF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	n := 60
	if testing.Short() {
		n = 15
	}
	for range n {
		act := f32Activations[rng.IntN(len(f32Activations))]
		checkPointwiseF32(t, rng, 1+rng.IntN(40), 1+rng.IntN(300), 1+rng.IntN(100), act)
	}
}

// TestPointwiseF32Specials feeds infinities, NaNs, huge values that
// overflow and signed zeros through every target, with clamp bounds of
// both zero signs.
func TestPointwiseF32Specials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	specials := []float32{inf, -inf, nan, 0, negZero, math.MaxFloat32, -math.MaxFloat32, 1e-40, 1}
	rng := rand.New(rand.NewPCG(43, 1))
	const pixels, inDepth, outDepth = 13, 5, 37
	for iter := range 20 {
		in, filter := f32RandData(rng, pixels*inDepth), f32RandData(rng, outDepth*inDepth)
		for range 10 {
			in[rng.IntN(len(in))] = specials[rng.IntN(len(specials))]
			filter[rng.IntN(len(filter))] = specials[rng.IntN(len(specials))]
		}
		bias := []float32(nil)
		if iter%2 == 0 {
			bias = make([]float32, outDepth)
			for i := range bias {
				bias[i] = specials[rng.IntN(len(specials))]
			}
		}
		act := FloatRange{negZero, 1}
		if iter%3 == 0 {
			act = FloatRange{-1, negZero}
		}
		want := make([]float32, pixels*outDepth)
		FullyConnectedF32(act, pixels, inDepth, outDepth, in, filter, bias, want, 0, outDepth, nil)
		for _, target := range Targets() {
			got := make([]float32, len(want))
			NewPointwiseF32(target, act, inDepth, outDepth, filter, bias).Run(in, got, 0, pixels)
			requireSameF32(t, want, got, "target ", target, " iteration ", iter)
		}
	}
}

func TestPointwiseF32ShortSlicesPanic(t *testing.T) {
	for _, target := range Targets() {
		k := NewPointwiseF32(target, f32Activations[0], 8, 8, make([]float32, 64), nil)
		require.Panics(t, func() { k.Run(make([]float32, 8*5), make([]float32, 8*6), 0, 6) }, target)
		require.Panics(t, func() { k.Run(make([]float32, 8*6), make([]float32, 8*5), 0, 6) }, target)
	}
}

func TestPointwiseF32Allocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(44, 1))
	in, filter := f32RandData(rng, 30*40), f32RandData(rng, 40*50)
	out := make([]float32, 30*50)
	for _, target := range Targets() {
		k := NewPointwiseF32(target, f32Activations[2], 40, 50, filter, nil)
		require.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, 30) }), target)
	}
}

func FuzzPointwiseF32(f *testing.F) {
	f.Add(uint64(1), uint8(7), uint8(17), uint8(9), uint8(0))
	f.Add(uint64(2), uint8(65), uint8(33), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, inDepth, outDepth, pixels, act uint8) {
		if inDepth == 0 || outDepth == 0 || pixels == 0 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		checkPointwiseF32(t, rng, int(pixels%40), int(inDepth), int(outDepth), f32Activations[int(act)%len(f32Activations)])
	})
}

// randF32ConvGeometry draws a convolution (depthwise when asked) with
// channel counts from f32ChannelCounts and 1×1, 3×3 or 5×5 kernels, strides
// 1 and 2, dilation 1 and 2, SAME or VALID padding.
func randF32ConvGeometry(rng *rand.Rand, depthwise bool) convGeometry {
	for {
		g := randConvGeometry(rng, depthwise)
		g.in.C = f32ChannelCounts[rng.IntN(len(f32ChannelCounts))]
		if depthwise {
			g.out.C = g.in.C * g.p.DepthMultiplier
			g.filter.C = g.out.C
		} else {
			g.out.C = f32ChannelCounts[rng.IntN(len(f32ChannelCounts))]
			g.filter.N, g.filter.C = g.out.C, g.in.C
		}
		if g.out.Size()*g.filter.Size() < 400000 { // keep the test quick
			return g
		}
	}
}

func TestConvGemmF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 1))
	n := 80
	if testing.Short() {
		n = 25
	}
	for iter := range n {
		g := randF32ConvGeometry(rng, false)
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		bias := f32RandBias(rng, g.out.C)
		act := f32Activations[rng.IntN(len(f32Activations))]
		rows := g.out.N * g.out.H
		want := make([]float32, g.out.Size())
		ConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, want, 0, rows, nil)
		halves := convHalves(filter)
		wantHalf := make([]float32, g.out.Size())
		ConvF32(&g.p, act, g.in, in, g.filter, halves, bias, g.out, wantHalf, 0, rows, make([]float32, g.filter.H*g.filter.W*g.filter.C))
		for _, target := range Targets() {
			msg := fmt.Sprintf("iteration %d, target %s: %+v", iter, target, g)
			k := NewConvGemmF32(target, &g.p, act, g.in, g.filter, g.out, filter, bias)
			scratch := make([]float32, k.ScratchLen())
			got := make([]float32, g.out.Size())
			for _, s := range convSplits(rng, rows) {
				k.Run(in, got, s[0], s[1], scratch)
			}
			requireSameF32(t, want, got, msg)
			gotHalf := make([]float32, g.out.Size())
			NewConvGemmF32(target, &g.p, act, g.in, g.filter, g.out, halves, bias).Run(in, gotHalf, 0, rows, scratch)
			requireSameF32(t, wantHalf, gotHalf, msg, " (float16 weights)")
		}
	}
}

// TestConvGemmF32NonFiniteWeights checks the padding case the gathered
// zeros cannot reproduce: an infinite weight on a padding tap, which the
// reference skips and 0·∞ would turn into NaN.
func TestConvGemmF32NonFiniteWeights(t *testing.T) {
	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}
	is, fs, os := Shape4{1, 3, 3, 2}, Shape4{3, 3, 3, 2}, Shape4{1, 3, 3, 3}
	rng := rand.New(rand.NewPCG(46, 1))
	in, filter := f32RandData(rng, is.Size()), f32RandData(rng, fs.Size())
	filter[0] = float32(math.Inf(1)) // tap (0, 0) of channel 0: padding for output row 0
	want := make([]float32, os.Size())
	ConvF32(&p, f32Activations[0], is, in, fs, filter, nil, os, want, 0, 3, nil)
	require.False(t, math.IsNaN(float64(want[0])))
	for _, target := range Targets() {
		k := NewConvGemmF32(target, &p, f32Activations[0], is, fs, os, filter, nil)
		got := make([]float32, os.Size())
		k.Run(in, got, 0, 3, make([]float32, k.ScratchLen()))
		requireSameF32(t, want, got, target)
	}
}

func TestConvGemmF32Allocs(t *testing.T) {
	p := ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 0, PadLeft: 0}
	is, fs := Shape4{1, 17, 17, 3}, Shape4{16, 3, 3, 3}
	os := Shape4{1, 8, 8, 16}
	rng := rand.New(rand.NewPCG(47, 1))
	in, filter, out := f32RandData(rng, is.Size()), f32RandData(rng, fs.Size()), make([]float32, os.Size())
	for _, target := range Targets() {
		k := NewConvGemmF32(target, &p, f32Activations[1], is, fs, os, filter, nil)
		scratch := make([]float32, k.ScratchLen())
		require.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, 8, scratch) }), target)
	}
}

// benchPointwiseF32 times a PointwiseF32 over pixels pixels for target.
func benchPointwiseF32(b *testing.B, target string, pixels, inDepth, outDepth int) {
	rng := rand.New(rand.NewPCG(48, 1))
	in, filter := f32RandData(rng, pixels*inDepth), f32RandData(rng, inDepth*outDepth)
	out := make([]float32, pixels*outDepth)
	k := NewPointwiseF32(target, f32Activations[1], inDepth, outDepth, filter, f32RandData(rng, outDepth))
	for b.Loop() {
		k.Run(in, out, 0, pixels)
	}
	flops := 2 * float64(pixels*inDepth*outDepth) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkPointwiseF32(b *testing.B) {
	for _, target := range Targets() {
		b.Run("19x19x512to512/"+target, func(b *testing.B) { benchPointwiseF32(b, target, 19*19, 512, 512) })
	}
}
