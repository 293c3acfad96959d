package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// brightClassifier stands in for a classifier: class 7 "bright" scores
// the share of pixels brighter than half scale, class 2 "dark" the rest,
// so a test derives the answer from the picture it made.
type brightClassifier struct{}

func (brightClassifier) Classify(ctx context.Context, img image.Image) ([]models.Class, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	bright := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl > 3*0x8000 {
				bright++
			}
		}
	}
	share := float32(bright) / float32(b.Dx()*b.Dy())
	classes := []models.Class{{Index: 7, Label: "bright", Score: share}, {Index: 2, Label: "dark", Score: 1 - share}}
	if share < 0.5 {
		classes[0], classes[1] = classes[1], classes[0]
	}
	return classes, nil
}

func (brightClassifier) Probabilities() bool { return true }

// sceneClasses is what brightClassifier finds in scene(): the grey
// rectangle covers 80×60 of 160×120 pixels.
var sceneClasses = []classJSON{{2, "dark", 0.75}, {7, "bright", 0.25}}

// classJSON is one class of a classify result, spelled out.
type classJSON struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
}

// classifyFrameJSON is a classify frame of GET /api/detections.
type classifyFrameJSON struct {
	Task        string      `json:"task"`
	Image       string      `json:"image"`
	Width       int         `json:"width"`
	Height      int         `json:"height"`
	Scores      string      `json:"scores"`
	Classes     []classJSON `json:"classes"`
	Seq         uint64      `json:"seq"`
	Time        string      `json:"time"`
	Dropped     uint64      `json:"dropped"`
	InferenceMS float64     `json:"inference_ms"`
	LatencyMS   float64     `json:"latency_ms"`
}

// taskServer serves scene() as a looping stream to task.
func taskServer(t *testing.T, task Task) *running {
	t.Helper()
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	srv, err := New(Config{Source: src, SourceName: "memory:scene", Task: task})
	require.NoError(t, err)
	return start(t, srv)
}

// latestAs polls GET /api/detections until a frame exists and decodes it
// strictly into v.
func (r *running) latestAs(t *testing.T, v any) {
	t.Helper()
	require.Eventually(t, func() bool {
		code, _, body := r.get(t, "/api/detections")
		if code != http.StatusOK {
			return false
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(v), "%s", body)
		return true
	}, 20*time.Second, 10*time.Millisecond)
}

// post sends body to the server's path and returns the status and body.
func (r *running) post(t *testing.T, path string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := r.client.Post(r.http.URL+path, "image/png", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		// The upload's times end its object; they vary from run to run.
		m := uploadTimes.FindSubmatch(out)
		require.NotNil(t, m, "an upload's answer ends with its queue, decode and inference times: %s", out)
		assert.Equal(t, string(m[3]), resp.Header.Get("X-Inference-Ms"))
		assert.Equal(t, string(m[1]), resp.Header.Get("X-Queue-Ms"))
		out = uploadTimes.ReplaceAll(out, []byte("}\n"))
	}
	return resp.StatusCode, out
}

// uploadTimes matches the times that end an upload's JSON answer.
var uploadTimes = regexp.MustCompile(`,"queue_ms":(\d+\.\d{3}),"decode_ms":(\d+\.\d{3}),"inference_ms":(\d+\.\d{3})}\n$`)

func TestClassifyTask(t *testing.T) {
	r := taskServer(t, ClassifyTask(brightClassifier{}))
	var f classifyFrameJSON
	r.latestAs(t, &f)
	assert.Equal(t, "classify", f.Task)
	assert.Equal(t, "memory:scene", f.Image)
	assert.Equal(t, []int{sceneWidth, sceneHeight}, []int{f.Width, f.Height})
	assert.Equal(t, "probabilities", f.Scores)
	assert.Equal(t, sceneClasses, f.Classes)

	code, _, body := r.get(t, "/api/task")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"task":"classify"}`, string(body))

	// Uploads: at /api/detect, kept for every task, and at /api/classify.
	want := fmt.Sprintf(`{"task":"classify","image":"upload","width":%d,"height":%d,"scores":"probabilities","classes":`+
		`[{"index":2,"label":"dark","score":0.75},{"index":7,"label":"bright","score":0.25}]}`+"\n", sceneWidth, sceneHeight)
	for _, path := range []string{"/api/detect", "/api/classify"} {
		code, body := r.post(t, path, encodePNG(t, scene()))
		require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
		assert.Equal(t, want, string(body), path)
	}
	code, body = r.post(t, "/api/pose", encodePNG(t, scene()))
	assert.Equal(t, http.StatusNotFound, code, "only the server's task has its route: %s", body)

	// The annotated frame lists the classes in the top-left corner: the
	// first line's swatch has class 2's colour, on a black panel.
	code, _, body = r.get(t, "/api/frame.jpg?annotated=1")
	require.Equal(t, http.StatusOK, code)
	annotated := decodeJPEG(t, body)
	assertNear(t, palette[2], annotated.At(9, 12), 24, "the first line's swatch")
	assertNear(t, palette[7], annotated.At(9, 28), 24, "the second line's swatch")
	assertNear(t, color.RGBA{0, 0, 0, 255}, annotated.At(1, 1), 24, "the panel")
	assertNear(t, color.RGBA{200, 200, 200, 255}, annotated.At(80, 60), 24, "the scene outside the panel")
}

// assertNear checks that got is within tol of want on each channel (JPEG
// blurs colours).
func assertNear(t *testing.T, want color.RGBA, got color.Color, tol int, what string) {
	t.Helper()
	c := color.RGBAModel.Convert(got).(color.RGBA)
	for i, pair := range [][2]uint8{{want.R, c.R}, {want.G, c.G}, {want.B, c.B}} {
		assert.InDelta(t, int(pair[0]), int(pair[1]), float64(tol), "%s: channel %d of %v, want %v", what, i, c, want)
	}
}

func TestClassifyTaskRealModel(t *testing.T) {
	skipRealModelInShort(t)
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	pool, err := models.NewClassifierPool(m, &models.Options{Threads: 1, MaxResults: 3}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	srv, err := New(Config{Source: idleSource{}, Task: ClassifyTask(pool)})
	require.NoError(t, err)
	r := start(t, srv)
	code, body := r.post(t, "/api/classify", assets.BurgerJPEG)
	require.Equal(t, http.StatusOK, code, "%s", body)
	var got struct {
		Task    string      `json:"task"`
		Scores  string      `json:"scores"`
		Classes []classJSON `json:"classes"`
	}
	require.NoError(t, json.Unmarshal(body, &got))
	assert.Equal(t, "classify", got.Task)
	assert.Equal(t, "probabilities", got.Scores)
	require.Len(t, got.Classes, 3)
	assert.Equal(t, "cheeseburger", got.Classes[0].Label, "the Task Library's answer for the burger photo")
}

func TestProfilingOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		srv, err := New(Config{Source: idleSource{}, Detector: &brightDetector{}, Profiling: on})
		require.NoError(t, err)
		ts := httptest.NewServer(srv.Handler())
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline", "/debug/pprof/symbol"} {
			resp, err := http.Get(ts.URL + path)
			require.NoError(t, err)
			resp.Body.Close()
			want := http.StatusNotFound
			if on {
				want = http.StatusOK
			}
			assert.Equal(t, want, resp.StatusCode, "%s with Profiling %v", path, on)
		}
		ts.Close()
		var metrics bytes.Buffer
		require.NoError(t, srv.metrics.writeTo(&metrics))
		if on {
			assert.Contains(t, metrics.String(), `percept_http_requests_total{path="/debug/pprof/",code="200"} 2`,
				"the index and the named profiles share one series")
		} else {
			assert.Contains(t, metrics.String(), `percept_http_requests_total{path="unmatched",code="404"} 4`)
		}
	}
}

// TestPageSharesThePalette: the live view colours classes as the server's
// masks and annotated frames do.
func TestPageSharesThePalette(t *testing.T) {
	m := regexp.MustCompile(`const palette = \[([^\]]*)\]`).FindSubmatch(indexHTML)
	require.NotNil(t, m, "the page defines its palette")
	var page []string
	for _, s := range strings.Split(string(m[1]), ",") {
		page = append(page, strings.Trim(strings.TrimSpace(s), `"`))
	}
	var server []string
	for _, c := range palette {
		server = append(server, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
	}
	assert.Equal(t, server, page)
}

// TestClassPanelIsBounded: a classifier that reports every class (no
// MaxResults) has its first panelLines drawn on the frame, not a panel
// taller than the frame.
func TestClassPanelIsBounded(t *testing.T) {
	classes := make([]models.Class, 1000)
	for i := range classes {
		classes[i] = models.Class{Index: i, Score: float32(1000-i) / 1000}
	}
	img := image.NewRGBA(image.Rect(0, 0, 300, 400))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	out := classification{"probabilities", classes}.annotate(img)
	assert.Equal(t, classColour(panelLines-1), out.RGBAAt(9, 12+16*(panelLines-1)), "the last line's swatch")
	assert.Equal(t, color.RGBA{200, 200, 200, 200}, out.RGBAAt(9, 12+16*panelLines+8), "below the panel")
}
