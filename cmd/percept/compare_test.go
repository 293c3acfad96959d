package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

// compareJSONLines runs percept compare -json with args and decodes its
// lines, requiring success.
func compareJSONLines(t *testing.T, args ...string) []compareResult {
	t.Helper()
	r := runCLI(t, append([]string{"compare", "-json", "-n", "2"}, args...)...)
	requireSuccess(t, r)
	var out []compareResult
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var res compareResult
		require.NoError(t, json.Unmarshal([]byte(line), &res), line)
		out = append(out, res)
	}
	return out
}

// TestCompareWithItself compares the embedded models with copies of
// themselves on the embedded photos: full agreement, no deviation, the
// same sizes, and the table, JSON and plot say so.
func TestCompareWithItself(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	a := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)
	b := writeFile(t, dir, "copy.tflite", assets.ClassifierModel)

	res := compareJSONLines(t, a, b)
	require.Len(t, res, 2)
	for _, r := range res {
		assert.Equal(t, taskClassification, r.Task)
		assert.Equal(t, "UINT8", r.InputType)
		assert.Equal(t, 2, r.Images)
		assert.Equal(t, "mobilenet", r.Reference)
		assert.Equal(t, int64(len(assets.ClassifierModel)), r.FileBytes)
		assert.Less(t, r.ZipBytes, r.FileBytes)
		require.NotNil(t, r.Top1Agreement)
		assert.Equal(t, 1.0, *r.Top1Agreement)
		assert.Equal(t, 1.0, *r.Top5Overlap)
		assert.Equal(t, 0.0, *r.MaxDeviation)
		assert.Nil(t, r.Top1Accuracy, "no labelled images")
		require.Len(t, r.Latency, 1)
		assert.Positive(t, r.Latency[0].MedianMs)
		assert.GreaterOrEqual(t, r.Latency[0].P90Ms, r.Latency[0].MedianMs)
		assert.Equal(t, 1, r.Latency[0].Threads)
		assert.InDelta(t, res[0].Latency[0].MedianMs/r.Latency[0].MedianMs, r.Latency[0].Speedup, 1e-9)
	}
	assert.Equal(t, res[0].ZipBytes, res[1].ZipBytes)

	svg := filepath.Join(dir, "plot.svg")
	r := runCLI(t, "compare", "-n", "1", "-kernels", "generic", "-threads", "1,2", "-svg", svg, a, b)
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, "2 of 2 images from the embedded photos, against mobilenet (the first model)")
	assert.Contains(t, r.stdout, "generic 1T ms")
	assert.Contains(t, r.stdout, "generic 2T ms")
	assert.Regexp(t, `copy +uint8→uint8 +\d+ \(1\.00×\) +\d+ \(1\.00×\) .* 100\.0% +100\.0% +0 +0\n`, r.stdout)
	plot, err := os.ReadFile(svg)
	require.NoError(t, err)
	assert.Contains(t, string(plot), "top-1 agreement with model 1 (%)")
	assert.Contains(t, string(plot), "1  mobilenet (reference)")
	assert.Equal(t, 4+2, strings.Count(string(plot), "<circle cx"), "2 models × 2 configurations, and the legend's 2")
}

// TestCompareDetectorWithItself: every detection matches.
func TestCompareDetectorWithItself(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	a := writeFile(t, dir, "ssd.tflite", assets.DetectorModel)
	b := writeFile(t, dir, "ssd2.tflite", assets.DetectorModel)
	res := compareJSONLines(t, "-threshold", "0.5", a, b)
	require.Len(t, res, 2)
	r := res[1]
	assert.Equal(t, taskDetection, r.Task)
	assert.Equal(t, "FLOAT32", r.OutputType)
	require.NotNil(t, r.Detections)
	assert.Equal(t, 4, *r.Detections, "two sandwiches in the burger photo, two dogs")
	assert.Equal(t, 4, *r.Matched)
	assert.Equal(t, 1.0, *r.Precision)
	assert.Equal(t, 1.0, *r.Recall)
	assert.Nil(t, r.Top1Agreement)
}

// TestCompareFloatAndQuantMobileNet compares MobileNet v1 0.25 float
// (float32 I/O) with TFLite's uint8 one over the 28 shared photos: 25 of
// 28 top-1 classes agree (89.3 %) and 78.6 % of the top 5 overlap; the
// bands below leave room for kernel changes, not for a wrong
// preprocessing of either model.
func TestCompareFloatAndQuantMobileNet(t *testing.T) {
	skipInShort(t)
	float := testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite")
	quant := testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_quant.tflite")
	images := testmodels.Path(t, "images")
	res := compareJSONLines(t, "-images", images, float, quant)
	require.Len(t, res, 2)
	q := res[1]
	assert.Equal(t, 28, q.Images)
	assert.Equal(t, "FLOAT32", res[0].InputType)
	assert.Equal(t, "UINT8", q.InputType)
	assert.InDelta(t, 0.27, float64(q.FileBytes)/float64(res[0].FileBytes), 0.01)
	assert.GreaterOrEqual(t, *q.Top1Agreement, 0.82)
	assert.LessOrEqual(t, *q.Top1Agreement, 0.97)
	assert.GreaterOrEqual(t, *q.Top5Overlap, 0.7)
	assert.LessOrEqual(t, *q.Top5Overlap, 0.9)
	assert.Less(t, *q.MeanDeviation, 1e-3, "probabilities, mostly near 0")
	assert.Less(t, *q.MaxDeviation, 0.5)
	assert.Positive(t, *q.MaxDeviation)

	person := testmodels.Path(t, "tflm", "person_detect.tflite")
	r := runCLI(t, "compare", quant, person)
	assertOneLineFailure(t, r, 1, "person_detect scores 2 classes and mobilenet_v1_0.25_224_quant 1001")
}

// TestCompareRawOutputs compares BlazeFace (no task of package models)
// by its dequantized outputs.
func TestCompareRawOutputs(t *testing.T) {
	skipInShort(t)
	face := testmodels.Path(t, "float16", "face_detection_front.tflite")
	short := testmodels.Path(t, "float16", "face_detection_short_range.tflite")
	res := compareJSONLines(t, face, face, short)
	require.Len(t, res, 3)
	assert.Equal(t, taskRaw, res[0].Task)
	assert.Equal(t, face, res[1].Model, "two models of one name are named by their paths")
	assert.Equal(t, 0.0, *res[1].MaxDeviation)
	assert.Equal(t, 0.0, *res[1].MeanDeviation)
	assert.Greater(t, *res[2].MeanDeviation, 1.0, "another model, the same output shapes")
	assert.Nil(t, res[2].Top1Agreement)
	require.Len(t, res[2].Outputs, 2)
	assert.Equal(t, "regressors", res[2].Outputs[0].Name)
	assert.Equal(t, "classificators", res[2].Outputs[1].Name)
	for _, o := range res[2].Outputs {
		assert.Less(t, o.ReferenceMin, o.ReferenceMax)
	}
	assert.Equal(t, *res[2].MaxDeviation, max(res[2].Outputs[0].MaxDeviation, res[2].Outputs[1].MaxDeviation))

	hand := testmodels.Path(t, "float16", "hand_landmark_lite.tflite")
	r := runCLI(t, "compare", face, hand)
	assertOneLineFailure(t, r, 1, "hand_landmark_lite has outputs of shapes")
}

// TestCompareLabelledImages reads class folders, reports an image that
// fails and the folders no label names, and still prints the table.
func TestCompareLabelledImages(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	for _, sub := range []string{"Cheeseburger", "no_such_class"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, sub), 0o755))
	}
	writeFile(t, filepath.Join(dir, "Cheeseburger"), "burger.jpg", assets.BurgerJPEG)
	writeFile(t, filepath.Join(dir, "no_such_class"), "dogs.jpg", assets.DogsJPEG)
	writeFile(t, dir, "broken.png", []byte("not a png"))
	writeFile(t, dir, "notes.txt", []byte("not an image, not read"))
	model := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)

	r := runCLI(t, "compare", "-images", dir, "-n", "1", model)
	assert.Equal(t, 1, r.code, "an image failed")
	assert.Contains(t, r.stdout, "2 of 3 images from "+dir)
	assert.Regexp(t, `100\.0% of 1\s*\n`, r.stdout, "the burger is a cheeseburger; the dogs have no class")
	assert.Contains(t, r.stderr, `mobilenet has no label for the folders ["no_such_class"]`)
	assert.Contains(t, r.stderr, "broken.png: ")
	assert.Contains(t, r.stderr, "1 of 3 images failed")
	assert.NotContains(t, r.stderr, "notes.txt")

	r = runCLI(t, "compare", "-images", filepath.Join(dir, "no_such_class", "dogs.jpg"), model)
	assertOneLineFailure(t, r, 1, "-images")
	empty := t.TempDir()
	r = runCLI(t, "compare", "-images", empty, model)
	assertOneLineFailure(t, r, 1, "no .jpg, .jpeg, .png, .gif or .bmp file")
}

func TestCompareErrors(t *testing.T) {
	dir := t.TempDir()
	cls := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)
	det := writeFile(t, dir, "ssd.tflite", assets.DetectorModel)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "give at least one MODEL"},
		{[]string{"-n", "0", cls}, 2, "-n 0"},
		{[]string{"-threshold", "2", cls}, 2, "-threshold 2"},
		{[]string{"-threads", "0", cls}, 2, "-threads"},
		{[]string{"-kernels", "bogus", cls}, 2, "-kernels"},
		{[]string{"-svg", filepath.Join(dir, "none", "plot.svg"), cls}, 2, "is not a directory"},
		{[]string{det, cls}, 1, "mobilenet is a classification model and ssd a detection model: compare compares models of one task"},
		{[]string{cls, filepath.Join(dir, "missing.tflite")}, 1, "missing.tflite: no such file or directory"},
	} {
		r := runCLI(t, append([]string{"compare"}, tc.args...)...)
		assertOneLineFailure(t, r, tc.code, tc.want)
	}
}

func TestMatchDetections(t *testing.T) {
	box := func(x, y, w, h int) models.Box { return models.Box{X: x, Y: y, Width: w, Height: h} }
	ref := []models.Detection{
		{Class: 1, Box: box(0, 0, 10, 10)},
		{Class: 1, Box: box(100, 100, 10, 10)},
		{Class: 2, Box: box(50, 50, 10, 10)},
	}
	got := []models.Detection{
		{Class: 1, Box: box(1, 0, 10, 10)},     // IoU 0.82 with ref 0
		{Class: 1, Box: box(0, 1, 10, 10)},     // ref 0 again: taken, no match
		{Class: 1, Box: box(50, 50, 10, 10)},   // ref 2's box, another class
		{Class: 1, Box: box(105, 100, 10, 10)}, // IoU 1/3 with ref 1: too little
	}
	assert.Equal(t, 1, matchDetections(got, ref))
	assert.Equal(t, 3, matchDetections(ref, ref))
	assert.Equal(t, 0, matchDetections(nil, ref))
	assert.InDelta(t, 1.0/3, boxIoU(box(105, 100, 10, 10), box(100, 100, 10, 10)), 1e-12)
}

func TestNiceCeil(t *testing.T) {
	for v, want := range map[float64]float64{0: 1, 0.7: 1, 1: 1, 1.2: 2, 2.2: 2.5, 3: 5, 7.59: 10, 41: 50, 100: 100} {
		assert.InDelta(t, want, niceCeil(v), 1e-9, "niceCeil(%v)", v)
	}
}

func TestPlotAxes(t *testing.T) {
	lin := linearAxis(50)
	assert.Equal(t, []float64{0, 10, 20, 30, 40, 50}, lin.ticks)
	assert.InDelta(t, 0.25, lin.at(12.5), 1e-12)

	log := logAxis(1.04, 56)
	assert.Equal(t, []float64{0.5, 1, 2, 5, 10, 20, 50, 100}, log.ticks)
	assert.InDelta(t, 0, log.at(0.5), 1e-12)
	assert.InDelta(t, 1, log.at(100), 1e-12)
	log = logAxis(2.5, 40)
	assert.Equal(t, []float64{2, 5, 10, 20, 50}, log.ticks)
	assert.InDelta(t, 0.5, log.at(10), 1e-12)

	// Timings over more than a decade get the logarithmic axis.
	svg := string(scatterSVG("t", "ms", "y", []string{"1  a"}, nil, []plotPoint{{"1", 1.04, 50, 0}, {"1", 56, 50, 0}}))
	assert.Contains(t, svg, "ms, log scale")
	svg = string(scatterSVG("t", "ms", "y", []string{"1  a"}, nil, []plotPoint{{"1", 1.04, 50, 0}, {"1", 5.6, 50, 0}}))
	assert.NotContains(t, svg, "log scale")
}
