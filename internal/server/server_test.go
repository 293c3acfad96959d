package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// minScore is the threshold of every detector in these tests, the default
// of `percept detect` and `percept serve`.
const minScore = 0.5

// testRate paces test streams: fast enough for short tests, slow enough to
// leave the machine's cores to other work.
const testRate = 30

// dogsWidth and dogsHeight are the size of assets.DogsJPEG.
const dogsWidth, dogsHeight = 640, 427

// The JSON of a frame result, spelled out independently of the package's
// types.
type boxJSON struct {
	X, Y, Width, Height int
}

type detectionJSON struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
	Box   boxJSON `json:"box"`
}

type frameJSON struct {
	Task        string          `json:"task"`
	Image       string          `json:"image"`
	Width       int             `json:"width"`
	Height      int             `json:"height"`
	Detections  []detectionJSON `json:"detections"`
	Seq         uint64          `json:"seq"`
	Time        string          `json:"time"`
	Dropped     uint64          `json:"dropped"`
	InferenceMS float64         `json:"inference_ms"`
	LatencyMS   float64         `json:"latency_ms"`
}

func testModel(t *testing.T) *tflite.Model {
	t.Helper()
	m, err := tflite.Parse(assets.DetectorModel)
	require.NoError(t, err)
	return m
}

// testPool returns a pool of size single-threaded detectors, closed at the
// end of the test.
func testPool(t *testing.T, size int) *models.DetectorPool {
	t.Helper()
	pool, err := models.NewDetectorPool(testModel(t), &models.Options{MinScore: minScore, Threads: 1}, size)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	return pool
}

func decodeJPEG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}

// reference runs a detector of its own on img: what `percept detect -json`
// prints for it.
func reference(t *testing.T, img image.Image) []detectionJSON {
	t.Helper()
	det, err := models.NewDetector(testModel(t), &models.Options{MinScore: minScore, Threads: 1})
	require.NoError(t, err)
	defer det.Close()
	dets, err := det.Detect(context.Background(), img)
	require.NoError(t, err)
	out := make([]detectionJSON, len(dets))
	for i, d := range dets {
		out[i] = detectionJSON{Class: d.Class, Label: d.Label, Score: d.Score,
			Box: boxJSON{d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height}}
	}
	return out
}

// requireTwoDogs checks what is known of the sample photo: two dogs.
func requireTwoDogs(t *testing.T, dets []detectionJSON) {
	t.Helper()
	require.Len(t, dets, 2, "the sample photo shows two dogs: %+v", dets)
	for _, d := range dets {
		assert.Equal(t, "dog", d.Label)
		assert.GreaterOrEqual(t, d.Score, float32(minScore))
	}
}

// brightDetector stands in for a model where the model's arithmetic is not
// under test (and where, under the race detector, a real inference would
// take many seconds): it reports the bounding box of the pixels brighter
// than half scale as one "bright" object, so that a test derives its
// answer by hand from the picture it made.
type brightDetector struct {
	calls atomic.Int64
}

func (d *brightDetector) Detect(ctx context.Context, img image.Image) ([]models.Detection, error) {
	d.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	box := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl > 3*0x8000 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		return nil, nil
	}
	return []models.Detection{{Class: 1, Label: "bright", Score: 0.9,
		Box: models.Box{X: box.Min.X - b.Min.X, Y: box.Min.Y - b.Min.Y, Width: box.Dx(), Height: box.Dy()}}}, nil
}

// The synthetic scene: a grey rectangle on black.
const sceneWidth, sceneHeight = 160, 120

var sceneObject = image.Rect(40, 30, 120, 90)

func scene() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, sceneWidth, sceneHeight))
	for y := range sceneHeight {
		for x := range sceneWidth {
			v := uint8(0)
			if (image.Point{x, y}).In(sceneObject) {
				v = 200
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return img
}

// sceneDetections is what brightDetector finds in scene(), by hand.
var sceneDetections = []detectionJSON{{Class: 1, Label: "bright", Score: 0.9, Box: boxJSON{40, 30, 80, 60}}}

// sceneServer serves scene() as a looping stream to brightDetector.
func sceneServer(t *testing.T, cfg Config) *running {
	t.Helper()
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	cfg.Source, cfg.SourceName = src, "memory:scene"
	cfg.Detector = &brightDetector{}
	srv, err := New(cfg)
	require.NoError(t, err)
	return start(t, srv)
}

func skipRealModelInShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the SSD model on live frames (seconds per inference under the race detector): skipped with -short")
	}
}

// running is a server whose capture loop runs behind an httptest server.
type running struct {
	srv     *Server
	http    *httptest.Server
	client  *http.Client
	stop    context.CancelFunc
	runDone chan error
}

// start runs srv's capture loop and serves its handler; everything stops
// at the end of the test.
func start(t *testing.T, srv *Server) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, stop: cancel, runDone: make(chan error, 1)}
	go func() { r.runDone <- srv.Run(ctx) }()
	r.http = httptest.NewServer(srv.Handler())
	r.client = &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
	t.Cleanup(func() {
		cancel()
		<-r.runDone
		r.http.Close()
		r.client.CloseIdleConnections()
	})
	return r
}

// dogsServer serves the sample photo as a looping stream.
func dogsServer(t *testing.T, cfg Config) *running {
	t.Helper()
	src, err := NewImageSource([]image.Image{decodeJPEG(t, assets.DogsJPEG)}, testRate, 1)
	require.NoError(t, err)
	cfg.Source, cfg.SourceName = src, "memory:dogs.jpg"
	cfg.Detector = testPool(t, 1)
	srv, err := New(cfg)
	require.NoError(t, err)
	return start(t, srv)
}

func (r *running) get(t *testing.T, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := r.client.Get(r.http.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

// latest polls GET /api/detections until a frame after seq exists.
func (r *running) latest(t *testing.T, after int64) frameJSON {
	t.Helper()
	var f frameJSON
	require.Eventually(t, func() bool {
		code, _, body := r.get(t, "/api/detections")
		if code != http.StatusOK {
			return false
		}
		f = frameJSON{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&f), "%s", body)
		return int64(f.Seq) > after
	}, 20*time.Second, 10*time.Millisecond)
	return f
}

func TestDetectionsMatchDetect(t *testing.T) {
	skipRealModelInShort(t)
	want := reference(t, decodeJPEG(t, assets.DogsJPEG))
	requireTwoDogs(t, want)
	r := dogsServer(t, Config{})

	if code, _, body := r.get(t, "/api/detections"); code == http.StatusServiceUnavailable {
		var e struct {
			Error string `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &e), "%s", body)
		assert.Equal(t, "no frame processed yet", e.Error) // TestHealthBeforeTheFirstFrame reads the rest
	}
	first := r.latest(t, -1)
	assert.Equal(t, "memory:dogs.jpg", first.Image)
	assert.Equal(t, dogsWidth, first.Width)
	assert.Equal(t, dogsHeight, first.Height)
	assert.Equal(t, want, first.Detections)
	captured, err := time.Parse(time.RFC3339Nano, first.Time)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), captured, 20*time.Second)
	assert.Greater(t, first.InferenceMS, 0.0)
	assert.GreaterOrEqual(t, first.LatencyMS, first.InferenceMS, "capture to result includes the inference")

	second := r.latest(t, int64(first.Seq))
	assert.Greater(t, second.Seq, first.Seq)
	assert.Equal(t, want, second.Detections)
	secondTime, err := time.Parse(time.RFC3339Nano, second.Time)
	require.NoError(t, err)
	assert.True(t, secondTime.After(captured), "capture times increase: %v then %v", captured, secondTime)

	code, header, _ := r.get(t, "/api/detections")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "application/json", header.Get("Content-Type"))
}

// event is one server-sent event.
type event struct {
	id, data string
}

// readEvents reads n events of a stream, skipping comments and the retry
// field.
func readEvents(t *testing.T, lines *bufio.Scanner, n int) []event {
	t.Helper()
	var events []event
	var ev event
	for len(events) < n && lines.Scan() {
		line := lines.Text()
		switch {
		case line == "":
			if ev.data != "" {
				events = append(events, ev)
			}
			ev = event{}
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry: "):
		default:
			t.Fatalf("unexpected stream line %q", line)
		}
	}
	require.NoError(t, lines.Err())
	require.Len(t, events, n, "the stream ended early")
	return events
}

// openStream starts an event stream request; cancel ends it.
func (r *running) openStream(t *testing.T, path string, accept string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.http.URL+path, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{Transport: r.client.Transport} // no overall timeout: streams are long
	resp, err := client.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return resp, cancel
}

func TestStream(t *testing.T) {
	r := sceneServer(t, Config{})

	for _, c := range []struct{ name, path, accept string }{
		{"query", "/api/detections?stream=1", ""},
		{"accept header", "/api/detections", "text/event-stream"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, cancel := r.openStream(t, c.path, c.accept)
			defer resp.Body.Close()
			events := readEvents(t, bufio.NewScanner(resp.Body), 3)
			var previous int64 = -1
			for _, ev := range events {
				var f frameJSON
				require.NoError(t, json.Unmarshal([]byte(ev.data), &f), ev.data)
				assert.Equal(t, strconv.FormatUint(f.Seq, 10), ev.id, "event id is the frame number")
				assert.Greater(t, int64(f.Seq), previous, "sequence numbers strictly increase")
				previous = int64(f.Seq)
				assert.Equal(t, "memory:scene", f.Image)
				assert.Equal(t, sceneWidth, f.Width)
				assert.Equal(t, sceneHeight, f.Height)
				assert.Equal(t, sceneDetections, f.Detections)
			}
			assert.EqualValues(t, 1, r.srv.metrics.streamClients.Load())
			cancel()
			require.Eventually(t, func() bool { return r.srv.metrics.streamClients.Load() == 0 },
				5*time.Second, 5*time.Millisecond, "the handler ends when its client leaves")
		})
	}
}

func TestStreamOutlivesWriteTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("streams for over a second: skipped with -short")
	}
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	srv, err := New(Config{Source: src, Detector: &brightDetector{}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	defer func() { cancel(); <-runDone }()

	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.WriteTimeout = 200 * time.Millisecond
	ts.Config.ReadTimeout = 200 * time.Millisecond
	ts.Start()
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/detections?stream=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	readEvents(t, lines, 1)
	deadline := time.Now().Add(5 * ts.Config.WriteTimeout)
	for time.Now().Before(deadline) {
		readEvents(t, lines, 1)
	}
}

// uploadResult is the JSON of POST /api/detect, spelled out.
type uploadResult struct {
	Task       string          `json:"task"`
	Image      string          `json:"image"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Detections []detectionJSON `json:"detections"`
}

// uploader posts to a server's POST /api/detect.
type uploader struct {
	url    string
	client *http.Client
}

func newUploader(t *testing.T, srv *Server) *uploader {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	u := &uploader{url: ts.URL + "/api/detect", client: &http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Minute}}
	t.Cleanup(func() {
		ts.Close()
		u.client.CloseIdleConnections()
	})
	return u
}

func (u *uploader) post(t *testing.T, contentType string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := u.client.Post(u.url, contentType, bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return resp.StatusCode, out
}

func decodeUploadResult(t *testing.T, body []byte) uploadResult {
	t.Helper()
	var r struct {
		uploadResult
		QueueMS     *float64 `json:"queue_ms"`
		DecodeMS    *float64 `json:"decode_ms"`
		InferenceMS *float64 `json:"inference_ms"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&r), "%s", body)
	for _, ms := range []*float64{r.QueueMS, r.DecodeMS, r.InferenceMS} {
		require.NotNil(t, ms, "an upload's answer gives its queue, decode and inference times: %s", body)
		assert.GreaterOrEqual(t, *ms, 0.0)
	}
	return r.uploadResult
}

// postConcurrently posts body from n clients at once and requires every
// answer to be 200 and the same; it returns that answer.
func (u *uploader) postConcurrently(t *testing.T, n int, contentType string, body []byte) uploadResult {
	t.Helper()
	bodies := make([][]byte, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := u.client.Post(u.url, contentType, bytes.NewReader(body))
			if err != nil {
				bodies[i] = []byte(err.Error())
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			bodies[i], _ = io.ReadAll(resp.Body)
		})
	}
	wg.Wait()
	for i := range n {
		require.Equal(t, http.StatusOK, codes[i], "client %d: %s", i, bodies[i])
		assert.Equal(t, decodeUploadResult(t, bodies[0]), decodeUploadResult(t, bodies[i]), "client %d", i)
	}
	return decodeUploadResult(t, bodies[0])
}

func TestUploadRealModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the SSD model dozens of times (seconds per inference under the race detector): skipped with -short")
	}
	dogs := decodeJPEG(t, assets.DogsJPEG)
	want := reference(t, dogs)
	requireTwoDogs(t, want)
	dogsPNG := encodePNG(t, dogs)
	wantPNG := reference(t, decodeImage(t, dogsPNG))
	requireTwoDogs(t, wantPNG)

	srv, err := New(Config{Source: idleSource{}, Detector: testPool(t, 2), MaxQueue: 20})
	require.NoError(t, err)
	u := newUploader(t, srv)
	code, body := u.post(t, "image/jpeg", assets.DogsJPEG)
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Equal(t, uploadResult{"detect", "upload", dogsWidth, dogsHeight, want}, decodeUploadResult(t, body))
	code, body = u.post(t, "image/png", dogsPNG)
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Equal(t, uploadResult{"detect", "upload", dogsWidth, dogsHeight, wantPNG}, decodeUploadResult(t, body))

	got := u.postConcurrently(t, 20, "image/jpeg", assets.DogsJPEG)
	assert.Equal(t, uploadResult{"detect", "upload", dogsWidth, dogsHeight, want}, got)
}

func TestUpload(t *testing.T) {
	scenePNG := encodePNG(t, scene())
	var sceneJPEG bytes.Buffer
	require.NoError(t, jpeg.Encode(&sceneJPEG, scene(), nil))
	const maxBody = 1 << 16
	require.Less(t, len(scenePNG), maxBody)
	detector := &brightDetector{}
	// Room for the 20 concurrent uploads below: admission is tested on
	// its own.
	srv, err := New(Config{Source: idleSource{}, Detector: detector, MaxBodyBytes: maxBody, MaxImagePixels: sceneWidth * sceneHeight,
		MaxQueue: 20, MemoryBudget: 20 * (maxBody + BytesPerPixel*sceneWidth*sceneHeight)})
	require.NoError(t, err)
	u := newUploader(t, srv)

	code, body := u.post(t, "image/png", scenePNG)
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Equal(t, uploadResult{"detect", "upload", sceneWidth, sceneHeight, sceneDetections}, decodeUploadResult(t, body))

	failures := []struct {
		name     string
		body     []byte
		wantCode int
		wantText string
	}{
		{"text", []byte("these are not the pixels you are looking for"), http.StatusBadRequest, "not a JPEG, PNG, GIF or BMP image"},
		{"empty", nil, http.StatusBadRequest, "empty body"},
		{"truncated JPEG", sceneJPEG.Bytes()[:sceneJPEG.Len()/2], http.StatusBadRequest, "body: jpeg image"},
		{"over the byte limit", bytes.Repeat([]byte{0xff}, maxBody+1), http.StatusRequestEntityTooLarge, "larger than the 65536-byte limit"},
		{"over the pixel limit", encodePNG(t, image.NewGray(image.Rect(0, 0, sceneWidth+1, sceneHeight))), http.StatusBadRequest, "161×120 pixels"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			code, body := u.post(t, "application/octet-stream", f.body)
			assert.Equal(t, f.wantCode, code, "%s", body)
			var e struct {
				Error string `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &e), "%s", body)
			assert.Contains(t, e.Error, f.wantText)
		})
	}
	assert.EqualValues(t, 1, detector.calls.Load(), "rejected uploads never reach the detector")

	t.Run("GET", func(t *testing.T) {
		resp, err := u.client.Get(u.url)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, http.MethodPost, resp.Header.Get("Allow"))
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	})
	t.Run("concurrent", func(t *testing.T) {
		got := u.postConcurrently(t, 20, "image/png", scenePNG)
		assert.Equal(t, uploadResult{"detect", "upload", sceneWidth, sceneHeight, sceneDetections}, got)
	})
}

func decodeImage(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := models.DecodeImage(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// idleSource never yields a frame, for servers whose capture loop is not
// under test.
type idleSource struct{}

func (idleSource) Next(ctx context.Context) (*camera.Frame, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (idleSource) Close() error { return nil }

func TestFrameJPEG(t *testing.T) {
	r := sceneServer(t, Config{})
	f := r.latest(t, -1)
	require.Equal(t, sceneDetections, f.Detections)

	get := func(path string) image.Image {
		code, header, body := r.get(t, path)
		require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
		assert.Equal(t, "image/jpeg", header.Get("Content-Type"))
		img := decodeJPEG(t, body)
		require.Equal(t, image.Rect(0, 0, sceneWidth, sceneHeight), img.Bounds())
		return img
	}
	seq := strconv.FormatUint(f.Seq, 10)
	plain := get("/api/frame.jpg?seq=" + seq)
	for _, p := range []struct {
		at   image.Point
		grey uint8
	}{{image.Pt(80, 60), 200}, {image.Pt(10, 10), 0}, {image.Pt(150, 110), 0}} {
		r, g, b, _ := plain.At(p.at.X, p.at.Y).RGBA()
		for _, c := range []uint32{r >> 8, g >> 8, b >> 8} {
			assert.InDelta(t, float64(p.grey), float64(c), 8, "the frame's pixel at %v", p.at)
		}
	}
	get("/api/frame.jpg")
	annotated := get("/api/frame.jpg?annotated=1&seq=" + seq)

	// The annotated frame differs from the plain one along the top edge of
	// each box, where annotate draws its 3-pixel frame, and barely in the
	// middle of the box.
	difference := func(y, x0, x1 int) float64 {
		var sum float64
		for x := x0; x < x1; x++ {
			r1, g1, b1, _ := plain.At(x, y).RGBA()
			r2, g2, b2, _ := annotated.At(x, y).RGBA()
			sum += absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
		}
		return sum / float64(x1-x0) / 257
	}
	for _, d := range f.Detections {
		b := d.Box
		edge := difference(b.Y+1, b.X+b.Width/4, b.X+3*b.Width/4)
		inside := difference(b.Y+b.Height/2, b.X+b.Width/4, b.X+3*b.Width/4)
		assert.Greater(t, edge, 60.0, "box %+v drawn on the annotated frame", b)
		assert.Less(t, inside, 10.0, "inside of box %+v untouched", b)
	}

	code, _, body := r.get(t, "/api/frame.jpg?seq=x")
	assert.Equal(t, http.StatusBadRequest, code, "%s", body)
	code, _, body = r.get(t, "/api/frame.jpg?seq=99999999")
	assert.Equal(t, http.StatusNotFound, code, "%s", body)
}

func absDiff(a, b uint32) float64 {
	if a > b {
		return float64(a - b)
	}
	return float64(b - a)
}

func TestIndexPage(t *testing.T) {
	srv, err := New(Config{Source: idleSource{}, Detector: &brightDetector{}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	page := string(body)
	assert.Contains(t, page, `new EventSource("api/detections?stream=1")`)
	assert.Contains(t, page, `api/frame.jpg?seq=`)
	assert.NotContains(t, page, "http://", "self-contained: nothing loaded from elsewhere")
	assert.NotContains(t, page, "https://", "self-contained: nothing loaded from elsewhere")

	resp, err = http.Get(ts.URL + "/nothing-here")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	var metrics bytes.Buffer
	require.NoError(t, srv.metrics.writeTo(&metrics))
	assert.Contains(t, metrics.String(), `percept_http_requests_total{path="/",code="200"} 1`)
	assert.Contains(t, metrics.String(), `percept_http_requests_total{path="unmatched",code="404"} 1`)
}

func TestNewChecksConfig(t *testing.T) {
	pool := &brightDetector{}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no source", Config{Detector: pool}, "Source is nil"},
		{"no detector", Config{Source: idleSource{}}, "no task: Config.Task and Config.Detector are both nil"},
		{"task and detector", Config{Source: idleSource{}, Detector: pool, Task: DetectTask(pool)}, "both set"},
		{"nil detector", Config{Source: idleSource{}, Task: DetectTask(nil)}, "DetectTask(nil)"},
		{"nil classifier", Config{Source: idleSource{}, Task: ClassifyTask(nil)}, "ClassifyTask(nil)"},
		{"negative limit", Config{Source: idleSource{}, Detector: pool, MaxBodyBytes: -1}, "negative limit"},
	} {
		_, err := New(c.cfg)
		assert.ErrorContains(t, err, c.want, c.name)
	}
}

func TestRunTwice(t *testing.T) {
	srv, err := New(Config{Source: idleSource{}, Detector: &brightDetector{}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, srv.Run(ctx))
	assert.ErrorContains(t, srv.Run(ctx), "Run called twice")
}

// flakySource yields small frames until fail is closed, then fails.
type flakySource struct {
	fail <-chan struct{}
	seq  uint64
	data []byte
}

func (s *flakySource) Next(ctx context.Context) (*camera.Frame, error) {
	select {
	case <-s.fail:
		return nil, errors.New("camera unplugged")
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Second / testRate):
	}
	s.seq++
	if s.data == nil {
		s.data = make([]byte, 32*24*3)
	}
	return &camera.Frame{Data: s.data, Width: 32, Height: 24, Stride: 32 * 3, Format: camera.RGB, Time: time.Now(), Seq: s.seq}, nil
}

func (s *flakySource) Close() error { return nil }

func TestHealthFollowsTheSource(t *testing.T) {
	fail := make(chan struct{})
	opened := 0
	src := camera.Reconnecting(func() (camera.Source, error) {
		opened++
		if opened == 1 {
			return &flakySource{fail: fail}, nil
		}
		return nil, errors.New("no such device")
	}, camera.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond})
	srv, err := New(Config{Source: src, Detector: &brightDetector{}, StaleAfter: 300 * time.Millisecond})
	require.NoError(t, err)

	health := func(r *running) (int, string) {
		code, _, body := r.get(t, "/healthz")
		return code, string(body)
	}
	ts := httptest.NewServer(srv.Handler())
	code, body := health(&running{http: ts, client: http.DefaultClient})
	ts.Close()
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "capture loop not started\n", body)

	r := start(t, srv)
	require.Eventually(t, func() bool {
		code, body = health(r)
		return code == http.StatusOK
	}, 20*time.Second, 10*time.Millisecond, "healthy once frames flow: %d %s", code, body)
	assert.Equal(t, "ok\n", body)
	assert.Zero(t, srv.Stats().SourceErrors)

	close(fail)
	require.Eventually(t, func() bool {
		code, body = health(r)
		return code == http.StatusServiceUnavailable
	}, 20*time.Second, 10*time.Millisecond, "unhealthy when frames stop")
	assert.Contains(t, body, "no frame for")
	assert.Contains(t, body, "camera unplugged")
	assert.GreaterOrEqual(t, srv.Stats().SourceErrors, uint64(1))
	select {
	case err := <-r.runDone:
		t.Fatalf("the capture loop ended (%v) instead of waiting for the camera", err)
	default:
	}
}

func TestRunEndsOnSourceFailure(t *testing.T) {
	fail := make(chan struct{})
	close(fail)
	srv, err := New(Config{Source: &flakySource{fail: fail}, Detector: &brightDetector{}})
	require.NoError(t, err)
	err = srv.Run(context.Background())
	require.ErrorContains(t, err, "camera unplugged")
	assert.Contains(t, srv.Health().Problem, "capture loop ended: server: source: camera unplugged")
	assert.EqualValues(t, 1, srv.Stats().SourceErrors)
}

// scrape parses a Prometheus text exposition into series → value, checking
// that every series belongs to a family with # TYPE.
func scrape(t *testing.T, text string) map[string]float64 {
	t.Helper()
	series := make(map[string]float64)
	typed := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(rest, " ")
			typed[name] = kind
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, "series line %q", line)
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, "value of %q", line)
		name := line[:i]
		family, _, _ := strings.Cut(name, "{")
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(family, suffix); ok && typed[base] == "histogram" {
				family = base
			}
		}
		require.Contains(t, typed, family, "series %q has a # TYPE line", name)
		series[name] = v
	}
	return series
}

func TestMetrics(t *testing.T) {
	r := sceneServer(t, Config{})
	const frames = 4
	require.Eventually(t, func() bool { return r.srv.Stats().Processed >= frames }, 30*time.Second, 10*time.Millisecond)
	code, _, _ := r.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, code)
	r.stop()
	require.NoError(t, <-r.runDone)
	r.runDone <- nil // for the cleanup

	code, header, body := r.get(t, "/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", header.Get("Content-Type"))
	m := scrape(t, string(body))
	stats := r.srv.Stats()
	processed := m["percept_frames_processed_total"]
	assert.GreaterOrEqual(t, processed, float64(frames))
	assert.EqualValues(t, stats.Processed, processed)
	// A frame read when the loop stopped may have missed its detection.
	unprocessed := m["percept_frames_captured_total"] - m["percept_frames_dropped_total"] - processed
	assert.True(t, unprocessed == 0 || unprocessed == 1, "captured − dropped − processed = %v", unprocessed)
	assert.Zero(t, m["percept_source_errors_total"])
	assert.Zero(t, m["percept_stream_clients"])

	histograms := []struct{ name, labels string }{
		{"percept_inference_seconds", `origin="stream",`},
		{"percept_frame_latency_seconds", ""},
	}
	for _, h := range histograms {
		sum, count := h.name+"_sum", h.name+"_count"
		if h.labels != "" {
			sum += "{" + strings.TrimSuffix(h.labels, ",") + "}"
			count += "{" + strings.TrimSuffix(h.labels, ",") + "}"
		}
		bucket := func(le string) string { return h.name + "_bucket{" + h.labels + `le="` + le + `"}` }
		assert.Equal(t, processed, m[count], "%s observes every processed frame", h.name)
		assert.Equal(t, m[count], m[bucket("+Inf")])
		previous := 0.0
		for _, bound := range secondsBuckets {
			v, ok := m[bucket(strconv.FormatFloat(bound, 'g', -1, 64))]
			require.True(t, ok, "bucket %g of %s", bound, h.name)
			assert.GreaterOrEqual(t, v, previous, "buckets are cumulative")
			previous = v
		}
		assert.Greater(t, m[sum], 0.0)
	}
	mean := m[`percept_inference_seconds_sum{origin="stream"}`] / processed
	assert.InDelta(t, stats.InferenceTotal.Seconds()/float64(stats.Processed), mean, 1e-6)
	assert.GreaterOrEqual(t, m[`percept_http_requests_total{path="/api/detections",code="200"}`]+
		m[`percept_http_requests_total{path="/healthz",code="200"}`], 1.0)
}

func TestHistogramBuckets(t *testing.T) {
	h := newHistogram()
	for _, d := range []time.Duration{5 * time.Millisecond, 7 * time.Millisecond, 3 * time.Second, 10 * time.Second} {
		h.observe(d)
	}
	var out bytes.Buffer
	h.write(&out, "x", `a="b"`)
	// By hand: 5 ms falls in le=0.005 (bounds are inclusive), 7 ms in
	// le=0.01, 3 s in le=5, 10 s only in +Inf.
	want := `x_bucket{a="b",le="0.005"} 1
x_bucket{a="b",le="0.01"} 2
x_bucket{a="b",le="0.02"} 2
x_bucket{a="b",le="0.05"} 2
x_bucket{a="b",le="0.1"} 2
x_bucket{a="b",le="0.2"} 2
x_bucket{a="b",le="0.5"} 2
x_bucket{a="b",le="1"} 2
x_bucket{a="b",le="2"} 2
x_bucket{a="b",le="5"} 3
x_bucket{a="b",le="+Inf"} 4
x_sum{a="b"} 13.012
x_count{a="b"} 4
`
	assert.Equal(t, want, out.String())
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	srv, err := New(Config{Source: src, Detector: &brightDetector{}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	ts := httptest.NewServer(srv.Handler())
	transport := &http.Transport{}
	r := &running{srv: srv, http: ts, client: &http.Client{Transport: transport}}
	resp, _ := r.openStream(t, "/api/detections?stream=1", "")
	lines := bufio.NewScanner(resp.Body)
	readEvents(t, lines, 1)

	cancel()
	select {
	case err := <-runDone:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	streamEnded := make(chan struct{})
	go func() {
		defer close(streamEnded)
		for lines.Scan() {
		}
	}()
	select {
	case <-streamEnded: // the stream ends with the capture loop
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		t.Fatal("the event stream outlived the capture loop")
	}
	resp.Body.Close()
	assert.Contains(t, srv.Health().Problem, "capture loop ended")
	code, _, body := r.get(t, "/api/detections?stream=1")
	assert.Equal(t, http.StatusServiceUnavailable, code, "no stream after the capture loop ended: %s", body)
	ts.Close()
	transport.CloseIdleConnections()

	var after int
	for range 200 {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestImageSource(t *testing.T) {
	a := image.NewGray(image.Rect(0, 0, 2, 1))
	a.Pix = []byte{10, 20}
	b := image.NewRGBA(image.Rect(0, 0, 1, 1))
	b.Pix = []byte{1, 2, 3, 255}
	src, err := NewImageSource([]image.Image{a, b}, 0, 2)
	require.NoError(t, err)
	ctx := context.Background()
	wantData := [][]byte{{10, 10, 10, 20, 20, 20}, {10, 10, 10, 20, 20, 20}, {1, 2, 3}, {1, 2, 3}, {10, 10, 10, 20, 20, 20}}
	for i, want := range wantData {
		f, err := src.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, f.Data, "frame %d", i)
		assert.EqualValues(t, i, f.Seq)
		assert.Equal(t, camera.RGB, f.Format)
		assert.Equal(t, 3*f.Width, f.Stride)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = src.Next(cancelled)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, src.Close())
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, camera.ErrClosed)

	paced, err := NewImageSource([]image.Image{a}, 100, 1)
	require.NoError(t, err)
	begin := time.Now()
	for range 6 {
		_, err := paced.Next(ctx)
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(begin), 50*time.Millisecond, "6 frames at 100 fps span 5 intervals")

	_, err = NewImageSource(nil, 0, 1)
	assert.ErrorContains(t, err, "at least one image")
	_, err = NewImageSource([]image.Image{a}, -1, 1)
	assert.ErrorContains(t, err, "negative")
	_, err = NewImageSource([]image.Image{image.NewGray(image.Rect(0, 0, 0, 5))}, 0, 1)
	assert.ErrorContains(t, err, "empty")
}
