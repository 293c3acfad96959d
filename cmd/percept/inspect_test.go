package main

import (
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

var (
	operatorsHeader = regexp.MustCompile(`(?m)^operators \((\d+)\):$`)
	operatorRow     = regexp.MustCompile(`^\s+(\d+)\s+(\S.*? v\d+)(  <- not supported by percept)?$`)
)

// requireOperatorTable checks that out lists operators as "operators (N):"
// followed by rows "count name vVERSION" whose counts add up to N, and
// returns the rows as name → count, and the rows marked unsupported.
func requireOperatorTable(t *testing.T, out string) (rows map[string]int, unsupported []string) {
	t.Helper()
	m := operatorsHeader.FindStringSubmatchIndex(out)
	require.NotNil(t, m, "no operator list in:\n%s", out)
	total, err := strconv.Atoi(out[m[2]:m[3]])
	require.NoError(t, err)
	rows = map[string]int{}
	sum := 0
	for _, line := range strings.Split(out[m[1]:], "\n")[1:] {
		row := operatorRow.FindStringSubmatch(line)
		if row == nil {
			break
		}
		n, err := strconv.Atoi(row[1])
		require.NoError(t, err)
		rows[row[2]] = n
		sum += n
		if row[3] != "" {
			unsupported = append(unsupported, row[2])
		}
	}
	require.NotEmpty(t, rows, "no operator rows in:\n%s", out)
	assert.Equal(t, total, sum, "operator counts add up to the total:\n%s", out)
	return rows, unsupported
}

// TestInspectModels checks inspect's report on the shared models against
// what their manifest and architectures say.
func TestInspectModels(t *testing.T) {
	cases := []struct {
		model []string
		// wantOps maps operator names (without version) to their count, or
		// to 0 when only presence is checked.
		wantOps map[string]int
		// want are further parts of the report: inputs, outputs,
		// quantization, metadata, labels, runnability.
		want []string
		// task is the task line; cannot is true when percept cannot run
		// the model.
		task   string
		cannot bool
	}{
		{
			// MobileNet v1: a first convolution, 13 depthwise-separable
			// blocks (depthwise + pointwise) and a 1×1 convolution as the
			// classifier: 15 CONV_2D, 13 DEPTHWISE_CONV_2D.
			model:   []string{"classification", "mobilenet_v1_0.25_224_quant.tflite"},
			wantOps: map[string]int{"CONV_2D": 15, "DEPTHWISE_CONV_2D": 13, "AVERAGE_POOL_2D": 1, "SOFTMAX": 1},
			want: []string{
				`"input" UINT8 [1 224 224 3] scale 0.0078125 zero point 128`,
				"UINT8 [1 1001]",
				"metadata: \"MobileNetV1 image classifier (quantized)\"",
				"associated file labels.txt", "1001 lines",
				"percept runs it", "kernels: " + defaultKernels,
			},
			task: "task: classifier (models.NewClassifier, percept classify)",
		},
		{
			model:   []string{"classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"},
			wantOps: map[string]int{"CONV_2D": 15, "DEPTHWISE_CONV_2D": 13, "SOFTMAX": 1},
			want:    []string{"FLOAT32 [1 224 224 3]", "FLOAT32 [1 1001]", "normalization mean [127.5] std [127.5]", "1001 lines"},
			task:    "task: classifier",
		},
		{
			model:   []string{"classification", "mobilenet_v2_1.0_224_quant.tflite"},
			wantOps: map[string]int{"CONV_2D": 0, "DEPTHWISE_CONV_2D": 0, "ADD": 0},
			want:    []string{"UINT8 [1 224 224 3]", "metadata: none"},
		},
		{
			model:   []string{"classification", "tf2_mobilenet_v2_1.0_224_ptq.tflite"},
			wantOps: map[string]int{"QUANTIZE": 2, "CONV_2D": 0, "MEAN": 0},
			want:    []string{"UINT8 [1 224 224 3]", "UINT8 [1 1001]", "imagenet_labels.txt"},
		},
		{
			model:   []string{"detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"},
			wantOps: map[string]int{"CONV_2D": 0, "DEPTHWISE_CONV_2D": 13, "RESHAPE": 0, "CONCATENATION": 0, "LOGISTIC": 1, "custom TFLite_Detection_PostProcess": 1},
			want: []string{
				"UINT8 [1 300 300 3] scale 0.0078125 zero point 128",
				`"TFLite_Detection_PostProcess:3" FLOAT32`,
				"associated file labelmap.txt", "90 lines",
			},
			task: "task: detector (models.NewDetector, percept detect)",
		},
		{
			model:   []string{"detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite"},
			wantOps: map[string]int{"custom edgetpu-custom-op": 1, "custom TFLite_Detection_PostProcess": 1},
			want:    []string{"FLOAT32 [1 20 4]", "metadata: none", "percept cannot run it", "hint: this model was compiled for a Coral Edge TPU"},
			task:    "task: detector (models.NewDetector, percept detect), once percept supports its operators",
			cannot:  true,
		},
		{
			model:   []string{"float16", "face_detection_short_range.tflite"},
			wantOps: map[string]int{"DEQUANTIZE": 0, "CONV_2D": 0},
			want:    []string{"FLOAT32 [1 128 128 3]"},
			task:    "task: faces (models.NewFaceDetector, percept faces)",
		},
		{
			model:   []string{"float16", "hand_landmark_lite.tflite"},
			wantOps: map[string]int{"DEQUANTIZE": 0, "FULLY_CONNECTED": 0, "MEAN": 0, "LOGISTIC": 0},
			want:    []string{"FLOAT32 [1 224 224 3]"},
		},
		{
			model:   []string{"tflm", "person_detect.tflite"},
			wantOps: map[string]int{"CONV_2D": 0, "DEPTHWISE_CONV_2D": 0},
			want:    []string{"INT8 [1 96 96 1]", "INT8 [1 2]", "metadata: none"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.model[len(tc.model)-1], func(t *testing.T) {
			path := testmodels.Path(t, tc.model...)
			r := runCLI(t, "inspect", path)
			if tc.cannot {
				assertOneLineFailure(t, r, 1, "percept cannot run this model")
			} else {
				requireSuccess(t, r)
			}
			assert.Contains(t, r.stdout, path)
			if tc.task != "" {
				assert.Contains(t, r.stdout, "\n"+tc.task)
			}
			rows, _ := requireOperatorTable(t, r.stdout)
			counts := map[string]int{}
			for name, n := range rows {
				// Rows read "NAME vVERSION".
				op := name[:strings.LastIndex(name, " v")]
				counts[op] += n
			}
			for op, n := range tc.wantOps {
				require.Contains(t, counts, op, r.stdout)
				if n > 0 {
					assert.Equal(t, n, counts[op], "%s count", op)
				}
			}
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

// TestInspectEveryModel runs inspect on every model in shared/models.
func TestInspectEveryModel(t *testing.T) {
	root := testmodels.Path(t)
	var paths []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".tflite") {
			paths = append(paths, path)
		}
		return err
	}))
	require.NotEmpty(t, paths)
	for _, path := range paths {
		rel, err := filepath.Rel(root, path)
		require.NoError(t, err)
		t.Run(rel, func(t *testing.T) {
			r := runCLI(t, "inspect", path)
			for _, section := range []string{"inputs:\n", "outputs:\n", "metadata: ", "\ntask: "} {
				assert.Contains(t, r.stdout, section)
			}
			_, marked := requireOperatorTable(t, r.stdout)
			requireUnsupportedReport(t, path, r, marked)
		})
	}
}

// defaultKernels is the kernel target percept picks on this CPU, which
// inspect names: the best one nn.KernelTargets lists.
var defaultKernels = nn.KernelTargets()[0]

// requireUnsupportedReport checks inspect's verdict on the model at path
// against nn.New's: exit 0 and "percept runs it" when nn.New builds an
// interpreter; otherwise exit 1 after the whole report, and, for
// unsupported operators, every one of them marked in the operator table
// and listed with its count.
func requireUnsupportedReport(t *testing.T, path string, r cliResult, marked []string) {
	t.Helper()
	m, err := tflite.Open(path)
	require.NoError(t, err)
	defer m.Close()
	it, err := nn.New(m, &nn.Options{Threads: 1})
	if err == nil {
		it.Close()
		requireSuccess(t, r)
		assert.Contains(t, r.stdout, "percept runs it")
		assert.Empty(t, marked)
		return
	}
	assertOneLineFailure(t, r, 1, "percept cannot run this model")
	assert.Contains(t, r.stdout, "percept cannot run it: ")
	var ue *nn.UnsupportedError
	if !errors.As(err, &ue) {
		assert.Empty(t, marked)
		return
	}
	require.True(t, errors.Is(err, nn.ErrUnsupported))
	var want []string
	for _, op := range ue.Ops {
		name := op.Name + " v" + strconv.Itoa(int(op.Version))
		want = append(want, name)
		assert.Regexp(t, `(?m)^unsupported operators \(`+strconv.Itoa(len(ue.Ops))+`\):$`, r.stdout)
		assert.Regexp(t, `(?m)^\s+`+strconv.Itoa(op.Count)+`\s+`+regexp.QuoteMeta(name)+`\b`, r.stdout)
	}
	assert.ElementsMatch(t, want, marked, "every unsupported operator is marked in the table")
	assert.Equal(t, ue.EdgeTPU, strings.Contains(r.stdout, "hint: this model was compiled for a Coral Edge TPU"))
}

// TestInspectHandMade runs inspect on models made for the test: one with
// several unsupported operators, one compiled for the Edge TPU, one percept
// runs that fits no task, and a classifier.
func TestInspectHandMade(t *testing.T) {
	dir := t.TempDir()
	image := []int32{1, 1, 1, 3}
	fancy := handOp{custom: "FancyOp"}
	unsupported := writeFile(t, dir, "unsupported.tflite", handModel(image,
		fancy, handOp{builtin: tflite.OpLSTM}, fancy, handOp{custom: "OtherOp"}))
	edgeTPU := writeFile(t, dir, "edgetpu.tflite", handModel(image, handOp{custom: "edgetpu-custom-op"}))
	notAnImage := writeFile(t, dir, "vector.tflite", handModel([]int32{1, 4},
		handOp{builtin: tflite.OpAdd, optionsType: tflitetest.OptionsAdd, options: tflitetest.Table{int8(0)}}))
	classifier := writeFile(t, dir, "classifier.tflite", logitClassifier)

	t.Run("unsupported operators", func(t *testing.T) {
		r := runCLI(t, "inspect", unsupported)
		assertOneLineFailure(t, r, 1, "percept cannot run this model")
		rows, marked := requireOperatorTable(t, r.stdout)
		assert.Equal(t, map[string]int{"custom FancyOp v1": 2, "LSTM v1": 1, "custom OtherOp v1": 1}, rows)
		assert.ElementsMatch(t, []string{"custom FancyOp v1", "LSTM v1", "custom OtherOp v1"}, marked)
		assert.Contains(t, r.stdout, "\nunsupported operators (3):\n")
		assert.Contains(t, r.stdout, "\ntask: classifier (models.NewClassifier, percept classify), once percept supports its operators\n")
		assert.NotContains(t, r.stdout, "Edge TPU")
		requireUnsupportedReport(t, unsupported, r, marked)
	})
	t.Run("Edge TPU", func(t *testing.T) {
		r := runCLI(t, "inspect", edgeTPU)
		assertOneLineFailure(t, r, 1, "percept cannot run this model")
		_, marked := requireOperatorTable(t, r.stdout)
		assert.Equal(t, []string{"custom edgetpu-custom-op v1"}, marked)
		assert.Contains(t, r.stdout, "percept cannot run it: 1 unsupported operator (custom edgetpu-custom-op v1)\n")
		assert.Contains(t, r.stdout, "hint: this model was compiled for a Coral Edge TPU")
	})
	t.Run("no task", func(t *testing.T) {
		r := runCLI(t, "inspect", notAnImage)
		requireSuccess(t, r)
		assert.Contains(t, r.stdout, "\ntask: none yet")
		assert.Regexp(t, `(?m)^  detector: \S`, r.stdout)
		assert.Regexp(t, `(?m)^  classifier: \S`, r.stdout)
		assert.Contains(t, r.stdout, "percept runs it")
	})
	t.Run("classifier", func(t *testing.T) {
		r := runCLI(t, "inspect", classifier)
		requireSuccess(t, r)
		assert.Contains(t, r.stdout, "\ntask: classifier (models.NewClassifier, percept classify)\n")
		_, marked := requireOperatorTable(t, r.stdout)
		assert.Empty(t, marked)
	})
}
