package models_test

import (
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// published is one result that TFLite's own projects publish for a model
// and photo in shared/models (see testdata/PUBLISHED.md for the sources).
type published struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Image   string `json:"image"`
	Kind    string `json:"kind"`
	Results []struct {
		Class int      `json:"class"`
		Label string   `json:"label"`
		Score *float64 `json:"score"`
		Box   *struct {
			X, Y, Width, Height float64
		} `json:"box"`
	} `json:"results"`
	Tolerance struct {
		ScoreAbs         *float64 `json:"score_abs"`
		ScoreGreaterThan *float64 `json:"score_greater_than"`
		ScoreAtLeast     *float64 `json:"score_at_least"`
		IoUGreaterThan   *float64 `json:"iou_greater_than"`
		WithinTopK       *int     `json:"within_top_k"`
	} `json:"tolerance"`
}

// The Task Library's own detector test tolerances: 3 px per box field and
// 0.05 on scores. Classification scores are held to 0.01, the Task
// Library's classifier tolerance; MediaPipe's 1e-6 on the same photo pins
// a value one of its resizers produces, two 1/256 steps from the Task
// Library's own 0.96, so the Task Library's tolerance governs both.
const (
	boxPixels       = 3
	detectionScore  = 0.05
	classifierScore = 0.01
)

// TestPublishedResults runs the Detector, Classifier and FaceDetector end to end (decode,
// resize, infer, post-process) on the photos for which TFLite's projects
// publish results, and checks percept against them.
func TestPublishedResults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs eleven models end to end: covered by the full (non -short) run")
	}
	data, err := os.ReadFile("testdata/published.json")
	require.NoError(t, err)
	var entries []published
	require.NoError(t, json.Unmarshal(data, &entries))
	for _, e := range entries {
		t.Run(e.ID, func(t *testing.T) {
			m, err := tflite.Open(testmodels.Path(t, e.Model))
			require.NoError(t, err)
			defer m.Close()
			if strings.HasPrefix(e.Model, "tflm/") {
				checkMicro(t, m, e)
				return
			}
			img, err := models.LoadImage(testmodels.Path(t, e.Image))
			require.NoError(t, err)
			if strings.HasPrefix(e.Model, "float16/face_detection") {
				checkFaces(t, m, e, img)
				return
			}
			// Models without packed labels take the label file beside them.
			opts := &models.Options{Threads: 1}
			if md, _ := m.ReadMetadata(); md == nil {
				labels := map[string]string{"detection": "coco_labels.txt", "classification": "imagenet_labels.txt"}
				dir, _, _ := strings.Cut(e.Model, "/")
				opts.Labels, err = models.LoadLabels(testmodels.Path(t, dir, labels[dir]))
				require.NoError(t, err)
			}
			switch e.Kind {
			case "detection":
				checkDetection(t, m, e, img, opts)
			case "classification":
				checkClassification(t, m, e, img, opts)
			}
		})
	}
}

// checkFaces holds a FaceDetector with default options to a published
// result; the only one is MediaPipe's empty result on a face-free photo.
func checkFaces(t *testing.T, m *tflite.Model, e published, img image.Image) {
	fd, err := models.NewFaceDetector(m, &models.Options{Threads: 1})
	require.NoError(t, err)
	defer fd.Close()
	got, err := fd.Detect(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, got, len(e.Results), "faces: %+v", got)
}

func checkDetection(t *testing.T, m *tflite.Model, e published, img image.Image, opts *models.Options) {
	det, err := models.NewDetector(m, opts)
	require.NoError(t, err)
	got, err := det.Detect(context.Background(), img)
	require.NoError(t, err)
	b := img.Bounds()
	for _, want := range e.Results {
		i := slices.IndexFunc(got, func(d models.Detection) bool {
			return d.Class == want.Class && testmodels.IoU(normalised(d.Box, b), wantBox(want.Box, b, e.Tolerance.IoUGreaterThan != nil)) > 0.5
		})
		require.GreaterOrEqual(t, i, 0, "no %s (class %d) near %+v in %+v", want.Label, want.Class, *want.Box, got)
		d := got[i]
		assert.Equal(t, want.Label, d.Label)
		if want.Score != nil {
			assert.InDelta(t, *want.Score, d.Score, detectionScore, "score")
		}
		if g := e.Tolerance.ScoreGreaterThan; g != nil {
			assert.Greater(t, float64(d.Score), *g, "score")
		}
		if e.Tolerance.IoUGreaterThan != nil {
			v := testmodels.IoU(normalised(d.Box, b), wantBox(want.Box, b, true))
			assert.Greater(t, v, *e.Tolerance.IoUGreaterThan, "IoU with the published box")
		} else {
			assert.InDelta(t, want.Box.X, d.Box.X, boxPixels, "x")
			assert.InDelta(t, want.Box.Y, d.Box.Y, boxPixels, "y")
			assert.InDelta(t, want.Box.Width, d.Box.Width, boxPixels, "width")
			assert.InDelta(t, want.Box.Height, d.Box.Height, boxPixels, "height")
		}
		t.Logf("%s: got %s %.4f %+v", e.ID, d.Label, d.Score, d.Box)
	}
}

func checkClassification(t *testing.T, m *tflite.Model, e published, img image.Image, opts *models.Options) {
	cls, err := models.NewClassifier(m, opts)
	require.NoError(t, err)
	got, err := cls.Classify(context.Background(), img)
	require.NoError(t, err)
	k := 1
	if e.Tolerance.WithinTopK != nil {
		k = *e.Tolerance.WithinTopK
	}
	for _, want := range e.Results {
		i := slices.IndexFunc(got[:k], func(c models.Class) bool { return c.Index == want.Class })
		require.GreaterOrEqual(t, i, 0, "class %d (%s) not in the top %d: %+v", want.Class, want.Label, k, got[:k])
		c := got[i]
		t.Logf("%s: got %d %q %.4f (rank %d)", e.ID, c.Index, c.Label, c.Score, i+1)
		if want.Score != nil {
			assert.InDelta(t, *want.Score, c.Score, classifierScore, "score")
		}
		if l := e.Tolerance.ScoreAtLeast; l != nil {
			assert.GreaterOrEqual(t, float64(c.Score), *l, "score")
		}
	}
}

// checkMicro follows TFLite Micro's person detection test, which feeds the
// BMP's 8-bit pixels reinterpreted as int8 (not shifted by 128): the
// reference folder holds exactly that tensor, and the published check is
// that the expected class outscores the other.
func checkMicro(t *testing.T, m *tflite.Model, e published) {
	it, err := nn.New(m, &nn.Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	stem := strings.TrimSuffix(filepath.Base(e.Image), ".bmp") + "_tflm"
	in, err := npy.ReadFile(testmodels.Path(t, "reference", "armnn", "person_detect", stem+".input.npy"))
	require.NoError(t, err)
	copy(it.Input(0).Bytes(), in.Data)
	require.NoError(t, it.Invoke())
	out := it.Output(0).Int8s()
	want := e.Results[0].Class
	t.Logf("%s: outputs %v", e.ID, out)
	assert.Greater(t, out[want], out[1-want], "class %d (%s) outscores the other", want, e.Results[0].Label)
}

// normalised maps a pixel box to [0, 1] coordinates of image b.
func normalised(x models.Box, b image.Rectangle) [4]float64 {
	w, h := float64(b.Dx()), float64(b.Dy())
	return [4]float64{float64(x.X-b.Min.X) / w, float64(x.Y-b.Min.Y) / h,
		float64(x.X-b.Min.X+x.Width) / w, float64(x.Y-b.Min.Y+x.Height) / h}
}

// wantBox reads a published box, in pixels or already normalised.
func wantBox(box *struct{ X, Y, Width, Height float64 }, b image.Rectangle, isNormalised bool) [4]float64 {
	if isNormalised {
		return [4]float64{box.X, box.Y, box.X + box.Width, box.Y + box.Height}
	}
	return normalised(models.Box{X: int(box.X) + b.Min.X, Y: int(box.Y) + b.Min.Y, Width: int(box.Width), Height: int(box.Height)}, b)
}
