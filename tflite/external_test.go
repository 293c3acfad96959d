package tflite_test

import (
	"bytes"
	"os"
	"os/exec"
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
// NN's TFLite parser (../shared/tools/armnn_ref.py on Debian's
// python3-pyarmnn): the outputs must be byte-identical. It runs when
// PERCEPT_ARMNN=1 and that is installed (its reference backend takes a
// minute on these models). Arm NN 20.08 loads no FLOAT16 weights, so the
// float twin of BlazeFace stands for the float16 models here.
func TestWrittenModelsInArmNN(t *testing.T) {
	if testing.Short() || os.Getenv("PERCEPT_ARMNN") != "1" {
		t.Skip("set PERCEPT_ARMNN=1 to run Arm NN (not in -short)")
	}
	script := filepath.Join(testmodels.Path(t), "..", "tools", "armnn_ref.py")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no %s", script)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pyarmnn").Run(); err != nil {
		t.Skip("python3-pyarmnn is not installed (apt-get install python3-pyarmnn libarmnn-cpuref-backend22 libarmnntfliteparser22 python3-pil)")
	}
	for _, em := range []externalModel{
		{"detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", "coco_ssd_mobilenet_v1_quant"},
		{"classification/mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.25_224_quant"},
		{"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "mobilenet_v1_0.25_224_float"},
		{"float16/face_detection_front.tflite", "face_detection_front"},
	} {
		t.Run(em.ref, func(t *testing.T) {
			compareExternal(t, em, func(model, out string, inputs []string) *exec.Cmd {
				return exec.Command("/usr/bin/python3", append([]string{script, model, out}, inputs...)...)
			})
		})
	}
}

// TestWrittenModelsInLiteRTJS runs models as they are and as written with
// LiteRT.js (TFLite in WebAssembly) through
// ../shared/tools/litertjs/litert_oracle.mjs: the outputs must be
// byte-identical. It skips unless PERCEPT_LITERTJS names a copy of that
// folder where `npm install` has been run.
func TestWrittenModelsInLiteRTJS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs LiteRT.js: not in -short")
	}
	dir := os.Getenv("PERCEPT_LITERTJS")
	if dir == "" {
		t.Skip("set PERCEPT_LITERTJS to a copy of shared/tools/litertjs with node_modules to run LiteRT.js")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@litertjs", "core")); err != nil {
		t.Skipf("no @litertjs/core under %s: run npm install there", dir)
	}
	for _, em := range []externalModel{
		{"../tools/litertjs/coco_ssd_mobilenet_v1_quant.shapes.tflite", "coco_ssd_mobilenet_v1_quant"},
		{"classification/mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.25_224_quant"},
		{"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "mobilenet_v1_0.25_224_float"},
		{"float16/face_detection_short_range.tflite", "face_detection_short_range"},
	} {
		t.Run(em.ref, func(t *testing.T) {
			compareExternal(t, em, func(model, out string, inputs []string) *exec.Cmd {
				cmd := exec.Command("node", append([]string{"litert_oracle.mjs", model, out}, inputs...)...)
				cmd.Dir = dir
				return cmd
			})
		})
	}
}

// compareExternal writes em's model with percept, runs the original and
// the written file through the loader command on the reference inputs, and
// requires the same output files.
func compareExternal(t *testing.T, em externalModel, command func(model, out string, inputs []string) *exec.Cmd) {
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
	tmp := t.TempDir()
	written := filepath.Join(tmp, "written.tflite")
	require.NoError(t, os.WriteFile(written, out, 0o600))
	for _, run := range []struct{ model, out string }{{original, "original"}, {written, "written"}} {
		cmd := command(run.model, filepath.Join(tmp, run.out), inputs)
		output, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", run.out, output)
	}
	outputs, err := filepath.Glob(filepath.Join(tmp, "original", "*output_*.npy"))
	require.NoError(t, err)
	require.NotEmpty(t, outputs)
	for _, f := range outputs {
		want, err := os.ReadFile(f)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(tmp, "written", filepath.Base(f)))
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "%s differs", filepath.Base(f))
	}
	t.Logf("%d outputs on %d inputs identical", len(outputs), len(inputs))
}
