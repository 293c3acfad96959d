package gorgonia_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"

	gorgonia "github.com/percept-robotics/percept/interop/gorgonia"
)

func parse(t *testing.T, data []byte) *tflite.Model {
	m, err := tflite.Parse(data)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// invokeNew runs m once in a new Interpreter, closed when the test ends,
// with input 0 filled from in; it returns the Interpreter and the
// nn.Interpreter under it.
func invokeNew(ctx context.Context, t *testing.T, m *tflite.Model, in *tensor.Dense) (*gorgonia.Interpreter, *nn.Interpreter) {
	t.Helper()
	it, err := nn.New(m, nil)
	require.NoError(t, err)
	g, err := gorgonia.New(it)
	require.NoError(t, err)
	t.Cleanup(func() { g.Close() })
	require.NoError(t, g.SetInput(0, in))
	require.NoError(t, g.Invoke(ctx))
	return g, it
}

// classifyBurger classifies the embedded burger photo with a new
// Classifier of m, closed when the test ends, keeping the best maxResults
// classes.
func classifyBurger(ctx context.Context, t *testing.T, m *tflite.Model, maxResults int) (*models.Classifier, []models.Class) {
	t.Helper()
	c, err := models.NewClassifier(m, &models.Options{MaxResults: maxResults})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	img, err := models.DecodeImage(bytes.NewReader(assets.BurgerJPEG))
	require.NoError(t, err)
	classes, err := c.Classify(ctx, img)
	require.NoError(t, err)
	return c, classes
}

func TestDtypeAndShape(t *testing.T) {
	for tt, want := range map[tflite.TensorType]tensor.Dtype{
		tflite.TypeFloat32: tensor.Float32, tflite.TypeInt32: tensor.Int32, tflite.TypeInt64: tensor.Int64,
		tflite.TypeUint8: tensor.Uint8, tflite.TypeInt8: tensor.Int8,
	} {
		got, ok := gorgonia.Dtype(tt)
		assert.True(t, ok, "%v", tt)
		assert.Equal(t, want, got, "%v", tt)
	}
	for _, tt := range []tflite.TensorType{tflite.TypeFloat16, tflite.TypeString, tflite.TypeBool, tflite.TypeInt16} {
		_, ok := gorgonia.Dtype(tt)
		assert.False(t, ok, "%v", tt)
	}
	shape := []int{1, 10, 4}
	s := gorgonia.Shape(shape)
	assert.Equal(t, tensor.Shape{1, 10, 4}, s)
	s[0] = 7
	assert.Equal(t, 1, shape[0], "Shape copies")
	assert.True(t, gorgonia.Shape(nil).IsScalar())
}

// TestSSDMobileNetV1 runs the embedded SSD-MobileNet v1 through the
// package: the input a Detector prepared, copied into a gorgonia tensor,
// fills a second interpreter, and its outputs, read as views, are
// bit-identical to the Detector's and give its detections.
func TestSSDMobileNetV1(t *testing.T) {
	ctx := context.Background()
	m := parse(t, assets.DetectorModel)
	d, err := models.NewDetector(m, nil)
	require.NoError(t, err)
	defer d.Close()
	img, err := models.DecodeImage(bytes.NewReader(assets.DogsJPEG))
	require.NoError(t, err)
	dets, err := d.Detect(ctx, img)
	require.NoError(t, err)
	require.NotEmpty(t, dets)

	in, err := gorgonia.View(d.Interpreter().Input(0))
	require.NoError(t, err)
	assert.Equal(t, tensor.Uint8, in.Dtype())
	assert.Equal(t, tensor.Shape{1, 300, 300, 3}, in.Shape())
	q := gorgonia.QuantizationOf(d.Interpreter().Input(0))
	require.NotNil(t, q)
	assert.Equal(t, []float32{d.Interpreter().Input(0).Scale()}, q.Scale)
	assert.Equal(t, []int64{int64(d.Interpreter().Input(0).ZeroPoint())}, q.ZeroPoint)
	image := in.Clone().(*tensor.Dense)

	g, it := invokeNew(ctx, t, m, image)

	want := d.Interpreter().Outputs()
	views := make([]*tensor.Dense, len(want))
	for i, w := range want {
		v, err := g.Output(i)
		require.NoError(t, err)
		assert.Equal(t, tensor.Float32, v.Dtype())
		assert.Equal(t, gorgonia.Shape(w.Shape), v.Shape())
		assert.Equal(t, w.Float32s(), v.Data(), "output %d", i)
		views[i] = v
	}
	// The outputs are boxes [1 10 4], classes, scores [1 10] and count [1].
	count := int(views[3].Data().([]float32)[0])
	require.Len(t, dets, count)
	for k, det := range dets {
		score, err := views[2].At(0, k)
		require.NoError(t, err)
		class, err := views[1].At(0, k)
		require.NoError(t, err)
		assert.Equal(t, det.Score, score, "detection %d", k)
		assert.Equal(t, float32(det.Class), class, "detection %d", k)
	}

	// A view aliases: writing to it writes the interpreter's tensor, and
	// the next Invoke rewrites it.
	require.NoError(t, views[2].SetAt(float32(-1), 0, 0))
	assert.Equal(t, float32(-1), it.Output(2).Float32s()[0])
	require.NoError(t, g.Invoke(ctx))
	assert.Equal(t, dets[0].Score, views[2].Data().([]float32)[0])
	inView, err := g.Input(0)
	require.NoError(t, err)
	require.NoError(t, inView.SetAt(uint8(7), 0, 0, 0, 0))
	assert.Equal(t, uint8(7), it.Input(0).Uint8s()[0])

	// After Close: errors for new views and runs, the old views still read.
	require.NoError(t, g.Close())
	_, err = g.Output(0)
	require.ErrorIs(t, err, nn.ErrClosed)
	_, err = g.Input(0)
	require.ErrorIs(t, err, nn.ErrClosed)
	require.ErrorIs(t, g.SetInput(0, image), nn.ErrClosed)
	require.ErrorIs(t, g.Invoke(ctx), nn.ErrClosed)
	assert.Equal(t, dets[0].Score, views[2].Data().([]float32)[0])
	_, err = tensor.Sum(views[0])
	require.NoError(t, err)

	// The Detector's interpreter closed directly: its views stay readable.
	boxes, err := gorgonia.View(d.Interpreter().Output(0))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	assert.Equal(t, views[0].Data(), boxes.Data())
}

// TestQuantizedClassifier compares the dequantized output of the embedded
// quantized MobileNet with the scores the Classifier reports, and checks
// that FLOAT32 values quantize back to the same input.
func TestQuantizedClassifier(t *testing.T) {
	ctx := context.Background()
	m := parse(t, assets.ClassifierModel)
	c, classes := classifyBurger(ctx, t, m, 5)
	require.Len(t, classes, 5)

	out := c.Interpreter().Output(0)
	view, err := gorgonia.View(out)
	require.NoError(t, err)
	assert.Equal(t, tensor.Uint8, view.Dtype())
	q := gorgonia.QuantizationOf(out)
	require.NotNil(t, q)
	real, err := gorgonia.Dequantize(out)
	require.NoError(t, err)
	assert.Equal(t, tensor.Float32, real.Dtype())
	assert.Equal(t, view.Shape(), real.Shape())
	scores := real.Data().([]float32)
	raw := view.Data().([]uint8)
	for _, cl := range classes {
		assert.InDelta(t, cl.Score, scores[cl.Index], 1e-6, "class %d", cl.Index)
		// By hand: scale × (q − zero point).
		assert.Equal(t, q.Scale[0]*float32(int64(raw[cl.Index])-q.ZeroPoint[0]), scores[cl.Index])
	}
	best, err := tensor.Argmax(real, 1)
	require.NoError(t, err)
	assert.Equal(t, []int{classes[0].Index}, best.Data())

	// The input's real values quantize back to the same bytes.
	in := c.Interpreter().Input(0)
	before := bytes.Clone(in.Uint8s())
	values, err := gorgonia.Dequantize(in)
	require.NoError(t, err)
	clear(in.Uint8s())
	require.NoError(t, gorgonia.Fill(in, values))
	assert.Equal(t, before, in.Uint8s())
}

// TestFloatMobileNet runs the float MobileNet from shared/models: its
// input, copied into a gorgonia tensor, fills a new interpreter whose
// output view matches the Classifier's output bit for bit.
func TestFloatMobileNet(t *testing.T) {
	path := testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	ctx := context.Background()
	m := parse(t, data)
	c, classes := classifyBurger(ctx, t, m, 3)

	in, err := gorgonia.View(c.Interpreter().Input(0))
	require.NoError(t, err)
	assert.Equal(t, tensor.Float32, in.Dtype())
	assert.Nil(t, gorgonia.QuantizationOf(c.Interpreter().Input(0)))
	copyOf := in.Clone().(*tensor.Dense)

	g, it := invokeNew(ctx, t, m, copyOf)
	out, err := g.Output(0)
	require.NoError(t, err)
	assert.Equal(t, c.Interpreter().Output(0).Float32s(), out.Data())
	best, err := tensor.Argmax(out, 1)
	require.NoError(t, err)
	assert.Equal(t, []int{classes[0].Index}, best.Data())
	top, err := out.At(0, classes[0].Index)
	require.NoError(t, err)
	assert.Equal(t, classes[0].Score, top)
	// Dequantize of a FLOAT32 tensor is a copy.
	cp, err := gorgonia.Dequantize(it.Output(0))
	require.NoError(t, err)
	assert.Equal(t, out.Data(), cp.Data())
	cp.Data().([]float32)[0] = 42
	assert.NotEqual(t, float32(42), it.Output(0).Float32s()[0])
}

// TestFillLayouts fills the quantized MobileNet's input from a transposed
// (channels-first) tensor and checks every element lands where its
// logical index says; then the errors.
func TestFillLayouts(t *testing.T) {
	m := parse(t, assets.ClassifierModel)
	it, err := nn.New(m, nil)
	require.NoError(t, err)
	defer it.Close()
	in := it.Input(0)
	require.Equal(t, []int{1, 224, 224, 3}, in.Shape)

	rng := rand.New(rand.NewPCG(1, 2))
	chw := make([]uint8, 3*224*224)
	for i := range chw {
		chw[i] = uint8(rng.Uint32())
	}
	src := tensor.New(tensor.WithShape(1, 3, 224, 224), tensor.WithBacking(chw))
	require.NoError(t, src.T(0, 2, 3, 1))
	require.NoError(t, gorgonia.Fill(in, src))
	got := in.Uint8s()
	for range 500 {
		y, x, c := rng.IntN(224), rng.IntN(224), rng.IntN(3)
		require.Equal(t, chw[(c*224+y)*224+x], got[(y*224+x)*3+c], "y %d x %d c %d", y, x, c)
	}

	// A contiguous slice of a larger tensor.
	big := tensor.New(tensor.WithShape(1, 448, 224, 3), tensor.WithBacking(make([]uint8, 448*224*3)))
	require.NoError(t, big.SetAt(uint8(9), 0, 224, 0, 0))
	second, err := big.Slice(nil, tensor.S(224, 448))
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1, 224, 224, 3}, second.Shape())
	require.NoError(t, gorgonia.Fill(in, second.(*tensor.Dense)))
	assert.Equal(t, uint8(9), got[0])

	wrongShape := tensor.New(tensor.WithShape(1, 224, 224, 4), tensor.WithBacking(make([]uint8, 224*224*4)))
	require.ErrorContains(t, gorgonia.Fill(in, wrongShape), "shape (1, 224, 224, 4)")
	wrongType := tensor.New(tensor.WithShape(1, 224, 224, 3), tensor.WithBacking(make([]int32, 224*224*3)))
	require.ErrorContains(t, gorgonia.Fill(in, wrongType), "the types do not match")
	require.Error(t, gorgonia.Fill(nil, wrongType))
	require.Error(t, gorgonia.Fill(in, nil))
	_, err = gorgonia.View(nil)
	require.Error(t, err)
	_, err = gorgonia.New(nil)
	require.Error(t, err)

	// FLOAT32 quantizes with rounding half away from zero and clamping.
	q := gorgonia.QuantizationOf(in)
	require.NotNil(t, q)
	values := make([]float32, 224*224*3)
	values[0] = 1e9
	values[1] = -1e9
	values[2] = q.Scale[0] * 0.5
	values[3] = q.Scale[0] * -0.5
	values[4] = q.Scale[0] * 0.49
	require.NoError(t, gorgonia.Fill(in, tensor.New(tensor.WithShape(1, 224, 224, 3), tensor.WithBacking(values))))
	zp := uint8(q.ZeroPoint[0])
	assert.Equal(t, []uint8{255, 0, zp + 1, zp - 1, zp, zp}, got[:6])
}

// TestDequantizePerChannel reads a per-channel INT8 weight of the
// post-training-quantized MobileNet v2 from shared/models and checks
// elements against scale[c] × (q − zero point[c]) by hand.
func TestDequantizePerChannel(t *testing.T) {
	data, err := os.ReadFile(testmodels.Path(t, "classification", "tf2_mobilenet_v2_1.0_224_ptq.tflite"))
	require.NoError(t, err)
	m := parse(t, data)
	it, err := nn.New(m, nil)
	require.NoError(t, err)
	defer it.Close()
	checked := 0
	for i := 0; it.Tensor(i) != nil && checked < 3; i++ {
		w := it.Tensor(i)
		if w.Type != tflite.TypeInt8 || !w.IsConstant() || w.Quantization == nil || len(w.Quantization.Scale) < 2 {
			continue
		}
		q := gorgonia.QuantizationOf(w)
		real, err := gorgonia.Dequantize(w)
		require.NoError(t, err)
		view, err := gorgonia.View(w)
		require.NoError(t, err)
		inner := 1
		for _, d := range w.Shape[q.Axis+1:] {
			inner *= d
		}
		values, raw := real.Data().([]float32), view.Data().([]int8)
		rng := rand.New(rand.NewPCG(uint64(i), 3))
		for range 200 {
			k := rng.IntN(len(values))
			c := k / inner % len(q.Scale)
			require.Equal(t, q.Scale[c]*float32(int64(raw[k])-q.ZeroPoint[c]), values[k], "%v element %d", w, k)
		}
		checked++
	}
	require.Equal(t, 3, checked, "per-channel weights found")

	// Constants have no data after Close: an error, not a crash.
	var constant *nn.Tensor
	for i := 0; it.Tensor(i) != nil; i++ {
		if it.Tensor(i).IsConstant() && it.Tensor(i).Type == tflite.TypeInt8 {
			constant = it.Tensor(i)
			break
		}
	}
	require.NoError(t, it.Close())
	_, err = gorgonia.View(constant)
	require.ErrorContains(t, err, "has no data")
	_, err = gorgonia.Dequantize(constant)
	require.ErrorContains(t, err, "has no data")
}
