package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveFullyConnectedInt is the plain integer model of a quantized fully
// connected layer.
func naiveFullyConnectedInt(r *Requant, batches, inDepth, outDepth int, in, filter, bias []int32) []int32 {
	out := make([]int32, batches*outDepth)
	for b := 0; b < batches; b++ {
		for u := 0; u < outDepth; u++ {
			var acc int32
			for d := 0; d < inDepth; d++ {
				acc += (in[b*inDepth+d] + r.InputOffset) * (filter[u*inDepth+d] + r.FilterOffset)
			}
			out[b*outDepth+u] = naiveRequantize(acc, u, bias, r)
		}
	}
	return out
}

// naiveFullyConnectedF64 is the float64 model of a fully connected layer
// without activation; mag is as for naiveConvF64.
func naiveFullyConnectedF64(batches, inDepth, outDepth int, in, filter, bias []float64) (out, mag []float64) {
	out, mag = make([]float64, batches*outDepth), make([]float64, batches*outDepth)
	for b := 0; b < batches; b++ {
		for u := 0; u < outDepth; u++ {
			i := b*outDepth + u
			if bias != nil {
				out[i], mag[i] = bias[u], math.Abs(bias[u])
			}
			for d := 0; d < inDepth; d++ {
				term := in[b*inDepth+d] * filter[u*inDepth+d]
				out[i] += term
				mag[i] += math.Abs(term)
			}
		}
	}
	return out, mag
}

func TestFullyConnectedQByHand(t *testing.T) {
	// Input [[1 2 3] [4 5 6]] with zero point 1 → [[0 1 2] [3 4 5]];
	// filter [[2 3 4] [5 5 5]] with zero point 3 → [[−1 0 1] [2 2 2]].
	// Sums: batch 0: 2, 6; batch 1: 2, 24. Bias [10 −2]: 12 4 12 22.
	// Multiplier 0.75: 9 3 9 16.5 → 17. Output zero point 100.
	in := []uint8{1, 2, 3, 4, 5, 6}
	filter := []uint8{2, 3, 4, 5, 5, 5}
	r := &Requant{InputOffset: -1, FilterOffset: -3, OutputOffset: 100,
		Multiplier: []int32{3 << 29, 3 << 29}, Shift: []int{0, 0}, ActMin: 0, ActMax: 255}
	out := make([]uint8, 4)
	FullyConnectedQ(r, 2, 3, 2, in, filter, []int32{10, -2}, out, 0, 2)
	assert.Equal(t, []uint8{109, 103, 109, 117}, out)
}

func TestFullyConnectedF32ByHand(t *testing.T) {
	// [1 −2 3]·[0.5 0.25 −1] = 0.5 − 0.5 − 3 = −3, bias 1 → −2; RELU → 0.
	// [1 −2 3]·[1 1 1] = 2, bias 0.5 → 2.5.
	out := make([]float32, 2)
	FullyConnectedF32(FloatRange{0, math.MaxFloat32}, 1, 3, 2, []float32{1, -2, 3},
		[]float32{0.5, 0.25, -1, 1, 1, 1}, []float32{1, 0.5}, out, 0, 2, nil)
	assert.Equal(t, []float32{0, 2.5}, out)
}

func testFullyConnectedQRandom[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for iter := range 150 {
		batches, inDepth, outDepth := 1+rng.IntN(3), 1+rng.IntN(300), 1+rng.IntN(20)
		l := randConvLayer[T](rng, outDepth)
		in := randValues[T](rng, batches*inDepth)
		filter := randValues[T](rng, outDepth*inDepth)
		realOut, _ := naiveFullyConnectedF64(batches, inDepth, outDepth, l.dequantizeInput(convWiden(in)),
			l.dequantizeFilter(convWiden(filter), func(i int) int { return i / inDepth }), l.realBias(outDepth))
		l.calibrate(rng, outDepth, realOut)

		got := make([]T, batches*outDepth)
		FullyConnectedQ(&l.r, batches, inDepth, outDepth, in, filter, l.bias, got, 0, outDepth)
		msg := []any{"iteration %d: %d×%d→%d", iter, batches, inDepth, outDepth}
		assert.Equal(t, naiveFullyConnectedInt(&l.r, batches, inDepth, outDepth, convWiden(in), convWiden(filter), l.bias), convWiden(got), msg...)
		requireConvNear(t, l.quantizeOutput(realOut), got, msg...)

		pieces := make([]T, len(got))
		for _, s := range convSplits(rng, outDepth) {
			FullyConnectedQ(&l.r, batches, inDepth, outDepth, in, filter, l.bias, pieces, s[0], s[1])
		}
		require.Equal(t, got, pieces, msg...)
	}
}

func TestFullyConnectedQRandomUint8(t *testing.T) { testFullyConnectedQRandom[uint8](t, 21) }
func TestFullyConnectedQRandomInt8(t *testing.T)  { testFullyConnectedQRandom[int8](t, 22) }

func TestFullyConnectedF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	for iter := range 150 {
		batches, inDepth, outDepth := 1+rng.IntN(3), 1+rng.IntN(300), 1+rng.IntN(20)
		in := convRandFloats(rng, batches*inDepth)
		filter := convRandFloats(rng, outDepth*inDepth)
		var bias []float32
		if rng.IntN(4) != 0 {
			bias = convRandFloats(rng, outDepth)
		}
		act := FloatRange{-math.MaxFloat32, math.MaxFloat32}
		if rng.IntN(2) == 0 {
			act = FloatRange{0, 6}
		}
		got := make([]float32, batches*outDepth)
		FullyConnectedF32(act, batches, inDepth, outDepth, in, filter, bias, got, 0, outDepth, nil)

		msg := []any{"iteration %d: %d×%d→%d", iter, batches, inDepth, outDepth}
		want, mag := naiveFullyConnectedF64(batches, inDepth, outDepth, convF64s(in), convF64s(filter), convF64s(bias))
		requireConvClose(t, convClamp(want, act), mag, got, msg...)

		pieces := make([]float32, len(got))
		for _, s := range convSplits(rng, outDepth) {
			FullyConnectedF32(act, batches, inDepth, outDepth, in, filter, bias, pieces, s[0], s[1], nil)
		}
		require.Equal(t, got, pieces, msg...)

		halves := convHalves(filter)
		wantHalf := make([]float32, len(got))
		FullyConnectedF32(act, batches, inDepth, outDepth, in, WidenHalves(make([]float32, len(halves)), halves), bias, wantHalf, 0, outDepth, nil)
		gotHalf := make([]float32, len(got))
		scratch := make([]float32, (1+rng.IntN(5))*inDepth) // one or four units at a time
		for _, s := range convSplits(rng, outDepth) {
			FullyConnectedF32(act, batches, inDepth, outDepth, in, halves, bias, gotHalf, s[0], s[1], scratch)
		}
		require.Equal(t, wantHalf, gotHalf, msg...)
	}
}
