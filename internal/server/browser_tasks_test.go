package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// The browser tests of the other tasks serve a photo through a real model
// and read the overlay the page drew on its canvas. The model comes from
// the embedded assets or ../shared/models (skipped when absent).

// photoServer serves img in a loop through task.
func photoServer(t *testing.T, img image.Image, name string, task Task) *running {
	t.Helper()
	src, err := NewImageSource([]image.Image{img}, 5, 1)
	require.NoError(t, err)
	srv, err := New(Config{Source: src, SourceName: name, Task: task})
	require.NoError(t, err)
	return start(t, srv)
}

// photoFileServer serves the image at testmodels.Path(t, path...) in a
// loop through task, as memory:NAME (its file name).
func photoFileServer(t *testing.T, task Task, path ...string) *running {
	t.Helper()
	img, err := models.LoadImage(testmodels.Path(t, path...))
	require.NoError(t, err)
	return photoServer(t, img, "memory:"+path[len(path)-1], task)
}

// loadModel parses an embedded model or reads one from shared/models.
func loadModel(t *testing.T, embedded []byte, shared ...string) *tflite.Model {
	t.Helper()
	if embedded != nil {
		m, err := tflite.Parse(embedded)
		require.NoError(t, err)
		return m
	}
	m, err := tflite.Open(testmodels.Path(t, shared...))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// showPage opens the live view and waits until it lists an entry labelled
// label under the task's heading.
func showPage(t *testing.T, ctx context.Context, r *running, heading, label string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(r.http.URL+"/")))
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`document.getElementById("heading").textContent == %q && document.querySelector('#detections li[data-label=%q]') !== null`, heading, label),
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the page never listed %q under %q", label, heading)
}

// latestJSON decodes the newest result into v.
func (r *running) latestJSON(t *testing.T, v any) {
	t.Helper()
	code, _, body := r.get(t, "/api/detections")
	require.Equal(t, http.StatusOK, code, "%s", body)
	require.NoError(t, json.Unmarshal(body, v), "%s", body)
}

func TestBrowserShowsClasses(t *testing.T) {
	ctx := newBrowser(t)
	pool, err := models.NewClassifierPool(loadModel(t, assets.ClassifierModel), &models.Options{Threads: 1, MaxResults: 3}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	r := photoServer(t, decodeJPEG(t, assets.BurgerJPEG), "memory:burger.jpg", ClassifyTask(pool))
	showPage(t, ctx, r, "Classes", "cheeseburger")

	var f ClassifyResult
	r.latestJSON(t, &f)
	require.Len(t, f.Classes, 3)
	require.Equal(t, "cheeseburger", f.Classes[0].Label)
	// The panel in the top-left corner: a swatch per class in its colour
	// (cheeseburger is class 934: palette[934 % 8] = #46f0f0).
	for i, c := range f.Classes {
		assert.Equal(t, hexPixel(t, fmt.Sprintf("#%02x%02x%02x", classColour(c.Index).R, classColour(c.Index).G, classColour(c.Index).B)),
			canvasAt(t, ctx, 13, 14+20*i), "swatch of %s", c.Label)
	}
	assert.Equal(t, hexPixel(t, "#46f0f0"), canvasAt(t, ctx, 13, 14))
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("title").textContent`))
	require.NoError(t, err)
	assert.Equal(t, "percept · live classification", title)
	screenshot(t, ctx, "-classify")
}

func TestBrowserShowsSegmentation(t *testing.T) {
	ctx := newBrowser(t)
	labels, err := models.LoadLabels(testmodels.Path(t, "segmentation", "pascal_voc_segmentation_labels.txt"))
	require.NoError(t, err)
	m := loadModel(t, nil, "segmentation", "deeplabv3_mnv2_dm05_pascal_quant.tflite")
	pool, err := models.NewSegmenterPool(m, &models.Options{Threads: 2, Labels: labels}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	r := photoFileServer(t, SegmentTask(pool), "images", "bird.bmp")
	showPage(t, ctx, r, "Classes in view", "bird")

	var f struct {
		SegmentResult
		frameInfo
	}
	r.latestJSON(t, &f)
	img, err := png.Decode(bytes.NewReader(f.Mask.PNG))
	require.NoError(t, err)
	mask := img.(*image.Paletted)
	// The photo as the browser decodes it, on a canvas of its own.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => {
		const picture = new Image();
		picture.src = "api/frame.jpg?seq=`+strconv.FormatUint(f.Seq, 10)+`";
		await picture.decode();
		const c = document.createElement("canvas");
		c.width = picture.width;
		c.height = picture.height;
		window.photo = c.getContext("2d");
		window.photo.drawImage(picture, 0, 0);
		return true;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	photoAt := func(x, y int) pixel {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[pixel](fmt.Sprintf(
			`(() => { const d = window.photo.getImageData(%d, %d, 1, 1).data; return {R: d[0], G: d[1], B: d[2]}; })()`, x, y)))
		require.NoError(t, err)
		return p
	}

	// Cells of the reduced mask whose neighbours share their class: the
	// canvas at the image pixel under the cell's centre is the photo with
	// the class colour blended over it (bird, class 3), or the photo alone
	// (background).
	const birdClass = 3
	checked := map[uint8]int{}
	for my := 1; my < f.Mask.Height-1; my += 7 {
		for mx := 1; mx < f.Mask.Width-1; mx += 7 {
			class := mask.ColorIndexAt(mx, my)
			if class != 0 && class != birdClass {
				continue
			}
			uniform := true
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					uniform = uniform && mask.ColorIndexAt(mx+dx, my+dy) == class
				}
			}
			if !uniform {
				continue
			}
			x := int((float64(mx) + 0.5) * float64(f.Width) / float64(f.Mask.Width))
			y := int((float64(my) + 0.5) * float64(f.Height) / float64(f.Mask.Height))
			want := photoAt(x, y)
			if class == birdClass {
				c := classColour(birdClass)
				a := float64(maskAlpha) / 255
				blend := func(colour uint8, under int) int { return int(math.Round(a*float64(colour) + (1-a)*float64(under))) }
				want = pixel{blend(c.R, want.R), blend(c.G, want.G), blend(c.B, want.B)}
			}
			assertPixelNear(t, want, canvasAt(t, ctx, x, y), 3, "class %d at %d,%d (mask cell %d,%d)", class, x, y, mx, my)
			checked[class]++
		}
	}
	t.Logf("checked %d bird and %d background pixels", checked[birdClass], checked[0])
	assert.Greater(t, checked[birdClass], 5, "bird pixels checked")
	assert.Greater(t, checked[0], 5, "background pixels checked")
	screenshot(t, ctx, "-segment")
}

func TestBrowserShowsPose(t *testing.T) {
	ctx := newBrowser(t)
	m := loadModel(t, nil, "pose", "movenet_single_pose_lightning_ptq.tflite")
	pool, err := models.NewPoseEstimatorPool(m, &models.Options{Threads: 2}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	r := photoFileServer(t, PoseTask(pool), "pose", "squat.bmp")
	showPage(t, ctx, r, "Poses", "person")

	var f PoseResult
	r.latestJSON(t, &f)
	require.Len(t, f.Poses, 1)
	k := f.Poses[0].Keypoints
	// The middle of every bone between keypoints the page draws, at least
	// 12 pixels away from every drawn keypoint's dot, has its side's
	// colour: the person's left magenta, right cyan, across yellow.
	checked := 0
	for _, bone := range models.Skeleton {
		a, b := k[bone[0]], k[bone[1]]
		if a.Score < minKeypointScore || b.Score < minKeypointScore {
			continue
		}
		x, y := (a.X+b.X)/2, (a.Y+b.Y)/2
		clear := true
		for _, p := range k {
			clear = clear && (p.Score < minKeypointScore || math.Hypot(float64(p.X-x), float64(p.Y-y)) >= 12)
		}
		if !clear {
			continue
		}
		want := "#ffff00"
		switch left, right := strings.HasPrefix(a.Name, "left_") || strings.HasPrefix(b.Name, "left_"),
			strings.HasPrefix(a.Name, "right_") || strings.HasPrefix(b.Name, "right_"); {
		case left && !right:
			want = "#ff00ff"
		case right && !left:
			want = "#00ffff"
		}
		assertPixelNear(t, hexPixel(t, want), canvasAt(t, ctx, int(x), int(y)), 3, "the middle of bone %s–%s", a.Name, b.Name)
		checked++
	}
	assert.GreaterOrEqual(t, checked, 6, "bones checked")
	screenshot(t, ctx, "-pose")
}

func TestBrowserShowsFaces(t *testing.T) {
	ctx := newBrowser(t)
	pool, err := models.NewFaceDetectorPool(loadModel(t, assets.FaceModel), &models.Options{Threads: 1}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	r := photoFileServer(t, FaceTask(pool), "images", "grace_hopper.jpg")
	showPage(t, ctx, r, "Faces", "face")

	var f FaceResult
	r.latestJSON(t, &f)
	require.Len(t, f.Faces, 1)
	face := f.Faces[0]
	b := face.Box
	// The box's left edge is green, below its label; the nose tip is a
	// yellow dot and the mouth a red one.
	assert.Equal(t, hexPixel(t, "#3cb44b"), canvasAt(t, ctx, b.X+1, b.Y+b.Height/2), "left edge of %+v", b)
	nose, mouth := face.Keypoints[models.FaceNoseTip], face.Keypoints[models.FaceMouthCenter]
	assert.Equal(t, hexPixel(t, "#ffe119"), canvasAt(t, ctx, int(nose.X), int(nose.Y)), "nose tip")
	assert.Equal(t, hexPixel(t, "#e6194b"), canvasAt(t, ctx, int(mouth.X), int(mouth.Y)), "mouth")
	screenshot(t, ctx, "-faces")
}
