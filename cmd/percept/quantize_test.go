package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// The float models the optimization commands are tested on.
var (
	floatMobileNet = []string{"classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"}
	floatBlazeFace = []string{"float16", "face_detection_front.tflite"}
)

var sizeLine = regexp.MustCompile(`(?m)^(file|zip) +(\d+) → (\d+) bytes \(\d+\.\d+×\)$`)

// sizes returns the before and after sizes of "file" and "zip" lines of an
// optimization command's output.
func sizes(t *testing.T, stdout string) (file, zip [2]int64) {
	t.Helper()
	rows := sizeLine.FindAllStringSubmatch(stdout, -1)
	require.Len(t, rows, 2, "file and zip sizes in:\n%s", stdout)
	for _, r := range rows {
		a, err := strconv.ParseInt(r[2], 10, 64)
		require.NoError(t, err)
		b, err := strconv.ParseInt(r[3], 10, 64)
		require.NoError(t, err)
		if r[1] == "file" {
			file = [2]int64{a, b}
		} else {
			zip = [2]int64{a, b}
		}
	}
	return file, zip
}

// openWritten opens a model a command wrote, for the test's duration.
func openWritten(t *testing.T, path string) *tflite.Model {
	t.Helper()
	m, err := tflite.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// requireRuns builds an interpreter on the model at path and runs it once.
func requireRuns(t *testing.T, path string) {
	t.Helper()
	it, err := nn.New(openWritten(t, path), &nn.Options{Threads: 2})
	require.NoError(t, err)
	defer it.Close()
	require.NoError(t, it.Invoke())
}

// bestClasses classifies every shared photo with the model at path, whose
// labels the classifier must find, and returns each photo's best class.
func bestClasses(t *testing.T, path string) []models.Class {
	t.Helper()
	c, err := models.NewClassifier(openWritten(t, path), &models.Options{Threads: 2, MaxResults: 1})
	require.NoError(t, err)
	defer c.Close()
	require.Len(t, c.Labels(), 1001, "the labels zipped onto the model survive")
	files, err := filepath.Glob(filepath.Join(testmodels.Path(t, "images"), "*.*"))
	require.NoError(t, err)
	var out []models.Class
	for _, f := range files {
		img, err := models.LoadImage(f)
		if err != nil {
			continue // not a photo
		}
		classes, err := c.Classify(context.Background(), img)
		require.NoError(t, err)
		out = append(out, classes[0])
	}
	require.GreaterOrEqual(t, len(out), 20)
	return out
}

// TestQuantizeFP16 runs percept quantize -mode fp16 on the float models:
// half the file, float16 constants behind DEQUANTIZE v2, no float32
// constant left, and for MobileNet the labels and every photo's best class
// kept.
func TestQuantizeFP16(t *testing.T) {
	skipInShort(t)
	for _, c := range []struct {
		model    []string
		maxRatio float64
	}{
		// BlazeFace's graph is large beside its weights: TFLite's own
		// float16 twin (face_detection_short_range.tflite, 229032 bytes) is
		// 0.541 of the float file; percept must not be larger.
		{floatMobileNet, 0.52},
		{floatBlazeFace, 229032.0 / 423256},
	} {
		t.Run(c.model[1], func(t *testing.T) {
			in := testmodels.Path(t, c.model...)
			out := filepath.Join(t.TempDir(), "fp16.tflite")
			r := runCLI(t, "quantize", "-mode", "fp16", "-o", out, in)
			requireSuccess(t, r)
			file, zip := sizes(t, r.stdout)
			st, err := os.Stat(out)
			require.NoError(t, err)
			assert.Equal(t, st.Size(), file[1])
			t.Logf("%s fp16: file %d → %d (%.3f×), zip %d → %d (%.3f×)", c.model[1], file[0], file[1],
				float64(file[1])/float64(file[0]), zip[0], zip[1], float64(zip[1])/float64(zip[0]))
			assert.LessOrEqual(t, float64(file[1]), c.maxRatio*float64(file[0]))
			n := regexp.MustCompile(`(?m)^(\d+) constant tensors FLOAT32 → FLOAT16`).FindStringSubmatch(r.stdout)
			require.NotNil(t, n, r.stdout)

			m := openWritten(t, out)
			dequantize, float16 := 0, 0
			for _, op := range m.Subgraphs[0].Operators {
				if code := m.OperatorCodes[op.OpcodeIndex]; code.Builtin == tflite.OpDequantize {
					assert.Equal(t, int32(2), code.Version)
					dequantize++
				}
			}
			for _, tt := range m.Subgraphs[0].Tensors {
				if len(m.Buffers[tt.Buffer].Data) > 0 {
					assert.NotEqual(t, tflite.TypeFloat32, tt.Type, "%q: no float32 constant left", tt.Name)
					if tt.Type == tflite.TypeFloat16 {
						float16++
					}
				}
			}
			assert.Equal(t, n[1], strconv.Itoa(dequantize))
			assert.Equal(t, dequantize, float16)
			requireRuns(t, out)
			if c.model[0] == "classification" {
				want, got := bestClasses(t, in), bestClasses(t, out)
				for i := range want {
					assert.Equal(t, want[i].Label, got[i].Label, "photo %d", i)
				}
			}
		})
	}
}

// TestOptimizeCommandLineErrors checks the usage errors of quantize, prune
// and cluster: exit code 2, one line, nothing written.
func TestOptimizeCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.tflite", emptyModel)
	out := filepath.Join(dir, "out.tflite")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"quantize", "-o", out, in}, `-mode "": want one of fp16, dynamic, int8`},
		{[]string{"quantize", "-mode", "int8", "-o", out, in}, "-mode int8 needs -calibrate DIR|GLOB"},
		{[]string{"quantize", "-mode", "int8", "-calibrate", dir, "-samples", "0", "-o", out, in}, "-samples 0: want at least 1"},
		{[]string{"quantize", "-mode", "int8", "-calibrate", dir, "-io", "int16", "-o", out, in}, `-io "int16": want float, uint8 or int8`},
		{[]string{"quantize", "-mode", "fp16", "-calibrate", dir, "-o", out, in}, "-calibrate is for -mode int8"},
		{[]string{"quantize", "-mode", "dynamic", "-io", "uint8", "-o", out, in}, "-io is for -mode int8"},
		{[]string{"quantize", "-mode", "fp16", "-correct-bias", "-o", out, in}, "-correct-bias is for -mode int8"},
		{[]string{"quantize", "-mode", "fp16", "-calibration", "mse", "-o", out, in}, "-calibration is for -mode int8"},
		{[]string{"quantize", "-mode", "int8", "-calibrate", dir, "-calibration", "kl", "-o", out, in}, `-calibration "kl": want minmax, percentile, mse or entropy`},
		{[]string{"quantize", "-mode", "int8", "-calibrate", dir, "-calibration", "mse", "-percentile", "99", "-o", out, in}, "-percentile is for -calibration percentile"},
		{[]string{"quantize", "-mode", "int8", "-calibrate", dir, "-calibration", "percentile", "-percentile", "50", "-o", out, in}, "-percentile 50: want it in (50, 100]"},
		{[]string{"quantize", "-mode", "int4", "-o", out, in}, `-mode "int4"`},
		{[]string{"quantize", "-mode", "fp16", in}, "-o OUT.tflite is required"},
		{[]string{"quantize", "-mode", "fp16", "-o", in, in}, "is the input model"},
		{[]string{"quantize", "-mode", "fp16", "-o", filepath.Join(dir, ".", "in.tflite"), in}, "is the input model"},
		{[]string{"quantize", "-mode", "fp16", "-o", out}, "want one input model, got 0"},
		{[]string{"quantize", "-mode", "fp16", "-o", out, in, in}, "want one input model, got 2"},
		{[]string{"prune", "-sparsity", "1", "-o", out, in}, "-sparsity 1 is outside [0, 1)"},
		{[]string{"prune", "-sparsity", "-0.1", "-o", out, in}, "-sparsity -0.1 is outside [0, 1)"},
		{[]string{"prune", "-sparsity", "NaN", "-o", out, in}, "-sparsity NaN is outside [0, 1)"},
		{[]string{"prune", "-pattern", "2:4", "-sparsity", "0.75", "-o", out, in}, "-pattern 2:4 means -sparsity 0.5"},
		{[]string{"prune", "-pattern", "4:8", "-o", out, in}, `-pattern "4:8"`},
		{[]string{"prune", in}, "-o OUT.tflite is required"},
		{[]string{"prune", "-o", in, in}, "is the input model"},
		{[]string{"cluster", "-clusters", "1", "-o", out, in}, "-clusters 1 is outside [2, 256]"},
		{[]string{"cluster", "-clusters", "257", "-o", out, in}, "-clusters 257 is outside [2, 256]"},
		{[]string{"cluster", in}, "-o OUT.tflite is required"},
		{[]string{"cluster", "-o", in, in}, "is the input model"},
	} {
		r := runCLI(t, c.args...)
		assertOneLineFailure(t, r, 2, c.want)
		assert.Empty(t, r.stdout)
		assert.NoFileExists(t, out)
	}
	// A model with nothing to change is a failure (exit 1), not a usage error.
	r := runCLI(t, "quantize", "-mode", "fp16", "-o", out, in)
	assertOneLineFailure(t, r, 1, "no FLOAT32 constant")
	assert.NoFileExists(t, out)
}

// TestQuantizeInt8 runs percept quantize -mode int8 on MobileNet with each
// -io: it calibrates on the shared photos, prints what it changed, and the
// written model classifies with the float model's labels, its inputs and
// outputs of the type asked for.
func TestQuantizeInt8(t *testing.T) {
	skipInShort(t)
	in := testmodels.Path(t, floatMobileNet...)
	photos := testmodels.Path(t, "images")
	for _, c := range []struct {
		io  string
		typ tflite.TensorType
	}{{"float", tflite.TypeFloat32}, {"uint8", tflite.TypeUint8}, {"int8", tflite.TypeInt8}} {
		t.Run(c.io, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "int8.tflite")
			r := runCLI(t, "quantize", "-mode", "int8", "-calibrate", photos, "-samples", "8", "-io", c.io, "-o", out, in)
			requireSuccess(t, r)
			assert.Contains(t, r.stdout, "calibrated on 8 images")
			assert.Regexp(t, `\d+ constant tensors → INT8 weights .* \d+ activations → INT8, \d+ operators added; inputs and outputs `+c.typ.String(), r.stdout)
			file, _ := sizes(t, r.stdout)
			t.Logf("int8 -io %s: file %d → %d (%.3f×)", c.io, file[0], file[1], float64(file[1])/float64(file[0]))
			assert.LessOrEqual(t, float64(file[1]), 0.3*float64(file[0]))
			m := openWritten(t, out)
			sg := &m.Subgraphs[0]
			assert.Equal(t, c.typ, sg.Tensors[sg.Inputs[0]].Type)
			assert.Equal(t, c.typ, sg.Tensors[sg.Outputs[0]].Type)
			bestClasses(t, out) // the labels survive and it classifies
		})
	}
	// -correct-bias.
	out := filepath.Join(t.TempDir(), "corrected.tflite")
	r := runCLI(t, "quantize", "-mode", "int8", "-calibrate", photos, "-samples", "6", "-correct-bias", "-o", out, in)
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, "28 biases corrected for the mean quantization error on 6 images")
	assert.Contains(t, r.stdout, "ranges: each activation's minimum and maximum over the images (minmax)")
	bestClasses(t, out)

	// -calibration percentile and mse narrow some ranges.
	for _, args := range [][]string{{"-calibration", "percentile", "-percentile", "99.9"}, {"-calibration", "mse"}, {"-calibration", "entropy"}} {
		out := filepath.Join(t.TempDir(), "ranges.tflite")
		r := runCLI(t, slices.Concat([]string{"quantize", "-mode", "int8", "-calibrate", photos, "-samples", "4"}, args, []string{"-o", out, in})...)
		requireSuccess(t, r)
		assert.Regexp(t, `ranges: (percentile \(99\.9 %\)|mse|entropy), [1-9]\d* of \d+ recorded ranges narrowed`, r.stdout)
		bestClasses(t, out)
	}

	// A float16 model is widened first, and its size compared with the
	// float32 model's too.
	out = filepath.Join(t.TempDir(), "short_range_int8.tflite")
	r = runCLI(t, "quantize", "-mode", "int8", "-calibrate", filepath.Join(photos, "*.jpg"), "-samples", "2", "-o", out,
		testmodels.Path(t, "float16", "face_detection_short_range.tflite"))
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, "FLOAT16 constants widened to FLOAT32 first")
	assert.Regexp(t, `beside the float32 model \(\d+ bytes\): 0\.\d+×`, r.stdout)
	requireRuns(t, out)

	// A glob, and images that are not images.
	dir := t.TempDir()
	writeFile(t, dir, "a.jpg", []byte("not a jpeg"))
	r = runCLI(t, "quantize", "-mode", "int8", "-calibrate", filepath.Join(dir, "*.jpg"), "-o", filepath.Join(dir, "out.tflite"), in)
	assertOneLineFailure(t, r, 1, "calibration image")
	r = runCLI(t, "quantize", "-mode", "int8", "-calibrate", filepath.Join(dir, "*.png"), "-o", filepath.Join(dir, "out.tflite"), in)
	assertOneLineFailure(t, r, 1, "no images")
	r = runCLI(t, "quantize", "-mode", "int8", "-calibrate", photos, "-o", filepath.Join(dir, "out.tflite"),
		testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_quant.tflite"))
	assertOneLineFailure(t, r, 1, `input "input" is UINT8: -mode int8 quantizes float models`)
	assert.NoFileExists(t, filepath.Join(dir, "out.tflite"))
}

// TestQuantizeDynamic runs percept quantize -mode dynamic on MobileNet:
// int8 weights, a smaller file, and the model still classifies.
func TestQuantizeDynamic(t *testing.T) {
	skipInShort(t)
	in := testmodels.Path(t, floatMobileNet...)
	out := filepath.Join(t.TempDir(), "dynamic.tflite")
	r := runCLI(t, "quantize", "-mode", "dynamic", "-o", out, in)
	requireSuccess(t, r)
	assert.Regexp(t, `\d+ weight tensors FLOAT32 → INT8`, r.stdout)
	file, _ := sizes(t, r.stdout)
	assert.Less(t, float64(file[1]), 0.3*float64(file[0]))
	bestClasses(t, out)
}

// TestCalibrationImages lists a labelled folder (one subfolder per class)
// and spreads a capped selection over it.
func TestCalibrationImages(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"cat/1.jpg", "cat/2.JPG", "dog/1.png", "dog/notes.txt", "fish/1.bmp", "fish/2.gif"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755))
		writeFile(t, dir, f, []byte("x"))
	}
	files, err := calibrationImages(dir)
	require.NoError(t, err)
	var rel []string
	for _, f := range files {
		r, err := filepath.Rel(dir, f)
		require.NoError(t, err)
		rel = append(rel, filepath.ToSlash(r))
	}
	assert.Equal(t, []string{"cat/1.jpg", "cat/2.JPG", "dog/1.png", "fish/1.bmp", "fish/2.gif"}, rel)
	assert.Equal(t, []string{files[0], files[2]}, spread(files, 2), "one from each half")
	assert.Equal(t, files, spread(files, 10))
	_, err = calibrationImages(filepath.Join(dir, "dog", "*.txt"))
	require.NoError(t, err) // a glob takes what it matches
	_, err = calibrationImages(filepath.Join(dir, "nothing*"))
	require.ErrorContains(t, err, "no images")
}
