package optimize_test

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// floatModel is one of the float models of shared/models the transforms
// are tested on, with the reference folder holding its input tensors.
type floatModel struct {
	name, reference string
	path            []string
}

var (
	mobilenet = floatModel{"MobileNet v1 0.25 float", "mobilenet_v1_0.25_224_float",
		[]string{"classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"}}
	blazeface = floatModel{"BlazeFace front float", "face_detection_front",
		[]string{"float16", "face_detection_front.tflite"}}
	floatModels = []floatModel{mobilenet, blazeface}
)

// open opens the model, skipping the test when shared/models lacks it.
func (f floatModel) open(t *testing.T) *tflite.Model {
	t.Helper()
	m, err := tflite.Open(testmodels.Path(t, f.path...))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// inputs returns the model's input tensors (one per photo) that the
// Arm NN reference run fed it.
func (f floatModel) inputs(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testmodels.Path(t, "reference", "armnn", f.reference), "*.input.npy"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no input tensors for %s", f.name)
	var out [][]byte
	for _, file := range files {
		a, err := npy.ReadFile(file)
		require.NoError(t, err)
		out = append(out, a.Data)
	}
	if testing.Short() {
		// The race run (-short, portable kernels) keeps one input.
		out = out[:1]
	}
	return out
}

// run runs m on each input and returns its float32 outputs, per input.
func run(t *testing.T, m *tflite.Model, inputs [][]byte) [][][]float32 {
	t.Helper()
	it, err := nn.New(m, &nn.Options{Threads: 2})
	require.NoError(t, err)
	defer it.Close()
	var out [][][]float32
	for _, in := range inputs {
		require.Equal(t, len(in), len(it.Input(0).Bytes()), "input size")
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

// relativeDeviation returns the largest |got − want| over the largest
// |want| of each output, the worst over all outputs and inputs.
func relativeDeviation(want, got [][][]float32) float64 {
	worst := 0.0
	for i := range want {
		for k := range want[i] {
			scale, dev := 0.0, 0.0
			for j, w := range want[i][k] {
				scale = max(scale, math.Abs(float64(w)))
				dev = max(dev, math.Abs(float64(got[i][k][j])-float64(w)))
			}
			if scale > 0 {
				worst = max(worst, dev/scale)
			}
		}
	}
	return worst
}

// floatValues decodes the float32 data of tensor i of subgraph 0.
func floatValues(t *testing.T, m *tflite.Model, i int) []float32 {
	t.Helper()
	tt := &m.Subgraphs[0].Tensors[i]
	require.Equal(t, tflite.TypeFloat32, tt.Type, "tensor %d %q", i, tt.Name)
	data := m.Buffers[tt.Buffer].Data
	v := make([]float32, len(data)/4)
	for j := range v {
		v[j] = math.Float32frombits(uint32(data[4*j]) | uint32(data[4*j+1])<<8 | uint32(data[4*j+2])<<16 | uint32(data[4*j+3])<<24)
	}
	return v
}
