package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pointwiseCase is one random 1×1 quantized layer with its input.
type pointwiseCase[T int8 | uint8] struct {
	r                         Requant
	inDepth, outDepth, pixels int
	in, filter                []T
	bias                      []int32
}

// randPointwiseCase draws a layer of the given size: zero points often at
// T's extremes, non-zero filter offsets a quarter of the time for int8,
// per-channel multipliers from 2^−20 to 8 (and rarely extreme shifts), bias absent or spanning int32,
// and a clamp range that is T's whole range or a random part of it.
func randPointwiseCase[T int8 | uint8](rng *rand.Rand, inDepth, outDepth, pixels int) *pointwiseCase[T] {
	c := &pointwiseCase[T]{inDepth: inDepth, outDepth: outDepth, pixels: pixels}
	c.in = randValues[T](rng, pixels*inDepth)
	c.filter = randValues[T](rng, outDepth*inDepth)
	c.r, c.bias = randRequant[T](rng, outDepth)
	return c
}

// convQ computes the case with ConvQ as a 1×1, stride-1 convolution over a
// 1×pixels image.
func (c *pointwiseCase[T]) convQ() []T {
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	in := Shape4{N: 1, H: 1, W: c.pixels, C: c.inDepth}
	fs := Shape4{N: c.outDepth, H: 1, W: 1, C: c.inDepth}
	os := Shape4{N: 1, H: 1, W: c.pixels, C: c.outDepth}
	out := make([]T, os.Size())
	ConvQ(p, &c.r, in, c.in, fs, c.filter, c.bias, os, out, 0, 1)
	return out
}

// fullyConnectedQ computes the case with FullyConnectedQ, one batch row per
// pixel.
func (c *pointwiseCase[T]) fullyConnectedQ() []T {
	out := make([]T, c.pixels*c.outDepth)
	FullyConnectedQ(&c.r, c.pixels, c.inDepth, c.outDepth, c.in, c.filter, c.bias, out, 0, c.outDepth)
	return out
}

// run computes the case with a PointwiseQ of target over all pixels.
func (c *pointwiseCase[T]) run(target string) []T { return c.runConfig(lookupTarget(target).qgemm) }

// runConfig computes the case with a PointwiseQ of qgemm entry cfg over
// all pixels.
func (c *pointwiseCase[T]) runConfig(cfg *qgemmConfig) []T {
	k := newPointwiseQ(cfg, &c.r, c.inDepth, c.outDepth, c.filter, c.bias)
	out := make([]T, c.pixels*c.outDepth)
	k.Run(c.in, out, 0, c.pixels)
	return out
}

// qgemmTestConfigs returns the qgemm entries the tests compare with the
// reference: every target's, by name, and the Go twin of the
// micro-kernels (qgemmTileGo) in every layout and tile shape the targets
// use, which tests the packing and the driver on every build.
func qgemmTestConfigs() map[string]*qgemmConfig {
	configs := map[string]*qgemmConfig{}
	for _, target := range Targets() {
		configs[target] = lookupTarget(target).qgemm
	}
	for _, cfg := range []qgemmConfig{
		{mr: 6, nr: 64, block: 16, layout: qgemmBytesFlipped, maskedStores: true},
		{mr: 4, nr: 16, block: 16, layout: qgemmBytesFlipped},
		{mr: 4, nr: 16, block: 16, layout: qgemmInt16Pairs},
		{mr: 4, nr: 16, block: 16, layout: qgemmInt16, negatedRightShift: true},
		{mr: 4, nr: 16, block: 16, layout: qgemmBytes, negatedRightShift: true},
		{mr: 4, nr: 8, block: 8, layout: qgemmInt16},
	} {
		configs[fmt.Sprintf("go/%dx%d/layout%d/%+v", cfg.mr, cfg.nr, cfg.layout, cfg)] = &cfg
	}
	return configs
}

func TestPointwiseQUint8ByHand(t *testing.T) {
	// Input zero point 1, filter zero point 2, output zero point 3, every
	// channel ×0.5 (2^30·2^−31), clamp [0, 200].
	r := &Requant{
		InputOffset: -1, FilterOffset: -2, OutputOffset: 3,
		Multiplier: []int32{1 << 30, 1 << 30, 1 << 30}, Shift: []int{0, 0, 0},
		ActMin: 0, ActMax: 200,
	}
	in := []uint8{1, 2, 3, 4, 5, 1, 1, 1, 1, 1}
	filter := []uint8{
		2, 2, 2, 2, 2, // w+iw = 0: acc 0, +10 bias → 5, +3 → 8
		3, 4, 3, 3, 3, // pixel 0: 0+2+2+3+4 = 11 → 5.5 rounds up to 6, +3 → 9
		255, 255, 255, 255, 255, // pixel 0: 253·10 = 2530 → 1265+3, clamped to 200
	}
	bias := []int32{10, 0, 0}
	// Pixel 1 is the zero point everywhere: acc 0 → bias/2 + 3.
	want := []uint8{8, 9, 200, 8, 3, 3}
	for _, target := range Targets() {
		out := make([]uint8, 6)
		NewPointwiseQ(target, r, 5, 3, filter, bias).Run(in, out, 0, 2)
		assert.Equal(t, want, out, target)
	}
}

func TestPointwiseQInt8ByHand(t *testing.T) {
	// Input zero point −128, symmetric filter, output zero point −5, channel
	// multipliers ×0.25 and ×2 (2^30·2^−31·2^−1 and 2^30·2^−31·2^2), full
	// clamp range.
	r := &Requant{
		InputOffset: 128, FilterOffset: 0, OutputOffset: -5,
		Multiplier: []int32{1 << 30, 1 << 30}, Shift: []int{-1, 2},
		ActMin: -128, ActMax: 127,
	}
	in := []int8{-127, -126, -128, -125} // a+ia = 1, 2, 0, 3
	filter := []int8{
		10, -3, 127, 1, // 10 − 6 + 0 + 3 = 7 → 1.75 rounds to 2, −5 → −3
		-128, 5, 7, 9, // −128 + 10 + 0 + 27 = −91 → −182, −5 → −187, clamped to −128
	}
	want := []int8{-3, -128}
	for _, target := range Targets() {
		out := make([]int8, 2)
		NewPointwiseQ(target, r, 4, 2, filter, nil).Run(in, out, 0, 1)
		assert.Equal(t, want, out, target)
	}
}

func TestPointwiseQSaturatingMultiply(t *testing.T) {
	// Zero data and offsets leave each accumulator at its bias. Channel 0:
	// MinInt32 · MinInt32 is the doubling high multiply's one overflow,
	// saturated to MaxInt32 and clamped to 255. Channel 1: −2 · −2^31 · 2 /
	// 2^32 = 2.
	r := &Requant{
		Multiplier: []int32{math.MinInt32, math.MinInt32}, Shift: []int{0, 0},
		ActMin: 0, ActMax: 255,
	}
	bias := []int32{math.MinInt32, -2}
	for _, target := range Targets() {
		out := make([]uint8, 2)
		NewPointwiseQ(target, r, 3, 2, make([]uint8, 6), bias).Run(make([]uint8, 3), out, 0, 1)
		assert.Equal(t, []uint8{255, 2}, out, target)
	}
}

// pointwiseDepths are the input depths every random test covers: around
// the micro-kernels' groups of four bytes and the common vector widths.
var pointwiseDepths = []int{1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 255, 256, 257}

func testPointwiseQRandom[T int8 | uint8](t *testing.T, seed uint64, configs map[string]*qgemmConfig) {
	rng := rand.New(rand.NewPCG(seed, 3))
	outDepths := []int{1, 7, 16, 17, 63, 64, 65, 100}
	depths := append(pointwiseDepths, 1+rng.IntN(300), 1+rng.IntN(300))
	for i, inDepth := range depths {
		outDepth := outDepths[i%len(outDepths)]
		if i >= len(outDepths) {
			outDepth = 1 + rng.IntN(100)
		}
		pixels := 1 + rng.IntN(40)
		c := randPointwiseCase[T](rng, inDepth, outDepth, pixels)
		want := c.convQ()
		require.Equal(t, want, c.fullyConnectedQ(), "ConvQ and FullyConnectedQ disagree")
		for target, cfg := range configs {
			name := fmt.Sprintf("%s K=%d N=%d P=%d", target, inDepth, outDepth, pixels)
			got := c.runConfig(cfg)
			require.Equal(t, want, got, name)

			// Pixel sub-ranges, run in a shuffled order, give the same output.
			k := newPointwiseQ(cfg, &c.r, inDepth, outDepth, c.filter, c.bias)
			split := make([]T, len(want))
			ranges := convSplits(rng, pixels)
			rng.Shuffle(len(ranges), func(i, j int) { ranges[i], ranges[j] = ranges[j], ranges[i] })
			for _, rg := range ranges {
				k.Run(c.in, split, rg[0], rg[1])
			}
			require.Equal(t, want, split, name+" in sub-ranges")
		}
	}
}

func TestPointwiseQRandomUint8(t *testing.T) { testPointwiseQRandom[uint8](t, 11, qgemmTestConfigs()) }
func TestPointwiseQRandomInt8(t *testing.T)  { testPointwiseQRandom[int8](t, 12, qgemmTestConfigs()) }

func TestPointwiseQExtremes(t *testing.T) {
	// Accumulators that wrap around int32: all-extreme data with large
	// offsets and biases, which the reference's int32 arithmetic wraps.
	rng := rand.New(rand.NewPCG(13, 3))
	for _, inDepth := range []int{257, 300} {
		c := randPointwiseCase[uint8](rng, inDepth, 33, 9)
		for i := range c.in {
			c.in[i] = 255
		}
		for i := range c.filter {
			c.filter[i] = uint8(255 * (i % 2))
		}
		c.r.InputOffset, c.r.FilterOffset = 0, -255
		c.bias = make([]int32, c.outDepth)
		for oc := range c.bias {
			c.bias[oc] = math.MaxInt32 - int32(oc)
		}
		want := c.convQ()
		for target, cfg := range qgemmTestConfigs() {
			assert.Equal(t, want, c.runConfig(cfg), target)
		}
	}
}

func TestPointwiseQHugeFilterOffset(t *testing.T) {
	// Offsets no zero point yields, beyond int16 once added to a weight.
	rng := rand.New(rand.NewPCG(16, 3))
	for _, offset := range []int32{40000, -40000, math.MaxInt32} {
		c := randPointwiseCase[int8](rng, 21, 19, 11)
		c.r.FilterOffset = offset
		want := c.convQ()
		for target, cfg := range qgemmTestConfigs() {
			assert.Equal(t, want, c.runConfig(cfg), target)
		}
	}
}

func TestPointwiseQAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	c := randPointwiseCase[uint8](rng, 65, 70, 13)
	d := randPointwiseCase[int8](rng, 17, 5, 8)
	for _, target := range Targets() {
		k := NewPointwiseQ(target, &c.r, c.inDepth, c.outDepth, c.filter, c.bias)
		out := make([]uint8, c.pixels*c.outDepth)
		assert.Zero(t, testing.AllocsPerRun(10, func() { k.Run(c.in, out, 0, c.pixels) }), target)
		l := NewPointwiseQ(target, &d.r, d.inDepth, d.outDepth, d.filter, d.bias)
		outS := make([]int8, d.pixels*d.outDepth)
		assert.Zero(t, testing.AllocsPerRun(10, func() { l.Run(d.in, outS, 0, d.pixels) }), target)
	}
}

func FuzzPointwiseQ(f *testing.F) {
	f.Add(uint64(1), uint16(5), uint8(17), uint8(7), false, uint8(0), uint8(255), uint8(0), false)
	f.Add(uint64(2), uint16(257), uint8(65), uint8(13), true, uint8(0), uint8(128), uint8(255), true)
	f.Add(uint64(3), uint16(1), uint8(1), uint8(1), true, uint8(255), uint8(0), uint8(127), false)
	f.Fuzz(func(t *testing.T, seed uint64, inDepth uint16, outDepth, pixels uint8, signed bool, inZero, filterZero, outZero uint8, perChannel bool) {
		kd, n, p := 1+int(inDepth)%512, 1+int(outDepth)%130, 1+int(pixels)%48
		if signed {
			fuzzPointwiseQ[int8](t, seed, kd, n, p, int32(int8(inZero)), int32(int8(filterZero)), int32(int8(outZero)), perChannel)
		} else {
			fuzzPointwiseQ[uint8](t, seed, kd, n, p, int32(inZero), int32(filterZero), int32(outZero), perChannel)
		}
	})
}

// fuzzPointwiseQ compares every target with Generic on one fuzzed layer.
func fuzzPointwiseQ[T int8 | uint8](t *testing.T, seed uint64, inDepth, outDepth, pixels int, inZero, filterZero, outZero int32, perChannel bool) {
	rng := rand.New(rand.NewPCG(seed, 5))
	c := randPointwiseCase[T](rng, inDepth, outDepth, pixels)
	c.r.InputOffset, c.r.FilterOffset, c.r.OutputOffset = -inZero, -filterZero, outZero
	if !perChannel {
		for oc := range c.r.Multiplier {
			c.r.Multiplier[oc], c.r.Shift[oc] = c.r.Multiplier[0], c.r.Shift[0]
		}
	}
	want := c.run(Generic)
	for target, cfg := range qgemmTestConfigs() {
		require.Equal(t, want, c.runConfig(cfg), target)
	}
}

// benchPointwiseQ times one target's PointwiseQ on an h×w×inDepth image.
func benchPointwiseQ[T int8 | uint8](b *testing.B, target string, h, w, inDepth, outDepth int) {
	rng := rand.New(rand.NewPCG(15, 3))
	c := randPointwiseCase[T](rng, inDepth, outDepth, h*w)
	k := NewPointwiseQ(target, &c.r, inDepth, outDepth, c.filter, c.bias)
	out := make([]T, h*w*outDepth)
	for b.Loop() {
		k.Run(c.in, out, 0, h*w)
	}
	reportGMACs(b, float64(h*w*inDepth*outDepth))
}

func BenchmarkPointwiseQ(b *testing.B) {
	shapes := []struct{ h, w, inDepth, outDepth int }{
		{19, 19, 512, 512},
		{10, 10, 1024, 512},
		{150, 150, 32, 64},
		{75, 75, 64, 128},
	}
	for _, target := range Targets() {
		for _, s := range shapes {
			name := fmt.Sprintf("%s/%dx%dx%dto%d", target, s.h, s.w, s.inDepth, s.outDepth)
			b.Run(name+"_uint8", func(b *testing.B) { benchPointwiseQ[uint8](b, target, s.h, s.w, s.inDepth, s.outDepth) })
			b.Run(name+"_int8", func(b *testing.B) { benchPointwiseQ[int8](b, target, s.h, s.w, s.inDepth, s.outDepth) })
		}
	}
}
