package optimize_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// requireDynamicRangeLayout checks that q is float model f after
// dynamic-range quantization, by rules read from TFLite's weight quantizer
// (quantize_weights.cc with the updated hybrid scheme), independently of
// how DynamicRange builds it, for models whose quantized weights are read
// by hybrid operators only (no DEQUANTIZE):
//
//   - the weight (input 1) of each CONV_2D, DEPTHWISE_CONV_2D and
//     FULLY_CONNECTED that is a FLOAT32 constant of at least 1024 elements
//     is INT8 with zero points 0, values in [-127, 127], one scale per
//     output channel (CONV_2D: dimension 0; DEPTHWISE_CONV_2D: dimension 3)
//     or per tensor (FULLY_CONNECTED), each max|w|/127 of its slice, and
//     every value within half a scale of the float weight;
//   - every other tensor keeps its type and data, and the operators their
//     inputs and outputs;
//   - the operator codes of those operators are at CONV_2D 5,
//     DEPTHWISE_CONV_2D 6 and FULLY_CONNECTED 9.
//
// It returns the number of quantized tensors.
func requireDynamicRangeLayout(t *testing.T, f, q *tflite.Model) int {
	t.Helper()
	want := map[tflite.BuiltinOperator]int32{tflite.OpConv2D: 5, tflite.OpDepthwiseConv2D: 6, tflite.OpFullyConnected: 9}
	axes := map[tflite.BuiltinOperator]int{tflite.OpConv2D: 0, tflite.OpDepthwiseConv2D: 3, tflite.OpFullyConnected: -1}
	require.Len(t, q.OperatorCodes, len(f.OperatorCodes))
	count := 0
	for s := range f.Subgraphs {
		fs, qs := &f.Subgraphs[s], &q.Subgraphs[s]
		require.Len(t, qs.Tensors, len(fs.Tensors))
		require.Len(t, qs.Operators, len(fs.Operators))
		quantized := map[int32]int{}
		for oi, op := range fs.Operators {
			qop := qs.Operators[oi]
			require.Equal(t, op.Inputs, qop.Inputs, "operator %d", oi)
			require.Equal(t, op.Outputs, qop.Outputs, "operator %d", oi)
			code := f.OperatorCodes[op.OpcodeIndex].Builtin
			axis, ok := axes[code]
			if !ok || len(op.Inputs) < 2 {
				continue
			}
			w := fs.Tensors[op.Inputs[1]]
			n := 1
			for _, d := range w.Shape {
				n *= int(d)
			}
			if w.Type != tflite.TypeFloat32 || len(f.Buffers[w.Buffer].Data) == 0 || n < 1024 {
				continue
			}
			quantized[op.Inputs[1]] = axis
			assert.Equal(t, want[code], q.OperatorCodes[qop.OpcodeIndex].Version, "%s version", code)
			if code == tflite.OpFullyConnected {
				o, ok := qop.Options.(*tflite.FullyConnectedOptions)
				require.True(t, ok, "operator %d options", oi)
				assert.True(t, o.AsymmetricQuantizeInputs, "operator %d asymmetric_quantize_inputs", oi)
			}
		}
		for i, ft := range fs.Tensors {
			qt := qs.Tensors[i]
			require.Equal(t, ft.Name, qt.Name, "tensor %d", i)
			require.Equal(t, ft.Shape, qt.Shape, "tensor %d", i)
			axis, ok := quantized[int32(i)]
			if !ok {
				require.Equal(t, ft.Type, qt.Type, "tensor %d %q keeps its type", i, ft.Name)
				require.True(t, bytes.Equal(f.Buffers[ft.Buffer].Data, q.Buffers[qt.Buffer].Data), "tensor %d %q keeps its data", i, ft.Name)
				continue
			}
			count++
			require.Equal(t, tflite.TypeInt8, qt.Type, "tensor %d %q", i, ft.Name)
			qp := qt.Quantization
			require.NotNil(t, qp, "tensor %d %q", i, ft.Name)
			channels, inner := 1, 1
			for _, d := range ft.Shape {
				inner *= int(d)
			}
			if axis >= 0 {
				channels = int(ft.Shape[axis])
				inner = 1
				for _, d := range ft.Shape[axis+1:] {
					inner *= int(d)
				}
				require.Equal(t, int32(axis), qp.QuantizedDimension, "tensor %d %q", i, ft.Name)
			}
			require.Len(t, qp.Scale, channels, "tensor %d %q", i, ft.Name)
			require.Equal(t, make([]int64, channels), qp.ZeroPoint, "tensor %d %q", i, ft.Name)
			fd, qd := f.Buffers[ft.Buffer].Data, q.Buffers[qt.Buffer].Data
			require.Len(t, qd, len(fd)/4)
			maxAbs := make([]float64, channels)
			for j := range qd {
				c := (j / inner) % channels
				maxAbs[c] = max(maxAbs[c], math.Abs(float64(math.Float32frombits(binary.LittleEndian.Uint32(fd[4*j:])))))
			}
			for c, m := range maxAbs {
				require.Greater(t, qp.Scale[c], float32(0), "tensor %q channel %d", ft.Name, c)
				if m > 0 {
					require.InEpsilon(t, m/127, qp.Scale[c], 1e-6, "tensor %q channel %d", ft.Name, c)
				}
			}
			for j := range qd {
				c := (j / inner) % channels
				v := int8(qd[j])
				require.GreaterOrEqual(t, v, int8(-127), "tensor %q element %d", ft.Name, j)
				w := float64(math.Float32frombits(binary.LittleEndian.Uint32(fd[4*j:])))
				s := float64(qp.Scale[c])
				require.LessOrEqual(t, math.Abs(float64(v)*s-w), s*0.5001, "tensor %q element %d", ft.Name, j)
			}
		}
	}
	return count
}

func TestDynamicRangeLayout(t *testing.T) {
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := dynamicFloatModel(t, fm)
			q, rep, err := optimize.DynamicRange(f)
			require.NoError(t, err)
			n := requireDynamicRangeLayout(t, f, q)
			require.Positive(t, n)
			assert.Len(t, rep.Tensors, n)
			assert.Zero(t, rep.OpsAdded)
			for _, sk := range rep.Skipped {
				assert.Contains(t, sk.Reason, "fewer than 1024", "%q", sk.Name)
			}
			fb, err := tflite.Write(f)
			require.NoError(t, err)
			qb, err := tflite.Write(q)
			require.NoError(t, err)
			back, err := tflite.Parse(qb)
			require.NoError(t, err)
			requireDynamicRangeLayout(t, f, back)
			t.Logf("%d weight tensors int8, %d left float; %d → %d bytes (%.3f×)", n, len(rep.Skipped), len(fb), len(qb), float64(len(qb))/float64(len(fb)))
			// BlazeFace keeps many small weights float (as TFLite's converter
			// would), MobileNet few.
			assert.Less(t, float64(len(qb)), 0.45*float64(len(fb)))
			if v := runtimeVersion(back); v != "" {
				assert.Equal(t, "2.4.0", v, "min_runtime_version of a model with hybrid CONV_2D")
			}
		})
	}
}

// runtimeVersion returns m's min_runtime_version metadata, or "".
func runtimeVersion(m *tflite.Model) string {
	for _, md := range m.Metadata {
		if md.Name == "min_runtime_version" {
			return string(bytes.TrimRight(m.Buffers[md.Buffer].Data, "\x00"))
		}
	}
	return ""
}

// floatData encodes v as little-endian float32.
func floatData(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// TestDynamicRangeDequantize builds a model whose FULLY_CONNECTED weight is
// also an ADD operand and a subgraph output, and another FULLY_CONNECTED
// whose weight is too small: the first weight becomes int8, read directly
// by its FULLY_CONNECTED (with asymmetric input quantization) and through
// one DEQUANTIZE, placed before the ADD, by the ADD and the output; the
// small weight and its operator are left alone but for the shared code's
// version.
func TestDynamicRangeDequantize(t *testing.T) {
	big := make([]float32, 64*32)
	for i := range big {
		big[i] = float32(i%61-30) / 7
	}
	for i := range 32 {
		big[5*32+i] = 0 // a row of zeros changes nothing per tensor
	}
	small := make([]float32, 15*64)
	m := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{Builtin: tflite.OpAdd, Version: 1}, {Builtin: tflite.OpFullyConnected, Version: 1}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 32}},
				{Name: "w", Type: tflite.TypeFloat32, Shape: []int32{64, 32}, Buffer: 1},
				{Name: "fc", Type: tflite.TypeFloat32, Shape: []int32{1, 64}},
				{Name: "sum", Type: tflite.TypeFloat32, Shape: []int32{64, 32}},
				{Name: "w2", Type: tflite.TypeFloat32, Shape: []int32{15, 64}, Buffer: 2},
				{Name: "fc2", Type: tflite.TypeFloat32, Shape: []int32{1, 15}},
			},
			Inputs:  []int32{0},
			Outputs: []int32{5, 3, 1},
			Operators: []tflite.Operator{
				{OpcodeIndex: 1, Inputs: []int32{0, 1, -1}, Outputs: []int32{2}, Options: &tflite.FullyConnectedOptions{FusedActivationFunction: tflite.ActRelu}},
				{OpcodeIndex: 1, Inputs: []int32{2, 4, -1}, Outputs: []int32{5}, Options: &tflite.FullyConnectedOptions{}},
				{OpcodeIndex: 0, Inputs: []int32{1, 1}, Outputs: []int32{3}, Options: &tflite.AddOptions{}},
			},
		}},
		Buffers:  []tflite.Buffer{{}, {Data: floatData(big)}, {Data: floatData(small)}, {Data: []byte("1.5.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}},
		Metadata: []tflite.MetadataEntry{{Name: "min_runtime_version", Buffer: 3}},
	}
	orig, err := tflite.Write(m)
	require.NoError(t, err)

	q, rep, err := optimize.DynamicRange(m)
	require.NoError(t, err)
	again, err := tflite.Write(m)
	require.NoError(t, err)
	require.Equal(t, orig, again, "the input model is unchanged")

	require.Len(t, rep.Tensors, 1)
	assert.Equal(t, "w", rep.Tensors[0].Name)
	require.Len(t, rep.Skipped, 1)
	assert.Equal(t, "w2", rep.Skipped[0].Name)
	assert.Contains(t, rep.Skipped[0].Reason, "960 elements, fewer than 1024")
	assert.Equal(t, 1, rep.OpsAdded)

	sg := q.Subgraphs[0]
	w := sg.Tensors[1]
	require.Equal(t, tflite.TypeInt8, w.Type)
	require.Equal(t, []float32{30.0 / 7 / 127}, w.Quantization.Scale)
	assert.Equal(t, []int64{0}, w.Quantization.ZeroPoint)
	assert.Equal(t, tflite.TypeFloat32, sg.Tensors[4].Type, "the small weight stays float")

	require.Len(t, sg.Tensors, 7)
	dq := sg.Tensors[6]
	assert.Equal(t, "w_dequantize", dq.Name)
	assert.Equal(t, tflite.TypeFloat32, dq.Type)
	assert.Equal(t, []int32{64, 32}, dq.Shape)

	require.Len(t, sg.Operators, 4)
	codes := q.OperatorCodes
	builtin := func(op tflite.Operator) tflite.BuiltinOperator { return codes[op.OpcodeIndex].Builtin }
	assert.Equal(t, tflite.OpFullyConnected, builtin(sg.Operators[0]))
	assert.Equal(t, []int32{0, 1, -1}, sg.Operators[0].Inputs, "the FC reads the int8 weight")
	o := sg.Operators[0].Options.(*tflite.FullyConnectedOptions)
	assert.True(t, o.AsymmetricQuantizeInputs)
	assert.Equal(t, tflite.ActRelu, o.FusedActivationFunction)
	assert.False(t, m.Subgraphs[0].Operators[0].Options.(*tflite.FullyConnectedOptions).AsymmetricQuantizeInputs, "the input's options are unchanged")
	assert.False(t, sg.Operators[1].Options.(*tflite.FullyConnectedOptions).AsymmetricQuantizeInputs, "the float FC's options are unchanged")
	assert.Equal(t, tflite.OpDequantize, builtin(sg.Operators[2]))
	assert.Equal(t, []int32{1}, sg.Operators[2].Inputs)
	assert.Equal(t, []int32{6}, sg.Operators[2].Outputs)
	assert.Equal(t, tflite.OpAdd, builtin(sg.Operators[3]))
	assert.Equal(t, []int32{6, 6}, sg.Operators[3].Inputs)
	assert.Equal(t, []int32{5, 3, 6}, sg.Outputs, "the output reads the dequantized weight")

	for _, c := range codes {
		switch c.Builtin {
		case tflite.OpFullyConnected:
			assert.Equal(t, int32(9), c.Version)
		case tflite.OpDequantize:
			assert.Equal(t, int32(optimize.DequantizeVersion), c.Version)
		case tflite.OpAdd:
			assert.Equal(t, int32(1), c.Version)
		}
	}
	assert.Equal(t, "2.3.0", runtimeVersion(q))
	assert.Equal(t, "1.5.0", runtimeVersion(m))

	out, err := tflite.Write(q)
	require.NoError(t, err)
	_, err = tflite.Parse(out)
	require.NoError(t, err)

	// percept runs it: the DEQUANTIZE gives the int8 weights' values,
	// which the ADD doubles and the output shows.
	it, err := nn.New(q, nil)
	require.NoError(t, err)
	defer it.Close()
	in := it.Input(0).Float32s()
	for i := range in {
		in[i] = float32(i%7) - 3
	}
	require.NoError(t, it.Invoke())
	data, scale := q.Buffers[w.Buffer].Data, w.Quantization.Scale[0]
	deq, sum := it.Output(2).Float32s(), it.Output(1).Float32s()
	require.Len(t, deq, len(data))
	for i, b := range data {
		require.Equal(t, float32(int8(b))*scale, deq[i], "element %d", i)
		require.Equal(t, 2*deq[i], sum[i], "element %d", i)
	}
}

// TestDynamicRangeZeroChannel checks that a conv output channel of zeros
// gets a positive scale and zero values, and the others their own scale.
func TestDynamicRangeZeroChannel(t *testing.T) {
	w := make([]float32, 4*3*3*32)
	for i := range w {
		if i/(3*3*32) != 2 {
			w[i] = float32(i%17-8) * float32(1+i/(3*3*32))
		}
	}
	m := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{Builtin: tflite.OpConv2D, Version: 1}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 8, 8, 32}},
				{Name: "w", Type: tflite.TypeFloat32, Shape: []int32{4, 3, 3, 32}, Buffer: 1},
				{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 8, 8, 4}},
			},
			Inputs: []int32{0}, Outputs: []int32{2},
			Operators: []tflite.Operator{{OpcodeIndex: 0, Inputs: []int32{0, 1, -1}, Outputs: []int32{2},
				Options: &tflite.Conv2DOptions{Padding: tflite.PaddingSame, StrideW: 1, StrideH: 1, DilationWFactor: 1, DilationHFactor: 1}}},
		}},
		Buffers: []tflite.Buffer{{}, {Data: floatData(w)}},
	}
	q, rep, err := optimize.DynamicRange(m)
	require.NoError(t, err)
	require.Len(t, rep.Tensors, 1)
	qt := q.Subgraphs[0].Tensors[1]
	require.Equal(t, tflite.TypeInt8, qt.Type)
	assert.Equal(t, []float32{8.0 / 127, 16.0 / 127, 1, 32.0 / 127}, qt.Quantization.Scale)
	data := q.Buffers[qt.Buffer].Data
	for i, b := range data {
		switch c := i / (3 * 3 * 32); {
		case c == 2:
			require.Zero(t, b, "element %d", i)
		case i%17 == 0:
			require.Equal(t, int8(-127), int8(b), "element %d", i)
		}
	}
	assert.Equal(t, int32(5), q.OperatorCodes[0].Version)
}

// dynamicFloatModel opens fm as float32: BlazeFace's float16 weights widened.
func dynamicFloatModel(t *testing.T, fm floatModel) *tflite.Model {
	t.Helper()
	m := fm.open(t)
	if fm.name != blazeface.name {
		return m
	}
	w, _, err := optimize.Widen(m)
	require.NoError(t, err)
	return w
}

// TestDynamicRangeRuns runs the dynamic-range models in percept on the
// reference inputs: their outputs near the float model's, identical on
// every kernel target (the hybrid kernels' integer part is exact and
// their float epilogue the same code), and MobileNet's top-1 on the shared
// photos mostly the float model's (TFLite reports 5 points of top-1 lost
// by dynamic-range MobileNet v1 1.0 on ImageNet).
func TestDynamicRangeRuns(t *testing.T) {
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := dynamicFloatModel(t, fm)
			q, _, err := optimize.DynamicRange(f)
			require.NoError(t, err)
			inputs := fm.inputs(t)
			want := run(t, f, inputs)
			got := run(t, q, inputs)
			dev := relativeDeviation(want, got)
			t.Logf("largest deviation from the float model: %.4f of the output's range", dev)
			// MobileNet v1 0.25 moves far: 0.40 of its largest score on
			// the reference inputs (LiteRT.js moves it 0.46 on the same
			// file); BlazeFace 0.05.
			assert.Less(t, dev, 0.5)
			for _, target := range nn.KernelTargets() {
				if kernels.Lossy(target) {
					continue
				}
				assert.Equal(t, got, runTarget(t, q, inputs, target), "target %s", target)
			}
			if fm.name == mobilenet.name {
				agree, total := sameTopOnes(t, f, q)
				t.Logf("top-1 agreement with the float model: %d/%d photos", agree, total)
				// 23 of the 28 photos: the five others are near-ties of
				// the float model (best scores 0.11 to 0.31).
				assert.GreaterOrEqual(t, agree, total*3/4)
			}
		})
	}
}

// runTarget is run on kernel target target, with one thread.
func runTarget(t *testing.T, m *tflite.Model, inputs [][]byte, target string) [][][]float32 {
	t.Helper()
	it, err := nn.New(m, &nn.Options{Threads: 1, Kernels: target})
	require.NoError(t, err)
	defer it.Close()
	var out [][][]float32
	for _, in := range inputs {
		copy(it.Input(0).Bytes(), in)
		require.NoError(t, it.Invoke())
		var outs [][]float32
		for _, o := range it.Outputs() {
			outs = append(outs, slices.Clone(o.Float32s()))
		}
		out = append(out, outs)
	}
	return out
}
