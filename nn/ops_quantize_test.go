package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// quantizeRoundTrip is QUANTIZE of a FLOAT32 [1, 1, n, 1] input to an
// 8-bit tensor of type typ under q, then DEQUANTIZE back to FLOAT32; both
// are outputs.
func quantizeRoundTrip(typ tflite.TensorType, n int32, q kernels.Affine) *tflitetest.Model {
	m := tflitetest.NewModel()
	shape := []int32{1, 1, n, 1}
	in := m.Tensor("in", tflite.TypeFloat32, shape, nil, nil)
	mid := m.Tensor("q", typ, shape, nil, &tflitetest.Affine{Scale: q.Scale, Zero: int64(q.ZeroPoint)})
	out := m.Tensor("out", tflite.TypeFloat32, shape, nil, nil)
	m.Op(tflite.OpQuantize, 1, []int32{in}, []int32{mid}, 0, nil)
	m.Op(tflite.OpDequantize, 2, []int32{mid}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{mid, out}
	return m
}

// TestQuantizeRoundTripOnEveryTarget runs QUANTIZE from float and
// DEQUANTIZE on every kernel target, one and two threads, small and split
// across the workers, and requires kernels.Quantize's and
// kernels.Dequantize's values exactly.
func TestQuantizeRoundTripOnEveryTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 14))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, 3e38}
	for _, tc := range []struct {
		typ tflite.TensorType
		q   kernels.Affine
	}{
		{tflite.TypeInt8, kernels.Affine{Scale: 0.0078125, ZeroPoint: -1}},
		{tflite.TypeInt8, kernels.Affine{Scale: 0.023529412, ZeroPoint: 100}},
		{tflite.TypeUint8, kernels.Affine{Scale: 0.007843138, ZeroPoint: 127}},
	} {
		for _, n := range []int{37, parallelElements + 37} {
			src := make([]float32, n)
			for i := range src {
				if i%50 == 0 {
					src[i] = specials[rng.IntN(len(specials))]
					continue
				}
				// Half steps, and values a little beyond the 8-bit range.
				src[i] = float32(rng.IntN(700)-350) / 2 * tc.q.Scale
				if i%3 == 0 {
					src[i] = float32(rng.NormFloat64()) * 150 * tc.q.Scale
				}
			}
			wantQ := make([]byte, n)
			wantF := make([]float32, n)
			if tc.typ == tflite.TypeInt8 {
				q := make([]int8, n)
				kernels.Quantize(src, q, tc.q)
				kernels.Dequantize(q, wantF, tc.q)
				for i, v := range q {
					wantQ[i] = byte(v)
				}
			} else {
				kernels.Quantize(src, wantQ, tc.q)
				kernels.Dequantize(wantQ, wantF, tc.q)
			}
			parsed := quantizeRoundTrip(tc.typ, int32(n), tc.q).Parse(t)
			for _, target := range KernelTargets() {
				for _, threads := range []int{1, 2} {
					it, err := New(parsed, &Options{Kernels: target, Threads: threads})
					require.NoError(t, err)
					copy(it.Input(0).Float32s(), src)
					require.NoError(t, it.Invoke())
					require.Equal(t, wantQ, it.Output(0).Bytes(), "%s %+v n %d on %s, %d threads", tc.typ, tc.q, n, target, threads)
					require.Equal(t, wantF, it.Output(1).Float32s(), "%s %+v n %d on %s, %d threads", tc.typ, tc.q, n, target, threads)
					it.Close()
				}
			}
		}
	}
}
