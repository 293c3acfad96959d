package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/quant"
)

// scatterTransposeConv is TFLite's reference formulation: every input
// element adds its products into the output window it reaches, in input
// order; acc receives them (starting from the bias when biasFirst). mul
// returns the product of input element i and filter element j, rounded
// (an explicit conversion, so that no platform fuses it into the sum).
func scatterTransposeConv[A int32 | float32](t *TransposeConv, mul func(i, j int) A, bias []A, biasFirst bool) []A {
	in, fs, out := t.In, t.Filter, t.Out
	acc := make([]A, out.Size())
	if biasFirst {
		for i := range acc {
			acc[i] = bias[i%out.C]
		}
	}
	for n := range in.N {
		for iy := range in.H {
			for ix := range in.W {
				for ic := range in.C {
					for fy := range fs.H {
						for fx := range fs.W {
							for oc := range fs.N {
								oy, ox := iy*t.StrideH-t.PadTop+fy, ix*t.StrideW-t.PadLeft+fx
								if oy < 0 || oy >= out.H || ox < 0 || ox >= out.W {
									continue
								}
								acc[((n*out.H+oy)*out.W+ox)*out.C+oc] += mul(((n*in.H+iy)*in.W+ix)*in.C+ic, ((oc*fs.H+fy)*fs.W+fx)*fs.C+ic)
							}
						}
					}
				}
			}
		}
	}
	if !biasFirst && bias != nil {
		for i := range acc {
			acc[i] += bias[i%out.C]
		}
	}
	return acc
}

func TestTransposeConvByHand(t *testing.T) {
	// A 2×2 input, one channel, a 2×2 filter of ones with stride 2 and no
	// padding: each input pixel becomes a 2×2 block; the bias adds 0.5.
	tc := &TransposeConv{In: Shape4{1, 2, 2, 1}, Filter: Shape4{1, 2, 2, 1}, Out: Shape4{1, 4, 4, 1}, StrideH: 2, StrideW: 2}
	dst := make([]float32, 16)
	TransposeConvF32(tc, []float32{1, 2, 3, 4}, []float32{1, 1, 1, 1}, []float32{0.5}, noClamp, dst, 0, tc.Rows())
	assert.Equal(t, []float32{
		1.5, 1.5, 2.5, 2.5,
		1.5, 1.5, 2.5, 2.5,
		3.5, 3.5, 4.5, 4.5,
		3.5, 3.5, 4.5, 4.5}, dst)

	// Stride 1 with a 3-tap filter (1, 10, 100) along W and padding 1 (SAME
	// for 3 outputs): out[x] = Σ in[i]·w[x + 1 − i].
	tc = &TransposeConv{In: Shape4{1, 1, 3, 1}, Filter: Shape4{1, 1, 3, 1}, Out: Shape4{1, 1, 3, 1}, StrideH: 1, StrideW: 1, PadLeft: 1}
	dst = dst[:3]
	TransposeConvF32(tc, []float32{1, 2, 3}, []float32{1, 10, 100}, nil, FloatRange{Min: 0, Max: 300}, dst, 0, 1)
	// out[0] = in0·w1 + in1·w0 = 12; out[1] = in0·w2 + in1·w1 + in2·w0 = 123;
	// out[2] = in1·w2 + in2·w1 = 230 → clamp stays.
	assert.Equal(t, []float32{12, 123, 230}, dst)
}

// TestTransposeConvMatchesScatter runs random geometries (odd sizes, strides
// up to 3, any padding, filters larger and smaller than the stride,
// outputs smaller and larger than the input's reach) through the gathering
// kernels, split into random row ranges, against the scattering reference:
// float bit for bit, uint8 and int8 exactly.
func TestTransposeConvMatchesScatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	for it := range 300 {
		tc := &TransposeConv{
			In:      Shape4{1 + rng.IntN(2), 1 + rng.IntN(5), 1 + rng.IntN(5), 1 + rng.IntN(5)},
			StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3),
			BiasFirst: rng.IntN(2) == 0,
		}
		tc.Filter = Shape4{1 + rng.IntN(4), 1 + rng.IntN(4), 1 + rng.IntN(4), tc.In.C}
		tc.PadTop, tc.PadLeft = rng.IntN(tc.Filter.H), rng.IntN(tc.Filter.W)
		tc.Out = Shape4{tc.In.N, max(1, (tc.In.H-1)*tc.StrideH+tc.Filter.H-tc.PadTop+rng.IntN(3)-1),
			max(1, (tc.In.W-1)*tc.StrideW+tc.Filter.W-tc.PadLeft+rng.IntN(3)-1), tc.Filter.N}

		src := make([]float32, tc.In.Size())
		w := make([]float32, tc.Filter.Size())
		bias := make([]float32, tc.Filter.N)
		for _, s := range [][]float32{src, w, bias} {
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
		}
		want := scatterTransposeConv(tc, func(i, j int) float32 { return float32(src[i] * w[j]) }, bias, tc.BiasFirst)
		got := make([]float32, tc.Out.Size())
		for lo := 0; lo < tc.Rows(); {
			hi := min(tc.Rows(), lo+1+rng.IntN(3))
			TransposeConvF32(tc, src, w, bias, noClamp, got, lo, hi)
			lo = hi
		}
		for i := range want {
			require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "case %d %+v element %d", it, tc, i)
		}

		// uint8, per tensor, with zero points; int8 per channel.
		u8, wu8 := randBytes[uint8](rng, len(src)), randBytes[uint8](rng, len(w))
		qbias := make([]int32, tc.Filter.N)
		for i := range qbias {
			qbias[i] = rng.Int32N(2001) - 1000
		}
		r := &Requant{InputOffset: -rng.Int32N(256), FilterOffset: -rng.Int32N(256), OutputOffset: rng.Int32N(256), ActMin: 0, ActMax: 255}
		m, s := quant.QuantizeMultiplier(0.0001 + 0.01*rng.Float64())
		for range tc.Filter.N {
			r.Multiplier, r.Shift = append(r.Multiplier, m), append(r.Shift, s)
		}
		acc := scatterTransposeConv(tc, func(i, j int) int32 { return (int32(u8[i]) + r.InputOffset) * (int32(wu8[j]) + r.FilterOffset) }, qbias, false)
		gotU8 := make([]uint8, tc.Out.Size())
		TransposeConvQ(tc, r, u8, wu8, qbias, gotU8, 0, tc.Rows())
		for i, a := range acc {
			v := quant.Clamp(quant.MultiplyByQuantizedMultiplier(a, r.Multiplier[i%tc.Out.C], r.Shift[i%tc.Out.C])+r.OutputOffset, 0, 255)
			require.Equal(t, uint8(v), gotU8[i], "uint8 case %d element %d", it, i)
		}

		i8, wi8 := randBytes[int8](rng, len(src)), randBytes[int8](rng, len(w))
		r = &Requant{InputOffset: rng.Int32N(256) - 127, OutputOffset: rng.Int32N(256) - 128, ActMin: -128, ActMax: 127}
		for range tc.Filter.N {
			m, s := quant.QuantizeMultiplier(0.0001 + 0.01*rng.Float64())
			r.Multiplier, r.Shift = append(r.Multiplier, m), append(r.Shift, s)
		}
		acc = scatterTransposeConv(tc, func(i, j int) int32 { return (int32(i8[i]) + r.InputOffset) * int32(wi8[j]) }, qbias, false)
		gotI8 := make([]int8, tc.Out.Size())
		TransposeConvQ(tc, r, i8, wi8, qbias, gotI8, 0, tc.Rows())
		for i, a := range acc {
			v := quant.Clamp(quant.MultiplyByQuantizedMultiplier(a, r.Multiplier[i%tc.Out.C], r.Shift[i%tc.Out.C])+r.OutputOffset, -128, 127)
			require.Equal(t, int8(v), gotI8[i], "int8 case %d element %d", it, i)
		}
	}
}

// randBytes returns n random 8-bit values.
func randBytes[T int8 | uint8](rng *rand.Rand, n int) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = T(rng.Uint32())
	}
	return v
}

func TestTransposeConvTaps(t *testing.T) {
	// Output 5 with padding 1, stride 2, filter 3, input 4: p = 6, taps
	// f = 6 − 2i in [0, 3) → i = 2 (f 2), i = 3 (f 0).
	f, i, n := taps(5, 1, 2, 3, 4)
	assert.Equal(t, [3]int{2, 2, 2}, [3]int{f, i, n})
	// Past the input's reach: none.
	_, _, n = taps(20, 0, 2, 3, 4)
	assert.Zero(t, n)
}

// BenchmarkTransposeConvF32 times MediaPipe selfie segmentation's last
// layer ([1 128 128 16] → [1 256 256 1], 2×2 stride 2, 1 MMAC).
func BenchmarkTransposeConvF32(b *testing.B) {
	tc := &TransposeConv{In: Shape4{1, 128, 128, 16}, Filter: Shape4{1, 2, 2, 16}, Out: Shape4{1, 256, 256, 1}, StrideH: 2, StrideW: 2, BiasFirst: true}
	src, w := make([]float32, tc.In.Size()), make([]float32, tc.Filter.Size())
	dst := make([]float32, tc.Out.Size())
	for b.Loop() {
		TransposeConvF32(tc, src, w, []float32{0}, noClamp, dst, 0, tc.Rows())
	}
}
