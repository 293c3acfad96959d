package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantize(t *testing.T) {
	q := Affine{Scale: 0.5, ZeroPoint: -10}
	src := []float32{0.25, -0.25, 0.75, 100, -100, float32(math.Inf(1)), float32(math.NaN())}
	dst := make([]int8, len(src))
	Quantize(src, dst, q)
	// 0.5 → 1 (half away from zero) −10; −0.5 → −1 −10; 1.5 → 2 −10;
	// 200−10 clamps to 127; −200−10 to −128; +Inf to 127; NaN to the zero point.
	assert.Equal(t, []int8{-9, -11, -8, 127, -128, 127, -10}, dst)
}

func TestDequantize(t *testing.T) {
	dst := make([]float32, 3)
	Dequantize([]uint8{0, 128, 255}, dst, Affine{Scale: 0.5, ZeroPoint: 128})
	assert.Equal(t, []float32{-64, 0, 63.5}, dst)
	Dequantize([]int16{-32768, 0, 32767}, dst, Affine{Scale: 0.25, ZeroPoint: 0})
	assert.Equal(t, []float32{-8192, 0, 8191.75}, dst)
	Dequantize([]int8{-128, 127, 0}, dst, Affine{Scale: 1, ZeroPoint: -128})
	assert.Equal(t, []float32{0, 255, 128}, dst)
}

func TestRequantize(t *testing.T) {
	// uint8 (s, 128) → int8 (s, 0) is a shift by 128.
	p, err := NewRequantizeParams(Affine{0.1, 128}, Affine{0.1, 0})
	require.NoError(t, err)
	d8 := make([]int8, 3)
	Requantize(p, []uint8{0, 128, 255}, d8)
	assert.Equal(t, []int8{-128, 0, 127}, d8)

	// int8 (1, 0) → uint8 (2, 100): multiplier ½ = 2^30·2^−31, so
	// SaturatingRoundingDoublingHighMul(q, 2^30) + 100. Its nudge rounds
	// ties upward: 5 → 2.5 → 3 → 103; −5 → −2.5 → −2 → 98 (the nudge
	// 1 − 2^30 leaves (−3·2^31 + 1)/2^31, truncated to −2);
	// −128 → −64 → 36; 127 → 63.5 → 64 → 164.
	p, err = NewRequantizeParams(Affine{1, 0}, Affine{2, 100})
	require.NoError(t, err)
	du := make([]uint8, 4)
	Requantize(p, []int8{5, -5, -128, 127}, du)
	assert.Equal(t, []uint8{103, 98, 36, 164}, du)

	rng := rand.New(rand.NewPCG(31, 1))
	for range 20 {
		qi, qo := randAffine[int8](rng), randAffine[int8](rng)
		p, err := NewRequantizeParams(qi, qo)
		require.NoError(t, err)
		src := randValues[int8](rng, 64)
		want := make([]int32, len(src))
		for i, v := range src {
			want[i] = refQuantize(refReal(int32(v), qi), qo, -128, 127)
		}
		dst := make([]int8, len(src))
		Requantize(p, src, dst)
		requireWithin(t, want, dst, 1)
	}
	_, err = NewRequantizeParams(Affine{0, 0}, Affine{1, 0})
	assert.Error(t, err)
}

func TestDequantizeLookupMatchesDequantize(t *testing.T) {
	q := Affine{Scale: 0.0078125 * 1.37, ZeroPoint: -3}
	u := make([]uint8, 256)
	s := make([]int8, 256)
	for i := range u {
		u[i], s[i] = uint8(i), int8(i)
	}
	want, got := make([]float32, 256), make([]float32, 256)
	Dequantize(u, want, q)
	DequantizeLookup(NewDequantTable[uint8](q), u, got)
	assert.Equal(t, want, got)
	Dequantize(s, want, q)
	DequantizeLookup(NewDequantTable[int8](q), s, got)
	assert.Equal(t, want, got)
}

// quantizeEdges are inputs where QUANTIZE's rounding and clamping can go
// wrong, as multiples of the scale (see quantizeInputs).
var quantizeEdges = []float32{
	0, float32(math.Copysign(0, -1)), 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 126.5, -127.5, 127.5, -128.5, 254.5, 255.5,
	0.49999997, -0.49999997, 0.50000006, -0.50000006, 8388607.5, -8388607.5, 8388608, 16777215,
	1 << 30, -1 << 30, 1<<31 + 1<<8, -1<<31 - 1<<8, 3e9, -3e9, math.MaxFloat32, -math.MaxFloat32,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-39, -1e-39,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.Float32frombits(0xffc00001),
}

// quantizeInputs returns n floats for scale: the edges times scale and
// those products' neighbours, values at exact half steps, random values
// over the 8-bit range and a little beyond, and random bit patterns (NaNs,
// infinities and denormals among them), shuffled.
func quantizeInputs(rng *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, 0, n)
	for _, e := range quantizeEdges {
		v := e * scale
		x = append(x, e, v, math.Nextafter32(v, float32(math.Inf(1))), math.Nextafter32(v, float32(math.Inf(-1))))
	}
	for len(x) < n {
		switch rng.IntN(4) {
		case 0:
			x = append(x, (float32(rng.IntN(700)-350)+0.5)*scale)
		case 1:
			x = append(x, float32(rng.NormFloat64()*300)*scale)
		case 2:
			x = append(x, math.Float32frombits(rng.Uint32()))
		default:
			x = append(x, float32(rng.IntN(600)-300)*scale)
		}
	}
	rng.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
	return x[:n]
}

// checkFloatQuantizer compares FloatQuantizer on target against Quantize
// for the lengths 0 to 70 and a few long ones, at offsets 0 to 3 into src
// and dst, with the elements around dst left alone.
func checkFloatQuantizer[T int8 | uint8](t *testing.T, rng *rand.Rand, target string, q Affine) {
	t.Helper()
	z := NewFloatQuantizer(target, q)
	run := func(src []float32, dst []T) {
		switch d := any(dst).(type) {
		case []int8:
			z.Int8(src, d)
		case []uint8:
			z.Uint8(src, d)
		}
	}
	lengths := make([]int, 0, 80)
	for n := range 71 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 1000, 4099)
	for _, n := range lengths {
		so, do := rng.IntN(4), rng.IntN(4)
		all := quantizeInputs(rng, so+n, q.Scale)
		src := all[so:]
		want := make([]T, n)
		Quantize(src, want, q)
		buf := make([]T, do+n+3)
		for i := range buf {
			buf[i] = 0x5a
		}
		run(src, buf[do:do+n])
		require.Equal(t, want, buf[do:do+n], "%s %+v n %d at %d → %d", target, q, n, so, do)
		for _, v := range append(buf[:do:do], buf[do+n:]...) {
			require.Equal(t, T(0x5a), v, "%s %+v n %d: a store outside dst", target, q, n)
		}
	}
}

func TestFloatQuantizerMatchesQuantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 8))
	scales := []float32{1, 0.5, 1.0 / 255, 0.0078125, 0.023529412, 3.7, 1e-3, 1e-38, 1e-44, 1e30}
	for _, target := range Targets() {
		for _, s := range scales {
			for _, zero := range []int32{-128, -1, 0, 127, randZero[int8](rng), 1 << 14, -1 << 14, 1<<14 + 1, math.MinInt32} {
				checkFloatQuantizer[int8](t, rng, target, Affine{Scale: s, ZeroPoint: zero})
			}
			for _, zero := range []int32{0, 128, 255, randZero[uint8](rng), -1 << 14, 1 << 14, math.MaxInt32} {
				checkFloatQuantizer[uint8](t, rng, target, Affine{Scale: s, ZeroPoint: zero})
			}
		}
	}
}

func TestFloatQuantizerValues(t *testing.T) {
	src := []float32{
		2.5, -2.5, 0.25, -0.25, float32(math.Copysign(0, -1)), 1e-45, -1e-45,
		63.75, -64.25, 64.25, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e30, -1e30, 0.24999999,
	}
	for _, target := range Targets() {
		z := NewFloatQuantizer(target, Affine{Scale: 0.5, ZeroPoint: 1})
		// /0.5 then half away from zero: 5, −5, 0.5 → 1, −0.5 → −1, −0 → 0,
		// denormals → 0, 127.5 → 128, −128.5 → −129, 128.5 → 129; plus 1,
		// clamped; NaN → the zero point; 0.49999998 → 0.
		d8 := make([]int8, len(src))
		z.Int8(src, d8)
		assert.Equal(t, []int8{6, -4, 2, 0, 1, 1, 1, 127, -128, 127, 1, 127, -128, 127, -128, 1}, d8, target)
		z = NewFloatQuantizer(target, Affine{Scale: 0.5, ZeroPoint: 128})
		du := make([]uint8, len(src))
		z.Uint8(src, du)
		assert.Equal(t, []uint8{133, 123, 129, 127, 128, 128, 128, 255, 0, 255, 128, 255, 0, 255, 0, 128}, du, target)
	}
}

// BenchmarkFloatQuantizer times QUANTIZE of a 224×224×3 float image to
// int8, per target.
func BenchmarkFloatQuantizer(b *testing.B) {
	src := quantizeInputs(rand.New(rand.NewPCG(1, 2)), 224*224*3, 0.0078125)
	dst := make([]int8, len(src))
	for _, target := range Targets() {
		b.Run(target, func(b *testing.B) {
			z := NewFloatQuantizer(target, Affine{Scale: 0.0078125, ZeroPoint: -1})
			b.SetBytes(int64(len(src) * 4))
			for b.Loop() {
				z.Int8(src, dst)
			}
		})
	}
}
