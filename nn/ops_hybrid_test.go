package nn_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// hybridChain builds CONV_2D 3×3 stride 2 (per-channel int8 weights, RELU6)
// → DEPTHWISE_CONV_2D 3×3 (per-channel int8 weights along dimension 3)
// → FULLY_CONNECTED (per-tensor int8 weights, asymmetric input
// quantization when asymmetric), float activations throughout; with
// hybrid false the same layers with the int8 weights dequantized to
// float32.
func hybridChain(hybrid, asymmetric bool) *tflite.Model {
	rng := rand.New(rand.NewPCG(21, 22))
	buffers := []tflite.Buffer{{}}
	constant := func(data []byte) uint32 {
		buffers = append(buffers, tflite.Buffer{Data: data})
		return uint32(len(buffers) - 1)
	}
	floatBytes := func(v []float32) []byte {
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		return b
	}
	var tensors []tflite.Tensor
	add := func(t tflite.Tensor) int32 { tensors = append(tensors, t); return int32(len(tensors) - 1) }
	// weights adds int8 weights with the given per-channel scales along
	// axis, or their float32 values.
	weights := func(name string, shape []int32, axis int, scales []float32) int32 {
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		inner := 1
		for _, d := range shape[axis+1:] {
			inner *= int(d)
		}
		q := make([]byte, n)
		f := make([]float32, n)
		for i := range q {
			v := int8(rng.IntN(255) - 127)
			q[i] = byte(v)
			f[i] = float32(v) * scales[(i/inner)%len(scales)]
		}
		if !hybrid {
			return add(tflite.Tensor{Name: name, Type: tflite.TypeFloat32, Shape: shape, Buffer: constant(floatBytes(f))})
		}
		return add(tflite.Tensor{Name: name, Type: tflite.TypeInt8, Shape: shape, Buffer: constant(q),
			Quantization: &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales)), QuantizedDimension: int32(axis)}})
	}
	scales := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(0.002 + 0.01*rng.Float64())
		}
		return s
	}
	bias := func(name string, n int) int32 {
		b := make([]float32, n)
		for i := range b {
			b[i] = float32(rng.NormFloat64() * 0.1)
		}
		return add(tflite.Tensor{Name: name, Type: tflite.TypeFloat32, Shape: []int32{int32(n)}, Buffer: constant(floatBytes(b))})
	}
	in := add(tflite.Tensor{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 15, 15, 3}})
	w1 := weights("w1", []int32{16, 3, 3, 3}, 0, scales(16))
	b1 := bias("b1", 16)
	c1 := add(tflite.Tensor{Name: "c1", Type: tflite.TypeFloat32, Shape: []int32{1, 8, 8, 16}})
	w2 := weights("w2", []int32{1, 3, 3, 16}, 3, scales(16))
	b2 := bias("b2", 16)
	c2 := add(tflite.Tensor{Name: "c2", Type: tflite.TypeFloat32, Shape: []int32{1, 8, 8, 16}})
	w3 := weights("w3", []int32{10, 1024}, 1, scales(1))
	b3 := bias("b3", 10)
	out := add(tflite.Tensor{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 10}})
	return &tflite.Model{
		Version: 3,
		OperatorCodes: []tflite.OperatorCode{
			{Builtin: tflite.OpConv2D, Version: 5}, {Builtin: tflite.OpDepthwiseConv2D, Version: 6}, {Builtin: tflite.OpFullyConnected, Version: 9},
		},
		Subgraphs: []tflite.Subgraph{{
			Tensors: tensors, Inputs: []int32{in}, Outputs: []int32{out},
			Operators: []tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{in, w1, b1}, Outputs: []int32{c1}, Options: &tflite.Conv2DOptions{
					Padding: tflite.PaddingSame, StrideW: 2, StrideH: 2, FusedActivationFunction: tflite.ActRelu6, DilationWFactor: 1, DilationHFactor: 1}},
				{OpcodeIndex: 1, Inputs: []int32{c1, w2, b2}, Outputs: []int32{c2}, Options: &tflite.DepthwiseConv2DOptions{
					Padding: tflite.PaddingSame, StrideW: 1, StrideH: 1, DepthMultiplier: 1, DilationWFactor: 1, DilationHFactor: 1}},
				{OpcodeIndex: 2, Inputs: []int32{c2, w3, b3}, Outputs: []int32{out}, Options: &tflite.FullyConnectedOptions{AsymmetricQuantizeInputs: asymmetric}},
			},
		}},
		Buffers: buffers,
	}
}

// TestHybridLayers runs the hybrid chain: near the float chain with the
// same (dequantized) weights, the same with one and two threads, and
// without allocating per invocation.
func TestHybridLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	input := make([]float32, 15*15*3)
	for i := range input {
		input[i] = float32(rng.NormFloat64())
	}
	for _, asymmetric := range []bool{true, false} {
		outputs := func(m *tflite.Model, threads int) []float32 {
			it, err := nn.New(m, &nn.Options{Threads: threads})
			require.NoError(t, err)
			t.Cleanup(func() { it.Close() })
			copy(it.Input(0).Float32s(), input)
			require.NoError(t, it.Invoke())
			got := slices.Clone(it.Output(0).Float32s())
			if !testing.Short() { // the race detector's run allocates
				allocs := testing.AllocsPerRun(3, func() { _ = it.Invoke() })
				assert.Zero(t, allocs, "threads %d", threads)
			}
			return got
		}
		want := outputs(hybridChain(false, asymmetric), 1)
		got := outputs(hybridChain(true, asymmetric), 1)
		assert.Equal(t, got, outputs(hybridChain(true, asymmetric), 2), "two threads")
		var scale, dev float64
		for i, w := range want {
			scale = max(scale, math.Abs(float64(w)))
			dev = max(dev, math.Abs(float64(got[i]-w)))
		}
		t.Logf("asymmetric %v: largest deviation from float %.4f of %.4f", asymmetric, dev, scale)
		assert.Less(t, dev, 0.05*scale, "asymmetric %v", asymmetric)
		assert.NotEqual(t, want, got, "the hybrid layers quantize their inputs")
	}
}

// TestHybridWeightsRejected checks int8 weights of a float layer that
// TFLite's hybrid kernels do not take.
func TestHybridWeightsRejected(t *testing.T) {
	m := hybridChain(true, true)
	w := &m.Subgraphs[0].Tensors[1]
	w.Quantization = &tflite.Quantization{Scale: w.Quantization.Scale[:3], ZeroPoint: make([]int64, 3)}
	_, err := nn.New(m, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "3 scales along dimension 0, want 1 or 16 along 0")

	m = hybridChain(true, true)
	m.Subgraphs[0].Tensors[1].Quantization.ZeroPoint[2] = 5
	_, err = nn.New(m, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "zero point 5")
}
