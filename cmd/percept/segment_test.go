package main

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// The JSON contract of `percept segment -json`, spelled out independently
// of the command's own types.
type segmentClassJSON struct {
	Class  int    `json:"class"`
	Label  string `json:"label"`
	Pixels int    `json:"pixels"`
}

type segmentLine struct {
	Image   string             `json:"image"`
	Width   int                `json:"width"`
	Height  int                `json:"height"`
	Classes []segmentClassJSON `json:"classes"`
}

const segmentKeys = "{image,width,height,classes:[{class,label,pixels}]}"

// birdSegmentationPNG is Coral's segmentation test photo, kept beside the
// embedded DeepLab model.
const birdSegmentationPNG = "../../models/testdata/deeplab_bird_segmentation.png"

// parseSegmentOutput checks every line of `segment -json` against the
// contract: keys in order, classes by pixel count, counts adding up to the
// image's pixels.
func parseSegmentOutput(t *testing.T, stdout string) []segmentLine {
	t.Helper()
	return decodeLines(t, stdout, func(line string, l segmentLine) {
		total := 0
		for i, c := range l.Classes {
			total += c.Pixels
			assert.Positive(t, c.Pixels)
			if i > 0 {
				assert.LessOrEqual(t, c.Pixels, l.Classes[i-1].Pixels, "classes by pixel count: %s", line)
			}
		}
		assert.Equal(t, l.Width*l.Height, total, "every pixel has a class: %s", line)
	}, segmentKeys)
}

// readMask decodes a -mask PNG, which must be 8-bit grey.
func readMask(t *testing.T, path string) *image.Gray {
	t.Helper()
	img := decodePNG(t, path)
	g, ok := img.(*image.Gray)
	require.True(t, ok, "the mask is 8-bit grey, got %T", img)
	return g
}

// TestSegmentCLI runs the embedded DeepLab on Coral's photo with every
// output: the JSON's counts are the mask's, the mask is the image's size,
// agrees with Coral's expected mask as Coral's test measures it, and the
// overlay colours the bird and leaves the background.
func TestSegmentCLI(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	maskPath, overlayPath := filepath.Join(dir, "mask.png"), filepath.Join(dir, "overlay.png")
	r := runCLI(t, "segment", "-json", "-mask", maskPath, "-overlay", overlayPath, birdSegmentationPNG)
	requireSuccess(t, r)
	lines := parseSegmentOutput(t, r.stdout)
	require.Len(t, lines, 1)
	l := lines[0]
	assert.Equal(t, birdSegmentationPNG, l.Image)
	assert.Equal(t, [2]int{513, 513}, [2]int{l.Width, l.Height})
	require.GreaterOrEqual(t, len(l.Classes), 2)
	assert.Equal(t, segmentClassJSON{Class: 0, Label: "background", Pixels: l.Classes[0].Pixels}, l.Classes[0])
	assert.Equal(t, "bird", l.Classes[1].Label)
	assert.Equal(t, 3, l.Classes[1].Class)

	mask := readMask(t, maskPath)
	require.Equal(t, image.Rect(0, 0, 513, 513), mask.Bounds())
	counts := map[int]int{}
	for _, v := range mask.Pix {
		counts[int(v)]++
	}
	for _, c := range l.Classes {
		assert.Equal(t, c.Pixels, counts[c.Class], "class %d", c.Class)
	}
	assert.Len(t, counts, len(l.Classes))

	overlay := decodePNG(t, overlayPath)
	photo := decodePNG(t, birdSegmentationPNG)
	require.Equal(t, photo.Bounds(), overlay.Bounds())
	at := func(x, y int) uint8 { return mask.Pix[y*mask.Stride+x] }
	var bird, background image.Point
	for y := 200; y < 513; y++ { // below the legend
		for x := range 513 {
			switch at(x, y) {
			case 3:
				bird = image.Pt(x, y)
			case 0:
				background = image.Pt(x, y)
			}
		}
	}
	assert.True(t, sameColour(photo.At(background.X, background.Y), overlay.At(background.X, background.Y)), "background as it was")
	assert.False(t, sameColour(photo.At(bird.X, bird.Y), overlay.At(bird.X, bird.Y)), "the bird coloured")

	if testmodels.Root() == "" {
		return
	}
	f, err := os.Open(testmodels.Path(t, "segmentation", "bird_segmentation_mask.bmp"))
	require.NoError(t, err)
	defer f.Close()
	want, err := bmp.Decode(f)
	require.NoError(t, err)
	same := 0
	for i, v := range mask.Pix {
		if v == want.(*image.Paletted).Pix[i] {
			same++
		}
	}
	coral := float64(same) / float64(2*len(mask.Pix)-same)
	t.Logf("Coral's measure of the -mask file: %.4f", coral)
	assert.Greater(t, coral, 0.9)
}

// TestSegmentDefaultsAndTable: with no image the embedded dogs photo, a
// mask at its own 640×427 size (not the model's 513×513), the table
// output, and numbered masks for several images.
func TestSegmentDefaultsAndTable(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	r := runCLI(t, "segment", "-json", "-mask", filepath.Join(dir, "dogs.png"))
	requireSuccess(t, r)
	l := parseSegmentOutput(t, r.stdout)[0]
	assert.Equal(t, "embedded:dogs.jpg", l.Image)
	assert.Equal(t, [2]int{640, 427}, [2]int{l.Width, l.Height})
	labels := map[string]bool{}
	for _, c := range l.Classes {
		labels[c.Label] = true
	}
	assert.True(t, labels["dog"], "dogs in %v", l.Classes)
	mask := readMask(t, filepath.Join(dir, "dogs.png"))
	assert.Equal(t, image.Rect(0, 0, 640, 427), mask.Bounds())

	table := runCLI(t, "segment")
	requireSuccess(t, table)
	assert.Contains(t, table.stdout, "embedded:dogs.jpg (640×427): ")
	assert.Contains(t, table.stdout, "class  label")
	assert.Regexp(t, `\n  0 +background +\d+ +\d+\.\d%\n`, table.stdout)

	_, dogs, burger := photoFiles(t)
	several := runCLI(t, "segment", "-mask", filepath.Join(dir, "m.png"), "-overlay", filepath.Join(dir, "o.jpg"), dogs, burger)
	requireSuccess(t, several)
	for i, size := range [][2]int{{640, 427}, {480, 325}} {
		m := readMask(t, filepath.Join(dir, "m_"+string(rune('0'+i))+".png"))
		assert.Equal(t, image.Rect(0, 0, size[0], size[1]), m.Bounds())
		format, w, h := imageSize(t, filepath.Join(dir, "o_"+string(rune('0'+i))+".jpg"))
		assert.Equal(t, "jpeg", format)
		assert.Equal(t, size, [2]int{w, h})
	}
}

// TestSegmentSource: a -source frame's classes are those of the same file
// given as an image.
func TestSegmentSource(t *testing.T) {
	skipInShort(t)
	_, dogs, _ := photoFiles(t)
	frame, file := sourceAndFile(t, "segment", dogs, segmentKeys, parseSegmentOutput)
	assert.Equal(t, file.Classes, frame.Classes)
	assert.Equal(t, "file:"+dogs, frame.Image)
}

// TestSegmentLabelsAndModels: -labels overrides the embedded names, a
// model of another task is refused naming what it is, and a model file
// that is no model fails in one line.
func TestSegmentLabelsAndModels(t *testing.T) {
	dir := t.TempDir()
	classifier := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)
	r := runCLI(t, "segment", "-model", classifier, birdSegmentationPNG)
	assertOneLineFailure(t, r, 1, "not a segmenter model")
	assert.Contains(t, r.stderr, "looks like a classifier")
	bogus := writeFile(t, dir, "bogus.tflite", []byte("not a model"))
	assertOneLineFailure(t, runCLI(t, "segment", "-model", bogus, birdSegmentationPNG), 1, "percept segment:")
	short := writeFile(t, dir, "short.txt", []byte("background\naeroplane\n"))
	assertOneLineFailure(t, runCLI(t, "segment", "-labels", short, birdSegmentationPNG), 1, "the labels name 2 classes")

	if testing.Short() {
		return
	}
	names := make([]string, 21)
	for i := range names {
		names[i] = "c" + string(rune('a'+i))
	}
	renamed := writeFile(t, dir, "renamed.txt", []byte(strings.Join(names, "\n")+"\n"))
	r = runCLI(t, "segment", "-json", "-labels", renamed, birdSegmentationPNG)
	requireSuccess(t, r)
	l := parseSegmentOutput(t, r.stdout)[0]
	assert.Equal(t, "ca", l.Classes[0].Label)
	assert.Equal(t, "cd", l.Classes[1].Label, "class 3")
}

// TestSegmentFlags: range and combination errors exit 2 before any work.
func TestSegmentFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-mask", filepath.Join(dir, "m.jpg")}, "a mask is written as .png"},
		{[]string{"-overlay", filepath.Join(dir, "o.gif")}, "-overlay " + filepath.Join(dir, "o.gif") + ": the extension must name the format"},
		{[]string{"-source", "test:", "-mask", filepath.Join(dir, "m.png")}, "do not apply to -source"},
		{[]string{"-kernels", "sse9"}, `kernel target "sse9" is not available here`},
		{[]string{"-threads", "-1"}, "-threads -1: must not be negative"},
		{[]string{"-n", "3", "x.png"}, "-n counts the frames of -source"},
		{[]string{"-max-pixels", "0"}, "-max-pixels 0"},
		{[]string{"-fallback", "cpu.tflite"}, "it needs -edgetpu"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			assertOneLineFailure(t, runCLI(t, append([]string{"segment"}, c.args...)...), 2, c.want)
		})
	}
	assertOneLineFailure(t, runCLI(t, "segment", "-mask", filepath.Join(dir, "no", "m.png")), 1, "-mask "+filepath.Join(dir, "no", "m.png")+": no such file or directory")
	assertOneLineFailure(t, runCLI(t, "segment", "-overlay", filepath.Join(dir, "no", "o.png")), 1, "-overlay "+filepath.Join(dir, "no", "o.png")+": no such")
	help := runCLI(t, "segment", "-h")
	assert.Equal(t, 0, help.code)
	for _, flag := range []string{"-mask", "-overlay", "-labels", "-kernels", "-threads", "-edgetpu", "-source", "-json"} {
		assert.Contains(t, help.stdout, flag)
	}
}
