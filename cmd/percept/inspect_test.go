package main

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
)

var (
	operatorsHeader = regexp.MustCompile(`(?m)^operators \((\d+)\):$`)
	operatorRow     = regexp.MustCompile(`^\s+(\d+)\s+(\S.*)$`)
)

// requireOperatorTable checks that out lists operators as "operators (N):"
// followed by rows "count name" whose counts add up to N, and returns the
// rows as name → count.
func requireOperatorTable(t *testing.T, out string) map[string]int {
	t.Helper()
	m := operatorsHeader.FindStringSubmatchIndex(out)
	require.NotNil(t, m, "no operator list in:\n%s", out)
	total, err := strconv.Atoi(out[m[2]:m[3]])
	require.NoError(t, err)
	rows := map[string]int{}
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
	}
	require.NotEmpty(t, rows, "no operator rows in:\n%s", out)
	assert.Equal(t, total, sum, "operator counts add up to the total:\n%s", out)
	return rows
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
		},
		{
			model:   []string{"classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"},
			wantOps: map[string]int{"CONV_2D": 15, "DEPTHWISE_CONV_2D": 13, "SOFTMAX": 1},
			want:    []string{"FLOAT32 [1 224 224 3]", "FLOAT32 [1 1001]", "normalization mean [127.5] std [127.5]", "1001 lines"},
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
		},
		{
			model:   []string{"detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite"},
			wantOps: map[string]int{"custom edgetpu-custom-op": 1, "custom TFLite_Detection_PostProcess": 1},
			want:    []string{"FLOAT32 [1 20 4]", "metadata: none", "percept cannot run it"},
		},
		{
			model:   []string{"float16", "face_detection_short_range.tflite"},
			wantOps: map[string]int{"DEQUANTIZE": 0, "CONV_2D": 0},
			want:    []string{"FLOAT32 [1 128 128 3]"},
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
			requireSuccess(t, r)
			assert.Contains(t, r.stdout, path)
			rows := requireOperatorTable(t, r.stdout)
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
			requireSuccess(t, r)
			for _, section := range []string{"inputs:\n", "outputs:\n", "metadata: "} {
				assert.Contains(t, r.stdout, section)
			}
			requireOperatorTable(t, r.stdout)
		})
	}
}

// defaultKernels is the kernel target percept picks on this CPU, which
// inspect names.
var defaultKernels = func() string {
	target, err := kernels.ResolveTarget("")
	if err != nil {
		panic(err)
	}
	return target
}()
