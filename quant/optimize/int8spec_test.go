package optimize_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/tflite"
)

// This file checks int8 models against TFLite's quantization
// specification (tensorflow/lite/g3doc/performance/quantization_spec.md)
// and the operator versions of its converter, reading only the written
// model: none of the writer's code is used.

// specSameScale are the operators whose activation inputs and output must
// share scale and zero point.
var specSameScale = map[tflite.BuiltinOperator]bool{
	tflite.OpAveragePool2D: true, tflite.OpMaxPool2D: true, tflite.OpReshape: true, tflite.OpSqueeze: true,
	tflite.OpPad: true, tflite.OpPadV2: true, tflite.OpResizeBilinear: true, tflite.OpResizeNearestNeighbor: true,
	tflite.OpConcatenation: true,
}

// specFixed are the output parameters the spec fixes.
var specFixed = map[tflite.BuiltinOperator]struct {
	scale float32
	zero  int64
}{
	tflite.OpSoftmax:  {1.0 / 256, -128},
	tflite.OpLogistic: {1.0 / 256, -128},
	tflite.OpTanh:     {1.0 / 128, 0},
}

// specVersions are the least versions TFLite's converter gives int8
// operators (op_version.cc).
var specVersions = map[tflite.BuiltinOperator]int32{
	tflite.OpConv2D: 3, tflite.OpDepthwiseConv2D: 3, tflite.OpFullyConnected: 4, tflite.OpAdd: 2,
	tflite.OpAveragePool2D: 2, tflite.OpMaxPool2D: 2, tflite.OpSoftmax: 2, tflite.OpConcatenation: 2,
	tflite.OpPad: 2, tflite.OpRelu: 2, tflite.OpLogistic: 2, tflite.OpMean: 2, tflite.OpDequantize: 2,
}

// requireInt8Spec checks every rule of the int8 spec on m, whose inputs
// and outputs are of type io.
func requireInt8Spec(t *testing.T, m *tflite.Model, io tflite.TensorType) {
	t.Helper()
	require.Len(t, m.Subgraphs, 1)
	sg := &m.Subgraphs[0]
	data := func(i int32) []byte { return m.Buffers[sg.Tensors[i].Buffer].Data }
	perTensor := func(i int32) (float32, int64) {
		t.Helper()
		q := sg.Tensors[i].Quantization
		require.NotNil(t, q, "tensor %q has quantization", sg.Tensors[i].Name)
		require.Len(t, q.Scale, 1, "tensor %q is per tensor", sg.Tensors[i].Name)
		require.Len(t, q.ZeroPoint, 1, "tensor %q", sg.Tensors[i].Name)
		return q.Scale[0], q.ZeroPoint[0]
	}
	// Every quantized tensor: positive finite scales, zero points in range.
	for i, tt := range sg.Tensors {
		switch tt.Type {
		case tflite.TypeInt8, tflite.TypeUint8, tflite.TypeInt32:
		default:
			continue
		}
		if tt.Type == tflite.TypeInt32 && tt.Quantization == nil {
			continue // shapes, axes, paddings
		}
		q := tt.Quantization
		require.NotNil(t, q, "tensor %d %q (%s) has quantization parameters", i, tt.Name, tt.Type)
		require.NotEmpty(t, q.Scale, "tensor %q", tt.Name)
		require.Len(t, q.ZeroPoint, len(q.Scale), "tensor %q: one zero point per scale", tt.Name)
		for c, s := range q.Scale {
			require.True(t, s > 0 && !math.IsInf(float64(s), 0), "tensor %q channel %d: scale %g", tt.Name, c, s)
		}
		lo, hi := int64(-128), int64(127)
		if tt.Type == tflite.TypeUint8 {
			lo, hi = 0, 255
		}
		for _, z := range q.ZeroPoint {
			require.True(t, z >= lo && z <= hi, "tensor %q: zero point %d", tt.Name, z)
		}
	}
	seenCode := map[tflite.BuiltinOperator]bool{}
	for _, c := range m.OperatorCodes {
		require.False(t, seenCode[c.Builtin], "one operator code per builtin (%s)", c.Builtin)
		seenCode[c.Builtin] = true
		if v, ok := specVersions[c.Builtin]; ok {
			require.GreaterOrEqual(t, c.Version, v, "%s version", c.Builtin)
		}
	}
	for oi, op := range sg.Operators {
		b := m.OperatorCodes[op.OpcodeIndex].Builtin
		switch b {
		case tflite.OpQuantize:
			in, out := sg.Tensors[op.Inputs[0]], sg.Tensors[op.Outputs[0]]
			require.Contains(t, []tflite.TensorType{tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8}, in.Type)
			require.Contains(t, []tflite.TensorType{tflite.TypeUint8, tflite.TypeInt8}, out.Type)
			if in.Type == tflite.TypeUint8 || out.Type == tflite.TypeUint8 {
				// uint8 ↔ int8 at the edges: same scale, zero point + 128.
				si, zi := perTensor(op.Inputs[0])
				so, zo := perTensor(op.Outputs[0])
				require.Equal(t, si, so, "op %d QUANTIZE uint8↔int8 keeps the scale", oi)
				if in.Type == tflite.TypeUint8 {
					require.Equal(t, zi, zo+128)
				} else {
					require.Equal(t, zo, zi+128)
				}
			}
			continue
		case tflite.OpDequantize:
			require.Equal(t, tflite.TypeInt8, sg.Tensors[op.Inputs[0]].Type)
			require.Equal(t, tflite.TypeFloat32, sg.Tensors[op.Outputs[0]].Type)
			continue
		}
		// Every other operator computes in int8.
		for _, list := range [][]int32{op.Inputs, op.Outputs} {
			for _, i := range list {
				if i < 0 || (len(data(i)) > 0 && sg.Tensors[i].Type != tflite.TypeInt8) {
					continue // absent, or constant shapes and biases
				}
				require.Equal(t, tflite.TypeInt8, sg.Tensors[i].Type, "op %d %s tensor %q", oi, b, sg.Tensors[i].Name)
			}
		}
		switch b {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
			checkWeights(t, m, op, b)
		}
		if f, ok := specFixed[b]; ok {
			s, z := perTensor(op.Outputs[0])
			require.Equal(t, f.scale, s, "op %d %s output scale", oi, b)
			require.Equal(t, f.zero, z, "op %d %s output zero point", oi, b)
		}
		if specSameScale[b] {
			so, zo := perTensor(op.Outputs[0])
			for k, i := range op.Inputs {
				if i < 0 || sg.Tensors[i].Type != tflite.TypeInt8 || (b != tflite.OpConcatenation && k > 0 && b != tflite.OpPadV2) {
					continue
				}
				si, zi := perTensor(i)
				require.Equal(t, so, si, "op %d %s input %d scale", oi, b, k)
				require.Equal(t, zo, zi, "op %d %s input %d zero point", oi, b, k)
			}
		}
	}
	// The model's inputs and outputs are of the type asked for; with uint8
	// or float I/O each feeds, or is fed by, one edge operator.
	for _, i := range append(append([]int32{}, sg.Inputs...), sg.Outputs...) {
		require.Equal(t, io, sg.Tensors[i].Type, "input/output %q", sg.Tensors[i].Name)
	}
	// min_runtime_version names a runtime in its 16-byte buffer.
	found := false
	for _, md := range m.Metadata {
		if md.Name == "min_runtime_version" {
			found = true
			b := m.Buffers[md.Buffer].Data
			require.Len(t, b, 16)
			require.NotZero(t, b[0], "min_runtime_version is set")
		}
	}
	require.True(t, found, "min_runtime_version metadata")
}

// checkWeights checks the weights and bias of a convolution or fully
// connected operator: int8 in [-127, 127] with zero point 0, per channel
// along the spec's dimension (or per tensor), and an int32 bias whose
// scales are input scale × weight scale with zero point 0.
func checkWeights(t *testing.T, m *tflite.Model, op tflite.Operator, b tflite.BuiltinOperator) {
	t.Helper()
	sg := &m.Subgraphs[0]
	w := sg.Tensors[op.Inputs[1]]
	require.Equal(t, tflite.TypeInt8, w.Type, "%s weights %q", b, w.Name)
	wd := m.Buffers[w.Buffer].Data
	require.NotEmpty(t, wd, "%s weights %q are constant", b, w.Name)
	for k, v := range wd {
		require.NotEqual(t, int8(-128), int8(v), "weights %q element %d is -128 (the range is [-127, 127])", w.Name, k)
	}
	q := w.Quantization
	for _, z := range q.ZeroPoint {
		require.Zero(t, z, "weights %q zero point", w.Name)
	}
	dim := 0
	if b == tflite.OpDepthwiseConv2D {
		dim = 3
	}
	channels := int(w.Shape[dim])
	if b == tflite.OpFullyConnected {
		require.Len(t, q.Scale, 1, "FULLY_CONNECTED weights %q are per tensor", w.Name)
	} else {
		require.Len(t, q.Scale, channels, "%s weights %q: one scale per channel", b, w.Name)
		require.Equal(t, int32(dim), q.QuantizedDimension, "%s weights %q quantized dimension", b, w.Name)
	}
	in := sg.Tensors[op.Inputs[0]].Quantization.Scale[0]
	if len(op.Inputs) < 3 || op.Inputs[2] < 0 {
		return
	}
	bias := sg.Tensors[op.Inputs[2]]
	require.Equal(t, tflite.TypeInt32, bias.Type, "bias %q", bias.Name)
	require.Len(t, m.Buffers[bias.Buffer].Data, 4*int(bias.Shape[0]))
	_ = binary.LittleEndian.Uint32(m.Buffers[bias.Buffer].Data)
	require.Len(t, bias.Quantization.Scale, len(q.Scale), "bias %q scales", bias.Name)
	for c, s := range bias.Quantization.Scale {
		want := float64(in) * float64(q.Scale[c])
		require.InEpsilon(t, want, float64(s), 1e-6, "bias %q channel %d scale = input × weight scale", bias.Name, c)
		require.Zero(t, bias.Quantization.ZeroPoint[c], "bias %q zero point", bias.Name)
	}
}
