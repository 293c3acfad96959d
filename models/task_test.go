package models_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

func embeddedClassifierModel(t testing.TB) *tflite.Model {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	return m
}

// TestWrongTaskEmbedded: each embedded model fits its own task and is
// refused by the other, with the error naming what the model has and what
// it looks like.
func TestWrongTaskEmbedded(t *testing.T) {
	ssd, mobilenet := embeddedDetectorModel(t), embeddedClassifierModel(t)
	assert.NoError(t, models.CheckTask(ssd, models.TaskDetector))
	assert.NoError(t, models.CheckTask(mobilenet, models.TaskClassifier))

	_, err := models.NewClassifier(ssd, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4 outputs")
	assert.Contains(t, err.Error(), "looks like a detector: use NewDetector")
	_, err = models.NewClassifierPool(ssd, nil, 2)
	assert.ErrorContains(t, err, "looks like a detector")

	_, err = models.NewDetector(mobilenet, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has 1 output (")
	assert.Contains(t, err.Error(), "UINT8[1 1001]")
	assert.Contains(t, err.Error(), "looks like a classifier: use NewClassifier")
	_, err = models.NewDetectorPool(mobilenet, nil, 2)
	assert.ErrorContains(t, err, "looks like a classifier")

	assert.ErrorContains(t, models.CheckTask(ssd, "depth"), `unknown task "depth"`)
	assert.ErrorContains(t, models.CheckTask(nil, models.TaskDetector), "nil model")
	assert.Equal(t, []models.Task{models.TaskDetector, models.TaskClassifier, models.TaskPose, models.TaskFaces, models.TaskSegmenter}, models.Tasks())
}

// TestRealModelsTasks: every real model of shared/models is accepted or
// refused by each task as what it is says it should be.
func TestRealModelsTasks(t *testing.T) {
	const (
		none = iota
		detector
		classifier
	)
	cases := []struct {
		path string
		task int
		// edgeTPU models fit their task's signature but cannot run here.
		edgeTPU bool
		// probabilities: the classifier's output is a SOFTMAX's (or a
		// quantized copy of one).
		probabilities bool
		// hint: what the refusal says the model looks like.
		hint string
	}{
		{path: "classification/mobilenet_v1_0.25_128_quant.tflite", task: classifier, probabilities: true},
		{path: "classification/mobilenet_v1_0.25_128_quant_edgetpu.tflite", task: classifier, edgeTPU: true},
		{path: "classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", task: classifier, probabilities: true},
		{path: "classification/mobilenet_v1_0.25_224_quant.tflite", task: classifier, probabilities: true},
		// Output scale 0.099, zero point 58: logits from −5.7 to 19.5, no
		// SOFTMAX at the end of this build.
		{path: "classification/mobilenet_v2_1.0_224_quant.tflite", task: classifier, probabilities: false},
		{path: "classification/mobilenet_v2_1.0_224_quant_edgetpu.tflite", task: classifier, edgeTPU: true},
		{path: "classification/mobilenet_v2_1.0_224_quant_with_metadata.tflite", task: classifier, probabilities: true},
		// SOFTMAX in int8, then QUANTIZE to the uint8 output.
		{path: "classification/tf2_mobilenet_v2_1.0_224_ptq.tflite", task: classifier, probabilities: true},
		{path: "tflm/person_detect.tflite", task: classifier, probabilities: true},
		{path: "detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", task: detector, hint: "looks like a detector"},
		{path: "detection/coco_ssd_mobilenet_v1_quant_no_metadata.tflite", task: detector, hint: "looks like a detector"},
		{path: "detection/mobilenet_ssd_v2_coco_quant_postprocess.tflite", task: detector, hint: "looks like a detector"},
		{path: "detection/mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite", task: detector, edgeTPU: true, hint: "looks like a detector"},
		{path: "float16/face_detection_front.tflite", task: none, hint: "looks like a BlazeFace face detector"},
		{path: "float16/face_detection_short_range.tflite", task: none, hint: "looks like a BlazeFace face detector"},
		{path: "float16/hand_landmark_lite.tflite", task: none, hint: `FLOAT32[1 63] "Identity_3"`},
		{path: "pose/movenet_single_pose_lightning_ptq.tflite", task: none, hint: "FLOAT32[1 1 17 3]"},
		{path: "segmentation/deeplabv3_mnv2_dm05_pascal_quant.tflite", task: none, hint: "looks like a segmentation model"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			m, err := tflite.Open(testmodels.Path(t, c.path))
			require.NoError(t, err)
			defer m.Close()
			fits := map[models.Task]bool{models.TaskDetector: c.task == detector, models.TaskClassifier: c.task == classifier}
			for task, fit := range fits {
				err := models.CheckTask(m, task)
				if fit {
					assert.NoError(t, err, "%s", task)
					continue
				}
				require.Error(t, err, "%s", task)
				t.Logf("%s: %v", task, err)
				assert.Contains(t, err.Error(), "not a "+string(task)+" model")
				if c.task == none || c.task == detector {
					assert.Contains(t, err.Error(), c.hint, "%s", task)
				}
				// The constructors refuse it the same way, before building
				// anything.
				switch task {
				case models.TaskDetector:
					_, err = models.NewDetector(m, nil)
				case models.TaskClassifier:
					_, err = models.NewClassifier(m, nil)
				}
				assert.ErrorContains(t, err, "not a "+string(task)+" model")
			}
			if c.task == none {
				return
			}
			if c.edgeTPU {
				var err error
				if c.task == detector {
					_, err = models.NewDetector(m, nil)
				} else {
					_, err = models.NewClassifier(m, nil)
				}
				require.ErrorIs(t, err, nn.ErrUnsupported)
				var unsupported *nn.UnsupportedError
				require.ErrorAs(t, err, &unsupported)
				assert.True(t, unsupported.EdgeTPU, "the error says the model is for an Edge TPU")
				return
			}
			if testing.Short() && !strings.Contains(c.path, "0.25") && !strings.Contains(c.path, "person") {
				return // building the larger models under -race takes long; CheckTask covered them
			}
			opts := &models.Options{Threads: 1}
			if md, _ := m.ReadMetadata(); md == nil && c.task == classifier && !strings.HasPrefix(c.path, "tflm/") {
				opts.Labels, err = models.LoadLabels(testmodels.Path(t, "classification", "imagenet_labels.txt"))
				require.NoError(t, err)
			}
			switch c.task {
			case detector:
				d, err := models.NewDetector(m, opts)
				require.NoError(t, err)
				d.Close()
			case classifier:
				cls, err := models.NewClassifier(m, opts)
				require.NoError(t, err)
				defer cls.Close()
				assert.Equal(t, c.probabilities, cls.Probabilities(), "probabilities")
				if len(cls.Labels()) > 0 {
					assert.Equal(t, "background", cls.Labels()[0], "the 1001 ImageNet labels name the 1001 outputs")
				}
			}
		})
	}
}

// numbered returns labels "c0", "c1", ... for n classes, after first when it
// is not "".
func numbered(n int, first string) models.Labels {
	l := models.Labels{}
	off := 0
	if first != "" {
		l[0], off = first, 1
	}
	for i := range n {
		l[i+off] = fmt.Sprintf("c%d", i)
	}
	return l
}

// TestClassifierLabelsCount: labels must name the model's 1001 classes; one
// more whose first is "background" is the ImageNet convention and loses
// that entry; anything else is an error naming both counts.
func TestClassifierLabelsCount(t *testing.T) {
	m := embeddedClassifierModel(t)
	for _, c := range []struct {
		name   string
		labels models.Labels
		err    string
		label0 string
	}{
		{"exact", numbered(1001, ""), "", "c0"},
		{"background first", numbered(1001, "background"), "", "c0"},
		{"one short", numbered(1000, ""), "name 1000 classes (indices 0 to 999) but the model outputs 1001 scores", ""},
		{"one over, no background", numbered(1002, ""), "name 1002 classes", ""},
		{"two over with background", numbered(1002, "background"), "name 1003 classes", ""},
		{"sparse, Coral style", models.Labels{0: "person", 89: "toothbrush"}, "name 90 classes", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cls, err := models.NewClassifier(m, &models.Options{Labels: c.labels, Threads: 1})
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			defer cls.Close()
			assert.Equal(t, c.label0, cls.Labels()[0])
			assert.Equal(t, "c1000", cls.Labels()[1000])
		})
	}
}
