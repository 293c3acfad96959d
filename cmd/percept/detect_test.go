package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// The JSON contract of `percept detect -json`, spelled out independently of
// the command's own types. Scores are float32 so that they compare with the
// -threshold flag exactly as the detector does.
type boxJSON struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

type detectionJSON struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
	Box   boxJSON `json:"box"`
}

type detectLine struct {
	Image      string          `json:"image"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Detections []detectionJSON `json:"detections"`
}

// Key order of a detect line, with and without detections.
const (
	detectKeys      = "{image,width,height,detections:[{class,label,score,box:{x,y,width,height}}]}"
	detectKeysEmpty = "{image,width,height,detections:[]}"
)

// The embedded photo's size (assets.DogsJPEG).
const dogsWidth, dogsHeight = 640, 427

// cocoMaxDetections is the number of detections the SSD-MobileNet v1
// post-processing emits (its outputs are [1,10,4], [1,10], [1,10], [1]).
const cocoMaxDetections = 10

// parseDetectOutput checks every line of `detect -json` output against the
// contract: exact keys in order, no unknown field, detections sorted by
// score (highest first), boxes in integer pixels inside the image.
func parseDetectOutput(t *testing.T, stdout string) []detectLine {
	t.Helper()
	var out []detectLine
	for _, line := range outputLines(t, stdout) {
		requireSkeleton(t, line, detectKeys, detectKeysEmpty)
		var d detectLine
		decodeStrict(t, line, &d)
		require.NotNil(t, d.Detections, "detections must be [] rather than null: %s", line)
		for i, det := range d.Detections {
			if i > 0 {
				assert.LessOrEqual(t, det.Score, d.Detections[i-1].Score, "detections sorted by score, highest first: %s", line)
			}
			assert.True(t, det.Score >= 0 && det.Score <= 1, "score %v in [0, 1]", det.Score)
			b := det.Box
			assert.True(t, b.X >= 0 && b.Y >= 0 && b.Width >= 0 && b.Height >= 0 &&
				b.X+b.Width <= d.Width && b.Y+b.Height <= d.Height,
				"box %+v inside the %d×%d image", b, d.Width, d.Height)
		}
		out = append(out, d)
	}
	return out
}

// detectJSON runs `percept detect -json` with args and parses its output.
func detectJSON(t *testing.T, args ...string) []detectLine {
	t.Helper()
	r := runCLI(t, append([]string{"detect", "-json"}, args...)...)
	requireSuccess(t, r)
	return parseDetectOutput(t, r.stdout)
}

// filterDetections is the documented meaning of -threshold and -max applied
// to the full, sorted list: keep scores ≥ threshold, then at most max
// (0: all).
func filterDetections(all []detectionJSON, threshold float32, max int) []detectionJSON {
	kept := []detectionJSON{}
	for _, d := range all {
		if d.Score >= threshold {
			kept = append(kept, d)
		}
	}
	if max > 0 && len(kept) > max {
		kept = kept[:max]
	}
	return kept
}

// everyDogDetection caches `percept detect -json -threshold 0` on the
// embedded photo; tests run one at a time.
var everyDogDetection []detectionJSON

// allDogDetections returns every detection the embedded model emits on the
// embedded photo, sorted by score.
func allDogDetections(t *testing.T) []detectionJSON {
	t.Helper()
	if everyDogDetection == nil {
		lines := detectJSON(t, "-threshold", "0")
		require.Len(t, lines, 1)
		require.Len(t, lines[0].Detections, cocoMaxDetections, "-threshold 0 keeps every detection the model emits")
		everyDogDetection = lines[0].Detections
	}
	return everyDogDetection
}

func TestDetectEmbeddedDefaults(t *testing.T) {
	skipInShort(t)
	lines := detectJSON(t)
	require.Len(t, lines, 1)
	got := lines[0]
	assert.Equal(t, "embedded:dogs.jpg", got.Image)
	assert.Equal(t, dogsWidth, got.Width)
	assert.Equal(t, dogsHeight, got.Height)
	require.NotEmpty(t, got.Detections, "the sample photo shows two dogs")
	assert.Equal(t, filterDetections(allDogDetections(t), 0.5, 0), got.Detections, "default threshold 0.5, no maximum")
	for _, d := range got.Detections {
		// COCO label map: line 17 is "dog".
		assert.Equal(t, 17, d.Class)
		assert.Equal(t, "dog", d.Label)
	}
}

func TestDetectThresholdAndMax(t *testing.T) {
	skipInShort(t)
	cases := []struct {
		name      string
		args      []string
		threshold float32
		max       int
	}{
		{"lower threshold", []string{"-threshold", "0.3"}, 0.3, 0},
		{"threshold above every score", []string{"-threshold", "0.95"}, 0.95, 0},
		{"max one", []string{"-max", "1"}, 0.5, 1},
		{"threshold and max", []string{"-threshold", "0.1", "-max", "3"}, 0.1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lines := detectJSON(t, tc.args...)
			require.Len(t, lines, 1)
			want := filterDetections(allDogDetections(t), tc.threshold, tc.max)
			assert.Equal(t, want, lines[0].Detections)
		})
	}
}

func TestDetectTable(t *testing.T) {
	skipInShort(t)
	want := filterDetections(allDogDetections(t), 0.3, 0)
	require.NotEmpty(t, want)

	r := runCLI(t, "detect", "-threshold", "0.3")
	requireSuccess(t, r)
	lines := outputLines(t, r.stdout)
	require.Len(t, lines, 2+len(want), r.stdout)
	assert.Equal(t, fmt.Sprintf("embedded:dogs.jpg (%d×%d): %d detections", dogsWidth, dogsHeight, len(want)), lines[0])
	assert.Equal(t, []string{"score", "class", "label", "x", "y", "width", "height"}, strings.Fields(lines[1]))
	for i, d := range want {
		fields := strings.Fields(lines[2+i])
		require.GreaterOrEqual(t, len(fields), 7, lines[2+i])
		n := len(fields)
		// Labels may hold spaces ("traffic light"): they sit between the
		// class and the four box numbers.
		got := []string{fields[0], fields[1], strings.Join(fields[2:n-4], " "), fields[n-4], fields[n-3], fields[n-2], fields[n-1]}
		assert.Equal(t, []string{
			strconv.FormatFloat(float64(d.Score), 'f', 3, 32), strconv.Itoa(d.Class), d.Label,
			strconv.Itoa(d.Box.X), strconv.Itoa(d.Box.Y), strconv.Itoa(d.Box.Width), strconv.Itoa(d.Box.Height),
		}, got, "row %d", i)
	}
}

// corners is b as (x0, y0, x1, y1), the form [testmodels.IoU] takes.
func (b boxJSON) corners() [4]float64 {
	return [4]float64{float64(b.X), float64(b.Y), float64(b.X + b.Width), float64(b.Y + b.Height)}
}

// float32s reads a "<f4" .npy file.
func float32s(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path)
	require.NoError(t, err)
	v, err := a.Float32s()
	require.NoError(t, err, path)
	return v
}

// TestDetectMatchesReference compares detections on a photo with Arm NN's
// raw outputs for the same model, converted to pixels by hand: boxes are
// (ymin, xmin, ymax, xmax) fractions of the original image. The manifest's
// agreement criterion applies: every detection scoring ≥ 0.5 in one has a
// match of the same class with IoU ≥ 0.5 in the other.
func TestDetectMatchesReference(t *testing.T) {
	skipInShort(t)
	model := testmodels.Path(t, "detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite")
	photo := testmodels.Path(t, "images", "dogs.jpg")
	ref := testmodels.Path(t, "reference", "armnn", "coco_ssd_mobilenet_v1_quant")

	f, err := os.Open(photo)
	require.NoError(t, err)
	cfg, _, err := image.DecodeConfig(f)
	f.Close()
	require.NoError(t, err)

	boxes := float32s(t, filepath.Join(ref, "dogs.output_0.npy"))
	classes := float32s(t, filepath.Join(ref, "dogs.output_1.npy"))
	scores := float32s(t, filepath.Join(ref, "dogs.output_2.npy"))
	count := float32s(t, filepath.Join(ref, "dogs.output_3.npy"))
	var want []detectionJSON
	for i := range int(count[0]) {
		if scores[i] < 0.5 {
			continue
		}
		w, h := float64(cfg.Width), float64(cfg.Height)
		ymin, xmin, ymax, xmax := float64(boxes[4*i]), float64(boxes[4*i+1]), float64(boxes[4*i+2]), float64(boxes[4*i+3])
		want = append(want, detectionJSON{Class: int(classes[i]), Score: scores[i], Box: boxJSON{
			X: int(xmin * w), Y: int(ymin * h), Width: int((xmax - xmin) * w), Height: int((ymax - ymin) * h)}})
	}
	require.NotEmpty(t, want, "the reference finds the dogs")

	lines := detectJSON(t, "-model", model, photo)
	require.Len(t, lines, 1)
	got := lines[0]
	assert.Equal(t, photo, got.Image)
	assert.Equal(t, cfg.Width, got.Width)
	assert.Equal(t, cfg.Height, got.Height)

	matches := func(d detectionJSON, in []detectionJSON) bool {
		for _, o := range in {
			if o.Class == d.Class && testmodels.IoU(o.Box.corners(), d.Box.corners()) >= 0.5 {
				return true
			}
		}
		return false
	}
	for _, w := range want {
		assert.True(t, matches(w, got.Detections), "reference detection %+v missing from %+v", w, got.Detections)
	}
	for _, g := range got.Detections {
		assert.True(t, matches(g, want), "detection %+v not in the reference %+v", g, want)
	}
}

func TestDetectLabelsFlag(t *testing.T) {
	skipInShort(t)
	model := testmodels.Path(t, "detection", "coco_ssd_mobilenet_v1_quant_no_metadata.tflite")
	labels := testmodels.Path(t, "detection", "coco_labels.txt")
	photo := testmodels.Path(t, "images", "cat.jpg")
	cases := []struct {
		name      string
		args      []string
		wantLabel string
	}{
		// Without metadata the model carries no names.
		{"no labels", nil, ""},
		// coco_labels.txt: "16  cat".
		{"label file", []string{"-labels", labels}, "cat"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-model", model}, tc.args...)
			lines := detectJSON(t, append(args, photo)...)
			require.Len(t, lines, 1)
			require.NotEmpty(t, lines[0].Detections)
			top := lines[0].Detections[0]
			assert.Equal(t, 16, top.Class)
			assert.Equal(t, tc.wantLabel, top.Label)
		})
	}
}

// decodePNG reads a PNG file.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err, path)
	return img
}

// sameColour reports whether two pixels are equal once both are 8-bit RGBA.
func sameColour(a, b color.Color) bool {
	return color.RGBAModel.Convert(a) == color.RGBAModel.Convert(b)
}

// labelReach bounds how far a box's label may extend to the right of its
// left edge and above its top: a line of 7-pixel glyphs 15 pixels high.
const labelReach, labelHeight = 200, 16

func TestDetectOutDrawsBoxes(t *testing.T) {
	skipInShort(t)
	out := filepath.Join(t.TempDir(), "annotated.png")
	lines := detectJSON(t, "-out", out)
	require.Len(t, lines, 1, "-out keeps the JSON on stdout")
	dets := lines[0].Detections
	require.NotEmpty(t, dets)

	orig, _, err := image.Decode(bytes.NewReader(assets.DogsJPEG))
	require.NoError(t, err)
	drawn := decodePNG(t, out)
	require.Equal(t, orig.Bounds(), drawn.Bounds(), "the annotated image keeps the photo's size")
	require.Equal(t, image.Rect(0, 0, dogsWidth, dogsHeight), drawn.Bounds())

	// Pixels away from every box and its label are the photo's own.
	nearBox := func(x, y int) bool {
		for _, d := range dets {
			b := d.Box
			inBox := x >= b.X && x < b.X+b.Width && y >= b.Y && y < b.Y+b.Height
			inLabel := x >= b.X && x < b.X+max(b.Width, labelReach) && y >= b.Y-labelHeight && y < b.Y+labelHeight
			if inBox || inLabel {
				return true
			}
		}
		return false
	}
	changedFar := 0
	for y := 0; y < dogsHeight; y++ {
		for x := 0; x < dogsWidth; x++ {
			if !nearBox(x, y) && !sameColour(orig.At(x, y), drawn.At(x, y)) {
				changedFar++
			}
		}
	}
	assert.Zero(t, changedFar, "pixels changed away from the boxes")

	// The outline of each box is drawn: its left, right and bottom edges
	// (the top one may be under the label) differ from the photo.
	for _, d := range dets {
		b := d.Box
		var edge []image.Point
		for y := b.Y + labelHeight; y < b.Y+b.Height; y++ {
			edge = append(edge, image.Pt(b.X, y), image.Pt(b.X+b.Width-1, y))
		}
		for x := b.X; x < b.X+b.Width; x++ {
			edge = append(edge, image.Pt(x, b.Y+b.Height-1))
		}
		changed := 0
		for _, p := range edge {
			if !sameColour(orig.At(p.X, p.Y), drawn.At(p.X, p.Y)) {
				changed++
			}
		}
		assert.GreaterOrEqual(t, changed*100, 95*len(edge), "box %+v: %d of %d edge pixels drawn", b, changed, len(edge))
	}
}

func TestDetectSeveralImages(t *testing.T) {
	skipInShort(t)
	photos := []string{testmodels.Path(t, "images", "cat.jpg"), testmodels.Path(t, "images", "burger.jpg")}
	out := filepath.Join(t.TempDir(), "annotated.png")
	lines := detectJSON(t, append([]string{"-out", out}, photos...)...)
	require.Len(t, lines, len(photos), "one line per image")
	for i, photo := range photos {
		f, err := os.Open(photo)
		require.NoError(t, err)
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, photo, lines[i].Image, "lines in the order of the arguments")
		assert.Equal(t, cfg.Width, lines[i].Width)
		assert.Equal(t, cfg.Height, lines[i].Height)
		// With several images, -out files are numbered before the extension.
		drawn := decodePNG(t, filepath.Join(filepath.Dir(out), fmt.Sprintf("annotated_%d.png", i)))
		assert.Equal(t, image.Rect(0, 0, cfg.Width, cfg.Height), drawn.Bounds())
	}
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no unnumbered file when several images are annotated")
}
