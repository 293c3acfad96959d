package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFMA16ByHand(t *testing.T) {
	const (
		one      = Half(0x3c00)
		minusOne = Half(0xbc00)
		half     = Half(0x3800) // 0.5
		negZero  = Half(0x8000)
	)
	cases := []struct {
		name       string
		x, y, acc  Half
		want       Half
		wantFloat  float32 // the value of want, derived by hand
		checkValue bool
	}{
		{"1·1+0", one, one, 0, one, 1, true},
		// 1 + 2⁻¹¹ lies halfway between 1 and 1+2⁻¹⁰: ties to even keep 1.
		{"tie to even down", Half(0x1000), one, one, one, 1, true},
		// (1+2⁻¹⁰) + 2⁻¹¹ lies halfway between 0x3c01 and 0x3c02: even is 0x3c02.
		{"tie to even up", Half(0x1000), one, Half(0x3c01), Half(0x3c02), 1 + 2.0/1024, true},
		// (1+2⁻¹⁰)(1−2⁻¹¹) − 1 = 2⁻¹¹ − 2⁻²¹ exactly, a half (0x0ffe);
		// rounding the product first would give 0.
		{"fused", Half(0x3c01), Half(0x3bff), minusOne, Half(0x0ffe), 1.0/2048 - 1.0/(1<<21), true},
		{"overflow", Half(0x5c00), Half(0x5c00), 0, Half(0x7c00), float32(math.Inf(1)), true}, // 256·256
		{"largest finite", Half(0x7bff), one, 0, Half(0x7bff), 65504, true},
		// 2⁻²⁴·0.5 = 2⁻²⁵, halfway between 0 and the least subnormal: 0.
		{"subnormal tie down", Half(0x0001), half, 0, 0, 0, true},
		// 3·2⁻²⁴·0.5 = 1.5·2⁻²⁴: halfway between 1 and 2 units: 2.
		{"subnormal tie up", Half(0x0003), half, 0, Half(0x0002), 2.0 / (1 << 24), true},
		{"−0·1 + −0", negZero, one, negZero, negZero, 0, false},
		{"−0·1 + 0", negZero, one, 0, 0, 0, false},
		{"1·1 − 1", one, one, minusOne, 0, 0, false},
	}
	for _, c := range cases {
		got := fma16(c.x, c.y, c.acc)
		assert.Equal(t, c.want, got, "%s: got %#04x", c.name, uint16(got))
		if c.checkValue {
			assert.Equal(t, c.wantFloat, c.want.Float32(), c.name)
		}
	}
}

// TestHalfFromFloat64 checks the rounding behind fma16 against
// HalfFromFloat32 on every half, every midpoint between neighbouring
// halves and its neighbours, and random floats.
func TestHalfFromFloat64(t *testing.T) {
	for bits := range 0x7c00 {
		for _, sign := range []uint16{0, 0x8000} {
			h := Half(uint16(bits) | sign)
			require.Equal(t, h, halfFromFloat64(float64(h.Float32())), "%#04x", uint16(h))
			// The midpoint to the next half up, and just off it.
			mid := (float64(h.Float32()) + float64(Half(uint16(h)+1).Float32())) / 2
			for _, f := range []float64{mid, math.Nextafter(mid, 0), math.Nextafter(mid, math.Inf(1)), math.Nextafter(mid, math.Inf(-1))} {
				if f32 := float32(f); float64(f32) == f {
					require.Equal(t, HalfFromFloat32(f32), halfFromFloat64(f), "%v", f)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(60, 1))
	for range 100000 {
		f := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-40)))
		require.Equal(t, HalfFromFloat32(f), halfFromFloat64(float64(f)), "%v", f)
	}
	assert.Equal(t, Half(0x7c00), halfFromFloat64(1e300))
	assert.Equal(t, Half(0xfc00), halfFromFloat64(math.Inf(-1)))
	assert.Equal(t, Half(0x7e00), halfFromFloat64(math.NaN()))
}

// naiveConvF16 is the fp16 target's arithmetic written as a direct
// convolution: per output, the terms in (ky, kx, ic) order, padding taps
// as +0, are cut into chunks of fp16Chunk; a half accumulator starting at
// +0 takes each chunk's terms with fma16 of the input and the weight, both
// narrowed to halves, and its sum is widened and added to a float32 total
// starting at +0; then the bias is added in float32 and the result
// clamped with Go's max and min.
func naiveConvF16(g convGeometry, act FloatRange, in, filter, bias []float32) []float32 {
	out := make([]float32, g.out.Size())
	for b := range g.out.N {
		for oy := range g.out.H {
			for ox := range g.out.W {
				for oc := range g.out.C {
					var total float32
					var chunk Half
					terms := 0
					for ky := range g.filter.H {
						for kx := range g.filter.W {
							iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
							ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
							padding := iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W
							for ic := range g.in.C {
								var x Half
								if !padding {
									x = HalfFromFloat32(in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+ic])
								}
								w := HalfFromFloat32(filter[((oc*g.filter.H+ky)*g.filter.W+kx)*g.filter.C+ic])
								chunk = fma16(x, w, chunk)
								if terms++; terms == fp16Chunk {
									total += chunk.Float32()
									chunk, terms = 0, 0
								}
							}
						}
					}
					total += chunk.Float32()
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

// requireFP16Close requires got within the error bound of half arithmetic
// of the float32 reference want: each of the depth fused terms and the two
// operand roundings may err by a half unit of 2⁻¹⁰ relative to the sum of
// magnitudes mag, plus the subnormal spacing 2⁻²⁴ per term.
func requireFP16Close(t *testing.T, want, got []float32, mag []float64, depth int, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		tol := float64(depth+2)*(math.Exp2(-11)*mag[i]+math.Exp2(-24)) + 1e-6*math.Abs(float64(want[i]))
		require.InDelta(t, want[i], got[i], tol, "%s: output %d", msg, i)
	}
}

// convMagnitudes returns, per output, Σ|in|·|filter| over its valid taps.
func convMagnitudes(g convGeometry, in, filter []float32) []float64 {
	abs := func(v []float32) []float64 {
		a := make([]float64, len(v))
		for i, x := range v {
			a[i] = math.Abs(float64(x))
		}
		return a
	}
	_, mag := naiveConvF64(g, abs(in), abs(filter), nil)
	return mag
}

func TestPointwiseF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 1))
	n := 40
	if testing.Short() {
		n = 12
	}
	depths := []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 64, 128, 130, 263}
	for iter := range n {
		pixels := []int{1, 3, 7, 8, 9, 16, 17, 23}[rng.IntN(8)]
		inDepth, outDepth := depths[rng.IntN(len(depths))], depths[rng.IntN(len(depths))]
		g := convGeometry{
			p:  ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
			in: Shape4{1, 1, pixels, inDepth}, filter: Shape4{outDepth, 1, 1, inDepth}, out: Shape4{1, 1, pixels, outDepth},
		}
		in, filter := f32RandData(rng, pixels*inDepth), f32RandData(rng, outDepth*inDepth)
		bias := f32RandBias(rng, outDepth)
		act := f32Activations[rng.IntN(len(f32Activations))]
		msg := fmt.Sprintf("iteration %d: %d pixels, %d → %d", iter, pixels, inDepth, outDepth)

		want := naiveConvF16(g, act, in, filter, bias)
		k := NewPointwiseF16(act, inDepth, outDepth, filter, bias)
		got := make([]float32, pixels*outDepth)
		for _, s := range convSplits(rng, pixels) {
			k.Run(in, got, s[0], s[1])
		}
		requireSameF32(t, want, got, msg)
		gotHalf := make([]float32, pixels*outDepth)
		NewPointwiseF16(act, inDepth, outDepth, convHalves(filter), bias).Run(in, gotHalf, 0, pixels)
		requireSameF32(t, want, gotHalf, msg, " (float16 weights)")

		exact := make([]float32, pixels*outDepth)
		FullyConnectedF32(act, pixels, inDepth, outDepth, in, filter, bias, exact, 0, outDepth, nil)
		requireFP16Close(t, exact, got, convMagnitudes(g, in, filter), inDepth, msg)
	}
}

func TestConvGemmF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(62, 1))
	n := 40
	if testing.Short() {
		n = 12
	}
	for iter := range n {
		g := randF32ConvGeometry(rng, false)
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		bias := f32RandBias(rng, g.out.C)
		act := f32Activations[rng.IntN(len(f32Activations))]
		rows := g.out.N * g.out.H
		msg := fmt.Sprintf("iteration %d: %+v", iter, g)

		want := naiveConvF16(g, act, in, filter, bias)
		k := NewConvGemmF16(&g.p, act, g.in, g.filter, g.out, filter, bias)
		scratch := make([]float32, k.ScratchLen())
		got := make([]float32, g.out.Size())
		for _, s := range convSplits(rng, rows) {
			k.Run(in, got, s[0], s[1], scratch)
		}
		requireSameF32(t, want, got, msg)

		exact := make([]float32, g.out.Size())
		ConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, exact, 0, rows, nil)
		requireFP16Close(t, exact, got, convMagnitudes(g, in, filter), g.filter.H*g.filter.W*g.filter.C, msg)
	}
}

// TestFP16WeightsOutOfRange checks that a filter a half cannot hold runs
// exactly, in float32, rather than turning into infinities.
func TestFP16WeightsOutOfRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 1))
	act := f32Activations[0]
	in, filter := f32RandData(rng, 5*20), f32RandData(rng, 9*20)
	filter[7] = 1e5 // beyond 65504
	want := make([]float32, 5*9)
	FullyConnectedF32(act, 5, 20, 9, in, filter, nil, want, 0, 9, nil)
	got := make([]float32, 5*9)
	NewPointwiseF16(act, 20, 9, filter, nil).Run(in, got, 0, 5)
	requireSameF32(t, want, got)

	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}
	is, fs, os := Shape4{1, 3, 3, 2}, Shape4{3, 3, 3, 2}, Shape4{1, 3, 3, 3}
	in, filter = f32RandData(rng, is.Size()), f32RandData(rng, fs.Size())
	filter[0] = float32(math.Inf(1)) // on a padding tap of output row 0
	want = make([]float32, os.Size())
	ConvF32(&p, act, is, in, fs, filter, nil, os, want, 0, 3, nil)
	k := NewConvGemmF16(&p, act, is, fs, os, filter, nil)
	got = make([]float32, os.Size())
	k.Run(in, got, 0, 3, make([]float32, k.ScratchLen()))
	requireSameF32(t, want, got)
}

func TestFP16KernelsAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(64, 1))
	in, filter, out := f32RandData(rng, 20*37), f32RandData(rng, 37*40), make([]float32, 20*40)
	k := NewPointwiseF16(f32Activations[1], 37, 40, filter, nil)
	assert.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, 20) }))
}

func TestWidenHalvesEveryHalf(t *testing.T) {
	src := make([]Half, 1<<16+13) // a tail past the vector blocks
	for i := range src {
		src[i] = Half(i)
	}
	// Offsets make the vector loop start at every alignment.
	for _, off := range []int{0, 1, 5} {
		got := WidenHalves(make([]float32, len(src)), src[off:])
		require.Len(t, got, len(src)-off)
		for i, h := range src[off:] {
			if math.Float32bits(got[i]) != math.Float32bits(h.Float32()) {
				require.Failf(t, "widening differs", "half %#04x: got %#08x, want %#08x", uint16(h), math.Float32bits(got[i]), math.Float32bits(h.Float32()))
			}
		}
	}
	// Hand-derived values: the extremes, a subnormal and a signaling NaN,
	// which comes out quiet with its payload.
	for h, want := range map[Half]uint32{0x7bff: 0x477fe000, 0x0001: 0x33800000, 0x8400: 0xb8800000, 0x7c01: 0x7fc02000, 0xfc00: 0xff800000} {
		assert.Equal(t, want, math.Float32bits(WidenHalves(make([]float32, 1), []Half{h})[0]), "%#04x", uint16(h))
	}
}

// naiveDepthwiseF16 is the fp16 target's depthwise arithmetic (depth
// multiplier 1) written directly, as naiveConvF16.
func naiveDepthwiseF16(g convGeometry, act FloatRange, in, filter, bias []float32) []float32 {
	out := make([]float32, g.out.Size())
	for b := range g.out.N {
		for oy := range g.out.H {
			for ox := range g.out.W {
				for c := range g.out.C {
					var total Half
					for ky := range g.filter.H {
						for kx := range g.filter.W {
							iy := oy*g.p.StrideH - g.p.PadTop + ky*g.p.DilationH
							ix := ox*g.p.StrideW - g.p.PadLeft + kx*g.p.DilationW
							if iy < 0 || iy >= g.in.H || ix < 0 || ix >= g.in.W {
								continue
							}
							x := HalfFromFloat32(in[((b*g.in.H+iy)*g.in.W+ix)*g.in.C+c])
							w := HalfFromFloat32(filter[(ky*g.filter.W+kx)*g.filter.C+c])
							total = fma16(x, w, total)
						}
					}
					var biasValue float32
					if bias != nil {
						biasValue = bias[c]
					}
					out[((b*g.out.H+oy)*g.out.W+ox)*g.out.C+c] = min(max(total.Float32()+biasValue, act.Min), act.Max)
				}
			}
		}
	}
	return out
}

func TestDepthwiseF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 1))
	n := 60
	if testing.Short() {
		n = 20
	}
	for iter := range n {
		g := randF32ConvGeometry(rng, true)
		in, filter := f32RandData(rng, g.in.Size()), f32RandData(rng, g.filter.Size())
		bias := f32RandBias(rng, g.out.C)
		act := f32Activations[rng.IntN(len(f32Activations))]
		rows := g.out.N * g.out.H
		msg := fmt.Sprintf("iteration %d: %+v", iter, g)

		exact := make([]float32, g.out.Size())
		DepthwiseConvF32(&g.p, act, g.in, in, g.filter, filter, bias, g.out, exact, 0, rows, nil)
		k := NewDepthwiseF16(&g.p, act, g.in, g.filter, g.out, filter, bias)
		scratch := make([]Half, k.ScratchLen())
		got := make([]float32, g.out.Size())
		for _, s := range convSplits(rng, rows) {
			k.Run(in, got, s[0], s[1], scratch)
		}
		if g.p.DepthMultiplier != 1 {
			requireSameF32(t, exact, got, msg, " (runs in float32)")
			continue
		}
		requireSameF32(t, naiveDepthwiseF16(g, act, in, filter, bias), got, msg)
		gotHalf := make([]float32, g.out.Size())
		NewDepthwiseF16(&g.p, act, g.in, g.filter, g.out, convHalves(filter), bias).Run(in, gotHalf, 0, rows, scratch)
		requireSameF32(t, got, gotHalf, msg, " (float16 weights)")

		abs := make([]float64, len(filter))
		for i, w := range filter {
			abs[i] = math.Abs(float64(w))
		}
		absIn := make([]float64, len(in))
		for i, x := range in {
			absIn[i] = math.Abs(float64(x))
		}
		// naiveConvF64 with a depthwise filter: one input channel per
		// output channel, as a grouped convolution.
		mag := make([]float64, g.out.Size())
		for c := range g.out.C {
			gc := g
			gc.in.C, gc.out.C, gc.filter = 1, 1, Shape4{1, g.filter.H, g.filter.W, 1}
			inC, fC := make([]float64, g.in.N*g.in.H*g.in.W), make([]float64, g.filter.H*g.filter.W)
			for i := range inC {
				inC[i] = absIn[i*g.in.C+c]
			}
			for i := range fC {
				fC[i] = abs[i*g.filter.C+c]
			}
			_, m := naiveConvF64(gc, inC, fC, nil)
			for i, v := range m {
				mag[i*g.out.C+c] = v
			}
		}
		requireFP16Close(t, exact, got, mag, g.filter.H*g.filter.W, msg)
	}
}

func TestDepthwiseF16Allocs(t *testing.T) {
	p := ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1}
	s := Shape4{1, 9, 9, 44}
	rng := rand.New(rand.NewPCG(66, 1))
	in, filter, out := f32RandData(rng, s.Size()), f32RandData(rng, 9*s.C), make([]float32, s.Size())
	k := NewDepthwiseF16(&p, f32Activations[2], s, Shape4{1, 3, 3, s.C}, s, filter, nil)
	scratch := make([]Half, k.ScratchLen())
	assert.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, 9, scratch) }))
}

func TestNarrowFloats(t *testing.T) {
	// Every half, the midpoints around it and their neighbours, and
	// float32 bit patterns across the whole range, NaNs included.
	var src []float32
	for bits := range 1 << 16 {
		f := Half(bits).Float32()
		next := Half(bits + 1).Float32()
		mid := float32((float64(f) + float64(next)) / 2)
		src = append(src, f, mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, float32(math.Inf(1))))
	}
	for bits := uint64(0); bits < 1<<32; bits += 1<<20 + 7919 {
		src = append(src, math.Float32frombits(uint32(bits)))
	}
	for _, off := range []int{0, 3} {
		got := make([]Half, len(src)-off)
		narrowFloats(got, src[off:])
		for i, f := range src[off:] {
			if got[i] != HalfFromFloat32(f) {
				require.Failf(t, "narrowing differs", "%#08x: got %#04x, want %#04x", math.Float32bits(f), uint16(got[i]), uint16(HalfFromFloat32(f)))
			}
		}
	}
	// Hand-derived: 65520 is halfway to 65536, which ties up to infinity;
	// a signaling NaN comes out quiet with the top of its payload.
	for f, want := range map[uint32]Half{0x477ff000: 0x7c00, 0x477fefff: 0x7bff, 0x7f802000: 0x7e01, 0x33000001: 0x0001, 0x33000000: 0} {
		got := make([]Half, 1)
		narrowFloats(got, []float32{math.Float32frombits(f)})
		assert.Equal(t, want, got[0], "%#08x", f)
	}
}

// TestFP16Specials feeds infinities, NaNs and values beyond the half range
// (which narrow to infinities) and below it (to zeros or subnormals): the
// kernels must follow the model, NaN for NaN.
func TestFP16Specials(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 1))
	specials := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e5, -7e4, 65519, 65520, 1e-8, 3e-5, -6e-8}
	withSpecials := func(n int) []float32 {
		v := f32RandData(rng, n)
		for range max(1, n/10) {
			v[rng.IntN(n)] = specials[rng.IntN(len(specials))]
		}
		return v
	}
	for iter := range 20 {
		g := randF32ConvGeometry(rng, iter%2 == 1)
		g.p.DepthMultiplier = 1
		if iter%2 == 1 {
			g.out.C, g.filter.C = g.in.C, g.in.C
		}
		in, filter := withSpecials(g.in.Size()), f32RandData(rng, g.filter.Size())
		bias := f32RandBias(rng, g.out.C)
		act := f32Activations[rng.IntN(len(f32Activations))]
		rows := g.out.N * g.out.H
		got := make([]float32, g.out.Size())
		var want []float32
		if iter%2 == 1 {
			want = naiveDepthwiseF16(g, act, in, filter, bias)
			k := NewDepthwiseF16(&g.p, act, g.in, g.filter, g.out, filter, bias)
			k.Run(in, got, 0, rows, make([]Half, k.ScratchLen()))
		} else {
			want = naiveConvF16(g, act, in, filter, bias)
			k := NewConvGemmF16(&g.p, act, g.in, g.filter, g.out, filter, bias)
			k.Run(in, got, 0, rows, make([]float32, k.ScratchLen()))
		}
		requireSameF32(t, want, got, fmt.Sprintf("iteration %d: %+v", iter, g))
	}
}
