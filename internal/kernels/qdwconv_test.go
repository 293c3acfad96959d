package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// depthwiseCase is one random quantized depthwise layer with its input.
type depthwiseCase[T int8 | uint8] struct {
	p                         ConvGeometry
	r                         Requant
	inShape, fShape, outShape Shape4
	in, filter                []T
	bias                      []int32
}

// depthwiseGeometry is the size of a depthwiseCase to draw.
type depthwiseGeometry struct {
	batch, h, w, c, kh, kw, stride, dilation, dm int
	same                                         bool
}

func (g depthwiseGeometry) String() string {
	return fmt.Sprintf("N%d %dx%dx%d k%dx%d s%d d%d m%d same=%v", g.batch, g.h, g.w, g.c, g.kh, g.kw, g.stride, g.dilation, g.dm, g.same)
}

// randDepthwiseGeometry draws a layer: mostly 3×3 with depth multiplier 1
// (the assembly's case), sometimes 1×1, 5×5 or 3×1 filters and depth
// multiplier 2; channel counts around the vector widths, images from 1×1 to
// 40×40.
func randDepthwiseGeometry(rng *rand.Rand) depthwiseGeometry {
	channels := []int{1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 96, 100, 144, 192, 1 + rng.IntN(200)}
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 9, 12, 1 + rng.IntN(40)}
	g := depthwiseGeometry{
		batch: 1 + rng.IntN(2), h: sizes[rng.IntN(len(sizes))], w: sizes[rng.IntN(len(sizes))],
		c: channels[rng.IntN(len(channels))], kh: 3, kw: 3,
		stride: 1 + rng.IntN(2), dilation: 1, dm: 1, same: rng.IntN(2) == 0,
	}
	if rng.IntN(4) == 0 {
		g.dilation = 2
	}
	switch rng.IntN(8) {
	case 0:
		g.kh, g.kw = 1, 1
	case 1:
		g.kh, g.kw = 5, 5
	case 2:
		g.kh, g.kw = 3, 1
	case 3:
		g.dm = 2 + rng.IntN(3) // 2 to 4
	}
	return g
}

// randDepthwiseCase draws the data of a layer of geometry g (nil when VALID
// padding leaves no output): zero points often at T's extremes, non-zero
// filter offsets a quarter of the time for int8, per-channel multipliers
// from 2^−20 to 8, bias absent or spanning int32, and a clamp range that is
// T's whole range or a random part of it.
func randDepthwiseCase[T int8 | uint8](rng *rand.Rand, g depthwiseGeometry) *depthwiseCase[T] {
	outH, padTop := OutputSize(g.h, g.kh, g.stride, g.dilation, g.same)
	outW, padLeft := OutputSize(g.w, g.kw, g.stride, g.dilation, g.same)
	if outH <= 0 || outW <= 0 {
		return nil
	}
	outC := g.c * g.dm
	c := &depthwiseCase[T]{
		p: ConvGeometry{
			StrideH: g.stride, StrideW: g.stride, DilationH: g.dilation, DilationW: g.dilation,
			PadTop: padTop, PadLeft: padLeft, DepthMultiplier: g.dm,
		},
		inShape:  Shape4{N: g.batch, H: g.h, W: g.w, C: g.c},
		fShape:   Shape4{N: 1, H: g.kh, W: g.kw, C: outC},
		outShape: Shape4{N: g.batch, H: outH, W: outW, C: outC},
	}
	c.in = randValues[T](rng, c.inShape.Size())
	c.filter = randValues[T](rng, c.fShape.Size())
	c.r, c.bias = randRequant[T](rng, outC)
	return c
}

// rows is the number of flattened output rows of the case.
func (c *depthwiseCase[T]) rows() int { return c.outShape.N * c.outShape.H }

// reference computes the case with DepthwiseConvQ.
func (c *depthwiseCase[T]) reference() []T {
	out := make([]T, c.outShape.Size())
	DepthwiseConvQ(&c.p, &c.r, c.inShape, c.in, c.fShape, c.filter, c.bias, c.outShape, out, 0, c.rows())
	return out
}

// prepare builds the case's DepthwiseQ for target.
func (c *depthwiseCase[T]) prepare(target string) *DepthwiseQ[T] {
	return NewDepthwiseQ(target, &c.p, &c.r, c.inShape, c.fShape, c.outShape, c.filter, c.bias)
}

// run computes the case with a DepthwiseQ of target over all rows.
func (c *depthwiseCase[T]) run(target string) []T {
	out := make([]T, c.outShape.Size())
	k := c.prepare(target)
	k.Run(c.in, out, 0, c.rows(), make([]T, k.ScratchLen()))
	return out
}

func TestDepthwiseQByHand(t *testing.T) {
	// A 4×4 image, 3×3 filter, stride 1, SAME padding (1 on each side):
	// pixels (1,1), (1,2), (2,1) and (2,2) are interior, the others touch
	// the padding. Input zero point 10, filter zero point 3, output zero
	// point 5, multiplier 0.5 (2^30, shift 0), bias 4, clamp [0, 255]. 17
	// channels carry the same data, so that the AVX-512 channel mask and
	// the AVX2 Go remainder both take part.
	//
	// After the offsets the image is a(y,x) = 4y + x and the filter w' =
	// [[1 0 −1] [2 0 −2] [1 0 −1]]; output (y,x) weighs a(y−1+ky, x−1+kx)
	// by w'[ky][kx].
	//   (1,1): each window row r gives c·(a(r,0) − a(r,2)) = −2c for c =
	//          1, 2, 1: −8, +4 → −4, ×0.5 = −2, +5 → 3. (2,2) likewise.
	//   (0,0): rows 0..1, columns 0..1 only: 0·a(0,0) − 2·a(0,1) +
	//          0·a(1,0) − 1·a(1,1) = −2 − 5 = −7, +4 → −3, ×0.5 = −1.5,
	//          which the doubling high multiply rounds up to −1, +5 → 4.
	//   (0,3): rows 0..1, columns 2..3 only: 2·a(0,2) + 0·a(0,3) +
	//          1·a(1,2) + 0·a(1,3) = 4 + 6 = 10, +4 → 14, ×0.5 = 7, +5 → 12.
	const channels = 17
	wPrime := []int32{1, 0, -1, 2, 0, -2, 1, 0, -1}
	in := make([]uint8, 16*channels)
	for i := range 16 {
		for c := range channels {
			in[i*channels+c] = uint8(10 + i)
		}
	}
	filter := make([]uint8, 9*channels)
	for i, w := range wPrime {
		for c := range channels {
			filter[i*channels+c] = uint8(w + 3)
		}
	}
	bias := make([]int32, channels)
	mult, shift := make([]int32, channels), make([]int, channels)
	for c := range channels {
		bias[c], mult[c] = 4, 1<<30
	}
	r := &Requant{InputOffset: -10, FilterOffset: -3, OutputOffset: 5, Multiplier: mult, Shift: shift, ActMin: 0, ActMax: 255}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
	shape := Shape4{N: 1, H: 4, W: 4, C: channels}
	want := map[[2]int]uint8{{1, 1}: 3, {2, 2}: 3, {0, 0}: 4, {0, 3}: 12}
	for _, target := range Targets() {
		out := make([]uint8, shape.Size())
		NewDepthwiseQ(target, p, r, shape, Shape4{N: 1, H: 3, W: 3, C: channels}, shape, filter, bias).Run(in, out, 0, 4, nil)
		for at, v := range want {
			for c := range channels {
				assert.Equal(t, v, out[(at[0]*4+at[1])*channels+c], "%s pixel %v channel %d", target, at, c)
			}
		}
	}
}

func TestDepthwiseQSaturatingMultiply(t *testing.T) {
	// Zero data and offsets leave each accumulator at its bias. Channel 0:
	// MinInt32 · MinInt32 is the doubling high multiply's one overflow,
	// saturated to MaxInt32 and clamped to 255. Channel 1: −2 · −2^31 · 2 /
	// 2^32 = 2. The 3×3 image with VALID padding has one interior pixel.
	r := &Requant{
		Multiplier: []int32{math.MinInt32, math.MinInt32}, Shift: []int{0, 0},
		ActMin: 0, ActMax: 255,
	}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
	bias := []int32{math.MinInt32, -2}
	for _, target := range Targets() {
		out := make([]uint8, 2)
		NewDepthwiseQ(target, p, r, Shape4{1, 3, 3, 2}, Shape4{1, 3, 3, 2}, Shape4{1, 1, 1, 2}, make([]uint8, 18), bias).
			Run(make([]uint8, 18), out, 0, 1, nil)
		assert.Equal(t, []uint8{255, 2}, out, target)
	}
}

func testDepthwiseQPrepared[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for iter := range 250 {
		g := randDepthwiseGeometry(rng)
		c := randDepthwiseCase[T](rng, g)
		if c == nil {
			continue
		}
		want := c.reference()
		for _, target := range Targets() {
			name := fmt.Sprintf("iteration %d %s %v", iter, target, g)
			require.Equal(t, want, c.run(target), name)

			// Row sub-ranges, run in a shuffled order, give the same output.
			k := c.prepare(target)
			scratch := make([]T, k.ScratchLen())
			split := make([]T, len(want))
			ranges := convSplits(rng, c.rows())
			rng.Shuffle(len(ranges), func(i, j int) { ranges[i], ranges[j] = ranges[j], ranges[i] })
			for _, rg := range ranges {
				k.Run(c.in, split, rg[0], rg[1], scratch)
			}
			require.Equal(t, want, split, name+" in sub-ranges")
		}
	}
}

func TestDepthwiseQRandomUint8(t *testing.T) { testDepthwiseQPrepared[uint8](t, 21) }
func TestDepthwiseQRandomInt8(t *testing.T)  { testDepthwiseQPrepared[int8](t, 22) }

func TestDepthwiseQChannelCounts(t *testing.T) {
	// Every listed channel count on an image with interior pixels, for
	// strides 1 and 2 and both paddings.
	rng := rand.New(rand.NewPCG(23, 7))
	for _, channels := range []int{1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 96, 100, 144, 192} {
		for _, stride := range []int{1, 2} {
			g := depthwiseGeometry{batch: 1, h: 6, w: 9, c: channels, kh: 3, kw: 3, stride: stride, dilation: 1, dm: 1, same: stride == 1}
			c := randDepthwiseCase[uint8](rng, g)
			d := randDepthwiseCase[int8](rng, g)
			want, wantS := c.reference(), d.reference()
			for _, target := range Targets() {
				require.Equal(t, want, c.run(target), "%s %v uint8", target, g)
				require.Equal(t, wantS, d.run(target), "%s %v int8", target, g)
			}
		}
	}
}

func TestDepthwiseQExtremes(t *testing.T) {
	// Accumulators that wrap around int32: extreme data, offsets no zero
	// point yields and biases at the edge of int32, which the reference's
	// int32 arithmetic wraps; multipliers above one and shifts no quantized
	// multiplier has.
	rng := rand.New(rand.NewPCG(24, 7))
	g := depthwiseGeometry{batch: 1, h: 7, w: 8, c: 33, kh: 3, kw: 3, stride: 1, dilation: 1, dm: 1, same: true}
	for _, offsets := range [][2]int32{{0, -255}, {-255, 255}, {math.MaxInt32, 40000}, {-40000, math.MinInt32}} {
		c := randDepthwiseCase[uint8](rng, g)
		for i := range c.in {
			c.in[i] = 255
		}
		c.r.InputOffset, c.r.FilterOffset = offsets[0], offsets[1]
		c.bias = make([]int32, c.outShape.C)
		for oc := range c.bias {
			c.bias[oc] = math.MaxInt32 - int32(oc)
			c.r.Shift[oc] = []int{-40, -32, -31, 0, 1, 30, 31, 32, 40}[oc%9]
		}
		want := c.reference()
		for _, target := range Targets() {
			assert.Equal(t, want, c.run(target), "%s offsets %v", target, offsets)
		}
	}
}

func TestDepthwiseQAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 7))
	c := randDepthwiseCase[uint8](rng, depthwiseGeometry{batch: 1, h: 9, w: 11, c: 37, kh: 3, kw: 3, stride: 1, dilation: 1, dm: 1, same: true})
	d := randDepthwiseCase[int8](rng, depthwiseGeometry{batch: 2, h: 8, w: 8, c: 20, kh: 3, kw: 3, stride: 2, dilation: 1, dm: 3, same: true})
	for _, target := range Targets() {
		k := c.prepare(target)
		out := make([]uint8, c.outShape.Size())
		assert.Zero(t, testing.AllocsPerRun(10, func() { k.Run(c.in, out, 0, c.rows(), nil) }), target)
		l := d.prepare(target)
		outS := make([]int8, d.outShape.Size())
		scratch := make([]int8, l.ScratchLen())
		assert.Zero(t, testing.AllocsPerRun(10, func() { l.Run(d.in, outS, 0, d.rows(), scratch) }), target)
	}
}

func FuzzDepthwiseQ(f *testing.F) {
	f.Add(uint64(1), uint8(24), uint8(9), uint8(9), uint8(0), false, uint8(0), uint8(255), uint8(0))
	f.Add(uint64(2), uint8(17), uint8(3), uint8(40), uint8(7), true, uint8(128), uint8(0), uint8(255))
	f.Add(uint64(3), uint8(1), uint8(1), uint8(1), uint8(2), true, uint8(255), uint8(127), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, channels, h, w, shape uint8, signed bool, inZero, filterZero, outZero uint8) {
		// shape: bit 0 stride 2, bit 1 dilation 2, bit 2 VALID, bits 3-4
		// another filter or depth multiplier 2.
		g := depthwiseGeometry{
			batch: 1, h: 1 + int(h)%40, w: 1 + int(w)%40, c: 1 + int(channels)%200,
			kh: 3, kw: 3, stride: 1 + int(shape&1), dilation: 1 + int(shape>>1&1), dm: 1, same: shape&4 == 0,
		}
		switch shape >> 3 & 3 {
		case 1:
			g.kh, g.kw = 5, 5
		case 2:
			g.kh, g.kw = 3, 1
		case 3:
			g.dm = 2
		}
		if signed {
			fuzzDepthwiseQ[int8](t, seed, g, int32(int8(inZero)), int32(int8(filterZero)), int32(int8(outZero)))
		} else {
			fuzzDepthwiseQ[uint8](t, seed, g, int32(inZero), int32(filterZero), int32(outZero))
		}
	})
}

// fuzzDepthwiseQ compares every target with Generic on one fuzzed layer.
func fuzzDepthwiseQ[T int8 | uint8](t *testing.T, seed uint64, g depthwiseGeometry, inZero, filterZero, outZero int32) {
	rng := rand.New(rand.NewPCG(seed, 9))
	c := randDepthwiseCase[T](rng, g)
	if c == nil {
		return
	}
	c.r.InputOffset, c.r.FilterOffset, c.r.OutputOffset = -inZero, -filterZero, outZero
	want := c.run(Generic)
	for _, target := range Targets() {
		require.Equal(t, want, c.run(target), "%s %v", target, g)
	}
}

// benchDepthwiseQ times one target's DepthwiseQ on a SAME 3×3 layer.
func benchDepthwiseQ(b *testing.B, target string, h, w, channels, stride int) {
	rng := rand.New(rand.NewPCG(26, 7))
	c := randDepthwiseCase[uint8](rng, depthwiseGeometry{batch: 1, h: h, w: w, c: channels, kh: 3, kw: 3, stride: stride, dilation: 1, dm: 1, same: true})
	k := c.prepare(target)
	out := make([]uint8, c.outShape.Size())
	for b.Loop() {
		k.Run(c.in, out, 0, c.rows(), nil)
	}
	reportGMACs(b, float64(c.outShape.Size()*9))
}

func BenchmarkDepthwiseQ(b *testing.B) {
	// SSD-MobileNet v1's depthwise layers (by input size).
	shapes := []struct{ h, w, channels, stride int }{
		{150, 150, 24, 1},
		{150, 150, 48, 2},
		{75, 75, 96, 1},
		{38, 38, 192, 1},
		{19, 19, 384, 1},
		{10, 10, 768, 1},
	}
	for _, target := range Targets() {
		for _, s := range shapes {
			name := fmt.Sprintf("%s/%dx%dx%ds%d", target, s.h, s.w, s.channels, s.stride)
			b.Run(name, func(b *testing.B) { benchDepthwiseQ(b, target, s.h, s.w, s.channels, s.stride) })
		}
	}
}
