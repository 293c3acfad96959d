package tflite

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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBuiltModel(t *testing.T) {
	model, _, _ := testModel()
	data := buildFlatbuffer(model, "TFL3")
	m, err := Parse(data)
	require.NoError(t, err)

	assert.Equal(t, uint32(3), m.Version)
	assert.Equal(t, "test model", m.Description)
	require.Equal(t, []OperatorCode{{Builtin: OpConv2D, Version: 2}}, m.OperatorCodes)
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
	assert.Equal(t, TypeUint8, in.Type)
	assert.Equal(t, []int32{1, 4, 4, 1}, in.Shape)
	assert.Equal(t, &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{128}}, in.Quantization)
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
	assert.Equal(t, &Conv2DOptions{
		Padding: PaddingValid, StrideW: 2, StrideH: 3, FusedActivationFunction: ActRelu6,
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
		{11, &AddOptions{PotScaleInt16: true}},
		{28, &SubOptions{PotScaleInt16: true}},
		{2, &DepthwiseConv2DOptions{DilationWFactor: 1, DilationHFactor: 1}},
		{22, &PadOptions{}},
		{17, &ReshapeOptions{}},
		{200, nil}, // a tag this package does not decode
	} {
		model, _, op := testModel()
		op[3], op[4] = tc.tag, fbTable{}
		m, err := Parse(buildFlatbuffer(model, "TFL3"))
		require.NoError(t, err)
		got := m.Subgraphs[0].Operators[0]
		assert.Equal(t, tc.tag, got.OptionsType)
		assert.Equal(t, tc.want, got.Options, "tag %d", tc.tag)
	}
}

func TestParseTypedOptions(t *testing.T) {
	for _, tc := range []struct {
		tag   uint8
		table fbTable
		want  any
	}{
		{17, fbTable{[]int32{1, -1, 4}}, &ReshapeOptions{NewShape: []int32{1, -1, 4}}},
		{30, fbTable{[]int32{1, 2}}, &SqueezeOptions{SqueezeDims: []int32{1, 2}}},
		{9, fbTable{float32(0.5)}, &SoftmaxOptions{Beta: 0.5}},
		{75, fbTable{float32(0.2)}, &LeakyReluOptions{Alpha: 0.2}},
		{15, fbTable{int32(7), int32(8), true, true}, &ResizeBilinearOptions{AlignCorners: true, HalfPixelCenters: true}},
		{10, fbTable{int32(-1), int8(ActRelu)}, &ConcatenationOptions{Axis: -1, FusedActivationFunction: ActRelu}},
		{32, fbTable{int32(1), int32(2), int32(4), int32(8), int32(16), true},
			&StridedSliceOptions{BeginMask: 1, EndMask: 2, EllipsisMask: 4, NewAxisMask: 8, ShrinkAxisMask: 16, Offset: true}},
		{8, fbTable{int8(ActRelu), int8(1), true, false, int8(TypeInt64)},
			&FullyConnectedOptions{FusedActivationFunction: ActRelu, WeightsFormat: FullyConnectedWeightsShuffled4x16Int8, KeepNumDims: true, QuantizedBiasType: TypeInt64}},
		{37, fbTable{int8(TypeUint8), int8(TypeFloat32)}, &CastOptions{InDataType: TypeUint8, OutDataType: TypeFloat32}},
		{23, fbTable{int32(1), int32(2)}, &GatherOptions{Axis: 1, BatchDims: 2}},
	} {
		model, _, op := testModel()
		op[3], op[4] = tc.tag, tc.table
		m, err := Parse(buildFlatbuffer(model, "TFL3"))
		require.NoError(t, err)
		assert.Equal(t, tc.want, m.Subgraphs[0].Operators[0].Options, "tag %d", tc.tag)
	}
}

func TestParseBuiltinCodeIsMaxOfBothFields(t *testing.T) {
	model, _, _ := testModel()
	// An extended code beyond 127 with the deprecated field at its
	// placeholder, and a file that only fills the deprecated field.
	model[1] = []fbTable{
		{int8(127), nil, nil, int32(OpGelu)},
		{int8(OpDepthwiseConv2D)},
		{int8(OpCustom), "MyOp"},
	}
	m, err := Parse(buildFlatbuffer(model, "TFL3"))
	require.NoError(t, err)
	assert.Equal(t, []OperatorCode{
		{Builtin: OpGelu, Version: 1},
		{Builtin: OpDepthwiseConv2D, Version: 1},
		{Builtin: OpCustom, CustomCode: "MyOp", Version: 1},
	}, m.OperatorCodes)
}

func TestParseBufferOutsideFlatbuffer(t *testing.T) {
	model, _, _ := testModel()
	payload := []byte("weights stored after the flatbuffer")
	// The offset is patched once the flatbuffer's length is known; its
	// width in the table does not depend on the value.
	const placeholder = 0x1122334455667788
	model[4] = []fbTable{{}, {nil, uint64(placeholder), uint64(len(payload))}}
	data := buildFlatbuffer(model, "TFL3")
	offset := len(data)
	data = append(data, payload...)
	i := bytes.Index(data, binary.LittleEndian.AppendUint64(nil, placeholder))
	require.Positive(t, i)
	binary.LittleEndian.PutUint64(data[i:], uint64(offset))
	m, err := Parse(data)
	require.NoError(t, err)
	assert.Equal(t, payload, m.Buffers[1].Data)

	binary.LittleEndian.PutUint64(data[i:], uint64(offset+1))
	_, err = Parse(data)
	require.ErrorContains(t, err, fmt.Sprintf("buffer 1: %d bytes at offset %d outside the %d-byte file", len(payload), offset+1, len(data)))
}

// tensorsOf and operatorsOf reach into a model from testModel, so that tests
// can replace or extend its tables in place.
func tensorsOf(model fbTable) []fbTable { return model[2].([]fbTable)[0][0].([]fbTable) }

func operatorsOf(model fbTable) []fbTable { return model[2].([]fbTable)[0][3].([]fbTable) }

func TestParseRejectsBadIndices(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(model fbTable) fbTable
		want   string
	}{
		{"tensor buffer", func(m fbTable) fbTable { tensorsOf(m)[1][2] = uint32(77); return m },
			`tflite: subgraph 0: tensor 1 "weights": buffer 77 out of range (have 2 buffers)`},
		{"operator input", func(m fbTable) fbTable { operatorsOf(m)[0][1] = []int32{0, 3}; return m },
			"tflite: subgraph 0: operator 0: inputs: tensor index 3 (position 1) out of range (have 3 tensors)"},
		{"operator input below -1", func(m fbTable) fbTable { operatorsOf(m)[0][1] = []int32{0, -2}; return m },
			"operator 0: inputs: tensor index -2 (position 1) out of range"},
		{"optional output", func(m fbTable) fbTable { operatorsOf(m)[0][2] = []int32{-1}; return m },
			"operator 0: outputs: tensor index -1 (position 0) out of range"},
		{"intermediate", func(m fbTable) fbTable {
			ops := operatorsOf(m)
			ops[0] = append(ops[0], nil, nil, nil, []int32{9})
			return m
		}, "operator 0: intermediates: tensor index 9 (position 0) out of range (have 3 tensors)"},
		{"opcode", func(m fbTable) fbTable { operatorsOf(m)[0][0] = uint32(1); return m },
			"operator 0: opcode index 1 out of range (have 1 operator codes)"},
		{"subgraph input", func(m fbTable) fbTable { m[2].([]fbTable)[0][1] = []int32{5}; return m },
			"subgraph 0: inputs: tensor index 5 (position 0) out of range (have 3 tensors)"},
		{"negative dimension", func(m fbTable) fbTable { tensorsOf(m)[0][0] = []int32{1, -1}; return m },
			`tensor 0 "input": shape [1 -1]: dimension 1 is negative`},
		{"shape signature", func(m fbTable) fbTable {
			ts := tensorsOf(m)
			ts[0] = append(ts[0], nil, nil, []int32{-1, -2})
			return m
		}, `tensor 0 "input": shape signature [-1 -2]: dimension 1 is below -1`},
		{"zero points", func(m fbTable) fbTable {
			tensorsOf(m)[1][4] = fbTable{nil, nil, []float32{1, 2}, []int64{0}}
			return m
		}, `tensor 1 "weights": quantization: 1 zero points for 2 scales`},
		{"quantized dimension", func(m fbTable) fbTable {
			tensorsOf(m)[1][4] = fbTable{nil, nil, []float32{1, 2}, nil, nil, nil, int32(4)}
			return m
		}, `tensor 1 "weights": quantization: quantized dimension 4 outside the tensor's rank 4`},
		{"metadata buffer", func(m fbTable) fbTable {
			return append(m, nil, []fbTable{{"TFLITE_METADATA", uint32(9)}})
		}, `tflite: metadata 0 "TFLITE_METADATA": buffer 9 out of range (have 2 buffers)`},
		{"large custom options", func(m fbTable) fbTable {
			ops := operatorsOf(m)
			ops[0] = append(ops[0], nil, nil, nil, nil, uint64(1<<40), uint64(8))
			return m
		}, "operator 0: custom options: 8 bytes at offset 1099511627776 outside the"},
		{"shared tensors", func(m fbTable) fbTable {
			// 30000 tensors that are one table with a 30000-long shape
			// would copy 9e8 dimensions: the work budget stops it.
			m[2].([]fbTable)[0][0] = fbRepeat{30000, fbTable{make([]int32, 30000)}}
			return m
		}, "shape: file references more data than it holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model, _, _ := testModel()
			_, err := Parse(buildFlatbuffer(tc.modify(model), "TFL3"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseQuantizedDimensionOfBiasIsZero(t *testing.T) {
	// TFLite Micro's person_detect writes quantized_dimension 3 on 1-D
	// per-channel biases.
	model, tensors, _ := testModel()
	tensors[2] = fbTable{[]int32{2}, int8(TypeInt32), uint32(0), "bias",
		fbTable{nil, nil, []float32{1, 2}, []int64{0, 0}, nil, nil, int32(3)}}
	m, err := Parse(buildFlatbuffer(model, "TFL3"))
	require.NoError(t, err)
	assert.Equal(t, int32(0), m.Subgraphs[0].Tensors[2].Quantization.QuantizedDimension)
}

func TestParseRejectsBrokenStructure(t *testing.T) {
	model, _, _ := testModel()
	good := buildFlatbuffer(model, "TFL3")
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
		{"no identifier", buildFlatbuffer(model, "TFL2"), `tflite: not a TFLite model (no TFL3 identifier): bytes 4 to 8 are "TFL2"`},
		{"image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a TFLite model (no TFL3 identifier)"},
		{"root outside after the identifier", withWord(0, 0xffff), "tflite: model: table offset 65535 outside the"},
		{"vtable outside", withWord(root, 0x7fffffff), "tflite: model: vtable offset"},
		{"vtable after the end", withWord(root, 0x80000000), "tflite: model: vtable offset"},
		{"truncated", good[:len(good)/2], "tflite: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data)
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

func readModel(tb testing.TB, elem ...string) (*Model, []byte) {
	tb.Helper()
	data, err := os.ReadFile(testmodels.Path(tb, elem...))
	require.NoError(tb, err)
	m, err := Parse(data)
	require.NoError(tb, err)
	return m, data
}

// opCounts counts the operators of a model's first subgraph by name and
// version, custom operators as "CUSTOM:<code>".
func opCounts(m *Model) map[string]int {
	counts := map[string]int{}
	for _, op := range m.Subgraphs[0].Operators {
		c := m.OperatorCodes[op.OpcodeIndex]
		name := c.Builtin.String()
		if c.Builtin == OpCustom {
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
		m, err := Parse(data)
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
	assert.Equal(t, TypeUint8, in.Type)
	assert.Equal(t, []int32{1, 300, 300, 3}, in.Shape)
	require.NotNil(t, in.Quantization)
	assert.Equal(t, []float32{1.0 / 128}, in.Quantization.Scale)
	assert.Equal(t, []int64{128}, in.Quantization.ZeroPoint)

	require.Len(t, sg.Outputs, 4)
	for k, i := range sg.Outputs {
		out := sg.Tensors[i]
		assert.Equal(t, TypeFloat32, out.Type)
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
		case *Conv2DOptions:
			convs++
			assert.Contains(t, []Padding{PaddingSame, PaddingValid}, o.Padding)
			assert.Contains(t, []int32{1, 2}, o.StrideW)
			assert.Equal(t, o.StrideW, o.StrideH)
			assert.Equal(t, int32(1), o.DilationHFactor)
		case *DepthwiseConv2DOptions:
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
			if code != OpConv2D && code != OpDepthwiseConv2D {
				continue
			}
			filter := sg.Tensors[op.Inputs[1]]
			require.Equal(t, TypeInt8, filter.Type)
			q := filter.Quantization
			require.NotNil(t, q, filter.Name)
			// Conv filters are [out, h, w, in] with per-output-channel
			// scales on axis 0; depthwise filters are [1, h, w, out] with
			// scales on axis 3.
			want := int32(0)
			if code == OpDepthwiseConv2D {
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
			if x.Type != TypeFloat16 {
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
	parsed, err := Parse(data)
	require.NoError(t, err)
	opened, err := Open(path)
	require.NoError(t, err)
	assert.Equal(t, data, opened.Bytes())
	assert.Equal(t, parsed.OperatorCodes, opened.OperatorCodes)
	assert.Equal(t, parsed.Subgraphs, opened.Subgraphs)
	assert.Equal(t, parsed.Buffers, opened.Buffers)
	assert.Equal(t, parsed.Metadata, opened.Metadata)
	require.NoError(t, opened.Close())
	require.NoError(t, opened.Close())

	read, err := ReadFrom(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	assert.Equal(t, parsed.Subgraphs, read.Subgraphs)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing.tflite"))
	require.Error(t, err)
	empty := filepath.Join(dir, "empty.tflite")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, err = Open(empty)
	require.ErrorContains(t, err, "empty")
	junk := filepath.Join(dir, "junk.tflite")
	require.NoError(t, os.WriteFile(junk, []byte("not a model at all"), 0o600))
	_, err = Open(junk)
	require.ErrorContains(t, err, junk)
	_, err = ReadFrom(bytes.NewReader(nil), -1)
	require.Error(t, err)
	_, err = ReadFrom(bytes.NewReader([]byte{1, 2}), 10)
	require.ErrorContains(t, err, "got 2 of 10 bytes")
}

func TestEnumNames(t *testing.T) {
	assert.Equal(t, "CONV_2D", OpConv2D.String())
	assert.Equal(t, "DEPTHWISE_CONV_2D", OpDepthwiseConv2D.String())
	assert.Equal(t, "CUSTOM", OpCustom.String())
	assert.Equal(t, BuiltinOperator(32), OpCustom)
	assert.Equal(t, BuiltinOperator(114), OpQuantize)
	assert.Equal(t, BuiltinOperator(209), OpStableHLOCase)
	assert.Equal(t, "STABLEHLO_CASE", OpStableHLOCase.String())
	assert.Equal(t, "BUILTIN_OP_5000", BuiltinOperator(5000).String())
	assert.Equal(t, "BUILTIN_OP_-1", BuiltinOperator(-1).String())
	assert.Equal(t, "FLOAT32", TypeFloat32.String())
	assert.Equal(t, "INT8", TypeInt8.String())
	assert.Equal(t, "FLOAT8_E5M2", TypeFloat8E5M2.String())
	assert.Equal(t, "TENSOR_TYPE_99", TensorType(99).String())
	for typ, size := range map[TensorType]int{
		TypeFloat32: 4, TypeFloat16: 2, TypeInt32: 4, TypeUint8: 1, TypeInt64: 8, TypeString: 0,
		TypeBool: 1, TypeInt16: 2, TypeComplex64: 8, TypeInt8: 1, TypeFloat64: 8, TypeComplex128: 16,
		TypeInt4: 0, TensorType(99): 0, TensorType(-3): 0,
	} {
		assert.Equal(t, size, typ.Size(), typ.String())
	}
	assert.Equal(t, "RELU6", ActRelu6.String())
	assert.Equal(t, "VALID", PaddingValid.String())
}
