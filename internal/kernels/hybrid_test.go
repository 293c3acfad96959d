package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantizeAsymmetricF32ByHand(t *testing.T) {
	for _, c := range []struct {
		x     []float32
		scale float32
		zp    int32
		q     []int8
	}{
		{[]float32{0, 0, 0}, 1, 0, []int8{0, 0, 0}},
		// [0, 1]: the zero point sits at the bottom; 0.5 is -0.5 steps
		// from the zero point, rounded away from zero.
		{[]float32{0, 1, 0.5}, float32(1.0 / 255), -128, []int8{-128, 127, -1}},
		// [-1, 0]: at the top.
		{[]float32{-1, 0}, float32(1.0 / 255), 127, []int8{-128, 127}},
		// [-1, 1]: 2/255 a step, the zero point -0.5 rounded away from
		// zero; 1 quantizes to -1 + 127.49999 (the float32 inverse of the
		// float32 scale), 126.
		{[]float32{-1, 1, 0}, float32(2.0 / 255), -1, []int8{-128, 126, -1}},
		// Only positive values: the range still includes 0; 2 is -0.5
		// steps from the zero point, rounded away from zero.
		{[]float32{2, 4}, float32(4.0 / 255), -128, []int8{-1, 127}},
	} {
		q := make([]int8, len(c.x))
		s, zp := QuantizeAsymmetricF32(c.x, q)
		assert.Equal(t, c.scale, s, "%v", c.x)
		assert.Equal(t, c.zp, zp, "%v", c.x)
		assert.Equal(t, c.q, q, "%v", c.x)
	}
}

func TestQuantizeAsymmetricF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		n := 1 + rng.IntN(200)
		x := make([]float32, n)
		lo, hi := float32(rng.NormFloat64()*10), float32(rng.NormFloat64()*10)
		for i := range x {
			x[i] = lo + (hi-lo)*rng.Float32()
		}
		q := make([]int8, n)
		s, zp := QuantizeAsymmetricF32(x, q)
		require.Greater(t, s, float32(0))
		// Real zero is exactly representable, and every value within about
		// half a step (the zero point's nudge moves the ends by less than
		// one step).
		for i, v := range x {
			back := float64(int32(q[i])-zp) * float64(s)
			require.InDelta(t, float64(v), back, 1.01*float64(s), "x[%d] = %g of %d (scale %g zp %d)", i, v, n, s, zp)
		}
	}
}

func TestQuantizeSymmetricF32ByHand(t *testing.T) {
	q := make([]int8, 4)
	assert.Equal(t, float32(1), QuantizeSymmetricF32([]float32{0, 0, 0, 0}, q))
	assert.Equal(t, []int8{0, 0, 0, 0}, q)
	assert.Equal(t, float32(2)/127, QuantizeSymmetricF32([]float32{-2, 1, 0, 1.0 / 127}, q))
	assert.Equal(t, []int8{-127, 64, 0, 1}, q) // 63.5 rounds away from zero
}

// hybridCase is one random hybrid layer's weights.
type hybridCase struct {
	filter []int8
	scales []float32
	bias   []float32
	act    FloatRange
}

// randHybridCase draws weights for outC channels of size elements each:
// int8 in [-127, 127] (a channel at ±127 extremes now and then), per
// channel or per tensor scales, bias present or not, a clamp range or
// none.
func randHybridCase(rng *rand.Rand, outC, size int) *hybridCase {
	c := &hybridCase{filter: make([]int8, outC*size), act: FloatRange{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}}
	for i := range c.filter {
		c.filter[i] = int8(rng.IntN(255) - 127)
		if rng.IntN(10) == 0 {
			c.filter[i] = []int8{-127, 127}[rng.IntN(2)]
		}
	}
	n := outC
	if rng.IntN(3) == 0 {
		n = 1
	}
	for range n {
		c.scales = append(c.scales, float32(math.Ldexp(1+rng.Float64(), -rng.IntN(12))))
	}
	if rng.IntN(4) != 0 {
		for range outC {
			c.bias = append(c.bias, float32(rng.NormFloat64()))
		}
	}
	if rng.IntN(3) == 0 {
		c.act = FloatRange{Min: 0, Max: 6}
	}
	return c
}

// scale returns output channel oc's weight scale.
func (c *hybridCase) scale(oc int) float32 { return c.scales[min(oc, len(c.scales)-1)] }

// out is the hybrid epilogue as the package documents it, written out
// apart from the kernels.
func (c *hybridCase) out(acc int32, oc int, s float32) float32 {
	var b float32
	if c.bias != nil {
		b = c.bias[oc]
	}
	// The conversion keeps the product rounded apart from the sum: Go may
	// fuse them otherwise (it does on arm64).
	v := float32(float32(acc) * (s * c.scale(oc)))
	v += b
	return min(max(v, c.act.Min), c.act.Max)
}

// randFloats returns n floats of a random range around zero, shifted now
// and then wholly above or below it.
func randFloats(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	spread := float32(math.Ldexp(1, rng.IntN(8)-3))
	shift := float32(0)
	if rng.IntN(4) == 0 {
		shift = spread * float32(rng.IntN(3)-1) * 2
	}
	for i := range x {
		x[i] = shift + spread*float32(rng.NormFloat64())
	}
	return x
}

// hybridGemmConfigs returns the qgemm entries the hybrid GEMM is tested
// with: none (the portable loop), and those of qgemmTestConfigs, each
// target's and the Go twins of every layout, whose raw dot products it
// reads.
func hybridGemmConfigs() map[string]*qgemmConfig {
	configs := map[string]*qgemmConfig{"portable": nil}
	for name, cfg := range qgemmTestConfigs() {
		configs[name] = cfg
	}
	return configs
}

func TestHybridGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, inDepth := range []int{1, 3, 4, 5, 17, 64, 100} {
		for _, outDepth := range []int{1, 7, 16, 17, 64, 65, 130} {
			c := randHybridCase(rng, outDepth, inDepth)
			rows := 1 + rng.IntN(13)
			stride := (inDepth + 3) &^ 3
			a := make([]int8, rows*stride)
			for r := range rows {
				for i := range inDepth {
					a[r*stride+i] = int8(rng.IntN(256) - 128)
				}
			}
			rowSums := make([]int32, rows)
			for r := range rows {
				for _, v := range a[r*stride : (r+1)*stride] {
					rowSums[r] += int32(v)
				}
			}
			s, z := float32(math.Ldexp(1+rng.Float64(), -rng.IntN(10))), int32(rng.IntN(256)-128)
			want := make([]float32, rows*outDepth)
			for r := range rows {
				for oc := range outDepth {
					var acc int32
					for i := range inDepth {
						acc += (int32(a[r*stride+i]) - z) * int32(c.filter[oc*inDepth+i])
					}
					want[r*outDepth+oc] = c.out(acc, oc, s)
				}
			}
			for name, cfg := range hybridGemmConfigs() {
				for _, simd := range []bool{false, true} {
					g := newHybridGemm(cfg, simd, c.act, inDepth, outDepth, c.filter, c.scales, c.bias)
					for _, sums := range [][]int32{nil, rowSums} {
						got := make([]float32, rows*outDepth)
						g.run(a, rows, got, s, z, &newHybridScratch(1, outDepth)[0], sums)
						require.Equal(t, want, got, "%s (simd %v, sums given %v): %d→%d, %d rows", name, simd, sums != nil, inDepth, outDepth, rows)
					}
				}
			}
		}
	}
}

// naiveConvHybrid computes a hybrid convolution (depthwise when dw) from
// its definition: the input quantized per batch, Σ (q − z)·w over the
// window's taps inside the input, then the epilogue.
func naiveConvHybrid(dw bool, p *ConvGeometry, c *hybridCase, is Shape4, in []float32, fs, os Shape4) []float32 {
	imageLen := is.H * is.W * is.C
	q := make([]int8, len(in))
	scale, zp := make([]float32, is.N), make([]int32, is.N)
	for b := range is.N {
		scale[b], zp[b] = QuantizeAsymmetricF32(in[b*imageLen:(b+1)*imageLen], q[b*imageLen:])
	}
	out := make([]float32, os.Size())
	for b := range os.N {
		for oy := range os.H {
			for ox := range os.W {
				for oc := range os.C {
					var acc int32
					for ky := range fs.H {
						for kx := range fs.W {
							iy := oy*p.StrideH - p.PadTop + ky*p.DilationH
							ix := ox*p.StrideW - p.PadLeft + kx*p.DilationW
							if iy < 0 || iy >= is.H || ix < 0 || ix >= is.W {
								continue
							}
							at := ((b*is.H+iy)*is.W + ix) * is.C
							if dw {
								acc += (int32(q[at+oc/p.DepthMultiplier]) - zp[b]) * int32(c.filter[(ky*fs.W+kx)*os.C+oc])
								continue
							}
							for ic := range is.C {
								acc += (int32(q[at+ic]) - zp[b]) * int32(c.filter[((oc*fs.H+ky)*fs.W+kx)*is.C+ic])
							}
						}
					}
					out[((b*os.H+oy)*os.W+ox)*os.C+oc] = c.out(acc, oc, scale[b])
				}
			}
		}
	}
	return out
}

// runHybrid runs h over all rows split in two, as two workers would.
func runHybrid(h *Hybrid, in []float32, n int) []float32 {
	out := make([]float32, n)
	h.Quantize(in)
	mid := h.Rows() / 2
	h.Run(1, out, mid, h.Rows())
	h.Run(0, out, 0, mid)
	return out
}

func TestConvHybrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 60 {
		k := 1 + rng.IntN(3)*2 // 1, 3 or 5
		p := ConvGeometry{StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1 + rng.IntN(2)*rng.IntN(2), DilationW: 1}
		if i%3 == 0 {
			k, p = 1, ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
		}
		is := Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(9), W: 1 + rng.IntN(11), C: 1 + rng.IntN(20)}
		fs := Shape4{N: 1 + rng.IntN(40), H: k, W: k, C: is.C}
		same := rng.IntN(2) == 0 || k == 1
		var outH, outW int
		outH, p.PadTop = OutputSize(is.H, k, p.StrideH, p.DilationH, same)
		outW, p.PadLeft = OutputSize(is.W, k, p.StrideW, p.DilationW, same)
		if outH <= 0 || outW <= 0 {
			continue
		}
		os := Shape4{N: is.N, H: outH, W: outW, C: fs.N}
		c := randHybridCase(rng, fs.N, k*k*is.C)
		in := randFloats(rng, is.Size())
		want := naiveConvHybrid(false, &p, c, is, in, fs, os)
		for _, target := range Targets() {
			h := NewConvHybrid(target, 2, &p, c.act, is, fs, os, c.filter, c.scales, c.bias)
			require.Equal(t, want, runHybrid(h, in, os.Size()), "%s: case %d, %v * %v → %v %+v", target, i, is, fs, os, p)
		}
	}
}

func TestDepthwiseConvHybrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 40 {
		k := 1 + rng.IntN(3)*2
		p := ConvGeometry{StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1, DilationW: 1 + rng.IntN(2), DepthMultiplier: 1 + rng.IntN(2)*rng.IntN(3)}
		is := Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(9), W: 1 + rng.IntN(11), C: 1 + rng.IntN(70)}
		outC := is.C * p.DepthMultiplier
		fs := Shape4{N: 1, H: k, W: k, C: outC}
		var outH, outW int
		outH, p.PadTop = OutputSize(is.H, k, p.StrideH, p.DilationH, true)
		outW, p.PadLeft = OutputSize(is.W, k, p.StrideW, p.DilationW, true)
		os := Shape4{N: is.N, H: outH, W: outW, C: outC}
		c := randHybridCase(rng, outC, k*k)
		in := randFloats(rng, is.Size())
		want := naiveConvHybrid(true, &p, c, is, in, fs, os)
		for _, target := range Targets() {
			h := NewDepthwiseConvHybrid(target, 2, &p, c.act, is, fs, os, c.filter, c.scales, c.bias)
			require.Equal(t, want, runHybrid(h, in, os.Size()), "%s: case %d", target, i)
		}
	}
}

func TestFullyConnectedHybrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 40 {
		batches, inDepth, outDepth := 1+rng.IntN(5), 1+rng.IntN(700), 1+rng.IntN(150)
		symmetric := i%2 == 0
		c := randHybridCase(rng, outDepth, inDepth)
		in := randFloats(rng, batches*inDepth)
		want := make([]float32, batches*outDepth)
		q := make([]int8, inDepth)
		for b := range batches {
			x := in[b*inDepth : (b+1)*inDepth]
			var s float32
			var z int32
			if symmetric {
				s = QuantizeSymmetricF32(x, q)
			} else {
				s, z = QuantizeAsymmetricF32(x, q)
			}
			for u := range outDepth {
				var acc int32
				for k := range inDepth {
					acc += (int32(q[k]) - z) * int32(c.filter[u*inDepth+k])
				}
				want[b*outDepth+u] = c.out(acc, u, s)
			}
		}
		for _, target := range Targets() {
			h := NewFullyConnectedHybrid(target, 2, c.act, batches, inDepth, outDepth, c.filter, c.scales, c.bias, symmetric)
			require.Equal(t, want, runHybrid(h, in, batches*outDepth), "%s: case %d (%d×%d→%d, symmetric %v)", target, i, batches, inDepth, outDepth, symmetric)
		}
	}
}

// TestHybridNearFloat checks the hybrid semantics against the float layer
// with the dequantized weights: each output within the input's
// quantization step times Σ|w| of its channel (the rounding of each
// quantized input is at most half a step).
func TestHybridNearFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	inDepth, outDepth, batches := 50, 20, 3
	c := randHybridCase(rng, outDepth, inDepth)
	c.act = FloatRange{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}
	in := randFloats(rng, batches*inDepth)
	w := make([]float32, len(c.filter))
	for i, v := range c.filter {
		w[i] = float32(v) * c.scale(i/inDepth)
	}
	want := make([]float32, batches*outDepth)
	FullyConnectedF32(c.act, batches, inDepth, outDepth, in, w, c.bias, want, 0, outDepth, nil)
	h := NewFullyConnectedHybrid(Generic, 2, c.act, batches, inDepth, outDepth, c.filter, c.scales, c.bias, false)
	got := runHybrid(h, in, len(want))
	for b := range batches {
		for u := range outDepth {
			var l1 float64
			for _, v := range w[u*inDepth : (u+1)*inDepth] {
				l1 += math.Abs(float64(v))
			}
			bound := float64(h.scale[b]) * l1 * 0.51
			assert.InDelta(t, want[b*outDepth+u], got[b*outDepth+u], bound+1e-5, fmt.Sprintf("batch %d unit %d", b, u))
		}
	}
}

func TestHybridAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	p := &ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
	is := Shape4{N: 1, H: 9, W: 9, C: 8}
	fs := Shape4{N: 16, H: 3, W: 3, C: 8}
	os := Shape4{N: 1, H: 5, W: 5, C: 16}
	outH, padTop := OutputSize(is.H, 3, 2, 1, true)
	_, padLeft := OutputSize(is.W, 3, 2, 1, true)
	p.PadTop, p.PadLeft = padTop, padLeft
	require.Equal(t, os.H, outH)
	c := randHybridCase(rng, 16, 3*3*8)
	in := randFloats(rng, is.Size())
	out := make([]float32, os.Size())
	for _, target := range Targets() {
		h := NewConvHybrid(target, 1, p, c.act, is, fs, os, c.filter, c.scales, c.bias)
		allocs := testing.AllocsPerRun(10, func() {
			h.Quantize(in)
			h.Run(0, out, 0, h.Rows())
		})
		assert.Zero(t, allocs, target)
	}
}

// TestAsymmetricLevel checks the branch-free rounding of level against
// math.Round (half away from zero) of the same float32 value, on the
// halves, their float32 neighbours and random values.
func TestAsymmetricLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	a := asymmetric{inv: 1}
	var values []float32
	for k := -129; k <= 128; k++ {
		h := float32(k) + 0.5
		values = append(values, float32(k), h, math.Nextafter32(h, 0), math.Nextafter32(h, 1000), math.Nextafter32(h, -1000))
	}
	for range 10000 {
		values = append(values, float32(rng.NormFloat64()*100))
	}
	values = append(values, 1e9, -1e9, float32(math.Inf(1)), float32(math.Inf(-1)))
	for _, v := range values {
		want := int32(max(-128, min(127, math.Round(float64(v)))))
		require.Equal(t, want, a.level(v), "%g", v)
	}
}

// hybridEdgeFloats returns n floats from rng with the edges mixed in:
// zeros of both signs, halves and huge values (activations are finite:
// an infinity makes the scale infinite and every level unspecified).
func hybridEdgeFloats(rng *rand.Rand, n int) []float32 {
	x := randFloats(rng, n)
	edges := []float32{0, float32(math.Copysign(0, -1)), 0.5, -0.5, 1e30, -1e30}
	for i := range x {
		if rng.IntN(20) == 0 {
			x[i] = edges[rng.IntN(len(edges))]
		}
	}
	return x
}

// TestHybridSIMD checks the hybrid assembly (on the targets that run it)
// against the portable code, bit for bit, on every length to 70 and odd
// offsets.
func TestHybridSIMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	act := FloatRange{Min: -1, Max: 6}
	for n := 0; n <= 70; n++ {
		for _, edges := range []bool{false, true} {
			x := randFloats(rng, n+1)[1:] // an odd offset
			if edges {
				x = hybridEdgeFloats(rng, n+1)[1:]
			}
			a := asymmetricParams(false, x)
			lo, hi := minMaxGo(0, 0, x)
			slo, shi := hybridMinMax(true, x)
			require.Equal(t, lo, slo, "n %d", n)
			require.Equal(t, hi, shi, "n %d", n)
			require.Equal(t, a, asymmetricParams(true, x), "n %d", n)
			want, got := make([]int8, n), make([]int8, n)
			sum := a.quantize(x, want)
			require.Equal(t, sum, hybridQuantize(true, &a, x, got), "n %d: the sum of the levels", n)
			require.Equal(t, want, got, "n %d", n)
			var levels int32
			for _, v := range want {
				levels += int32(v)
			}
			require.Equal(t, levels, sum, "n %d", n)
			// The same values as rows of 8 and of n, 3 bytes apart more.
			for _, depth := range []int{8, n} {
				if depth == 0 || n%depth != 0 {
					continue
				}
				rows := n / depth
				wantQ, gotQ := make([]int8, rows*(depth+3)), make([]int8, rows*(depth+3))
				wantS, gotS := make([]int32, rows), make([]int32, rows)
				for r := range rows {
					wantS[r] = a.quantize(x[r*depth:(r+1)*depth], wantQ[r*(depth+3):])
				}
				hybridQuantizeRows(true, &a, x, depth, gotQ, depth+3, gotS)
				require.Equal(t, wantQ, gotQ, "n %d rows of %d", n, depth)
				require.Equal(t, wantS, gotS, "n %d rows of %d", n, depth)
			}
			wantF, gotF := make([]float32, n), make([]float32, n)
			a.levels(x, wantF)
			hybridLevels(true, &a, x, gotF)
			require.Equal(t, wantF, gotF, "n %d", n)

			// The epilogue over three rows, strided.
			const rows, accStride, outStride = 3, 72, 75
			acc, zr := make([]int32, (rows-1)*accStride+n), make([]int32, n)
			scaled, bias := randFloats(rng, n), randFloats(rng, n)
			for i := range acc {
				acc[i] = int32(rng.Uint32())
			}
			for i := range zr {
				zr[i] = int32(rng.Uint32())
			}
			terms := []int32{int32(rng.Uint32()), int32(rng.Uint32()), int32(rng.Uint32())}
			wantO, gotO := make([]float32, (rows-1)*outStride+n), make([]float32, (rows-1)*outStride+n)
			for r := range rows {
				epilogueGo(acc[r*accStride:], terms[r], zr, scaled, bias, wantO[r*outStride:r*outStride+n], &act)
			}
			hybridEpilogue(true, acc, accStride, rows, n, terms, zr, scaled, bias, gotO, outStride, &act)
			require.Equal(t, wantO, gotO, "n %d", n)
			copy(gotF, x)
			copy(wantF, x)
			rescaleGo(wantF, scaled, bias, &act)
			hybridRescale(true, gotF, scaled, bias, &act)
			for i := range wantF {
				require.Equal(t, math.Float32bits(wantF[i]), math.Float32bits(gotF[i]), "n %d element %d: %g %g", n, i, wantF[i], gotF[i])
			}
		}
	}
}
