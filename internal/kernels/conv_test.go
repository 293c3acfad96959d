package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/percept-robotics/percept/quant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --- Shared test models for conv, depthwise and fully connected kernels ---

// convGeometry is the shape of one convolution-family test case.
type convGeometry struct {
	p               ConvGeometry
	in, filter, out Shape4
}

// randConvGeometry draws a small random convolution (depthwise when asked):
// odd and even channel counts, 1×1, 3×3 and 5×5 kernels, strides 1 and 2,
// SAME and VALID padding, dilation 1 and 2, depth multiplier 1 and 2.
func randConvGeometry(rng *rand.Rand, depthwise bool) convGeometry {
	sizes := []int{1, 3, 5}
	for {
		kh, kw := sizes[rng.IntN(3)], sizes[rng.IntN(3)]
		p := ConvGeometry{
			StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2),
			DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
			DepthMultiplier: 1,
		}
		same := rng.IntN(2) == 0
		in := Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(10), W: 1 + rng.IntN(10), C: 1 + rng.IntN(7)}
		var outH, outW int
		outH, p.PadTop = OutputSize(in.H, kh, p.StrideH, p.DilationH, same)
		outW, p.PadLeft = OutputSize(in.W, kw, p.StrideW, p.DilationW, same)
		if outH < 1 || outW < 1 {
			continue // VALID window larger than the input
		}
		outC := 1 + rng.IntN(9)
		filter := Shape4{N: outC, H: kh, W: kw, C: in.C}
		if depthwise {
			p.DepthMultiplier = 1 + rng.IntN(2)
			outC = in.C * p.DepthMultiplier
			filter = Shape4{N: 1, H: kh, W: kw, C: outC}
		}
		return convGeometry{p: p, in: in, filter: filter, out: Shape4{N: in.N, H: outH, W: outW, C: outC}}
	}
}

// convLayer is a random quantization of one layer: scales, zero points, a
// bias, and the Requant the kernels take, built as the interpreter does.
type convLayer struct {
	qmin, qmax        int32 // the limits of the quantized type
	inScale, outScale float32
	filterScales      []float32 // one, or one per output channel
	inZero, fZero     int32
	outZero           int32
	bias              []int32 // may be nil
	r                 Requant
}

// randConvLayer quantizes the inputs of a layer with outC output channels
// for T: per-tensor with any filter zero point for uint8, per-channel
// symmetric for int8. calibrate completes it once the outputs are known.
func randConvLayer[T int8 | uint8](rng *rand.Rand, outC int) *convLayer {
	lo, hi := typeRange[T]()
	l := &convLayer{
		qmin: lo, qmax: hi,
		inScale: float32(0.01 + 0.04*rng.Float64()),
		inZero:  randZero[T](rng),
		outZero: randZero[T](rng),
	}
	nScales := outC
	if lo == 0 {
		nScales = 1
		l.fZero = randZero[T](rng)
	}
	for range nScales {
		l.filterScales = append(l.filterScales, float32(0.002+0.02*rng.Float64()))
	}
	if rng.IntN(4) != 0 {
		l.bias = make([]int32, outC)
		for i := range l.bias {
			l.bias[i] = rng.Int32N(40001) - 20000
		}
	}
	return l
}

// calibrate picks the output scale from the real outputs the layer will
// produce, as a converter would, then builds the Requant. Mostly the
// outputs then span about the type's range; one layer in eight gets a tiny
// effective multiplier (about 2^−20) and one in eight a multiplier above 1.
func (l *convLayer) calibrate(rng *rand.Rand, outC int, realOut []float64) {
	unit := float64(l.inScale) * float64(l.filterScales[0]) // the scale of the accumulator
	switch rng.IntN(8) {
	case 0:
		l.outScale = float32(unit * math.Exp2(20+rng.Float64()))
	case 1:
		l.outScale = float32(unit / (1 + 3*rng.Float64()))
	default:
		spread := 0.0
		for _, v := range realOut {
			spread = max(spread, math.Abs(v))
		}
		scale := spread / float64(l.qmax-l.qmin) * math.Exp2(2*rng.Float64()-0.5)
		l.outScale = float32(max(scale, unit/4))
	}
	mult, shift := quant.ConvMultipliers(l.inScale, l.filterScales, l.outScale, outC, rng.IntN(2) == 0)
	actMin, actMax := quant.ActivationRange(quant.FusedActivation(rng.IntN(4)), l.outScale, l.outZero, l.qmin, l.qmax)
	l.r = Requant{
		InputOffset: -l.inZero, FilterOffset: -l.fZero, OutputOffset: l.outZero,
		Multiplier: mult, Shift: shift, ActMin: actMin, ActMax: actMax,
	}
}

// filterScale returns the scale of output channel oc's filter.
func (l *convLayer) filterScale(oc int) float64 {
	return float64(l.filterScales[min(oc, len(l.filterScales)-1)])
}

// dequantizeInput returns the real values of quantized input data.
func (l *convLayer) dequantizeInput(q []int32) []float64 {
	values := make([]float64, len(q))
	for i, v := range q {
		values[i] = float64(l.inScale) * float64(v-l.inZero)
	}
	return values
}

// dequantizeFilter returns the real values of quantized filter data whose
// output channel index of element i is channelOf(i).
func (l *convLayer) dequantizeFilter(q []int32, channelOf func(i int) int) []float64 {
	values := make([]float64, len(q))
	for i, v := range q {
		values[i] = l.filterScale(channelOf(i)) * float64(v-l.fZero)
	}
	return values
}

// realBias returns the real bias: bias[oc]·inScale·filterScale[oc], or nil.
func (l *convLayer) realBias(outC int) []float64 {
	if l.bias == nil {
		return nil
	}
	values := make([]float64, outC)
	for oc := range values {
		values[oc] = float64(l.bias[oc]) * float64(l.inScale) * l.filterScale(oc)
	}
	return values
}

// quantizeOutput requantizes real outputs with the real (not fixed-point)
// multiplier: round(real/outScale) + outZero, clamped to the activation.
func (l *convLayer) quantizeOutput(values []float64) []int32 {
	q := make([]int32, len(values))
	for i, v := range values {
		r := math.Round(v/float64(l.outScale)) + float64(l.outZero)
		q[i] = int32(math.Max(float64(l.r.ActMin), math.Min(float64(l.r.ActMax), r)))
	}
	return q
}

// convWiden converts T data to int32.
func convWiden[T int8 | uint8](v []T) []int32 {
	w := make([]int32, len(v))
	for i, x := range v {
		w[i] = int32(x)
	}
	return w
}

// naiveRequantize applies the integer tail every quantized kernel shares,
// written out plainly: bias, fixed-point multiply, offset, clamp.
func naiveRequantize(acc int32, oc int, bias []int32, r *Requant) int32 {
	if bias != nil {
		acc += bias[oc]
	}
	v := quant.MultiplyByQuantizedMultiplier(acc, r.Multiplier[oc], r.Shift[oc]) + r.OutputOffset
	if v < r.ActMin {
		v = r.ActMin
	}
	if v > r.ActMax {
		v = r.ActMax
	}
	return v
}

// requireConvNear asserts |got − want| ≤ 1 quantization step for every element.
func requireConvNear[T int8 | uint8](t *testing.T, want []int32, got []T, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		d := int32(got[i]) - w
		require.LessOrEqual(t, max(d, -d), int32(1), append([]any{"element %d: want %d, got %d", i, w, got[i]}, msgAndArgs...)...)
	}
}

// requireConvClose asserts that got matches the float64 model want within
// 1e-5 of mag, the magnitude of each output's terms.
func requireConvClose(t *testing.T, want, mag []float64, got []float32, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		require.InDelta(t, w, float64(got[i]), 1e-5*max(mag[i], 1e-30), append([]any{"element %d", i}, msgAndArgs...)...)
	}
}

// convClamp applies a float activation range to float64 model outputs.
func convClamp(v []float64, act FloatRange) []float64 {
	c := make([]float64, len(v))
	for i, x := range v {
		c[i] = math.Max(float64(act.Min), math.Min(float64(act.Max), x))
	}
	return c
}

// convRandFloats returns n uniform values in [-1, 1).
func convRandFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(2*rng.Float64() - 1)
	}
	return v
}

// convHalves rounds float32 values to float16.
func convHalves(v []float32) []Half {
	h := make([]Half, len(v))
	for i, x := range v {
		h[i] = HalfFromFloat32(x)
	}
	return h
}

// convSplits cuts [0, n) into random consecutive pieces.
func convSplits(rng *rand.Rand, n int) [][2]int {
	var pieces [][2]int
	for lo := 0; lo < n; {
		hi := lo + 1 + rng.IntN(n-lo)
		pieces = append(pieces, [2]int{lo, hi})
		lo = hi
	}
	return pieces
}

// --- Convolution models ---

// naiveConvInt is the plain seven-loop integer model of a quantized
// convolution, with padding taps skipped.
func naiveConvInt(g convGeometry, r *Requant, in, filter, bias []int32) []int32 {
	out := make([]int32, g.out.Size())
	for b := 0; b < g.out.N; b++ {
		for oy := 0; oy < g.out.H; oy++ {
			for ox := 0; ox < g.out.W; ox++ {
				for oc := 0; oc < g.out.C; oc++ {
					var acc int32
					for ky := 0; ky < g.filter.H; ky++ {
						for kx := 0; kx < g.filter.W; kx++ {
							for ic := 0; ic < g.in.C; ic++ {
								iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
								ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
								if iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W {
									continue
								}
								x := in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+ic]
								w := filter[((oc*g.filter.H+ky)*g.filter.W+kx)*g.filter.C+ic]
								acc += (x + r.InputOffset) * (w + r.FilterOffset)
							}
						}
					}
					out[((b*g.out.H+oy)*g.out.W+ox)*g.out.C+oc] = naiveRequantize(acc, oc, bias, r)
				}
			}
		}
	}
	return out
}

// naiveConvF64 is the float64 model of a convolution without activation.
// mag receives, per output, Σ|in·filter| + |bias|, the scale of its
// rounding error.
func naiveConvF64(g convGeometry, in, filter, bias []float64) (out, mag []float64) {
	out, mag = make([]float64, g.out.Size()), make([]float64, g.out.Size())
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
							for ic := 0; ic < g.in.C; ic++ {
								term := in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+ic] * filter[((oc*g.filter.H+ky)*g.filter.W+kx)*g.filter.C+ic]
								out[i] += term
								mag[i] += math.Abs(term)
							}
						}
					}
				}
			}
		}
	}
	return out, mag
}

// naiveFMA32 is x·y + acc through float64's fused multiply-add narrowed to
// float32: independent of fma32, and equal to it except when the narrowing
// rounds twice, which random data in [−1, 1] makes vanishingly rare.
func naiveFMA32(x, y, acc float32) float32 {
	return float32(math.FMA(float64(x), float64(y), float64(acc)))
}

// naiveConvF32 follows TFLite's float reference loop literally, with each
// term fused: one float32 accumulator per output adding in·filter over ky,
// kx, ic (naiveFMA32), then the bias (zero when absent), then the clamp. The kernel must match it bit for bit.
func naiveConvF32(g convGeometry, act FloatRange, in, filter, bias []float32) []float32 {
	out := make([]float32, g.out.Size())
	for b := 0; b < g.out.N; b++ {
		for oy := 0; oy < g.out.H; oy++ {
			for ox := 0; ox < g.out.W; ox++ {
				for oc := 0; oc < g.out.C; oc++ {
					var total float32
					for ky := 0; ky < g.filter.H; ky++ {
						for kx := 0; kx < g.filter.W; kx++ {
							iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
							ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
							if iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W {
								continue
							}
							for ic := 0; ic < g.in.C; ic++ {
								total = naiveFMA32(in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+ic], filter[((oc*g.filter.H+ky)*g.filter.W+kx)*g.filter.C+ic], total)
							}
						}
					}
					var biasValue float32
					if bias != nil {
						biasValue = bias[oc]
					}
					out[((b*g.out.H+oy)*g.out.W+ox)*g.out.C+oc] = min(max(total+biasValue, act.Min), act.Max)
				}
			}
		}
	}
	return out
}

// --- Hand-checked cases ---

func TestConvQUint8ByHand(t *testing.T) {
	// Input 3×3, zero point 1, so the offset values are
	//   0 1 2
	//   3 4 5
	//   6 7 8
	// Filter 2×2 [1 2; 3 4] with zero point 2, i.e. [-1 0; 1 2]. Bias 5,
	// multiplier 0.5, output zero point 3.
	in := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}
	filter := []uint8{1, 2, 3, 4}
	r := &Requant{InputOffset: -1, FilterOffset: -2, OutputOffset: 3, Multiplier: []int32{1 << 30}, Shift: []int{0}, ActMin: 0, ActMax: 14}
	inShape, fShape := Shape4{1, 3, 3, 1}, Shape4{1, 2, 2, 1}

	// VALID: sums −0+0+3+8 = 11, −1+0+4+10 = 13, −3+0+6+14 = 17,
	// −4+0+7+16 = 19; +5 → 16 18 22 24; ·0.5 → 8 9 11 12; +3 → 11 12 14 15;
	// clamped to 14.
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	out := make([]uint8, 4)
	ConvQ(p, r, inShape, in, fShape, filter, []int32{5}, Shape4{1, 2, 2, 1}, out, 0, 2)
	assert.Equal(t, []uint8{11, 12, 14, 14}, out)

	// SAME pads one row and column after the input. The last column reads
	// taps (0,0) and (1,0) only: −2+5 = 3 and −5+8 = 3 → (3+5)/2+3 = 7. The
	// last row reads (0,0) and (0,1): −6+0 = −6 and −7+0 = −7 → −1/2 and
	// −2/2: the high multiply rounds −0.5 up to 0 and −1 stays −1, giving 3
	// and 2. The corner reads −8: (−8+5)/2 = −1.5 rounds up to −1 → 2.
	r.ActMax = 255
	out = make([]uint8, 9)
	ConvQ(p, r, inShape, in, fShape, filter, []int32{5}, Shape4{1, 3, 3, 1}, out, 0, 3)
	assert.Equal(t, []uint8{11, 12, 7, 14, 15, 7, 3, 2, 2}, out)
}

func TestConvQInt8PerChannelByHand(t *testing.T) {
	// 1×1 convolution of two pixels [10 −20 30] and [−128 127 0], input
	// zero point 0, filters [1 2 3] and [−1 0 1], bias [0 100].
	// Pixel 0: 10−40+90 = 60 and −10+30+100 = 120; pixel 1: −128+254 = 126
	// and 128+100 = 228. Multipliers 0.5 and 0.25: 30 30 63 57; output zero
	// point −10: 20 20 53 47; clamped to 50.
	in := []int8{10, -20, 30, -128, 127, 0}
	filter := []int8{1, 2, 3, -1, 0, 1}
	r := &Requant{OutputOffset: -10, Multiplier: []int32{1 << 30, 1 << 30}, Shift: []int{0, -1}, ActMin: -128, ActMax: 50}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	out := make([]int8, 4)
	ConvQ(p, r, Shape4{1, 1, 2, 3}, in, Shape4{2, 1, 1, 3}, filter, []int32{0, 100}, Shape4{1, 1, 2, 2}, out, 0, 1)
	assert.Equal(t, []int8{20, 20, 50, 47}, out)
}

func TestConvF32ByHand(t *testing.T) {
	// 2×2 input [1 2; 3 4], 2×2 filters [1 1; 1 1] and [0.5 −1; 0 2], VALID,
	// bias [0.5 −1], RELU6: 10+0.5 → 6 (clamped); 0.5−2+0+8−1 = 5.5.
	in := []float32{1, 2, 3, 4}
	filter := []float32{1, 1, 1, 1, 0.5, -1, 0, 2}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	out := make([]float32, 2)
	ConvF32(p, FloatRange{0, 6}, Shape4{1, 2, 2, 1}, in, Shape4{2, 2, 2, 1}, filter, []float32{0.5, -1}, Shape4{1, 1, 1, 2}, out, 0, 1, nil)
	assert.Equal(t, []float32{6, 5.5}, out)
}

func TestWindowsInPadding(t *testing.T) {
	// A 1×1 input of value 5 under a 1×1 filter of 2, with two pixels of
	// padding all round: the centre of the 5×5 output is 5·2 + 1 = 11, every
	// other output reads only padding and is the bias, 1.
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 2, PadLeft: 2, DepthMultiplier: 1}
	one, out5 := Shape4{1, 1, 1, 1}, Shape4{1, 5, 5, 1}
	wantQ := make([]int8, 25)
	want := make([]float32, 25)
	for i := range want {
		wantQ[i], want[i] = 1, 1
	}
	wantQ[12], want[12] = 11, 11
	r := &Requant{Multiplier: []int32{1 << 30}, Shift: []int{1}, ActMin: -128, ActMax: 127}
	act := FloatRange{-math.MaxFloat32, math.MaxFloat32}

	q := make([]int8, 25)
	ConvQ(p, r, one, []int8{5}, one, []int8{2}, []int32{1}, out5, q, 0, 5)
	assert.Equal(t, wantQ, q)
	q = make([]int8, 25)
	DepthwiseConvQ(p, r, one, []int8{5}, one, []int8{2}, []int32{1}, out5, q, 0, 5)
	assert.Equal(t, wantQ, q)

	f := make([]float32, 25)
	ConvF32(p, act, one, []float32{5}, one, []float32{2}, []float32{1}, out5, f, 0, 5, nil)
	assert.Equal(t, want, f)
	f = make([]float32, 25)
	DepthwiseConvF32(p, act, one, []float32{5}, one, []float32{2}, []float32{1}, out5, f, 0, 5, nil)
	assert.Equal(t, want, f)
}

func TestTapRange(t *testing.T) {
	cases := []struct{ origin, k, dilation, size, lo, hi int }{
		{0, 3, 1, 5, 0, 3},
		{-1, 3, 1, 5, 1, 3}, // tap 0 at −1
		{3, 3, 1, 5, 0, 2},  // tap 2 at 5
		{-3, 3, 2, 5, 2, 3}, // taps at −3, −1, 1
		{-2, 3, 2, 3, 1, 3}, // taps at −2, 0, 2
		{1, 3, 2, 4, 0, 2},  // taps at 1, 3, 5
		{-4, 2, 1, 5, 2, 2}, // all before the input
		{5, 3, 1, 5, 0, 0},  // all after the input
		{-1, 3, 1, 1, 1, 2}, // only the middle tap
		{-1, 3, 3, 1, 1, 1}, // taps at −1, 2, 5 straddle a 1-wide input
	}
	for _, c := range cases {
		lo, hi := tapRange(c.origin, c.k, c.dilation, c.size)
		assert.Equal(t, [2]int{c.lo, c.hi}, [2]int{lo, hi}, "origin %d k %d dilation %d size %d", c.origin, c.k, c.dilation, c.size)
	}
}

// --- Randomised comparisons ---

func testConvQRandom[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for iter := range 150 {
		g := randConvGeometry(rng, false)
		l := randConvLayer[T](rng, g.out.C)
		in := randValues[T](rng, g.in.Size())
		filter := randValues[T](rng, g.filter.Size())
		filterSize := g.filter.Size() / g.filter.N
		realOut, _ := naiveConvF64(g, l.dequantizeInput(convWiden(in)),
			l.dequantizeFilter(convWiden(filter), func(i int) int { return i / filterSize }), l.realBias(g.out.C))
		l.calibrate(rng, g.out.C, realOut)

		got := make([]T, g.out.Size())
		rows := g.out.N * g.out.H
		ConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, got, 0, rows)
		msg := []any{"iteration %d: %+v", iter, g}
		assert.Equal(t, naiveConvInt(g, &l.r, convWiden(in), convWiden(filter), l.bias), convWiden(got), msg...)
		requireConvNear(t, l.quantizeOutput(realOut), got, msg...)

		pieces := make([]T, len(got))
		for _, s := range convSplits(rng, rows) {
			ConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, pieces, s[0], s[1])
		}
		require.Equal(t, got, pieces, msg...)
	}
}

func TestConvQRandomUint8(t *testing.T) { testConvQRandom[uint8](t, 1) }
func TestConvQRandomInt8(t *testing.T)  { testConvQRandom[int8](t, 2) }

func TestConvF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	for iter := range 150 {
		g := randConvGeometry(rng, false)
		in := convRandFloats(rng, g.in.Size())
		filter := convRandFloats(rng, g.filter.Size())
		var bias []float32
		if rng.IntN(4) != 0 {
			bias = convRandFloats(rng, g.out.C)
		}
		act := FloatRange{-math.MaxFloat32, math.MaxFloat32}
		if rng.IntN(2) == 0 {
			act = FloatRange{0, 6}
		}
		rows := g.out.N * g.out.H
		got := make([]float32, g.out.Size())
		ConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, got, 0, rows, nil)

		msg := []any{"iteration %d: %+v", iter, g}
		want, mag := naiveConvF64(g, convF64s(in), convF64s(filter), convF64s(bias))
		requireConvClose(t, convClamp(want, act), mag, got, msg...)
		require.Equal(t, naiveConvF32(g, act, in, filter, bias), got, msg...)

		pieces := make([]float32, len(got))
		for _, s := range convSplits(rng, rows) {
			ConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, pieces, s[0], s[1], nil)
		}
		require.Equal(t, got, pieces, msg...)

		// float16 weights: identical to float32 weights holding the same values.
		halves := convHalves(filter)
		widened := WidenHalves(make([]float32, len(halves)), halves)
		wantHalf := make([]float32, len(got))
		ConvF32(&g.p, act, g.in, in, g.filter, widened, bias, g.out, wantHalf, 0, rows, nil)
		gotHalf := make([]float32, len(got))
		// Room for one to five filters: one or four channels at a time.
		scratch := make([]float32, (1+rng.IntN(5))*g.filter.H*g.filter.W*g.filter.C)
		for _, s := range convSplits(rng, rows) {
			ConvF32(&g.p, act, g.in, in, g.filter, halves, bias, g.out, gotHalf, s[0], s[1], scratch)
		}
		require.Equal(t, wantHalf, gotHalf, msg...)
	}
}

// convF64s widens float32 data, keeping nil as nil.
func convF64s(v []float32) []float64 {
	if v == nil {
		return nil
	}
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// --- Benchmarks on SSD-MobileNet-like layers ---

// reportGMACs reports the benchmark's multiply-accumulate throughput.
func reportGMACs(b *testing.B, macs float64) {
	b.ReportMetric(macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

// benchConvQ times a full quantized convolution (depthwise when asked).
func benchConvQ[T int8 | uint8](b *testing.B, depthwise bool, k, stride int, in Shape4, outC int) {
	rng := rand.New(rand.NewPCG(7, 1))
	outH, pad := OutputSize(in.H, k, stride, 1, true)
	outW, _ := OutputSize(in.W, k, stride, 1, true)
	p := &ConvGeometry{StrideH: stride, StrideW: stride, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, DepthMultiplier: 1}
	out := Shape4{N: in.N, H: outH, W: outW, C: outC}
	filter := Shape4{N: outC, H: k, W: k, C: in.C}
	macs := float64(out.Size() * k * k * in.C)
	if depthwise {
		filter = Shape4{N: 1, H: k, W: k, C: outC}
		macs = float64(out.Size() * k * k)
	}
	l := randConvLayer[T](rng, outC)
	l.calibrate(rng, outC, nil) // the speed does not depend on the output scale
	l.bias = make([]int32, outC)
	inData := randValues[T](rng, in.Size())
	filterData := randValues[T](rng, filter.Size())
	outData := make([]T, out.Size())
	b.ResetTimer()
	for b.Loop() {
		if depthwise {
			DepthwiseConvQ(p, &l.r, in, inData, filter, filterData, l.bias, out, outData, 0, out.N*out.H)
		} else {
			ConvQ(p, &l.r, in, inData, filter, filterData, l.bias, out, outData, 0, out.N*out.H)
		}
	}
	reportGMACs(b, macs)
}

func BenchmarkConvQ(b *testing.B) {
	b.Run("1x1_19x19x512to512_uint8", func(b *testing.B) { benchConvQ[uint8](b, false, 1, 1, Shape4{1, 19, 19, 512}, 512) })
	b.Run("1x1_19x19x512to512_int8", func(b *testing.B) { benchConvQ[int8](b, false, 1, 1, Shape4{1, 19, 19, 512}, 512) })
	b.Run("3x3s2_300x300x3to32_uint8", func(b *testing.B) { benchConvQ[uint8](b, false, 3, 2, Shape4{1, 300, 300, 3}, 32) })
	b.Run("dw3x3_150x150x32_uint8", func(b *testing.B) { benchConvQ[uint8](b, true, 3, 1, Shape4{1, 150, 150, 32}, 32) })
	b.Run("dw3x3_150x150x32_int8", func(b *testing.B) { benchConvQ[int8](b, true, 3, 1, Shape4{1, 150, 150, 32}, 32) })
}

func BenchmarkConvF32(b *testing.B) {
	rng := rand.New(rand.NewPCG(8, 1))
	in := Shape4{1, 19, 19, 512}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	filter, out := Shape4{512, 1, 1, 512}, Shape4{1, 19, 19, 512}
	inData, filterData := convRandFloats(rng, in.Size()), convRandFloats(rng, filter.Size())
	outData := make([]float32, out.Size())
	act := FloatRange{-math.MaxFloat32, math.MaxFloat32}
	macs := float64(out.Size() * in.C)
	b.Run("1x1_19x19x512to512_f32", func(b *testing.B) {
		for b.Loop() {
			ConvF32(p, act, in, inData, filter, filterData, nil, out, outData, 0, out.H, nil)
		}
		reportGMACs(b, macs)
	})
	halves := convHalves(filterData)
	scratch := make([]float32, in.C)
	b.Run("1x1_19x19x512to512_f16", func(b *testing.B) {
		for b.Loop() {
			ConvF32(p, act, in, inData, filter, halves, nil, out, outData, 0, out.H, scratch)
		}
		reportGMACs(b, macs)
	})
}
