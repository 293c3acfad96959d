package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/models"
)

// brightSegmenter stands in for a segmenter: pixels brighter than half
// scale are class 15 "person", the others class 0 "background".
type brightSegmenter struct{}

func (brightSegmenter) Segment(ctx context.Context, img image.Image) (*models.Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	seg := &models.Segmentation{Width: b.Dx(), Height: b.Dy(), Mask: make([]uint8, b.Dx()*b.Dy())}
	bright := 0
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			if r+g+bl > 3*0x8000 {
				seg.Mask[y*b.Dx()+x] = 15
				bright++
			}
		}
	}
	seg.Classes = []models.SegmentClass{{Class: 0, Label: "background", Pixels: len(seg.Mask) - bright}, {Class: 15, Label: "person", Pixels: bright}}
	return seg, nil
}

// segmentFrameJSON is a segment frame of GET /api/detections.
type segmentFrameJSON struct {
	Task    string `json:"task"`
	Image   string `json:"image"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Classes []struct {
		Class  int    `json:"class"`
		Label  string `json:"label"`
		Pixels int    `json:"pixels"`
	} `json:"classes"`
	Mask struct {
		Width  int    `json:"width"`
		Height int    `json:"height"`
		PNG    []byte `json:"png"`
	} `json:"mask"`
	Seq         uint64  `json:"seq"`
	Time        string  `json:"time"`
	Dropped     uint64  `json:"dropped"`
	InferenceMS float64 `json:"inference_ms"`
	LatencyMS   float64 `json:"latency_ms"`
}

func TestSegmentTask(t *testing.T) {
	r := taskServer(t, SegmentTask(brightSegmenter{}))
	var f segmentFrameJSON
	r.latestAs(t, &f)
	assert.Equal(t, "segment", f.Task)
	assert.Equal(t, []int{sceneWidth, sceneHeight}, []int{f.Width, f.Height})
	require.Len(t, f.Classes, 2)
	assert.Equal(t, 160*120-80*60, f.Classes[0].Pixels)
	assert.Equal(t, "person", f.Classes[1].Label)
	assert.Equal(t, 80*60, f.Classes[1].Pixels)

	// The scene is smaller than maskSide: the mask has its size, and its
	// palette indices are the classes.
	require.Equal(t, []int{sceneWidth, sceneHeight}, []int{f.Mask.Width, f.Mask.Height})
	mask, err := png.Decode(bytes.NewReader(f.Mask.PNG))
	require.NoError(t, err)
	pm, ok := mask.(*image.Paletted)
	require.True(t, ok, "the mask is a paletted PNG, not %T", mask)
	for y := range sceneHeight {
		for x := range sceneWidth {
			want := uint8(0)
			if (image.Point{x, y}).In(sceneObject) {
				want = 15
			}
			if pm.ColorIndexAt(x, y) != want {
				t.Fatalf("mask at %d,%d: class %d, want %d", x, y, pm.ColorIndexAt(x, y), want)
			}
		}
	}
	_, _, _, a := pm.Palette[0].RGBA()
	assert.Zero(t, a, "the background is transparent")
	person := color.NRGBAModel.Convert(pm.Palette[15]).(color.NRGBA)
	assert.Equal(t, uint8(maskAlpha), person.A)
	assertNear(t, classColour(15), color.RGBA{person.R, person.G, person.B, 255}, 2, "class 15's colour")

	code, body := r.post(t, "/api/segment", encodePNG(t, scene()))
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Contains(t, string(body), `{"task":"segment","image":"upload","width":160,"height":120,"classes":[{"class":0,"label":"background","pixels":14400},{"class":15,"label":"person","pixels":4800}],"mask":{"width":160,"height":120,"png":"`)

	// The annotated frame blends class 15's colour over the grey object
	// and leaves the background alone.
	code, _, body = r.get(t, "/api/frame.jpg?annotated=1")
	require.Equal(t, http.StatusOK, code)
	annotated := decodeJPEG(t, body)
	c := classColour(15)
	blend := func(v uint8) uint8 { return uint8((int(v)*maskAlpha + 200*(255-maskAlpha) + 127) / 255) }
	assertNear(t, color.RGBA{blend(c.R), blend(c.G), blend(c.B), 255}, annotated.At(80, 60), 12, "inside the object")
	assertNear(t, color.RGBA{0, 0, 0, 255}, annotated.At(10, 10), 12, "the background")
}

// TestMaskIsReduced: a large mask is sampled down to maskSide on its
// longer side, each pixel taking the class under its centre.
func TestMaskIsReduced(t *testing.T) {
	for _, c := range []struct{ w, h, wantW, wantH int }{
		{600, 300, 256, 128},
		{300, 601, 128, 256},
		{1000, 3, 256, 1},
		{256, 256, 256, 256},
		{7, 5, 7, 5},
	} {
		seg := &models.Segmentation{Width: c.w, Height: c.h, Mask: make([]uint8, c.w*c.h)}
		for y := range c.h {
			for x := range c.w {
				seg.Mask[y*c.w+x] = uint8((x + 3*y) % 21) // a class per pixel, nothing repeats nearby
			}
		}
		out, err := newSegmentation(seg)
		require.NoError(t, err)
		require.Equal(t, []int{c.wantW, c.wantH}, []int{out.mask.Width, out.mask.Height}, "%d×%d", c.w, c.h)
		img, err := png.Decode(bytes.NewReader(out.mask.PNG))
		require.NoError(t, err)
		pm := img.(*image.Paletted)
		for y := range c.wantH {
			for x := range c.wantW {
				// The centre of pixel x of wantW is at (x+½)·w/wantW.
				sx, sy := int((float64(x)+0.5)*float64(c.w)/float64(c.wantW)), int((float64(y)+0.5)*float64(c.h)/float64(c.wantH))
				if got, want := pm.ColorIndexAt(x, y), seg.Mask[sy*c.w+sx]; got != want {
					t.Fatalf("%d×%d: reduced pixel %d,%d is class %d, want %d (source %d,%d)", c.w, c.h, x, y, got, want, sx, sy)
				}
			}
		}
	}
}

// TestMaskPaletteBackground: the background is transparent when labelled
// so, or class 0 unlabelled; other classes keep their colour.
func TestMaskPaletteBackground(t *testing.T) {
	alpha := func(p color.Palette, i int) uint32 { _, _, _, a := p[i].RGBA(); return a }
	p := maskPalette([]models.SegmentClass{{Class: 0, Label: "floor"}, {Class: 4, Label: "Background"}})
	assert.NotZero(t, alpha(p, 0), "a labelled class 0 that is not the background")
	assert.Zero(t, alpha(p, 4))
	p = maskPalette([]models.SegmentClass{{Class: 0}, {Class: 1}})
	assert.Zero(t, alpha(p, 0))
	assert.NotZero(t, alpha(p, 1))
	assert.Len(t, p, 256)
}

// fixedPose stands in for a pose estimator: one person whose keypoints
// sit on a grid over the scene, five a row from (20, 15), 30 pixels apart
// across and 25 down, the right ankle hidden.
type fixedPose struct{}

func (fixedPose) Estimate(ctx context.Context, img image.Image) ([]models.Pose, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kps := make([]models.Keypoint, models.NumKeypoints)
	for i := range kps {
		kps[i] = models.Keypoint{Name: models.KeypointNames[i], X: float32(20 + 30*(i%5)), Y: float32(15 + 25*(i/5)), Score: 0.9}
	}
	kps[models.KeypointRightAnkle].Score = 0.1
	return []models.Pose{{Score: 0.85, Keypoints: kps}}, nil
}

func TestPoseTask(t *testing.T) {
	r := taskServer(t, PoseTask(fixedPose{}))
	var f struct {
		Task   string        `json:"task"`
		Image  string        `json:"image"`
		Width  int           `json:"width"`
		Height int           `json:"height"`
		Poses  []models.Pose `json:"poses"`
		frameInfo
	}
	r.latestAs(t, &f)
	assert.Equal(t, "pose", f.Task)
	want, _ := fixedPose{}.Estimate(context.Background(), scene())
	assert.Equal(t, want, f.Poses)

	code, _, body := r.get(t, "/api/task")
	require.Equal(t, http.StatusOK, code)
	var info TaskInfo
	require.NoError(t, json.Unmarshal(body, &info))
	assert.Equal(t, "pose", info.Task)
	assert.Equal(t, models.Skeleton[:], info.Skeleton)

	code, body = r.post(t, "/api/pose", encodePNG(t, scene()))
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Contains(t, string(body), `{"task":"pose","image":"upload","width":160,"height":120,"poses":[{"score":0.85,"keypoints":[{"name":"nose","x":20,"y":15,"score":0.9},`)

	// The annotated frame, as percept pose -out draws it: the left side
	// of the torso (shoulder 5 at 20,40 to hip 11 at 50,65) magenta on the
	// black background, the hidden right ankle's shin (knee 14 at 140,65 to
	// ankle 16 at 50,90) not drawn over the grey object, the shoulder a
	// red dot.
	code, _, body = r.get(t, "/api/frame.jpg?annotated=1")
	require.Equal(t, http.StatusOK, code)
	decodeJPEG(t, body)
	annotated := posesOutput(want).annotate(scene())
	assert.Equal(t, color.RGBA{255, 0, 255, 255}, annotated.At(35, 52), "the middle of the left torso")
	assert.Equal(t, color.RGBA{200, 200, 200, 255}, annotated.At(95, 78), "the middle of the hidden shin")
	assert.Equal(t, color.RGBA{255, 40, 40, 255}, annotated.At(20, 40), "the shoulder")
}

// fixedFace stands in for a face detector: one face boxing the scene's
// object, its keypoints inside it.
type fixedFace struct{}

func (fixedFace) Detect(ctx context.Context, img image.Image) ([]models.Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := models.Face{Score: 0.75, Box: models.Box{X: sceneObject.Min.X, Y: sceneObject.Min.Y, Width: sceneObject.Dx(), Height: sceneObject.Dy()}}
	for i := range f.Keypoints {
		f.Keypoints[i] = models.FaceKeypoint{X: float32(50 + 10*i), Y: 60}
	}
	return []models.Face{f}, nil
}

func TestFaceTask(t *testing.T) {
	r := taskServer(t, FaceTask(fixedFace{}))
	var f struct {
		Task   string        `json:"task"`
		Image  string        `json:"image"`
		Width  int           `json:"width"`
		Height int           `json:"height"`
		Faces  []models.Face `json:"faces"`
		frameInfo
	}
	r.latestAs(t, &f)
	assert.Equal(t, "faces", f.Task)
	want, _ := fixedFace{}.Detect(context.Background(), scene())
	assert.Equal(t, want, f.Faces)

	code, body := r.post(t, "/api/faces", encodePNG(t, scene()))
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Contains(t, string(body), `{"task":"faces","image":"upload","width":160,"height":120,"faces":[{"score":0.75,"box":{"x":40,"y":30,"width":80,"height":60},"keypoints":[{"x":50,"y":60},`)

	// The annotated frame: percept faces' drawing, a green frame on the
	// box's left edge.
	code, _, body = r.get(t, "/api/frame.jpg?annotated=1")
	require.Equal(t, http.StatusOK, code)
	annotated := decodeJPEG(t, body)
	assertNear(t, palette[1], annotated.At(40, 70), 40, "the box's left edge")
}

// BenchmarkSegmentationOutput measures what the server adds to a
// segmenter's time per frame: reducing a 640×427 mask and encoding its PNG,
// then the frame's JSON.
func BenchmarkSegmentationOutput(b *testing.B) {
	const w, h = 640, 427
	seg := &models.Segmentation{Width: w, Height: h, Mask: make([]uint8, w*h)}
	for y := range h {
		for x := range w {
			if (x-320)*(x-320)+(y-200)*(y-200) < 150*150 {
				seg.Mask[y*w+x] = 3
			}
		}
	}
	seg.Classes = []models.SegmentClass{{Class: 0, Label: "background"}, {Class: 3, Label: "bird"}}
	var size int
	for b.Loop() {
		out, err := newSegmentation(seg)
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(out.value("camera:0", w, h, &frameInfo{}))
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "json-bytes")
}
