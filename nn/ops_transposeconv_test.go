package nn

import (
	"encoding/binary"
	"image"
	_ "image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// optionsTransposeConv tags TransposeConvOptions in the BuiltinOptions
// union.
const optionsTransposeConv uint8 = 49

// transposeConvModel is TRANSPOSE_CONV from a [1 2 2 1] input through a
// constant [1 2 2 1] filter of weights w (stride 2, SAME) to [1 4 4 1],
// with a bias when bias is not nil; typ float32 or a quantized type (q for
// every tensor, biases INT32).
func transposeConvModel(typ tflite.TensorType, w, bias []byte, q *tflitetest.Affine, padding tflite.Padding) *tflitetest.Model {
	m := tflitetest.NewModel()
	shape := m.Tensor("shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 4, 4, 1), nil)
	filter := m.Tensor("filter", typ, []int32{1, 2, 2, 1}, w, q)
	in := m.Tensor("in", typ, []int32{1, 2, 2, 1}, nil, q)
	out := m.Tensor("out", typ, []int32{1, 4, 4, 1}, nil, q)
	inputs := []int32{shape, filter, in}
	if bias != nil {
		biasType := tflite.TypeInt32
		if typ == tflite.TypeFloat32 {
			biasType = typ
		}
		inputs = append(inputs, m.Tensor("bias", biasType, []int32{int32(len(bias) / 4)}, bias, nil))
	}
	m.Op(tflite.OpTransposeConv, 3, inputs, []int32{out}, optionsTransposeConv,
		tflitetest.Table{int8(padding), int32(2), int32(2), int8(tflite.ActNone)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m
}

func TestTransposeConvOperator(t *testing.T) {
	// Each input pixel becomes the 2×2 block of the filter (1, 2; 3, 4)
	// times it, plus the bias.
	it, err := build(t, transposeConvModel(tflite.TypeFloat32, tflitetest.Floats(1, 2, 3, 4), tflitetest.Floats(0.5), nil, tflite.PaddingSame))
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), []float32{1, 10, 100, 0})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{
		1.5, 2.5, 10.5, 20.5,
		3.5, 4.5, 30.5, 40.5,
		100.5, 200.5, 0.5, 0.5,
		300.5, 400.5, 0.5, 0.5}, it.Output(0).Float32s())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = it.Invoke() }))

	// uint8, every scale 0.5, zero point 10: real input 1 (12) through real
	// weights 1, 2, 3, 4 (12, 14, 16, 18) gives 1..4, + bias 2 (0.25 units:
	// the bias scale is in·filter = 0.25, so 8) → 3..6 → 16..22.
	q := &tflitetest.Affine{Scale: 0.5, Zero: 10}
	it, err = build(t, transposeConvModel(tflite.TypeUint8, []byte{12, 14, 16, 18}, tflitetest.Int32s(8), q, tflite.PaddingValid))
	require.NoError(t, err)
	copy(it.Input(0).Uint8s(), []uint8{12, 10, 10, 8})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []uint8{
		16, 18, 14, 14,
		20, 22, 14, 14,
		14, 14, 12, 10, // −1 · (1, 2; 3, 4) + 2 = 1, 0, −1, −2
		14, 14, 8, 6}, it.Output(0).Uint8s())
}

// TestTransposeConvInt8PerChannel: two output channels with filter scales
// 1 and 0.5, no bias input (TRANSPOSE_CONV's fourth input is optional).
func TestTransposeConvInt8PerChannel(t *testing.T) {
	m := tflitetest.NewModel()
	unit := &tflitetest.Affine{Scale: 1}
	shape := m.Tensor("shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 2, 2, 2), nil)
	filter := m.Tensor("filter", tflite.TypeInt8, []int32{2, 1, 1, 1}, []byte{3, 8}, unit)
	in := m.Tensor("in", tflite.TypeInt8, []int32{1, 2, 2, 1}, nil, &tflitetest.Affine{Scale: 1, Zero: 1})
	out := m.Tensor("out", tflite.TypeInt8, []int32{1, 2, 2, 2}, nil, unit)
	m.Op(tflite.OpTransposeConv, 3, []int32{shape, filter, in}, []int32{out}, optionsTransposeConv,
		tflitetest.Table{int8(tflite.PaddingSame), int32(1), int32(1)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	root := m.Root()
	tensors := root[2].([]tflitetest.Table)[0][0].([]tflitetest.Table)
	tensors[filter][4] = tflitetest.Table{nil, nil, []float32{1, 0.5}, []int64{0, 0}, nil, nil, int32(0)}
	parsed, err := tflite.Parse(tflitetest.Encode(root, "TFL3"))
	require.NoError(t, err)
	it, err := New(parsed, &Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	copy(it.Input(0).Int8s(), []int8{1, 2, 0, 127})
	require.NoError(t, it.Invoke())
	// (x − 1)·3·1 and (x − 1)·8·0.5, saturating at 127.
	assert.Equal(t, []int8{0, 0, 3, 4, -3, -4, 127, 127}, it.Output(0).Int8s())
}

func TestTransposeConvRejects(t *testing.T) {
	q := &tflitetest.Affine{Scale: 1}
	for name, tc := range map[string]struct {
		m    *tflitetest.Model
		want string
	}{
		"int16":       {transposeConvModel(tflite.TypeInt16, make([]byte, 8), nil, q, tflite.PaddingSame), "want FLOAT32, UINT8 or INT8"},
		"bias":        {transposeConvModel(tflite.TypeFloat32, tflitetest.Floats(1, 2, 3, 4), tflitetest.Floats(1, 2), nil, tflite.PaddingSame), "must have 1 elements"},
		"padding":     {transposeConvModel(tflite.TypeFloat32, tflitetest.Floats(1, 2, 3, 4), nil, nil, 7), "padding 7"},
		"unquantized": {transposeConvModel(tflite.TypeUint8, []byte{1, 2, 3, 4}, nil, nil, tflite.PaddingSame), "no quantization"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := build(t, tc.m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	// An output shape that is not constant, one that disagrees with the
	// filter's channels.
	m := transposeConvModel(tflite.TypeFloat32, tflitetest.Floats(1, 2, 3, 4), nil, nil, tflite.PaddingSame)
	m.Inputs = append(m.Inputs, 0)
	root := m.Root()
	root[4].([]tflitetest.Table)[1] = tflitetest.Table{} // the shape's buffer
	_, err := New(parseRoot(t, root), &Options{Threads: 1})
	assert.ErrorContains(t, err, "constant INT32[4]")

	m = tflitetest.NewModel()
	shape := m.Tensor("shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 4, 4, 3), nil)
	filter := m.Tensor("filter", tflite.TypeFloat32, []int32{1, 2, 2, 1}, tflitetest.Floats(1, 2, 3, 4), nil)
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 2, 2, 1}, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, nil, nil, nil)
	m.Op(tflite.OpTransposeConv, 3, []int32{shape, filter, in}, []int32{out}, optionsTransposeConv,
		tflitetest.Table{int8(tflite.PaddingSame), int32(2), int32(2)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err = build(t, m)
	assert.ErrorContains(t, err, "want batch 1 and 1 channels")
}

// parseRoot encodes and parses a model's changed root table.
func parseRoot(t *testing.T, root tflitetest.Table) *tflite.Model {
	t.Helper()
	parsed, err := tflite.Parse(tflitetest.Encode(root, "TFL3"))
	require.NoError(t, err)
	return parsed
}

// transposeBiasModel is MediaPipe's Convolution2DTransposeBias over an input
// of shape in with a constant OHWI filter and bias, its custom options the
// raw TfLiteTransposeConvParams (padding, stride width, stride height).
func transposeBiasModel(t *testing.T, in, fs []int32, w, bias []float32, options []byte) *tflite.Model {
	m := tflitetest.NewModel()
	x := m.Tensor("in", tflite.TypeFloat32, in, nil, nil)
	filter := m.Tensor("filter", tflite.TypeFloat32, fs, tflitetest.Floats(w...), nil)
	b := m.Tensor("bias", tflite.TypeFloat32, []int32{fs[0]}, tflitetest.Floats(bias...), nil)
	out := m.Tensor("out", tflite.TypeFloat32, nil, nil, nil)
	m.CustomOp("Convolution2DTransposeBias", []int32{x, filter, b}, []int32{out})
	m.Inputs, m.Outputs = []int32{x}, []int32{out}
	root := m.Root()
	ops := root[2].([]tflitetest.Table)[0][3].([]tflitetest.Table)
	ops[0] = append(ops[0], options)
	return parseRoot(t, root)
}

// mediaPipeOptions encodes a TfLiteTransposeConvParams.
func mediaPipeOptions(padding, strideW, strideH int32) []byte {
	var b []byte
	for _, v := range []int32{padding, strideW, strideH} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

func TestConvolution2DTransposeBias(t *testing.T) {
	// SAME with a 3×3 input, 2×2 filter and stride 2: MediaPipe pads
	// 2 − (3−1) mod 2 − 1 = 1 in total, 0 before, so the output is
	// 2·2 + 2 − 1 = 5 wide and the last row and column of blocks is cut.
	// The bias comes first, then the products.
	parsed := transposeBiasModel(t, []int32{1, 3, 3, 1}, []int32{1, 2, 2, 1}, []float32{1, 2, 3, 4}, []float32{100}, mediaPipeOptions(1, 2, 2))
	it, err := New(parsed, &Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	require.Equal(t, []int{1, 5, 5, 1}, it.Output(0).Shape)
	copy(it.Input(0).Float32s(), []float32{1, 0, 0, 0, 0, 0, 0, 0, 2})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{
		101, 102, 100, 100, 100,
		103, 104, 100, 100, 100,
		100, 100, 100, 100, 100,
		100, 100, 100, 100, 100,
		100, 100, 100, 100, 102}, it.Output(0).Float32s())

	// VALID: the full 6×6.
	parsed = transposeBiasModel(t, []int32{1, 3, 3, 1}, []int32{1, 2, 2, 1}, []float32{1, 2, 3, 4}, []float32{0}, mediaPipeOptions(2, 2, 2))
	it, err = New(parsed, &Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	assert.Equal(t, []int{1, 6, 6, 1}, it.Output(0).Shape)

	for _, bad := range []struct {
		options []byte
		want    string
	}{
		{mediaPipeOptions(0, 2, 2), "padding 0"},
		{mediaPipeOptions(1, 0, 2), "strides"},
		{[]byte{1, 0, 0, 0}, "custom options hold 4 bytes"},
	} {
		parsed = transposeBiasModel(t, []int32{1, 3, 3, 1}, []int32{1, 2, 2, 1}, []float32{1, 2, 3, 4}, []float32{0}, bad.options)
		_, err = New(parsed, &Options{Threads: 1})
		assert.ErrorContains(t, err, bad.want)
	}
}

// TestSelfieSegmentationMatchesLiteRT runs MediaPipe's selfie segmentation
// (its upsampling is a Convolution2DTransposeBias) on a photo and compares
// the mask with LiteRT.js's on the same tensor. The model comes from npm's
// @mediapipe/selfie_segmentation (not in the repository): set
// PERCEPT_SELFIE_SEGMENTATION to its selfie_segmentation.tflite.
func TestSelfieSegmentationMatchesLiteRT(t *testing.T) {
	model := os.Getenv("PERCEPT_SELFIE_SEGMENTATION")
	if model == "" {
		t.Skip("set PERCEPT_SELFIE_SEGMENTATION to MediaPipe's selfie_segmentation.tflite (npm pack @mediapipe/selfie_segmentation)")
	}
	ref := testmodels.LiteRTJS(t)
	photo := testmodels.Path(t, "images", "messi5.jpg")
	m, err := tflite.Open(model)
	require.NoError(t, err)
	defer m.Close()
	it, err := New(m, &Options{Threads: 2})
	require.NoError(t, err)
	defer it.Close()

	// The photo resized (nearest) to the input, in [0, 1] as MediaPipe
	// feeds it.
	f, err := os.Open(photo)
	require.NoError(t, err)
	img, _, err := image.Decode(f)
	f.Close()
	require.NoError(t, err)
	input := it.Input(0)
	h, w := input.Shape[1], input.Shape[2]
	px, b := input.Float32s(), img.Bounds()
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x*b.Dx()/w, b.Min.Y+y*b.Dy()/h).RGBA()
			for c, v := range []uint32{r, g, bl} {
				px[(y*w+x)*3+c] = float32(v>>8) / 255
			}
		}
	}
	in := filepath.Join(t.TempDir(), "in.npy")
	writeNPY(t, in, "<f4", input)
	require.NoError(t, it.Invoke())

	want, err := npy.ReadFile(ref.Run(t, model, in)[0][0])
	require.NoError(t, err)
	wantF, err := want.Float32s()
	require.NoError(t, err)
	got := it.Output(0).Float32s()
	require.Len(t, got, len(wantF))
	var worst float64
	flips, person := 0, 0
	for i, v := range got {
		worst = max(worst, math.Abs(float64(v-wantF[i])))
		if (v > 0.5) != (wantF[i] > 0.5) {
			flips++
		}
		if wantF[i] > 0.5 {
			person++
		}
	}
	t.Logf("selfie segmentation vs LiteRT.js: max |Δ| %.3g, %d of %d pixels above 0.5 in LiteRT.js, %d on the other side in percept", worst, person, len(got), flips)
	assert.Greater(t, person, len(got)/20, "the photo's person")
	assert.Less(t, worst, 1e-3)
	assert.LessOrEqual(t, flips, len(got)/1000)
	assert.Zero(t, testing.AllocsPerRun(5, func() { _ = it.Invoke() }), "heap allocations per Invoke, 2 threads")
}
