package tflite_test

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// realModel is a model file to round-trip.
type realModel struct {
	name string
	data []byte
}

// realModels returns the two embedded assets and every model in
// shared/models (none when that folder is absent).
func realModels(tb testing.TB) []realModel {
	tb.Helper()
	models := []realModel{
		{"assets/classifier", assets.ClassifierModel},
		{"assets/detector", assets.DetectorModel},
	}
	root := testmodels.Root()
	if root == "" {
		return models
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.tflite"))
	require.NoError(tb, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		rel, err := filepath.Rel(root, f)
		require.NoError(tb, err)
		models = append(models, realModel{rel, data})
	}
	return models
}

// exported returns the exported fields of m by name: everything a Model
// holds except the memory it aliases.
func exported(m *tflite.Model) map[string]any {
	v := reflect.ValueOf(m).Elem()
	fields := map[string]any{}
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() {
			fields[f.Name] = v.Field(i).Interface()
		}
	}
	return fields
}

// requireSameModel fails unless a and b hold equal exported fields, nil and
// empty slices told apart; it names the first field that differs.
func requireSameModel(t testing.TB, a, b *tflite.Model) {
	t.Helper()
	ea, eb := exported(a), exported(b)
	for name, va := range ea {
		if !reflect.DeepEqual(va, eb[name]) {
			require.Equal(t, va, eb[name], "field %s differs", name)
			t.Fatalf("field %s differs (nil against empty)", name)
		}
	}
}

// roundTrip writes m and parses the result, checking that the two models
// are equal and that writing is deterministic.
func roundTrip(t testing.TB, m *tflite.Model) (*tflite.Model, []byte) {
	t.Helper()
	out, err := tflite.Write(m)
	require.NoError(t, err)
	require.Equal(t, "TFL3", string(out[4:8]))
	again, err := tflite.Write(m)
	require.NoError(t, err)
	require.True(t, bytes.Equal(out, again), "writing twice gives different bytes")
	m2, err := tflite.Parse(out)
	require.NoError(t, err)
	requireSameModel(t, m, m2)
	return m2, out
}

// archiveStart returns where the zip archive appended to a model file
// begins, found through Go's zip reader, or -1 without one.
func archiveStart(t testing.TB, data []byte) int {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return -1
	}
	start := len(data)
	for _, f := range zr.File {
		off, err := f.DataOffset()
		require.NoError(t, err)
		// The local header precedes the data, signature first.
		start = min(start, bytes.LastIndex(data[:off], []byte("PK\x03\x04")))
	}
	return start
}

func TestWriteRealModels(t *testing.T) {
	for _, rm := range realModels(t) {
		t.Run(rm.name, func(t *testing.T) {
			m, err := tflite.Parse(rm.data)
			require.NoError(t, err)
			m2, out := roundTrip(t, m)

			for i, b := range m2.Buffers {
				if len(b.Data) > 0 {
					offset := uintptr(unsafe.Pointer(unsafe.SliceData(b.Data))) - uintptr(unsafe.Pointer(unsafe.SliceData(out)))
					require.Zero(t, offset%16, "buffer %d at offset %d is not 16-byte aligned", i, offset)
				}
			}

			md, err := m.ReadMetadata()
			require.NoError(t, err)
			md2, err := m2.ReadMetadata()
			require.NoError(t, err)
			assert.Equal(t, md, md2, "TFLite metadata")
			files, err := m.AssociatedFiles()
			require.NoError(t, err)
			files2, err := m2.AssociatedFiles()
			require.NoError(t, err)
			assert.Equal(t, files, files2, "associated files")
			if archiveStart(t, rm.data) >= 0 {
				require.NotEmpty(t, files)
				// Offsets count from the start of the written file: the
				// archive begins right after the flatbuffer.
				zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
				require.NoError(t, err)
				off, err := zr.File[0].DataOffset()
				require.NoError(t, err)
				assert.Equal(t, archiveStart(t, out), bytes.LastIndex(out[:off], []byte("PK\x03\x04")))
			}
		})
	}
}

// TestWriteMovesArchive rewrites a model whose flatbuffer grows, then
// shrinks below where its archive first began (the embedded models' zip
// offsets count from the start of the file): its label file survives every
// rewrite, for the model's own AssociatedFiles as for Go's zip reader.
func TestWriteMovesArchive(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	want, err := m.AssociatedFiles()
	require.NoError(t, err)
	require.NotEmpty(t, want)
	largest := 0
	for i, b := range m.Buffers {
		if len(b.Data) > len(m.Buffers[largest].Data) {
			largest = i
		}
	}
	for i, change := range []func(){
		func() { m.Description = strings.Repeat("a longer description ", 500) },
		func() { m.Description = "" },
		func() { m.Buffers[largest].Data = m.Buffers[largest].Data[:len(m.Buffers[largest].Data)/2] },
		func() {}, // the archive now lies before where its offsets say
	} {
		change()
		out, err := tflite.Write(m)
		require.NoError(t, err)
		m, err = tflite.Parse(out)
		require.NoError(t, err)
		got, err := m.AssociatedFiles()
		require.NoError(t, err)
		require.Equal(t, want, got, "rewrite %d", i)
	}
}

// TestWriteOutputsIdentical runs every real model percept runs, as parsed
// and as written, on the same input: the outputs must be bit-identical.
// The input is the first Arm NN reference input where there is one, else
// random. -short runs the embedded classifier only.
func TestWriteOutputsIdentical(t *testing.T) {
	for _, rm := range realModels(t) {
		if testing.Short() && rm.name != "assets/classifier" {
			continue
		}
		t.Run(rm.name, func(t *testing.T) {
			m, err := tflite.Parse(rm.data)
			require.NoError(t, err)
			it, err := nn.New(m, &nn.Options{Threads: 1})
			if err != nil {
				t.Skipf("percept does not run this model: %v", err)
			}
			defer it.Close()
			out, err := tflite.Write(m)
			require.NoError(t, err)
			m2, err := tflite.Parse(out)
			require.NoError(t, err)
			it2, err := nn.New(m2, &nn.Options{Threads: 1})
			require.NoError(t, err)
			defer it2.Close()

			require.Equal(t, len(it.Inputs()), len(it2.Inputs()))
			rng := rand.New(rand.NewPCG(1, 2))
			for k, in := range it.Inputs() {
				if ref := referenceInput(t, rm.name); ref != nil && k == 0 && len(ref) == len(in.Bytes()) {
					copy(in.Bytes(), ref)
				} else {
					randomInput(rng, in)
				}
				copy(it2.Input(k).Bytes(), in.Bytes())
			}
			require.NoError(t, it.Invoke())
			require.NoError(t, it2.Invoke())
			require.Equal(t, len(it.Outputs()), len(it2.Outputs()))
			for k, o := range it.Outputs() {
				require.True(t, bytes.Equal(o.Bytes(), it2.Output(k).Bytes()), "output %d differs", k)
			}
		})
	}
}

// referenceInputs maps model files to their folders of reference inputs.
var referenceInputs = map[string]string{
	"detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite":    "coco_ssd_mobilenet_v1_quant",
	"detection/coco_ssd_mobilenet_v1_quant_no_metadata.tflite":       "coco_ssd_mobilenet_v1_quant_no_metadata",
	"detection/mobilenet_ssd_v2_coco_quant_postprocess.tflite":       "mobilenet_ssd_v2_coco_quant_postprocess",
	"classification/mobilenet_v1_0.25_128_quant.tflite":              "mobilenet_v1_0.25_128_quant",
	"classification/mobilenet_v1_0.25_224_quant.tflite":              "mobilenet_v1_0.25_224_quant",
	"classification/mobilenet_v2_1.0_224_quant.tflite":               "mobilenet_v2_1.0_224_quant",
	"classification/mobilenet_v2_1.0_224_quant_with_metadata.tflite": "mobilenet_v2_1.0_224_quant_with_metadata",
	"classification/tf2_mobilenet_v2_1.0_224_ptq.tflite":             "tf2_mobilenet_v2_1.0_224_ptq",
	"tflm/person_detect.tflite":                                      "person_detect",
	"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite":       "mobilenet_v1_0.25_224_float",
	"float16/face_detection_front.tflite":                            "face_detection_front",
	"float16/face_detection_short_range.tflite":                      "face_detection_short_range",
	"float16/hand_landmark_lite.tflite":                              "hand_landmark_lite",
	"assets/classifier":                                              "mobilenet_v1_0.25_224_quant",
	"assets/detector":                                                "coco_ssd_mobilenet_v1_quant",
}

// referenceInput returns the bytes of the first Arm NN reference input of a
// model, or nil.
func referenceInput(t *testing.T, name string) []byte {
	dir := referenceInputs[name]
	root := testmodels.Root()
	if dir == "" || root == "" {
		return nil
	}
	inputs, err := filepath.Glob(filepath.Join(root, "reference", "armnn", dir, "*.input.npy"))
	require.NoError(t, err)
	if len(inputs) == 0 {
		return nil
	}
	a, err := npy.ReadFile(inputs[0])
	require.NoError(t, err)
	return a.Data
}

// randomInput fills an input tensor: random bytes, or for float32 values
// in [-1, 1).
func randomInput(rng *rand.Rand, in *nn.Tensor) {
	if in.Type == tflite.TypeFloat32 {
		for i := range in.Float32s() {
			in.Float32s()[i] = rng.Float32()*2 - 1
		}
		return
	}
	for i := range in.Bytes() {
		in.Bytes()[i] = byte(rng.Uint32())
	}
}

// TestWriteEveryField writes a model that sets every field the package
// reads, every typed options type with values off their defaults, raw
// options of both unions, and vectors present but empty.
func TestWriteEveryField(t *testing.T) {
	options := []any{
		&tflite.Conv2DOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 3, FusedActivationFunction: tflite.ActRelu6, DilationWFactor: 4, DilationHFactor: 5, QuantizedBiasType: tflite.TypeInt64},
		&tflite.Conv2DOptions{},
		&tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 3, DepthMultiplier: 4, FusedActivationFunction: tflite.ActRelu, DilationWFactor: 2, DilationHFactor: 3},
		&tflite.ConcatEmbeddingsOptions{NumChannels: 2, NumColumnsPerChannel: []int32{1, 2}, EmbeddingDimPerChannel: []int32{}},
		&tflite.Pool2DOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 3, FilterHeight: 4, FusedActivationFunction: tflite.ActTanh},
		&tflite.FullyConnectedOptions{FusedActivationFunction: tflite.ActRelu, WeightsFormat: tflite.FullyConnectedWeightsShuffled4x16Int8, KeepNumDims: true, AsymmetricQuantizeInputs: true, QuantizedBiasType: tflite.TypeInt32},
		&tflite.SoftmaxOptions{Beta: 0.5},
		&tflite.ConcatenationOptions{Axis: -1, FusedActivationFunction: tflite.ActRelu},
		&tflite.AddOptions{FusedActivationFunction: tflite.ActRelu, PotScaleInt16: false},
		&tflite.AddOptions{PotScaleInt16: true},
		&tflite.L2NormOptions{FusedActivationFunction: tflite.ActRelu},
		&tflite.ResizeBilinearOptions{AlignCorners: true, HalfPixelCenters: true},
		&tflite.ReshapeOptions{NewShape: []int32{1, -1}},
		&tflite.ReshapeOptions{NewShape: []int32{}},
		&tflite.ReshapeOptions{},
		&tflite.SpaceToDepthOptions{BlockSize: 2},
		&tflite.MulOptions{FusedActivationFunction: tflite.ActRelu6},
		&tflite.PadOptions{},
		&tflite.GatherOptions{Axis: 1, BatchDims: 2},
		&tflite.TransposeOptions{},
		&tflite.ReducerOptions{KeepDims: true},
		&tflite.SubOptions{FusedActivationFunction: tflite.ActRelu, PotScaleInt16: false},
		&tflite.DivOptions{FusedActivationFunction: tflite.ActRelu},
		&tflite.SqueezeOptions{SqueezeDims: []int32{0, 3}},
		&tflite.StridedSliceOptions{BeginMask: 1, EndMask: 2, EllipsisMask: 3, NewAxisMask: 4, ShrinkAxisMask: 5, Offset: true},
		&tflite.SplitOptions{NumSplits: 3},
		&tflite.CastOptions{InDataType: tflite.TypeUint8, OutDataType: tflite.TypeFloat32},
		&tflite.DequantizeOptions{},
		&tflite.MaximumMinimumOptions{},
		&tflite.ArgMaxOptions{OutputType: tflite.TypeInt64},
		&tflite.PadV2Options{},
		&tflite.TransposeConvOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 2, FusedActivationFunction: tflite.ActRelu, QuantizedBiasType: tflite.TypeInt32},
		&tflite.ShapeOptions{OutType: tflite.TypeInt64},
		&tflite.ArgMinOptions{OutputType: tflite.TypeInt32},
		&tflite.PackOptions{ValuesCount: 3, Axis: 1},
		&tflite.UnpackOptions{Num: 3, Axis: -1},
		&tflite.ResizeNearestNeighborOptions{AlignCorners: true, HalfPixelCenters: true},
		&tflite.LeakyReluOptions{Alpha: 0.2},
		&tflite.MirrorPadOptions{Mode: tflite.MirrorPadSymmetric},
		&tflite.SplitVOptions{NumSplits: 2},
		&tflite.QuantizeOptions{},
		&tflite.HardSwishOptions{},
		&tflite.DepthToSpaceOptions{BlockSize: 2},
		&tflite.BatchMatMulOptions{AdjX: true, AdjY: true, AsymmetricQuantizeInputs: true},
		&tflite.VarHandleOptions{Container: "c", SharedName: "v"},
		&tflite.BucketizeOptions{Boundaries: []float32{0, 1.5}},
	}
	// The union tag of each, checked against the schema below.
	tags := []uint8{1, 1, 2, 3, 5, 8, 9, 10, 11, 11, 12, 15, 17, 17, 17, 19, 21, 22, 23, 26, 27, 28, 29, 30, 32,
		35, 37, 38, 39, 40, 43, 49, 55, 57, 59, 64, 74, 75, 77, 79, 89, 91, 94, 101, 111, 115}
	require.Len(t, tags, len(options))
	checkUnionTags(t, options, tags)
	sg := tflite.Subgraph{
		Name: "main",
		Tensors: []tflite.Tensor{
			{Name: "in", Type: tflite.TypeFloat32, Shape: []int32{1, 2}, ShapeSignature: []int32{-1, 2}, HasRank: true},
			{Name: "w", Type: tflite.TypeInt8, Shape: []int32{2, 1, 1, 3}, Buffer: 1, Quantization: &tflite.Quantization{
				Min: []float32{-1, -2}, Max: []float32{1, 2}, Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 3}},
			{Name: "", Type: tflite.TypeInt32, Shape: []int32{}, IsVariable: true, Quantization: &tflite.Quantization{Scale: []float32{1}}},
			{Name: "out", Type: tflite.TypeUint8, Shape: []int32{1, 2}, Buffer: 2},
		},
		Inputs:  []int32{0},
		Outputs: []int32{3},
	}
	for i, o := range options {
		sg.Operators = append(sg.Operators, tflite.Operator{OpcodeIndex: uint32(i % 3), Inputs: []int32{0, -1, 1}, Outputs: []int32{3}, Options: o, OptionsType: tags[i]})
	}
	sg.Operators = append(sg.Operators,
		tflite.Operator{OpcodeIndex: 1, Inputs: []int32{0}, Outputs: []int32{3}, Intermediates: []int32{2},
			OptionsType: 4, Options: &tflite.RawOptions{Fields: [][]byte{{2, 0, 0, 0, 0, 0, 0, 0}}}},
		tflite.Operator{OpcodeIndex: 1, Inputs: []int32{}, Outputs: []int32{3}, Intermediates: []int32{},
			OptionsType: 6, Options: &tflite.RawOptions{Fields: [][]byte{nil, {7, 0, 0, 0, 0, 0, 0, 0}, {1, 2, 3, 4, 5, 6, 7, 8}}},
			Options2Type: 14, Options2: &tflite.RawOptions{Fields: [][]byte{{9, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0}}},
			MutatingVariableInputs: []bool{}},
		tflite.Operator{OpcodeIndex: 2, Inputs: []int32{0, 2}, Outputs: []int32{3},
			CustomOptions: []byte{1, 2, 3}, MutatingVariableInputs: []bool{false, true}},
		tflite.Operator{OpcodeIndex: 2, Outputs: []int32{3}, CustomOptions: []byte{}},
	)
	m := &tflite.Model{
		Version:     3,
		Description: "every field",
		OperatorCodes: []tflite.OperatorCode{
			{Builtin: tflite.OpConv2D, Version: 3},
			{Builtin: tflite.OpStableHLOSort, Version: 1},
			{Builtin: tflite.OpCustom, CustomCode: "TFLite_Detection_PostProcess", Version: 1},
		},
		Subgraphs:      []tflite.Subgraph{sg, {Tensors: []tflite.Tensor{{Name: "x", Shape: []int32{1}}}, Operators: []tflite.Operator{}}},
		Buffers:        []tflite.Buffer{{}, {Data: []byte{1, 2, 3, 4, 5, 6}}, {Data: []byte{}}, {Data: []byte("1.14.0\x00")}},
		Metadata:       []tflite.MetadataEntry{{Name: "min_runtime_version", Buffer: 3}},
		MetadataBuffer: []int32{3},
		SignatureDefs: []tflite.SignatureDef{
			{Key: "serving_default", Inputs: []tflite.TensorMap{{Name: "input", TensorIndex: 0}}, Outputs: []tflite.TensorMap{{Name: "output", TensorIndex: 3}}},
			{Key: "other", SubgraphIndex: 1, Inputs: []tflite.TensorMap{}},
		},
	}
	roundTrip(t, m)

	// A model as hand-built code makes it, with typed options but no tags,
	// reads back with the tags set.
	for i := range options {
		m.Subgraphs[0].Operators[i].OptionsType = 0
	}
	out, err := tflite.Write(m)
	require.NoError(t, err)
	m2, err := tflite.Parse(out)
	require.NoError(t, err)
	for i := range options {
		assert.Equal(t, tags[i], m2.Subgraphs[0].Operators[i].OptionsType, "%T", options[i])
	}
}

// checkUnionTags checks that each typed options value is the schema's
// BuiltinOptions member of its tag (the member's position, from 1), reading
// the union from shared/spec/tflite_schema.fbs where it is present.
func checkUnionTags(t *testing.T, options []any, tags []uint8) {
	root := testmodels.Root()
	if root == "" {
		return
	}
	schema, err := os.ReadFile(filepath.Join(root, "..", "spec", "tflite_schema.fbs"))
	if err != nil {
		t.Logf("no schema to check the union tags against: %v", err)
		return
	}
	text := string(schema)
	start := strings.Index(text, "union BuiltinOptions {")
	require.GreaterOrEqual(t, start, 0)
	body := text[start+len("union BuiltinOptions {"):]
	body = body[:strings.Index(body, "}")]
	var members []string
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		members = append(members, strings.Fields(strings.TrimSuffix(line, ","))[0])
	}
	for i, o := range options {
		name := reflect.TypeOf(o).Elem().Name()
		require.Less(t, int(tags[i])-1, len(members))
		assert.Equal(t, strings.TrimSuffix(members[tags[i]-1], ","), name, "tag %d", tags[i])
	}
}

// TestWriteDeprecatedBuiltinCode checks the int8 deprecated_builtin_code
// Write puts beside builtin_code: the code below 127, 127 from there on,
// as TFLite's own writer does.
func TestWriteDeprecatedBuiltinCode(t *testing.T) {
	for _, code := range []tflite.BuiltinOperator{tflite.OpConv2D, tflite.OpCustom, 126, 127, tflite.OpCumsum, tflite.OpStableHLOCase} {
		m := &tflite.Model{OperatorCodes: []tflite.OperatorCode{{Builtin: code, Version: 2}}, Buffers: []tflite.Buffer{{}}}
		out, err := tflite.Write(m)
		require.NoError(t, err)
		deprecated, builtin := operatorCodeFields(t, out)
		assert.Equal(t, int8(min(code, 127)), deprecated, "code %v", code)
		assert.Equal(t, int32(code), builtin, "code %v", code)
	}
}

// operatorCodeFields reads the two code fields of the only OperatorCode
// of a model file, following the flatbuffer by hand so that the check does
// not rest on the reader, which only reports the larger of them.
func operatorCodeFields(t *testing.T, data []byte) (deprecated int8, builtin int32) {
	u32 := func(p int) int {
		return int(uint32(data[p]) | uint32(data[p+1])<<8 | uint32(data[p+2])<<16 | uint32(data[p+3])<<24)
	}
	u16 := func(p int) int { return int(data[p]) | int(data[p+1])<<8 }
	field := func(table, slot int) int {
		vt := table - int(int32(u32(table)))
		if 4+2*slot >= u16(vt) {
			return 0
		}
		if off := u16(vt + 4 + 2*slot); off != 0 {
			return table + off
		}
		return 0
	}
	root := u32(0)
	codes := field(root, 1)
	require.NotZero(t, codes)
	vec := codes + u32(codes)
	require.Equal(t, 1, u32(vec))
	code := vec + 4 + u32(vec+4)
	if p := field(code, 0); p != 0 {
		deprecated = int8(data[p])
	}
	if p := field(code, 3); p != 0 {
		builtin = int32(u32(p))
	}
	return deprecated, builtin
}

// TestWriteRawOptionsFromFile reads options of a type the package does not
// decode from a file laid out by another encoder (4-byte cells, 8 for a
// uint64) and checks that they survive a round trip.
func TestWriteRawOptionsFromFile(t *testing.T) {
	model, _, op := testModel()
	// Tag 4 is LSHProjectionOptions (one byte enum); give it a second,
	// wider field too, as a later schema might.
	op[3], op[4] = uint8(4), tflitetest.Table{int8(2), nil, uint64(1) << 40}
	m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	raw, ok := m.Subgraphs[0].Operators[0].Options.(*tflite.RawOptions)
	require.True(t, ok, "options %T", m.Subgraphs[0].Operators[0].Options)
	require.Len(t, raw.Fields, 3)
	// The int8 in a 4-byte cell: the cell's bytes, then zeros.
	assert.Equal(t, []byte{2, 0, 0, 0, 0, 0, 0, 0}, raw.Fields[0])
	assert.Nil(t, raw.Fields[1])
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 1, 0, 0}, raw.Fields[2])
	roundTrip(t, m)
}

func TestWriteRejects(t *testing.T) {
	base := func() *tflite.Model {
		return &tflite.Model{
			OperatorCodes: []tflite.OperatorCode{{Builtin: tflite.OpAdd, Version: 1}},
			Subgraphs: []tflite.Subgraph{{
				Tensors:   []tflite.Tensor{{Name: "a", Shape: []int32{1}}},
				Inputs:    []int32{0},
				Outputs:   []int32{0},
				Operators: []tflite.Operator{{Inputs: []int32{0, 0}, Outputs: []int32{0}, Options: &tflite.AddOptions{}}},
			}},
			Buffers: []tflite.Buffer{{}},
		}
	}
	_, err := tflite.Write(base())
	require.NoError(t, err)
	for name, c := range map[string]struct {
		change func(m *tflite.Model)
		want   string
	}{
		"opcode":    {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].OpcodeIndex = 1 }, "opcode index 1 out of range"},
		"buffer":    {func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Buffer = 1 }, "buffer 1 out of range"},
		"input":     {func(m *tflite.Model) { m.Subgraphs[0].Inputs[0] = 1 }, "inputs: tensor index 1"},
		"op output": {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Outputs[0] = -1 }, "outputs: tensor index -1"},
		"sparse":    {func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Sparse = true }, "sparse"},
		"zero points": {func(m *tflite.Model) {
			m.Subgraphs[0].Tensors[0].Quantization = &tflite.Quantization{Scale: []float32{1, 2}, ZeroPoint: []int64{0}}
		}, "zero points"},
		"metadata":  {func(m *tflite.Model) { m.Metadata = []tflite.MetadataEntry{{Name: "x", Buffer: 2}} }, "buffer 2 out of range"},
		"signature": {func(m *tflite.Model) { m.SignatureDefs = []tflite.SignatureDef{{SubgraphIndex: 1}} }, "subgraph 1 out of range"},
		"signature map": {func(m *tflite.Model) {
			m.SignatureDefs = []tflite.SignatureDef{{Outputs: []tflite.TensorMap{{TensorIndex: 5}}}}
		}, "index 5 out of range"},
		"mismatch": {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].OptionsType = 28 }, "does not match"},
		"unknown tag": {func(m *tflite.Model) {
			m.Subgraphs[0].Operators[0].Options, m.Subgraphs[0].Operators[0].OptionsType = nil, 200
		}, "not in the schema"},
		"raw offsets": {func(m *tflite.Model) {
			m.Subgraphs[0].Operators[0].Options, m.Subgraphs[0].Operators[0].OptionsType = &tflite.RawOptions{}, 17
		}, "RawOptions cannot hold"},
		"raw size": {func(m *tflite.Model) {
			m.Subgraphs[0].Operators[0].Options, m.Subgraphs[0].Operators[0].OptionsType = &tflite.RawOptions{Fields: [][]byte{{1, 2, 3}}}, 4
		}, "not 8"},
		"options2":     {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options2Type = 3 }, "BuiltinOptions2 type 3"},
		"options type": {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options = struct{}{} }, "cannot be written"},
	} {
		t.Run(name, func(t *testing.T) {
			m := base()
			c.change(m)
			_, err := tflite.Write(m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestWriteClosed(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	require.NoError(t, m.Close())
	_, err = tflite.Write(m)
	require.ErrorIs(t, err, tflite.ErrClosed)
}

func TestWriteTo(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	want, err := tflite.Write(m)
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), n)
	assert.True(t, bytes.Equal(want, buf.Bytes()))
}

// FuzzWriteRoundTrip parses, writes and parses again: whatever Parse
// accepts, Write writes (or refuses for a documented reason) into a file
// that parses to the same model.
func FuzzWriteRoundTrip(f *testing.F) {
	model, _, _ := testModel()
	f.Add(tflitetest.Encode(model, "TFL3"))
	for _, rm := range realModels(f) {
		// The seed corpus runs in every go test: the small models suffice.
		if len(rm.data) < 1<<20 {
			f.Add(rm.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tflite.Parse(data)
		if err != nil {
			return
		}
		out, err := tflite.Write(m)
		if err != nil {
			for _, allowed := range []string{"sparse", "zip archive", "not in the schema", "BuiltinOptions2 type", "more than a flatbuffer holds"} {
				if strings.Contains(err.Error(), allowed) {
					return
				}
			}
			t.Fatalf("Write refused a parsed model: %v", err)
		}
		m2, err := tflite.Parse(out)
		require.NoError(t, err)
		requireSameModel(t, m, m2)
		again, err := tflite.Write(m2)
		require.NoError(t, err)
		// m2 has no archive of its own beyond the one Write appended.
		require.True(t, bytes.Equal(out, again), "writing the written model gives different bytes")
	})
}

// TestWriteSharesZeroPoints: tensors whose zero points are all 0 (as every
// per-channel int8 weight and bias has) share one vector per length, and
// read back as they were; other zero points are written each on their own.
func TestWriteSharesZeroPoints(t *testing.T) {
	model, _, _ := testModel()
	base, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	const channels = 512
	write := func(zero int64) []byte {
		m := *base
		sg := base.Subgraphs[0]
		sg.Tensors = slices.Clone(sg.Tensors)
		m.Subgraphs = []tflite.Subgraph{sg}
		for i := range sg.Tensors {
			q := &tflite.Quantization{Scale: make([]float32, channels), ZeroPoint: make([]int64, channels)}
			for c := range channels {
				q.Scale[c] = float32(i*channels+c+1) / 1024
				q.ZeroPoint[c] = zero
			}
			sg.Tensors[i].Quantization = q
		}
		data, err := tflite.Write(&m)
		require.NoError(t, err)
		back, err := tflite.Parse(data)
		require.NoError(t, err)
		requireSameModel(t, &m, back)
		return data
	}
	zeros, ones := write(0), write(1)
	tensors := len(base.Subgraphs[0].Tensors)
	require.Greater(t, tensors, 1)
	assert.GreaterOrEqual(t, len(ones)-len(zeros), (tensors-1)*channels*8,
		"all-zero zero points are written once for %d tensors", tensors)
}
