//go:build xnnpack

package xnnpack

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// floatBytes encodes floats as a little-endian buffer.
func floatBytes(f ...float32) []byte {
	b := make([]byte, 4*len(f))
	for i, v := range f {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// oneOpModel builds a model of one operator on tensors 0 (input),
// 1 (filter), 2 (bias) and 3 (output); tensor k with data reads buffer k+1.
func oneOpModel(code tflite.BuiltinOperator, options any, tensors [4]tflite.Tensor, data [4][]byte) *tflite.Model {
	m := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{Builtin: code, Version: 1}},
		Buffers:       []tflite.Buffer{{}},
	}
	for k := range tensors {
		m.Buffers = append(m.Buffers, tflite.Buffer{Data: data[k]})
		if data[k] != nil {
			tensors[k].Buffer = uint32(k + 1)
		}
	}
	m.Subgraphs = []tflite.Subgraph{{
		Tensors: tensors[:],
		Inputs:  []int32{0},
		Outputs: []int32{3},
		Operators: []tflite.Operator{{
			OpcodeIndex: 0, Inputs: []int32{0, 1, 2}, Outputs: []int32{3}, Options: options,
		}},
	}}
	return m
}

// runLayer runs the network's only layer on in, through XNNPACK and through
// the reference kernel, and returns both outputs as floats.
func runLayer(t *testing.T, n *Network, in []byte) (xnn, ref []float32) {
	t.Helper()
	require.Len(t, n.layers, 1, "skipped: %v", n.Skipped())
	l := n.layers[0]
	copy(l.in.bytes(), in)
	require.NoError(t, l.op.run(n.pool))
	xnn = append(xnn, viewAs[float32](l.out.bytes())...)
	out := alignedBytes(l.outBytes)
	inCopy := alignedBytes(len(in))
	copy(inCopy, in)
	l.reference(inCopy, out)
	return xnn, viewAs[float32](out)
}

func TestConvSamePaddingStride2ByHand(t *testing.T) {
	// A 4×4 input of 1..16 under a 3×3 filter of ones, stride 2, SAME:
	// TFLite pads max((2−1)·2 + 3 − 4, 0) = 1 row and column in total, all
	// of it after (bottom, right), so output (y, x) sums input rows and
	// columns 2y..2y+2 that exist, plus the bias 100.
	var in []float32
	for v := range 16 {
		in = append(in, float32(v+1))
	}
	ones := make([]float32, 9)
	for i := range ones {
		ones[i] = 1
	}
	m := oneOpModel(tflite.OpConv2D,
		&tflite.Conv2DOptions{Padding: tflite.PaddingSame, StrideH: 2, StrideW: 2, DilationHFactor: 1, DilationWFactor: 1},
		[4]tflite.Tensor{
			{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 4, 4, 1}},
			{Name: "filter", Type: tflite.TypeFloat32, Shape: []int32{1, 3, 3, 1}},
			{Name: "bias", Type: tflite.TypeFloat32, Shape: []int32{1}},
			{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 2, 2, 1}},
		},
		[4][]byte{nil, floatBytes(ones...), floatBytes(100), nil})
	n, err := NewNetwork(m, 1, Native)
	require.NoError(t, err)
	defer n.Close()
	xnn, ref := runLayer(t, n, floatBytes(in...))
	// (0,0): 1+2+3+5+6+7+9+10+11; (0,1): 3+4+7+8+11+12;
	// (1,0): 9+10+11+13+14+15; (1,1): 11+12+15+16.
	want := []float32{154, 145, 172, 154}
	assert.Equal(t, want, xnn, "XNNPACK")
	assert.Equal(t, want, ref, "reference kernel")
	assert.Equal(t, []Layer{{Index: 0, Op: "CONV_2D", Kind: "f32", OutputShape: []int{1, 2, 2, 1}, MACs: 4 * 9}}, n.Layers())
}

func TestDepthwiseMultiplierByHand(t *testing.T) {
	// Two input channels, depth multiplier 2, a 2×1 filter in TFLite's
	// [1, KH, KW, C·M] layout: output channel oc reads input channel oc/2.
	// Pixels (1, 10) above (100, 1000); taps row 0 = [1 2 3 4], row 1 =
	// [5 6 7 8]; ReLU6 clamps.
	m := oneOpModel(tflite.OpDepthwiseConv2D,
		&tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingValid, StrideH: 1, StrideW: 1, DepthMultiplier: 2,
			DilationHFactor: 1, DilationWFactor: 1},
		[4]tflite.Tensor{
			{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 2, 1, 2}},
			{Name: "filter", Type: tflite.TypeFloat32, Shape: []int32{1, 2, 1, 4}},
			{Name: "bias", Type: tflite.TypeFloat32, Shape: []int32{4}},
			{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 1, 1, 4}},
		},
		[4][]byte{nil, floatBytes(1, 2, 3, 4, 5, 6, 7, 8), floatBytes(0, 0.5, -1, 0), nil})
	n, err := NewNetwork(m, 1, Native)
	require.NoError(t, err)
	defer n.Close()
	xnn, ref := runLayer(t, n, floatBytes(1, 10, 100, 1000))
	// 1·1+100·5, 1·2+100·6 + 0.5, 10·3+1000·7 − 1, 10·4+1000·8.
	want := []float32{501, 602.5, 7029, 8040}
	assert.Equal(t, want, xnn, "XNNPACK")
	assert.Equal(t, want, ref, "reference kernel")
}

// convModel is a valid one-layer float convolution to corrupt.
func convModel() *tflite.Model {
	return oneOpModel(tflite.OpConv2D,
		&tflite.Conv2DOptions{Padding: tflite.PaddingValid, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1},
		[4]tflite.Tensor{
			{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 3, 3, 2}},
			{Name: "filter", Type: tflite.TypeFloat32, Shape: []int32{4, 2, 2, 2}},
			{Name: "bias", Type: tflite.TypeFloat32, Shape: []int32{4}},
			{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 2, 2, 4}},
		},
		[4][]byte{nil, floatBytes(make([]float32, 32)...), floatBytes(1, 2, 3, 4), nil})
}

func TestMalformedModelsAreErrors(t *testing.T) {
	// percept's interpreter prepares the layers the network rebuilds, so a
	// model it rejects is an error that names the operator and tensor.
	cases := map[string]struct {
		corrupt func(m *tflite.Model)
		want    string
	}{
		"filter bytes": {func(m *tflite.Model) { m.Buffers[2].Data = m.Buffers[2].Data[:20] }, `"filter" FLOAT32[4 2 2 2]: constant buffer 2 holds 20 bytes, want 128`},
		"bias shape": {func(m *tflite.Model) {
			m.Subgraphs[0].Tensors[2].Shape, m.Buffers[3].Data = []int32{3}, m.Buffers[3].Data[:12]
		}, `bias tensor 2 "bias" FLOAT32[3] must have shape [4]`},
		"output shape": {func(m *tflite.Model) { m.Subgraphs[0].Tensors[3].Shape = []int32{1, 3, 3, 4} }, `"out" FLOAT32[1 3 3 4]: the operator produces shape [1 2 2 4]`},
		"options":      {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options = nil }, "missing Conv2DOptions"},
		"stride":       {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options.(*tflite.Conv2DOptions).StrideW = 0 }, "must be positive"},
		"rank":         {func(m *tflite.Model) { m.Subgraphs[0].Tensors[1].Shape = []int32{4, 8} }, `"filter" FLOAT32[4 8] has rank 2, want 4`},
		"no input":     {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Inputs[0] = -1 }, "missing input 0"},
		"empty dim":    {func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Shape = []int32{1, 0, 3, 2} }, "does not fit input"},
		"huge":         {func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Shape = []int32{1 << 20, 1 << 20, 3, 2} }, "too many elements"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := convModel()
			c.corrupt(m)
			n, err := NewNetwork(m, 1, Native)
			require.Error(t, err)
			assert.Nil(t, n)
			assert.Contains(t, err.Error(), "xnnpack: nn: ")
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestUnsupportedLayersAreErrors(t *testing.T) {
	// What percept does not run, the network cannot compare.
	cases := map[string]struct {
		change func(m *tflite.Model)
		want   string
	}{
		"activation": {func(m *tflite.Model) {
			m.Subgraphs[0].Operators[0].Options.(*tflite.Conv2DOptions).FusedActivationFunction = tflite.ActTanh
		}, "fused activation"},
		"non-constant": {func(m *tflite.Model) { m.Subgraphs[0].Tensors[1].Buffer = 0 }, `"filter" FLOAT32[4 2 2 2] is not constant`},
		"grouped": {func(m *tflite.Model) {
			m.Subgraphs[0].Tensors[1].Shape, m.Buffers[2].Data = []int32{4, 2, 2, 1}, m.Buffers[2].Data[:64]
		}, "grouped convolution"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := convModel()
			c.change(m)
			n, err := NewNetwork(m, 1, Native)
			require.ErrorIs(t, err, nn.ErrUnsupported)
			assert.Nil(t, n)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestFloat16WeightsAreSkipped(t *testing.T) {
	// percept keeps float16 weights folded through DEQUANTIZE as float16;
	// XNNPACK's f32 operators here take float32 weights only.
	halves := make([]byte, 2*32)
	m := oneOpModel(tflite.OpConv2D,
		&tflite.Conv2DOptions{Padding: tflite.PaddingValid, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1},
		[4]tflite.Tensor{
			{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 3, 3, 2}},
			{Name: "filter", Type: tflite.TypeFloat32, Shape: []int32{4, 2, 2, 2}},
			{Name: "bias", Type: tflite.TypeFloat32, Shape: []int32{4}},
			{Name: "out", Type: tflite.TypeFloat32, Shape: []int32{1, 2, 2, 4}},
		},
		[4][]byte{nil, nil, floatBytes(1, 2, 3, 4), nil})
	sg := &m.Subgraphs[0]
	sg.Tensors = append(sg.Tensors, tflite.Tensor{Name: "filter16", Type: tflite.TypeFloat16, Shape: []int32{4, 2, 2, 2}, Buffer: uint32(len(m.Buffers))})
	m.Buffers = append(m.Buffers, tflite.Buffer{Data: halves})
	m.OperatorCodes = append(m.OperatorCodes, tflite.OperatorCode{Builtin: tflite.OpDequantize, Version: 1})
	sg.Operators = append([]tflite.Operator{{OpcodeIndex: 1, Inputs: []int32{4}, Outputs: []int32{1}}}, sg.Operators...)
	n, err := NewNetwork(m, 1, Native)
	require.NoError(t, err)
	defer n.Close()
	assert.Empty(t, n.Layers())
	require.Len(t, n.Skipped(), 1)
	assert.Equal(t, Skip{Index: 1, Op: "CONV_2D", Reason: `filter "filter" is kept as float16`}, n.Skipped()[0])
}

// countLayers counts the operators a network should hold: every CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED of the main subgraph.
func countLayers(m *tflite.Model) int {
	n := 0
	for _, op := range m.Subgraphs[0].Operators {
		switch m.OperatorCodes[op.OpcodeIndex].Builtin {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
			n++
		}
	}
	return n
}

// requireAgreement checks that XNNPACK computes every layer of a real model
// as percept's reference kernels do: within one quantization step, or a
// relative 1e-5 for float layers, and not only on clamped outputs.
func requireAgreement(t *testing.T, m *tflite.Model, kind string) {
	t.Helper()
	n, err := NewNetwork(m, 1, Native)
	require.NoError(t, err)
	defer n.Close()
	assert.Empty(t, n.Skipped())
	require.Len(t, n.Layers(), countLayers(m))
	agreements, err := n.Check(1)
	require.NoError(t, err)
	var elements, clamped, differing int
	for i, l := range n.Layers() {
		a := agreements[i]
		assert.Equal(t, kind, l.Kind, "operator %d", l.Index)
		if kind == "f32" {
			assert.LessOrEqual(t, a.MaxDiff, 1e-5, "operator %d %s", l.Index, l.Op)
		} else {
			assert.LessOrEqual(t, a.MaxDiff, 1.0, "operator %d %s: %d of %d differ", l.Index, l.Op, a.Differing, a.Elements)
		}
		elements += a.Elements
		clamped += a.Clamped
		differing += a.Differing
	}
	assert.Less(t, float64(clamped), 0.7*float64(elements), "most outputs clamped: the check would say little")
	if kind != "f32" {
		// Float sums in another order differ in the last bits almost
		// everywhere; quantized results round to the same step mostly.
		assert.Less(t, float64(differing), 0.05*float64(elements), "differences beyond rounding noise")
	}
}

func TestEmbeddedClassifierAgrees(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	requireAgreement(t, m, "qu8")
}

func TestRealModelsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the portable reference kernels over whole models")
	}
	t.Run("ssd_mobilenet_v1_qu8", func(t *testing.T) {
		m, err := tflite.Parse(assets.DetectorModel)
		require.NoError(t, err)
		requireAgreement(t, m, "qu8")
	})
	for name, c := range map[string]struct{ path, kind string }{
		"tf2_mobilenet_v2_qc8": {"classification/tf2_mobilenet_v2_1.0_224_ptq.tflite", "qc8"},
		"mobilenet_v1_f32":     {"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "f32"},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := tflite.Open(testmodels.Path(t, c.path))
			require.NoError(t, err)
			defer m.Close()
			requireAgreement(t, m, c.kind)
		})
	}
}

func TestCompare(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	res, err := Compare(m, &Options{Kernels: []string{"generic"}, Runs: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{"generic"}, res.Kernels)
	assert.Equal(t, 1, res.Threads)
	assert.Equal(t, 2, res.Runs)
	require.Len(t, res.Layers, countLayers(m))
	var xnn, percept int64
	for _, l := range res.Layers {
		require.Len(t, l.Percept, 1)
		assert.Positive(t, l.XNNPACK, "operator %d", l.Index)
		assert.Positive(t, l.Percept[0], "operator %d", l.Index)
		assert.LessOrEqual(t, l.MaxDiff, 1.0, "operator %d", l.Index)
		xnn += int64(l.XNNPACK)
		percept += int64(l.Percept[0])
	}
	assert.Equal(t, xnn, int64(res.XNNPACK))
	assert.Equal(t, []int64{percept}, []int64{int64(res.Percept[0])})
	assert.InDelta(t, float64(percept)/float64(xnn), res.Ratio(0), 1e-9)
	require.Len(t, res.PerceptModel, 1)
	assert.Positive(t, res.PerceptModel[0])

	_, err = Compare(m, &Options{Kernels: []string{"no-such-target"}})
	assert.ErrorContains(t, err, "no-such-target")
	_, err = Compare(m, &Options{Runs: -1})
	assert.ErrorContains(t, err, "-1 runs")
}

func TestRunEach(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	n, err := NewNetwork(m, 1, Native)
	require.NoError(t, err)
	defer n.Close()
	require.NotEmpty(t, n.layers)
	last := n.layers[len(n.layers)-1].out.bytes()
	for i := range last {
		last[i] = 0xAA
	}
	var seen []int
	require.NoError(t, n.RunEach(func(index int) { seen = append(seen, index) }))
	var want []int
	for _, l := range n.Layers() {
		want = append(want, l.Index)
	}
	assert.Equal(t, want, seen, "one call per layer, in model order")
	assert.True(t, slices.ContainsFunc(last, func(b byte) bool { return b != 0xAA }), "the last layer ran")
}
