package kernels

import (
	"math"
	"math/rand/v2"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAveragePoolQuantizedRounding(t *testing.T) {
	// One 2×2 window, stride 2, two channels. Channel 0: 1+2+3+5 = 11,
	// (11+2)/4 = 3; channel 1: −11, (−11−2)/4 = −3 (C division truncates).
	p := &ConvGeometry{StrideH: 2, StrideW: 2}
	src := []int8{1, -1, 2, -2, 3, -3, 5, -5}
	dst := make([]int8, 2)
	require.NoError(t, AveragePoolQ(p, 2, 2, Shape4{1, 2, 2, 2}, src, Shape4{1, 1, 1, 2}, dst, -128, 127))
	assert.Equal(t, []int8{3, -3}, dst)
	// The activation range clamps.
	require.NoError(t, AveragePoolQ(p, 2, 2, Shape4{1, 2, 2, 2}, src, Shape4{1, 1, 1, 2}, dst, -2, 2))
	assert.Equal(t, []int8{2, -2}, dst)
}

func TestPoolSamePadding(t *testing.T) {
	// 3×3 input 1..9, 3×3 window, stride 1, SAME: padding 1 each side;
	// windows clipped at the border average only real pixels.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, PadTop: 1, PadLeft: 1}
	in, out := Shape4{1, 3, 3, 1}, Shape4{1, 3, 3, 1}
	dst := make([]float32, 9)
	wide := FloatRange{Min: -100, Max: 100}
	require.NoError(t, AveragePoolF32(p, 3, 3, in, src, out, dst, wide))
	// corner (1+2+4+5)/4 = 3; top edge (1+2+3+4+5+6)/6 = 3.5; centre 5.
	assert.Equal(t, []float32{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}, dst)
	require.NoError(t, MaxPoolF32(p, 3, 3, in, src, out, dst, FloatRange{Min: -100, Max: 8}))
	assert.Equal(t, []float32{5, 6, 6, 8, 8, 8, 8, 8, 8}, dst)

	u8 := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}
	d8 := make([]uint8, 9)
	require.NoError(t, AveragePoolQ(p, 3, 3, in, u8, out, d8, 0, 255))
	// 12/4 = 3; 21/6 → (21+3)/6 = 4; 16/4 = 4; 27/6 → 30/6 = 5; 45/9 = 5 …
	assert.Equal(t, []uint8{3, 4, 4, 5, 5, 6, 6, 7, 7}, d8)
	require.NoError(t, MaxPoolQ(p, 3, 3, in, u8, out, d8, 2, 7))
	assert.Equal(t, []uint8{5, 6, 6, 7, 7, 7, 7, 7, 7}, d8)
}

func TestPoolEmptyWindow(t *testing.T) {
	// Padding so large the first window sees no input: an error, not a
	// division by zero.
	p := &ConvGeometry{StrideH: 1, StrideW: 1, PadTop: 3, PadLeft: 0}
	dst := make([]int8, 1)
	assert.Error(t, AveragePoolQ(p, 2, 1, Shape4{1, 2, 1, 1}, []int8{1, 2}, Shape4{1, 1, 1, 1}, dst, -128, 127))
	assert.Error(t, MaxPoolQ(p, 2, 1, Shape4{1, 2, 1, 1}, []int8{1, 2}, Shape4{1, 1, 1, 1}, dst, -128, 127))
	df := make([]float32, 1)
	assert.Error(t, AveragePoolF32(p, 2, 1, Shape4{1, 2, 1, 1}, []float32{1, 2}, Shape4{1, 1, 1, 1}, df, FloatRange{Min: -1, Max: 1}))
	assert.Error(t, MaxPoolF32(p, 2, 1, Shape4{1, 2, 1, 1}, []float32{1, 2}, Shape4{1, 1, 1, 1}, df, FloatRange{Min: -1, Max: 1}))
}

// averagePoolRef is AveragePoolQ written as TFLite's reference walks it,
// one channel at a time over the window.
func averagePoolRef[T int8 | uint8](p *ConvGeometry, fh, fw int, in Shape4, src []T, out Shape4, dst []T, actMin, actMax int32) {
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, fh, fw, in, oy, ox)
				count := int32((y1 - y0) * (x1 - x0))
				for c := range out.C {
					var acc int32
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							acc += int32(src[((n*in.H+y)*in.W+x)*in.C+c])
						}
					}
					if acc > 0 {
						acc = (acc + count/2) / count
					} else {
						acc = (acc - count/2) / count
					}
					dst[i] = T(min(max(acc, actMin), actMax))
					i++
				}
			}
		}
	}
}

func TestAveragePool8Random(t *testing.T) {
	t.Run("uint8", func(t *testing.T) { testAveragePool8Random[uint8](t) })
	t.Run("int8", func(t *testing.T) { testAveragePool8Random[int8](t) })
}

// testAveragePool8Random compares every target's AveragePool8Channels, whole
// and split at random channels, with the reference on random geometries:
// global pools, clipped SAME windows, channel counts around the SIMD
// blocks and poolChannelBlock, saturated inputs.
func testAveragePool8Random[T int8 | uint8](t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 8))
	lo, hi := typeRange[T]()
	for trial := range 300 {
		p, fh, fw, in, out := randomPoolGeometry(rng, trial)
		src := make([]T, in.Size())
		for i := range src {
			switch rng.IntN(4) {
			case 0:
				src[i] = T(hi)
			case 1:
				src[i] = T(lo)
			default:
				src[i] = T(lo + rng.Int32N(hi-lo+1))
			}
		}
		actMin, actMax := lo, hi
		if rng.IntN(3) == 0 {
			actMin, actMax = lo+rng.Int32N(40), hi-rng.Int32N(40)
		}
		want := make([]T, out.Size())
		averagePoolRef(&p, fh, fw, in, src, out, want, actMin, actMax)
		got := make([]T, out.Size())
		require.NoError(t, AveragePoolQ(&p, fh, fw, in, src, out, got, actMin, actMax))
		require.Equal(t, want, got, "trial %d: in %v filter %d×%d %+v", trial, in, fh, fw, p)
		for _, target := range Targets() {
			k := NewAveragePool8(target, &p, fh, fw, in, out, actMin, actMax)
			clear(got)
			split := rng.IntN(in.C + 1)
			require.NoError(t, AveragePool8Channels(k, src, got, 0, split))
			require.NoError(t, AveragePool8Channels(k, src, got, split, in.C))
			require.Equal(t, want, got, "trial %d, %s split at %d: in %v filter %d×%d %+v", trial, target, split, in, fh, fw, p)
		}
	}
}

// BenchmarkAveragePoolQGlobal is MobileNet v2's pool before its classifier:
// 7×7×1280 uint8 to 1×1×1280, on the best target.
func BenchmarkAveragePoolQGlobal(b *testing.B) {
	in, out := Shape4{N: 1, H: 7, W: 7, C: 1280}, Shape4{N: 1, H: 1, W: 1, C: 1280}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	src := make([]uint8, in.Size())
	for i := range src {
		src[i] = uint8(i * 7)
	}
	dst := make([]uint8, out.Size())
	k := NewAveragePool8(Targets()[0], p, 7, 7, in, out, 0, 255)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := AveragePool8Channels(k, src, dst, 0, out.C); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRoundingDivider checks the reciprocal division against Go's on the
// edges of int32 and on counts up to large windows.
func TestRoundingDivider(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 9))
	sums := []int32{0, 1, -1, 2, -2, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1}
	for _, count := range []int{1, 2, 3, 4, 5, 7, 9, 49, 64, 255, 256, 1000, 65535, 1 << 20, 1<<31 - 1} {
		d := newRoundingDivider(count)
		c := int32(count)
		check := func(s int32) {
			want := s
			if want > 0 {
				want += c / 2
			} else {
				want -= c / 2
			}
			want /= c
			if got := d.average(s); got != want {
				t.Fatalf("count %d, sum %d: %d, want %d", count, s, got, want)
			}
		}
		for _, s := range sums {
			check(s)
		}
		for range 20000 {
			check(int32(rng.Uint32()))
			k := rng.Int32N(1 << 10)
			check(k*c + rng.Int32N(3) - 1 + c/2)
			check(-k*c + rng.Int32N(3) - 1 - c/2)
		}
	}
}

// maxPoolRef is MAX_POOL_2D as TFLite's reference walks it, one channel at
// a time over the window with std::max, then the clamp.
func maxPoolRef[T float32 | int8 | uint8](p *ConvGeometry, fh, fw int, in Shape4, src []T, out Shape4, dst []T, least T, clamp func(T) T) {
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, fh, fw, in, oy, ox)
				for c := range out.C {
					m := least
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							if v := src[((n*in.H+y)*in.W+x)*in.C+c]; m < v {
								m = v
							}
						}
					}
					dst[i] = clamp(m)
					i++
				}
			}
		}
	}
}

// randomPoolGeometry returns a random pooling of a random input: global
// windows, clipped SAME windows, channel counts around the SIMD blocks and
// poolChannelBlock.
func randomPoolGeometry(rng *rand.Rand, trial int) (p ConvGeometry, fh, fw int, in, out Shape4) {
	in = Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(9), W: 1 + rng.IntN(9), C: 1 + rng.IntN(80)}
	switch trial % 5 {
	case 0:
		in.C = []int{7, 8, 31, 32, 33, 127, 128, 511, 512, 513, 1280}[rng.IntN(11)]
	case 1:
		in.C += 64 * rng.IntN(12)
	}
	if trial%3 == 0 {
		return ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}, in.H, in.W, in, Shape4{N: in.N, H: 1, W: 1, C: in.C}
	}
	fh, fw = 1+rng.IntN(in.H), 1+rng.IntN(in.W)
	p = ConvGeometry{StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3), DilationH: 1, DilationW: 1}
	same := rng.IntN(2) == 0
	out = Shape4{N: in.N, C: in.C}
	out.H, p.PadTop = OutputSize(in.H, fh, p.StrideH, 1, same)
	out.W, p.PadLeft = OutputSize(in.W, fw, p.StrideW, 1, same)
	return p, fh, fw, in, out
}

// TestMaxPoolRandom compares every target's MaxPoolF32Rows and MaxPool8Rows,
// whole and split at a random row, with the reference, floats bit for bit
// (NaN, zeros of both signs and infinities among the inputs).
func TestMaxPoolRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 10))
	specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), -math.MaxFloat32}
	for trial := range 300 {
		p, fh, fw, in, out := randomPoolGeometry(rng, trial)
		src := make([]float32, in.Size())
		u8, i8 := make([]uint8, in.Size()), make([]int8, in.Size())
		for i := range src {
			src[i] = float32(rng.NormFloat64())
			if rng.IntN(10) == 0 {
				src[i] = specials[rng.IntN(len(specials))]
			}
			u8[i], i8[i] = uint8(rng.Uint32()), int8(rng.Uint32())
		}
		// No activation, a range, and RELU6 (whose 0 meets the −0 inputs).
		act := []FloatRange{
			{Min: -float32(math.Inf(1)), Max: float32(math.Inf(1))}, {Min: -1, Max: 1.5}, {Min: 0, Max: 6},
		}[rng.IntN(3)]
		want := make([]float32, out.Size())
		maxPoolRef(&p, fh, fw, in, src, out, want, -math.MaxFloat32, func(v float32) float32 { return clampFloat(v, act) })
		wu, wi := make([]uint8, out.Size()), make([]int8, out.Size())
		maxPoolRef(&p, fh, fw, in, u8, out, wu, 0, func(v uint8) uint8 { return min(max(v, 3), 250) })
		maxPoolRef(&p, fh, fw, in, i8, out, wi, -128, func(v int8) int8 { return min(max(v, -100), 120) })
		for _, target := range Targets() {
			k := NewMaxPool(target, &p, fh, fw, in, out)
			got := make([]float32, out.Size())
			gu, gi := make([]uint8, out.Size()), make([]int8, out.Size())
			rows := out.N * out.H
			split := rng.IntN(rows + 1)
			for _, r := range [][2]int{{0, split}, {split, rows}} {
				require.NoError(t, MaxPoolF32Rows(k, src, got, act, r[0], r[1]))
				require.NoError(t, MaxPool8Rows(k, u8, gu, 3, 250, r[0], r[1]))
				require.NoError(t, MaxPool8Rows(k, i8, gi, -100, 120, r[0], r[1]))
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d, %s: element %d is %g, want %g (in %v, filter %d×%d %+v)", trial, target, i, got[i], want[i], in, fh, fw, p)
				}
			}
			require.Equal(t, wu, gu, "trial %d, %s", trial, target)
			require.Equal(t, wi, gi, "trial %d, %s", trial, target)
		}
	}
}

// BenchmarkMaxPoolF32 is BlazeFace's first pool: 2×2, stride 2, of
// [1 64 64 28] floats, on the best target.
func BenchmarkMaxPoolF32(b *testing.B) {
	in, out := Shape4{N: 1, H: 64, W: 64, C: 28}, Shape4{N: 1, H: 32, W: 32, C: 28}
	p := &ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
	src := make([]float32, in.Size())
	for i := range src {
		src[i] = float32(i%97) - 40
	}
	dst := make([]float32, out.Size())
	k := NewMaxPool(Targets()[0], p, 2, 2, in, out)
	act := FloatRange{Min: -math.MaxFloat32, Max: math.MaxFloat32}
	for b.Loop() {
		if err := MaxPoolF32Rows(k, src, dst, act, 0, out.H); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAveragePoolF32Random compares AveragePoolF32 with TFLite's
// per-channel walk bit for bit (the sums in the same order), NaN, zeros of
// both signs and infinities among the inputs.
func TestAveragePoolF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 11))
	specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32}
	for trial := range 300 {
		p, fh, fw, in, out := randomPoolGeometry(rng, trial)
		src := make([]float32, in.Size())
		for i := range src {
			src[i] = float32(rng.NormFloat64() * 1e3)
			if rng.IntN(20) == 0 {
				src[i] = specials[rng.IntN(len(specials))]
			}
		}
		act := []FloatRange{
			{Min: -float32(math.Inf(1)), Max: float32(math.Inf(1))}, {Min: -1, Max: 1.5}, {Min: 0, Max: 6},
		}[rng.IntN(3)]
		want := make([]float32, out.Size())
		i := 0
		for n := range out.N {
			for oy := range out.H {
				for ox := range out.W {
					y0, y1, x0, x1 := poolWindow(&p, fh, fw, in, oy, ox)
					count := float32((y1 - y0) * (x1 - x0))
					for c := range out.C {
						var total float32
						for y := y0; y < y1; y++ {
							for x := x0; x < x1; x++ {
								total += src[((n*in.H+y)*in.W+x)*in.C+c]
							}
						}
						want[i] = clampFloat(total/count, act)
						i++
					}
				}
			}
		}
		got := make([]float32, out.Size())
		require.NoError(t, AveragePoolF32(&p, fh, fw, in, src, out, got, act))
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("trial %d: element %d is %g, want %g (in %v, filter %d×%d %+v)", trial, i, got[i], want[i], in, fh, fw, p)
			}
		}
	}
}

// BenchmarkAveragePoolF32 is the float MobileNet v1 0.25's pool before its
// classifier: 7×7×256 to 1×1×256.
func BenchmarkAveragePoolF32(b *testing.B) {
	in, out := Shape4{N: 1, H: 7, W: 7, C: 256}, Shape4{N: 1, H: 1, W: 1, C: 256}
	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	src := make([]float32, in.Size())
	for i := range src {
		src[i] = float32(i%89) * 0.25
	}
	dst := make([]float32, out.Size())
	act := FloatRange{Min: -math.MaxFloat32, Max: math.MaxFloat32}
	for b.Loop() {
		if err := AveragePoolF32(p, 7, 7, in, src, out, dst, act); err != nil {
			b.Fatal(err)
		}
	}
}
