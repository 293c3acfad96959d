package tflite_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/tflite"
)

// externalModel is a model that the external loaders run as it is and as
// percept writes it.
type externalModel struct {
	file string // under shared/models, or under shared/tools/litertjs for the .shapes copies
	ref  string // folder of reference inputs under reference/armnn
}

// TestWrittenModelsInArmNN runs models as they are and as written with Arm
// NN's TFLite parser (testmodels.ArmNN): the outputs must be
// byte-identical. It runs when PERCEPT_ARMNN=1 and that is installed (its
// reference backend takes a minute on these models). Arm NN 20.08 loads no
// FLOAT16 weights, so the float twin of BlazeFace stands for the float16
// models here.
func TestWrittenModelsInArmNN(t *testing.T) {
	ref := testmodels.ArmNN(t)
	for _, em := range []externalModel{
		{"detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", "coco_ssd_mobilenet_v1_quant"},
		{"classification/mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.25_224_quant"},
		{"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "mobilenet_v1_0.25_224_float"},
		{"float16/face_detection_front.tflite", "face_detection_front"},
	} {
		t.Run(em.ref, func(t *testing.T) { compareExternal(t, em, ref) })
	}
}

// TestWrittenModelsInLiteRTJS runs models as they are and as written with
// LiteRT.js (TFLite in WebAssembly, testmodels.LiteRTJS): the outputs must
// be byte-identical. It skips unless PERCEPT_LITERTJS names a copy of
// ../shared/tools/litertjs where `npm install` has been run.
func TestWrittenModelsInLiteRTJS(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	for _, em := range []externalModel{
		{"../tools/litertjs/coco_ssd_mobilenet_v1_quant.shapes.tflite", "coco_ssd_mobilenet_v1_quant"},
		{"classification/mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.25_224_quant"},
		{"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "mobilenet_v1_0.25_224_float"},
		{"float16/face_detection_short_range.tflite", "face_detection_short_range"},
	} {
		t.Run(em.ref, func(t *testing.T) { compareExternal(t, em, ref) })
	}
}

// compareExternal writes em's model with percept, runs the original and
// the written file through ref on the reference inputs, and requires the
// same output bytes.
func compareExternal(t *testing.T, em externalModel, ref *testmodels.Reference) {
	original := testmodels.Path(t, em.file)
	inputs, err := filepath.Glob(filepath.Join(testmodels.Path(t, "reference", "armnn", em.ref), "*.input.npy"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	inputs = inputs[:min(len(inputs), 2)]
	data, err := os.ReadFile(original)
	require.NoError(t, err)
	m, err := tflite.Parse(data)
	require.NoError(t, err)
	out, err := tflite.Write(m)
	require.NoError(t, err)
	written := filepath.Join(t.TempDir(), "written.tflite")
	require.NoError(t, os.WriteFile(written, out, 0o600))
	want := ref.Run(t, original, inputs...)
	got := ref.Run(t, written, inputs...)
	n := 0
	for i := range want {
		require.Len(t, got[i], len(want[i]))
		for k := range want[i] {
			w, err := os.ReadFile(want[i][k])
			require.NoError(t, err)
			g, err := os.ReadFile(got[i][k])
			require.NoError(t, err)
			require.True(t, bytes.Equal(w, g), "%s output %d differs", filepath.Base(inputs[i]), k)
			n++
		}
	}
	t.Logf("%d outputs on %d inputs identical", n, len(inputs))
}
