package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveDepthwiseInt is the plain seven-loop integer model of a quantized
// depthwise convolution: output channel ic·m + j reads input channel ic.
func naiveDepthwiseInt(g convGeometry, r *Requant, in, filter, bias []int32) []int32 {
	out := make([]int32, g.out.Size())
	dm := g.p.DepthMultiplier
	for b := 0; b < g.out.N; b++ {
		for oy := 0; oy < g.out.H; oy++ {
			for ox := 0; ox < g.out.W; ox++ {
				for ic := 0; ic < g.in.C; ic++ {
					for m := 0; m < dm; m++ {
						oc := ic*dm + m
						var acc int32
						for ky := 0; ky < g.filter.H; ky++ {
							for kx := 0; kx < g.filter.W; kx++ {
								iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
								ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
								if iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W {
									continue
								}
								x := in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+ic]
								w := filter[(ky*g.filter.W+kx)*g.filter.C+oc]
								acc += (x + r.InputOffset) * (w + r.FilterOffset)
							}
						}
						out[((b*g.out.H+oy)*g.out.W+ox)*g.out.C+oc] = naiveRequantize(acc, oc, bias, r)
					}
				}
			}
		}
	}
	return out
}

// naiveDepthwiseF64 is the float64 model of a depthwise convolution without
// activation; mag is as for naiveConvF64.
func naiveDepthwiseF64(g convGeometry, in, filter, bias []float64) (out, mag []float64) {
	out, mag = make([]float64, g.out.Size()), make([]float64, g.out.Size())
	dm := g.p.DepthMultiplier
	for b := 0; b < g.out.N; b++ {
		for oy := 0; oy < g.out.H; oy++ {
			for ox := 0; ox < g.out.W; ox++ {
				for oc := 0; oc < g.out.C; oc++ {
					i := ((b*g.out.H+oy)*g.out.W+ox)*g.out.C + oc
					if bias != nil {
						out[i], mag[i] = bias[oc], math.Abs(bias[oc])
					}
					for ky := 0; ky < g.filter.H; ky++ {
						for kx := 0; kx < g.filter.W; kx++ {
							iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
							ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
							if iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W {
								continue
							}
							term := in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+oc/dm] * filter[(ky*g.filter.W+kx)*g.filter.C+oc]
							out[i] += term
							mag[i] += math.Abs(term)
						}
					}
				}
			}
		}
	}
	return out, mag
}

func TestDepthwiseConvQByHand(t *testing.T) {
	// Input 2×2×2 with zero point 1: channel 0 is [0 1; 2 3] and channel 1
	// [4 5; 6 7] after the offset. Depth multiplier 2, so outputs 0 and 1
	// read channel 0, outputs 2 and 3 channel 1. Filter taps (ky,kx):
	// (0,0) [1 0 1 0], (0,1) [1 0 0 1], (1,0) [1 1 0 0], (1,1) [1 2 3 1].
	//   out0 = 0+1+2+3 = 6      out1 = 2·1 + 3·2 = 8
	//   out2 = 4 + 7·3 = 25     out3 = 5 + 7 = 12
	// Multiplier 1 (2^30, shift 1), output zero point 0, bias [0 0 0 −20].
	in := []uint8{1, 5, 2, 6, 3, 7, 4, 8}
	filter := []uint8{1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 2, 3, 1}
	mult, shift := []int32{1 << 30, 1 << 30, 1 << 30, 1 << 30}, []int{1, 1, 1, 1}
	r := &Requant{InputOffset: -1, Multiplier: mult, Shift: shift, ActMin: 0, ActMax: 255}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 2}
	out := make([]uint8, 4)
	DepthwiseConvQ(p, r, Shape4{1, 2, 2, 2}, in, Shape4{1, 2, 2, 4}, filter, []int32{0, 0, 0, -20}, Shape4{1, 1, 1, 4}, out, 0, 1)
	assert.Equal(t, []uint8{6, 8, 25, 0}, out) // 12 − 20 clamps to 0
}

// wideDepthwiseGeometries cross the kernel's block of output channels.
func wideDepthwiseGeometries() []convGeometry {
	p := ConvGeometry{StrideH: 1, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
	wide := convGeometry{p: p, in: Shape4{1, 4, 5, 70}, filter: Shape4{1, 3, 3, 70}, out: Shape4{1, 4, 3, 70}}
	p.DepthMultiplier = 2
	doubled := convGeometry{p: p, in: Shape4{1, 4, 5, 37}, filter: Shape4{1, 3, 3, 74}, out: Shape4{1, 4, 3, 74}}
	return []convGeometry{wide, doubled}
}

func testDepthwiseQRandom[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	geometries := wideDepthwiseGeometries()
	for range 150 {
		geometries = append(geometries, randConvGeometry(rng, true))
	}
	for iter, g := range geometries {
		l := randConvLayer[T](rng, g.out.C)
		in := randValues[T](rng, g.in.Size())
		filter := randValues[T](rng, g.filter.Size())
		realOut, _ := naiveDepthwiseF64(g, l.dequantizeInput(convWiden(in)),
			l.dequantizeFilter(convWiden(filter), func(i int) int { return i % g.filter.C }), l.realBias(g.out.C))
		l.calibrate(rng, g.out.C, realOut)

		got := make([]T, g.out.Size())
		rows := g.out.N * g.out.H
		DepthwiseConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, got, 0, rows)
		msg := []any{"iteration %d: %+v", iter, g}
		assert.Equal(t, naiveDepthwiseInt(g, &l.r, convWiden(in), convWiden(filter), l.bias), convWiden(got), msg...)
		requireConvNear(t, l.quantizeOutput(realOut), got, msg...)

		pieces := make([]T, len(got))
		for _, s := range convSplits(rng, rows) {
			DepthwiseConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, pieces, s[0], s[1])
		}
		require.Equal(t, got, pieces, msg...)
	}
}

func TestDepthwiseConvQRandomUint8(t *testing.T) { testDepthwiseQRandom[uint8](t, 11) }
func TestDepthwiseConvQRandomInt8(t *testing.T)  { testDepthwiseQRandom[int8](t, 12) }

func TestDepthwiseConvF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	geometries := wideDepthwiseGeometries()
	for range 150 {
		geometries = append(geometries, randConvGeometry(rng, true))
	}
	for iter, g := range geometries {
		in := convRandFloats(rng, g.in.Size())
		filter := convRandFloats(rng, g.filter.Size())
		var bias []float32
		if rng.IntN(4) != 0 {
			bias = convRandFloats(rng, g.out.C)
		}
		act := FloatRange{-math.MaxFloat32, math.MaxFloat32}
		if rng.IntN(2) == 0 {
			act = FloatRange{-1, 1}
		}
		rows := g.out.N * g.out.H
		got := make([]float32, g.out.Size())
		DepthwiseConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, got, 0, rows, nil)

		msg := []any{"iteration %d: %+v", iter, g}
		want, mag := naiveDepthwiseF64(g, convF64s(in), convF64s(filter), convF64s(bias))
		requireConvClose(t, convClamp(want, act), mag, got, msg...)

		pieces := make([]float32, len(got))
		for _, s := range convSplits(rng, rows) {
			DepthwiseConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, pieces, s[0], s[1], nil)
		}
		require.Equal(t, got, pieces, msg...)

		halves := convHalves(filter)
		wantHalf := make([]float32, len(got))
		DepthwiseConvF32(&g.p, act, g.in, in, g.filter, WidenHalves(make([]float32, len(halves)), halves), bias, g.out, wantHalf, 0, rows, nil)
		gotHalf := make([]float32, len(got))
		scratch := make([]float32, g.filter.Size())
		for _, s := range convSplits(rng, rows) {
			DepthwiseConvF32(&g.p, act, g.in, in, g.filter, halves, bias, g.out, gotHalf, s[0], s[1], scratch)
		}
		require.Equal(t, wantHalf, gotHalf, msg...)
	}
}
