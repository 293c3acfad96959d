package tflite_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testModel returns the tables of a small valid model: one subgraph whose
// CONV_2D reads tensor 0 (input) and tensor 1 (per-channel weights in
// buffer 1), has no bias (-1), and writes tensor 2. Tests change one field
// in place and encode the model with [tflitetest.Encode].
func testModel() (model tflitetest.Table, tensors []tflitetest.Table, op tflitetest.Table) {
	m := tflitetest.NewModel()
	in := m.Tensor("input", tflite.TypeUint8, []int32{1, 4, 4, 1}, nil, &tflitetest.Affine{Scale: 0.5, Zero: 128})
	w := m.Tensor("weights", tflite.TypeInt8, []int32{2, 1, 1, 1}, []byte{1, 255}, nil)
	out := m.Tensor("output", tflite.TypeFloat32, []int32{1, 4, 4, 2}, nil, nil)
	// Conv2DOptions with padding VALID, stride_w 2, stride_h 3 and the
	// dilations and bias type absent.
	m.Op(tflite.OpConv2D, 2, []int32{in, w, -1}, []int32{out}, tflitetest.OptionsConv2D,
		tflitetest.Table{int8(tflite.PaddingValid), int32(2), int32(3), int8(tflite.ActRelu6)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	model = m.Root()
	tensors = tensorsOf(model)
	// Two scales and a quantized dimension, which Model.Tensor does not write.
	tensors[w][4] = tflitetest.Table{nil, nil, []float32{0.25, 0.125}, []int64{0, 0}, nil, nil, int32(0)}
	return model, tensors, operatorsOf(model)[0]
}

// tensorsOf and operatorsOf reach into a model from testModel, so that tests
// can replace or extend its tables in place.
func tensorsOf(model tflitetest.Table) []tflitetest.Table {
	return model[2].([]tflitetest.Table)[0][0].([]tflitetest.Table)
}

func operatorsOf(model tflitetest.Table) []tflitetest.Table {
	return model[2].([]tflitetest.Table)[0][3].([]tflitetest.Table)
}

func TestParseBuiltModel(t *testing.T) {
	model, _, _ := testModel()
	data := tflitetest.Encode(model, "TFL3")
	m, err := tflite.Parse(data)
	require.NoError(t, err)

	assert.Equal(t, uint32(3), m.Version)
	assert.Equal(t, "test model", m.Description)
	require.Equal(t, []tflite.OperatorCode{{Builtin: tflite.OpConv2D, Version: 2}}, m.OperatorCodes)
	require.Len(t, m.Buffers, 2)
	assert.Empty(t, m.Buffers[0].Data)
	assert.Equal(t, []byte{1, 255}, m.Buffers[1].Data)
	assert.Equal(t, &data[len(data)-2], &m.Buffers[1].Data[0], "buffer data must alias the file")

	require.Len(t, m.Subgraphs, 1)
	sg := m.Subgraphs[0]
	assert.Equal(t, "main", sg.Name)
	assert.Equal(t, []int32{0}, sg.Inputs)
	assert.Equal(t, []int32{2}, sg.Outputs)
	require.Len(t, sg.Tensors, 3)
	in := sg.Tensors[0]
	assert.Equal(t, "input", in.Name)
	assert.Equal(t, tflite.TypeUint8, in.Type)
	assert.Equal(t, []int32{1, 4, 4, 1}, in.Shape)
	assert.Equal(t, &tflite.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{128}}, in.Quantization)
	w := sg.Tensors[1]
	assert.Equal(t, uint32(1), w.Buffer)
	assert.Equal(t, []float32{0.25, 0.125}, w.Quantization.Scale)
	assert.Nil(t, sg.Tensors[2].Quantization)

	require.Len(t, sg.Operators, 1)
	op := sg.Operators[0]
	assert.Equal(t, []int32{0, 1, -1}, op.Inputs)
	assert.Equal(t, []int32{2}, op.Outputs)
	assert.Equal(t, uint8(1), op.OptionsType)
	// Absent dilations take the schema default 1.
	assert.Equal(t, &tflite.Conv2DOptions{
		Padding: tflite.PaddingValid, StrideW: 2, StrideH: 3, FusedActivationFunction: tflite.ActRelu6,
		DilationWFactor: 1, DilationHFactor: 1,
	}, op.Options)
	assert.Equal(t, data, m.Bytes())
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
}

func TestParseOptionDefaults(t *testing.T) {
	for _, tc := range []struct {
		tag  uint8
		want any
	}{
		{11, &tflite.AddOptions{PotScaleInt16: true}},
		{28, &tflite.SubOptions{PotScaleInt16: true}},
		{2, &tflite.DepthwiseConv2DOptions{DilationWFactor: 1, DilationHFactor: 1}},
		{22, &tflite.PadOptions{}},
		{17, &tflite.ReshapeOptions{}},
		{200, nil}, // a tag this package does not decode
	} {
		model, _, op := testModel()
		op[3], op[4] = tc.tag, tflitetest.Table{}
		m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
		require.NoError(t, err)
		got := m.Subgraphs[0].Operators[0]
		assert.Equal(t, tc.tag, got.OptionsType)
		assert.Equal(t, tc.want, got.Options, "tag %d", tc.tag)
	}
}

func TestParseTypedOptions(t *testing.T) {
	for _, tc := range []struct {
		tag   uint8
		table tflitetest.Table
		want  any
	}{
		{17, tflitetest.Table{[]int32{1, -1, 4}}, &tflite.ReshapeOptions{NewShape: []int32{1, -1, 4}}},
		{30, tflitetest.Table{[]int32{1, 2}}, &tflite.SqueezeOptions{SqueezeDims: []int32{1, 2}}},
		{9, tflitetest.Table{float32(0.5)}, &tflite.SoftmaxOptions{Beta: 0.5}},
		{75, tflitetest.Table{float32(0.2)}, &tflite.LeakyReluOptions{Alpha: 0.2}},
		{15, tflitetest.Table{int32(7), int32(8), true, true}, &tflite.ResizeBilinearOptions{AlignCorners: true, HalfPixelCenters: true}},
		{10, tflitetest.Table{int32(-1), int8(tflite.ActRelu)}, &tflite.ConcatenationOptions{Axis: -1, FusedActivationFunction: tflite.ActRelu}},
		{32, tflitetest.Table{int32(1), int32(2), int32(4), int32(8), int32(16), true},
			&tflite.StridedSliceOptions{BeginMask: 1, EndMask: 2, EllipsisMask: 4, NewAxisMask: 8, ShrinkAxisMask: 16, Offset: true}},
		{8, tflitetest.Table{int8(tflite.ActRelu), int8(1), true, false, int8(tflite.TypeInt64)},
			&tflite.FullyConnectedOptions{FusedActivationFunction: tflite.ActRelu, WeightsFormat: tflite.FullyConnectedWeightsShuffled4x16Int8, KeepNumDims: true, QuantizedBiasType: tflite.TypeInt64}},
		{37, tflitetest.Table{int8(tflite.TypeUint8), int8(tflite.TypeFloat32)}, &tflite.CastOptions{InDataType: tflite.TypeUint8, OutDataType: tflite.TypeFloat32}},
		{23, tflitetest.Table{int32(1), int32(2)}, &tflite.GatherOptions{Axis: 1, BatchDims: 2}},
	} {
		model, _, op := testModel()
		op[3], op[4] = tc.tag, tc.table
		m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
		require.NoError(t, err)
		assert.Equal(t, tc.want, m.Subgraphs[0].Operators[0].Options, "tag %d", tc.tag)
	}
}

func TestParseBuiltinCodeIsMaxOfBothFields(t *testing.T) {
	model, _, _ := testModel()
	// An extended code beyond 127 with the deprecated field at its
	// placeholder, and a file that only fills the deprecated field.
	model[1] = []tflitetest.Table{
		{int8(127), nil, nil, int32(tflite.OpGelu)},
		{int8(tflite.OpDepthwiseConv2D)},
		{int8(tflite.OpCustom), "MyOp"},
	}
	m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	assert.Equal(t, []tflite.OperatorCode{
		{Builtin: tflite.OpGelu, Version: 1},
		{Builtin: tflite.OpDepthwiseConv2D, Version: 1},
		{Builtin: tflite.OpCustom, CustomCode: "MyOp", Version: 1},
	}, m.OperatorCodes)
}

func TestParseBufferOutsideFlatbuffer(t *testing.T) {
	model, _, _ := testModel()
	payload := []byte("weights stored after the flatbuffer")
	// The offset is patched once the flatbuffer's length is known; its
	// width in the table does not depend on the value.
	const placeholder = 0x1122334455667788
	model[4] = []tflitetest.Table{{}, {nil, uint64(placeholder), uint64(len(payload))}}
	data := tflitetest.Encode(model, "TFL3")
	offset := len(data)
	data = append(data, payload...)
	i := bytes.Index(data, binary.LittleEndian.AppendUint64(nil, placeholder))
	require.Positive(t, i)
	binary.LittleEndian.PutUint64(data[i:], uint64(offset))
	m, err := tflite.Parse(data)
	require.NoError(t, err)
	assert.Equal(t, payload, m.Buffers[1].Data)

	binary.LittleEndian.PutUint64(data[i:], uint64(offset+1))
	_, err = tflite.Parse(data)
	require.ErrorContains(t, err, fmt.Sprintf("buffer 1: %d bytes at offset %d outside the %d-byte file", len(payload), offset+1, len(data)))
}

func TestParseRejectsBadIndices(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(model tflitetest.Table) tflitetest.Table
		want   string
	}{
		{"tensor buffer", func(m tflitetest.Table) tflitetest.Table { tensorsOf(m)[1][2] = uint32(77); return m },
			`tflite: subgraph 0: tensor 1 "weights": buffer 77 out of range (have 2 buffers)`},
		{"operator input", func(m tflitetest.Table) tflitetest.Table { operatorsOf(m)[0][1] = []int32{0, 3}; return m },
			"tflite: subgraph 0: operator 0: inputs: tensor index 3 (position 1) out of range (have 3 tensors)"},
		{"operator input below -1", func(m tflitetest.Table) tflitetest.Table { operatorsOf(m)[0][1] = []int32{0, -2}; return m },
			"operator 0: inputs: tensor index -2 (position 1) out of range"},
		{"optional output", func(m tflitetest.Table) tflitetest.Table { operatorsOf(m)[0][2] = []int32{-1}; return m },
			"operator 0: outputs: tensor index -1 (position 0) out of range"},
		{"intermediate", func(m tflitetest.Table) tflitetest.Table {
			ops := operatorsOf(m)
			ops[0] = append(ops[0], nil, nil, nil, []int32{9})
			return m
		}, "operator 0: intermediates: tensor index 9 (position 0) out of range (have 3 tensors)"},
		{"opcode", func(m tflitetest.Table) tflitetest.Table { operatorsOf(m)[0][0] = uint32(1); return m },
			"operator 0: opcode index 1 out of range (have 1 operator codes)"},
		{"subgraph input", func(m tflitetest.Table) tflitetest.Table { m[2].([]tflitetest.Table)[0][1] = []int32{5}; return m },
			"subgraph 0: inputs: tensor index 5 (position 0) out of range (have 3 tensors)"},
		{"negative dimension", func(m tflitetest.Table) tflitetest.Table { tensorsOf(m)[0][0] = []int32{1, -1}; return m },
			`tensor 0 "input": shape [1 -1]: dimension 1 is negative`},
		{"shape signature", func(m tflitetest.Table) tflitetest.Table {
			ts := tensorsOf(m)
			ts[0] = append(ts[0], nil, nil, []int32{-1, -2})
			return m
		}, `tensor 0 "input": shape signature [-1 -2]: dimension 1 is below -1`},
		{"zero points", func(m tflitetest.Table) tflitetest.Table {
			tensorsOf(m)[1][4] = tflitetest.Table{nil, nil, []float32{1, 2}, []int64{0}}
			return m
		}, `tensor 1 "weights": quantization: 1 zero points for 2 scales`},
		{"quantized dimension", func(m tflitetest.Table) tflitetest.Table {
			tensorsOf(m)[1][4] = tflitetest.Table{nil, nil, []float32{1, 2}, nil, nil, nil, int32(4)}
			return m
		}, `tensor 1 "weights": quantization: quantized dimension 4 outside the tensor's rank 4`},
		{"metadata buffer", func(m tflitetest.Table) tflitetest.Table {
			return append(m, nil, []tflitetest.Table{{"TFLITE_METADATA", uint32(9)}})
		}, `tflite: metadata 0 "TFLITE_METADATA": buffer 9 out of range (have 2 buffers)`},
		{"large custom options", func(m tflitetest.Table) tflitetest.Table {
			ops := operatorsOf(m)
			ops[0] = append(ops[0], nil, nil, nil, nil, uint64(1<<40), uint64(8))
			return m
		}, "operator 0: custom options: 8 bytes at offset 1099511627776 outside the"},
		{"shared tensors", func(m tflitetest.Table) tflitetest.Table {
			// 30000 tensors that are one table with a 30000-long shape
			// would copy 9e8 dimensions: the work budget stops it.
			m[2].([]tflitetest.Table)[0][0] = tflitetest.Repeat{N: 30000, Table: tflitetest.Table{make([]int32, 30000)}}
			return m
		}, "shape: file references more data than it holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model, _, _ := testModel()
			_, err := tflite.Parse(tflitetest.Encode(tc.modify(model), "TFL3"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseQuantizedDimensionOfBiasIsZero(t *testing.T) {
	// TFLite Micro's person_detect writes quantized_dimension 3 on 1-D
	// per-channel biases.
	model, tensors, _ := testModel()
	tensors[2] = tflitetest.Table{[]int32{2}, int8(tflite.TypeInt32), uint32(0), "bias",
		tflitetest.Table{nil, nil, []float32{1, 2}, []int64{0, 0}, nil, nil, int32(3)}}
	m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	assert.Equal(t, int32(0), m.Subgraphs[0].Tensors[2].Quantization.QuantizedDimension)
}

func TestParseRejectsBrokenStructure(t *testing.T) {
	model, _, _ := testModel()
	good := tflitetest.Encode(model, "TFL3")
	root := binary.LittleEndian.Uint32(good)
	withWord := func(at uint32, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[at:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "tflite: not a TFLite model (no TFL3 identifier): 0 bytes is too short"},
		{"short", good[:7], "tflite: not a TFLite model (no TFL3 identifier): 7 bytes is too short"},
		{"no identifier", tflitetest.Encode(model, "TFL2"), `tflite: not a TFLite model (no TFL3 identifier): bytes 4 to 8 are "TFL2"`},
		{"image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a TFLite model (no TFL3 identifier)"},
		{"root outside after the identifier", withWord(0, 0xffff), "tflite: model: table offset 65535 outside the"},
		{"vtable outside", withWord(root, 0x7fffffff), "tflite: model: vtable offset"},
		{"vtable after the end", withWord(root, 0x80000000), "tflite: model: vtable offset"},
		{"truncated", good[:len(good)/2], "tflite: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tflite.Parse(tc.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// modelFiles lists every .tflite file of shared/models, skipping the test
// when the folder is absent.
func modelFiles(tb testing.TB) []string {
	root := testmodels.Path(tb)
	files, err := filepath.Glob(filepath.Join(root, "*", "*.tflite"))
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	return files
}

func readModel(tb testing.TB, elem ...string) (*tflite.Model, []byte) {
	tb.Helper()
	data, err := os.ReadFile(testmodels.Path(tb, elem...))
	require.NoError(tb, err)
	m, err := tflite.Parse(data)
	require.NoError(tb, err)
	return m, data
}

// opCounts counts the operators of a model's first subgraph by name and
// version, custom operators as "CUSTOM:<code>".
func opCounts(m *tflite.Model) map[string]int {
	counts := map[string]int{}
	for _, op := range m.Subgraphs[0].Operators {
		c := m.OperatorCodes[op.OpcodeIndex]
		name := c.Builtin.String()
		if c.Builtin == tflite.OpCustom {
			name += ":" + c.CustomCode
		}
		counts[fmt.Sprintf("%s v%d", name, c.Version)]++
	}
	return counts
}

func TestParseEveryRealModel(t *testing.T) {
	var table strings.Builder
	for _, path := range modelFiles(t) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		m, err := tflite.Parse(data)
		require.NoError(t, err, path)
		require.NotEmpty(t, m.Subgraphs, path)
		counts := opCounts(m)
		names := make([]string, 0, len(counts))
		for n, c := range counts {
			names = append(names, fmt.Sprintf("%s ×%d", n, c))
		}
		sort.Strings(names)
		fmt.Fprintf(&table, "%s/%s: %s\n", filepath.Base(filepath.Dir(path)), filepath.Base(path), strings.Join(names, ", "))
	}
	t.Logf("operators of the shared models:\n%s", table.String())
}

func TestSSDMobileNetV1(t *testing.T) {
	m, _ := readModel(t, "detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite")
	sg := m.Subgraphs[0]
	require.Len(t, sg.Inputs, 1)
	in := sg.Tensors[sg.Inputs[0]]
	assert.Equal(t, tflite.TypeUint8, in.Type)
	assert.Equal(t, []int32{1, 300, 300, 3}, in.Shape)
	require.NotNil(t, in.Quantization)
	assert.Equal(t, []float32{1.0 / 128}, in.Quantization.Scale)
	assert.Equal(t, []int64{128}, in.Quantization.ZeroPoint)

	require.Len(t, sg.Outputs, 4)
	for k, i := range sg.Outputs {
		out := sg.Tensors[i]
		assert.Equal(t, tflite.TypeFloat32, out.Type)
		want := "TFLite_Detection_PostProcess"
		if k > 0 {
			want += fmt.Sprintf(":%d", k)
		}
		assert.Equal(t, want, out.Name)
	}
	assert.Equal(t, map[string]int{
		"CONV_2D v1": 34, "DEPTHWISE_CONV_2D v1": 13, "RESHAPE v1": 13, "CONCATENATION v1": 2,
		"LOGISTIC v1": 1, "CUSTOM:TFLite_Detection_PostProcess v1": 1,
	}, opCounts(m))

	convs := 0
	for _, op := range sg.Operators {
		switch o := op.Options.(type) {
		case *tflite.Conv2DOptions:
			convs++
			assert.Contains(t, []tflite.Padding{tflite.PaddingSame, tflite.PaddingValid}, o.Padding)
			assert.Contains(t, []int32{1, 2}, o.StrideW)
			assert.Equal(t, o.StrideW, o.StrideH)
			assert.Equal(t, int32(1), o.DilationHFactor)
		case *tflite.DepthwiseConv2DOptions:
			// This TOCO file leaves the fused activation out (NONE): the
			// output's quantized range [0, 6] does the clamping.
			assert.Equal(t, int32(1), o.DepthMultiplier)
			assert.Contains(t, []int32{1, 2}, o.StrideW)
		}
	}
	assert.Equal(t, 34, convs)
}

func TestPerChannelQuantization(t *testing.T) {
	for _, path := range [][]string{
		{"tflm", "person_detect.tflite"},
		{"classification", "tf2_mobilenet_v2_1.0_224_ptq.tflite"},
	} {
		m, _ := readModel(t, path...)
		sg := m.Subgraphs[0]
		checked := 0
		for _, op := range sg.Operators {
			code := m.OperatorCodes[op.OpcodeIndex].Builtin
			if code != tflite.OpConv2D && code != tflite.OpDepthwiseConv2D {
				continue
			}
			filter := sg.Tensors[op.Inputs[1]]
			require.Equal(t, tflite.TypeInt8, filter.Type)
			q := filter.Quantization
			require.NotNil(t, q, filter.Name)
			// Conv filters are [out, h, w, in] with per-output-channel
			// scales on axis 0; depthwise filters are [1, h, w, out] with
			// scales on axis 3.
			want := int32(0)
			if code == tflite.OpDepthwiseConv2D {
				want = 3
			}
			require.Equal(t, want, q.QuantizedDimension, filter.Name)
			assert.Len(t, q.Scale, int(filter.Shape[want]), filter.Name)
			assert.Len(t, q.ZeroPoint, len(q.Scale), filter.Name)
			checked++
		}
		assert.Positive(t, checked)
	}
}

func TestFloat16Models(t *testing.T) {
	for _, tc := range []struct {
		file  string
		count int
	}{{"face_detection_short_range.tflite", 74}, {"hand_landmark_lite.tflite", 102}} {
		m, _ := readModel(t, "float16", tc.file)
		halves := 0
		for _, x := range m.Subgraphs[0].Tensors {
			if x.Type != tflite.TypeFloat16 {
				continue
			}
			halves++
			// Constant FLOAT16 weights: two bytes per element.
			n := 2
			for _, d := range x.Shape {
				n *= int(d)
			}
			assert.Len(t, m.Buffers[x.Buffer].Data, n, x.Name)
		}
		assert.Equal(t, tc.count, halves, tc.file)
		assert.Equal(t, tc.count, opCounts(m)["DEQUANTIZE v2"], tc.file)
	}
}

func TestOpenMatchesParse(t *testing.T) {
	path := testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_quant.tflite")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	parsed, err := tflite.Parse(data)
	require.NoError(t, err)
	opened, err := tflite.Open(path)
	require.NoError(t, err)
	assert.Equal(t, data, opened.Bytes())
	assert.Equal(t, parsed.OperatorCodes, opened.OperatorCodes)
	assert.Equal(t, parsed.Subgraphs, opened.Subgraphs)
	assert.Equal(t, parsed.Buffers, opened.Buffers)
	assert.Equal(t, parsed.Metadata, opened.Metadata)
	require.NoError(t, opened.Close())
	require.NoError(t, opened.Close())

	read, err := tflite.ReadFrom(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	assert.Equal(t, parsed.Subgraphs, read.Subgraphs)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := tflite.Open(filepath.Join(dir, "missing.tflite"))
	require.Error(t, err)
	empty := filepath.Join(dir, "empty.tflite")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, err = tflite.Open(empty)
	require.ErrorContains(t, err, "empty")
	junk := filepath.Join(dir, "junk.tflite")
	require.NoError(t, os.WriteFile(junk, []byte("not a model at all"), 0o600))
	_, err = tflite.Open(junk)
	require.ErrorContains(t, err, junk)
	_, err = tflite.ReadFrom(bytes.NewReader(nil), -1)
	require.Error(t, err)
	_, err = tflite.ReadFrom(bytes.NewReader([]byte{1, 2}), 10)
	require.ErrorContains(t, err, "got 2 of 10 bytes")
}

func TestEnumNames(t *testing.T) {
	assert.Equal(t, "CONV_2D", tflite.OpConv2D.String())
	assert.Equal(t, "DEPTHWISE_CONV_2D", tflite.OpDepthwiseConv2D.String())
	assert.Equal(t, "CUSTOM", tflite.OpCustom.String())
	assert.Equal(t, tflite.BuiltinOperator(32), tflite.OpCustom)
	assert.Equal(t, tflite.BuiltinOperator(114), tflite.OpQuantize)
	assert.Equal(t, tflite.BuiltinOperator(209), tflite.OpStableHLOCase)
	assert.Equal(t, "STABLEHLO_CASE", tflite.OpStableHLOCase.String())
	assert.Equal(t, "BUILTIN_OP_5000", tflite.BuiltinOperator(5000).String())
	assert.Equal(t, "BUILTIN_OP_-1", tflite.BuiltinOperator(-1).String())
	assert.Equal(t, "FLOAT32", tflite.TypeFloat32.String())
	assert.Equal(t, "INT8", tflite.TypeInt8.String())
	assert.Equal(t, "FLOAT8_E5M2", tflite.TypeFloat8E5M2.String())
	assert.Equal(t, "TENSOR_TYPE_99", tflite.TensorType(99).String())
	for typ, size := range map[tflite.TensorType]int{
		tflite.TypeFloat32: 4, tflite.TypeFloat16: 2, tflite.TypeInt32: 4, tflite.TypeUint8: 1, tflite.TypeInt64: 8, tflite.TypeString: 0,
		tflite.TypeBool: 1, tflite.TypeInt16: 2, tflite.TypeComplex64: 8, tflite.TypeInt8: 1, tflite.TypeFloat64: 8, tflite.TypeComplex128: 16,
		tflite.TypeInt4: 0, tflite.TensorType(99): 0, tflite.TensorType(-3): 0,
	} {
		assert.Equal(t, size, typ.Size(), typ.String())
	}
	assert.Equal(t, "RELU6", tflite.ActRelu6.String())
	assert.Equal(t, "VALID", tflite.PaddingValid.String())
}
