package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

// The decompression bomb of the issue: a few hundred bytes of PNG
// declaring 20000×20000 pixels (1.6 GB as RGBA).
const bombSide = 20000

// healthJSON is the body of GET /api/health, spelled out independently of
// the package's types.
type healthJSON struct {
	OK          bool    `json:"ok"`
	State       string  `json:"state"`
	Problem     string  `json:"problem"`
	Source      string  `json:"source"`
	Frames      uint64  `json:"frames"`
	FPS         float64 `json:"fps"`
	TargetFPS   float64 `json:"target_fps"`
	LastFrame   string  `json:"last_frame"`
	SourceError string  `json:"source_error"`
	Skipped     uint64  `json:"skipped"`
	LastSkipped string  `json:"last_skipped"`

	DetectErrors uint64 `json:"detect_errors"`
	DetectError  string `json:"detect_error"`
}

// getHealth reads GET /api/health.
func getHealth(t *testing.T, client *http.Client, base string) (int, healthJSON) {
	t.Helper()
	resp, err := client.Get(base + "/api/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var h healthJSON
	dec := json.NewDecoder(resp.Body)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&h))
	return resp.StatusCode, h
}

// logLines collects Config.Logf's lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// writePNG writes a width×height PNG of one shade into dir.
func writePNG(t *testing.T, dir, name string, width, height int, shade uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644))
}

// photoDir makes a directory of two good images, a text file and a bomb.
func photoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writePNG(t, dir, "a.png", 8, 6, 250)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b-notes.txt"), []byte("shot list"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c-bomb.png"), testmodels.HugePNG(bombSide, bombSide), 0o644))
	writePNG(t, dir, "d.png", 8, 6, 10)
	return dir
}

func TestUploadRefusesADecompressionBomb(t *testing.T) {
	detector := &brightDetector{}
	srv, err := New(Config{Source: idleSource{}, Detector: detector})
	require.NoError(t, err)
	u := newUploader(t, srv)
	bomb := testmodels.HugePNG(bombSide, bombSide)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	code, body := u.post(t, "image/png", bomb)
	runtime.ReadMemStats(&after)
	assert.Equal(t, http.StatusBadRequest, code, "%s", body)
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	assert.Contains(t, e.Error, "20000×20000 pixels")
	assert.Contains(t, e.Error, "25000000 pixels", "the server's own budget")
	// Decoding the bomb would allocate 1.6 GB; reading its header, almost
	// nothing.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated while refusing the bomb")
	assert.Zero(t, detector.calls.Load())
}

func TestDirSourceSkipsAreCountedLoggedAndShown(t *testing.T) {
	dir := photoDir(t)
	src, err := camera.Open("dir:"+dir, camera.Options{Loop: true, Rate: testRate})
	require.NoError(t, err)
	var log logLines
	srv, err := New(Config{Source: src, SourceName: "dir:" + dir, Detector: &brightDetector{}, ReadEveryFrame: true, Logf: log.logf})
	require.NoError(t, err)
	r := start(t, srv)

	// Two rounds of the two good images: the bad files are behind us.
	require.Eventually(t, func() bool { return srv.Stats().Processed >= 4 }, 20*time.Second, 10*time.Millisecond)
	stats := srv.Stats()
	assert.EqualValues(t, 2, stats.Skipped)
	assert.Zero(t, stats.SourceErrors, "a skipped file is not a source failure")
	assert.Zero(t, stats.Dropped, "read directly, a directory loses no image")

	lines := log.get()
	require.Len(t, lines, 2, "each bad file is logged once, however many rounds: %q", lines)
	assert.Contains(t, lines[0], "b-notes.txt")
	assert.Contains(t, lines[0], "not a JPEG, PNG, GIF or BMP image")
	assert.Contains(t, lines[1], "c-bomb.png")
	assert.Contains(t, lines[1], "20000×20000")

	code, h := getHealth(t, r.client, r.http.URL)
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, h.OK)
	assert.Equal(t, "live", h.State)
	assert.Equal(t, "dir:"+dir, h.Source)
	assert.EqualValues(t, 2, h.Skipped)
	assert.Contains(t, h.LastSkipped, "c-bomb.png")
	assert.GreaterOrEqual(t, h.Frames, uint64(4))
	_, err = time.Parse(time.RFC3339Nano, h.LastFrame)
	assert.NoError(t, err, "last_frame is a time: %q", h.LastFrame)

	code, _, body := r.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, strings.HasPrefix(string(body), "ok\n"), "%s", body)
	assert.Contains(t, string(body), "2 files skipped; the last: camera: skipping "+filepath.Join(dir, "c-bomb.png"))

	_, _, body = r.get(t, "/metrics")
	assert.Equal(t, 2.0, scrape(t, string(body))["percept_source_skipped_files_total"])
}

func TestDirSourceWithNoImageEndsTheCaptureLoop(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bomb.png"), testmodels.HugePNG(bombSide, bombSide), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("no pixels"), 0o644))
	src, err := camera.Open("dir:"+dir, camera.Options{Loop: true})
	require.NoError(t, err)
	var log logLines
	srv, err := New(Config{Source: src, Detector: &brightDetector{}, ReadEveryFrame: true, Logf: log.logf})
	require.NoError(t, err)

	err = srv.Run(context.Background())
	require.Error(t, err, "a directory without a single image is an error, not an endless loop")
	assert.Contains(t, err.Error(), "none of its 2 files is a decodable image")
	assert.Len(t, log.get(), 2, "two skips; the end is Run's error, for its caller to report: %q", log.get())

	h := srv.Health()
	assert.False(t, h.OK)
	assert.Equal(t, StateEnded, h.State)
	assert.Contains(t, h.Problem, "none of its 2 files")
	assert.EqualValues(t, 2, h.Skipped)
}

func TestReadEveryFrameDetectsEveryImage(t *testing.T) {
	dir := t.TempDir()
	const images = 5
	for i := range images {
		writePNG(t, dir, string(rune('a'+i))+".png", 4+i, 4, 200) // each image its own width
	}
	src, err := camera.Open("dir:"+dir, camera.Options{}) // unpaced, no loop
	require.NoError(t, err)
	detector := &recordingDetector{}
	srv, err := New(Config{Source: src, Detector: detector, ReadEveryFrame: true})
	require.NoError(t, err)
	require.NoError(t, srv.Run(context.Background()), "the end of the directory ends the loop")
	assert.Equal(t, []int{4, 5, 6, 7, 8}, detector.widths(), "every image, once, in order")
	assert.Zero(t, srv.Stats().Dropped)
}

// recordingDetector records the width of every image it is given.
type recordingDetector struct {
	mu    sync.Mutex
	width []int
}

func (d *recordingDetector) Detect(ctx context.Context, img image.Image) ([]models.Detection, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.width = append(d.width, img.Bounds().Dx())
	return nil, nil
}

func (d *recordingDetector) widths() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.width...)
}

func TestHealthBeforeTheFirstFrame(t *testing.T) {
	srv, err := New(Config{Source: idleSource{}, SourceName: "camera:9", Detector: &brightDetector{}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	code, h := getHealth(t, http.DefaultClient, ts.URL)
	ts.Close()
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, healthJSON{State: "not started", Problem: "capture loop not started", Source: "camera:9"}, h)

	r := start(t, srv)
	require.Eventually(t, func() bool {
		_, h = getHealth(t, r.client, r.http.URL)
		return h.State == StateWaiting
	}, 20*time.Second, 10*time.Millisecond)
	assert.False(t, h.OK)
	assert.Equal(t, "no frame processed yet", h.Problem)
	assert.Empty(t, h.LastFrame, "no frame, no time")

	// The frame endpoints say why there is no frame, with the health.
	for _, path := range []string{"/api/detections", "/api/frame.jpg"} {
		code, header, body := r.get(t, path)
		assert.Equal(t, http.StatusServiceUnavailable, code, path)
		assert.Equal(t, "1", header.Get("Retry-After"), path)
		var e struct {
			Error  string     `json:"error"`
			Health healthJSON `json:"health"`
		}
		require.NoError(t, json.Unmarshal(body, &e), "%s", body)
		assert.Equal(t, "no frame processed yet", e.Error, path)
		assert.Equal(t, "waiting", e.Health.State, path)
	}
}

func TestHealthShowsReconnecting(t *testing.T) {
	src := camera.Reconnecting(func() (camera.Source, error) {
		return nil, errSentinel("no such device /dev/video9")
	}, camera.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond})
	var log logLines
	srv, err := New(Config{Source: src, Detector: &brightDetector{}, Logf: log.logf})
	require.NoError(t, err)
	r := start(t, srv)
	var h healthJSON
	require.Eventually(t, func() bool {
		_, h = getHealth(t, r.client, r.http.URL)
		return h.State == StateReconnecting
	}, 20*time.Second, 10*time.Millisecond)
	assert.False(t, h.OK)
	assert.Contains(t, h.Problem, "no frame processed yet")
	assert.Contains(t, h.SourceError, "no such device /dev/video9")
	assert.Len(t, log.get(), 1, "one outage, one line: %q", log.get())
}

// errSentinel is a fixed error message.
type errSentinel string

func (e errSentinel) Error() string { return string(e) }

// closableDetector blocks each call until its context ends, and checks
// that nothing calls it after Close or closes it while a call runs.
type closableDetector struct {
	entered chan struct{} // receives a value as each call starts

	mu              sync.Mutex
	closed          bool
	running         int
	callsAfterClose int
	closedWhileBusy bool
}

func (d *closableDetector) Detect(ctx context.Context, img image.Image) ([]models.Detection, error) {
	d.mu.Lock()
	if d.closed {
		d.callsAfterClose++
		d.mu.Unlock()
		return nil, models.ErrClosed
	}
	d.running++
	d.mu.Unlock()
	d.entered <- struct{}{}
	<-ctx.Done()
	d.mu.Lock()
	d.running--
	d.mu.Unlock()
	return nil, ctx.Err()
}

func (d *closableDetector) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closedWhileBusy = d.running > 0
	d.closed = true
}

// TestServeStopsEverythingBeforeTheDetectorCloses runs under -race with
// -short: an upload is inside the detector when the server is told to
// stop; Serve returns only once that call has returned, after which the
// detector can be closed, and later uploads never reach it.
func TestServeStopsEverythingBeforeTheDetectorCloses(t *testing.T) {
	detector := &closableDetector{entered: make(chan struct{}, 1)}
	var log logLines
	srv, err := New(Config{Source: idleSource{}, Detector: detector, ShutdownGrace: 20 * time.Millisecond, Logf: log.logf})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ctx, ln) }()

	upload := encodePNG(t, scene())
	uploadDone := make(chan struct{})
	go func() {
		defer close(uploadDone)
		resp, err := http.Post("http://"+ln.Addr().String()+"/api/detect", "image/png", bytes.NewReader(upload))
		if err == nil { // the shutdown may cut the connection instead
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	<-detector.entered
	cancel()
	err = <-serveDone
	assert.NoError(t, err, "cutting a request after the grace period is a clean stop")
	assert.Contains(t, log.get(), "shutdown: cut 1 requests still running after the 20ms grace period")
	detector.Close()
	<-uploadDone

	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/detect", bytes.NewReader(upload)))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s", rec.Body)
	assert.Contains(t, rec.Body.String(), "shutting down")

	detector.mu.Lock()
	defer detector.mu.Unlock()
	assert.False(t, detector.closedWhileBusy, "Serve returned while an upload was in the detector")
	assert.Zero(t, detector.callsAfterClose)
	assert.Equal(t, StateEnded, srv.Health().State)
}

// TestServeReportsTheEndOfTheSource: a server whose source ends has
// nothing left to show.
func TestServeReportsTheEndOfTheSource(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "only.png", 4, 4, 0)
	src, err := camera.Open("dir:"+dir, camera.Options{})
	require.NoError(t, err)
	srv, err := New(Config{Source: src, Detector: &brightDetector{}, ReadEveryFrame: true})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	err = srv.Serve(context.Background(), ln)
	assert.ErrorContains(t, err, "the source ended")
	assert.EqualValues(t, 1, srv.Stats().Processed)
}

// TestUploadToAClosedPool: a pool closed while the server still serves
// (closing it before Serve returns is a misuse) answers uploads with 503,
// not a crash or a 500.
func TestUploadToAClosedPool(t *testing.T) {
	pool, err := models.NewDetectorPool(testModel(t), &models.Options{MinScore: minScore, Threads: 1}, 2)
	require.NoError(t, err)
	srv, err := New(Config{Source: idleSource{}, Detector: pool})
	require.NoError(t, err)
	require.NoError(t, pool.Close())
	code, body := newUploader(t, srv).post(t, "image/png", encodePNG(t, scene()))
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, string(body), "the model is closed")
}

// failingDetector fails on the frames from fail (counted from 1) on, up to
// recover (0: for ever), and finds nothing on the others.
type failingDetector struct {
	mu            sync.Mutex
	calls         int
	fail, recover int
}

var errDevice = errors.New("device: Failed to execute request")

func (d *failingDetector) Detect(ctx context.Context, img image.Image) ([]models.Detection, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.calls >= d.fail && (d.recover == 0 || d.calls < d.recover) {
		return nil, errDevice
	}
	return nil, nil
}

// TestDetectionErrorsAreCounted: a frame the detector fails on (an Edge TPU
// request that failed) is counted, logged once, shown by the health
// report, and the capture loop goes on; once detection works again the
// stream is live and the error is gone from the report.
func TestDetectionErrorsAreCounted(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", 8, 8, 200)
	src, err := camera.Open("dir:"+dir, camera.Options{Loop: true})
	require.NoError(t, err)
	var log logLines
	detector := &failingDetector{fail: 3, recover: 8} // frames 3..7 fail
	srv, err := New(Config{Source: src, Detector: detector, ReadEveryFrame: true, Logf: log.logf})
	require.NoError(t, err)
	r := start(t, srv)

	require.Eventually(t, func() bool { return srv.Stats().Processed >= 6 }, 20*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 5, srv.Stats().DetectErrors)
	lines := log.get()
	require.Len(t, lines, 1, "a run of identical failures is logged once: %q", lines)
	assert.Equal(t, "detection failed: "+errDevice.Error(), lines[0])

	code, h := getHealth(t, r.client, r.http.URL)
	assert.Equal(t, http.StatusOK, code, "frames flow again: %+v", h)
	assert.EqualValues(t, 5, h.DetectErrors)
	assert.Empty(t, h.DetectError, "the failure is over")
	code, _, body := r.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "5 frames failed detection\n")
	_, _, body = r.get(t, "/metrics")
	assert.Equal(t, 5.0, scrape(t, string(body))["percept_detect_errors_total"])
}

// TestDetectionFailingForEver: when every frame fails, the loop keeps
// trying (a replugged device may come back) and the health report says
// why no frame comes.
func TestDetectionFailingForEver(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", 8, 8, 200)
	src, err := camera.Open("dir:"+dir, camera.Options{Loop: true})
	require.NoError(t, err)
	detector := &failingDetector{fail: 1}
	srv, err := New(Config{Source: src, Detector: detector, ReadEveryFrame: true, Logf: func(string, ...any) {}})
	require.NoError(t, err)
	r := start(t, srv)

	require.Eventually(t, func() bool { return srv.Stats().DetectErrors >= 10 }, 20*time.Second, 10*time.Millisecond)
	code, h := getHealth(t, r.client, r.http.URL)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, StateWaiting, h.State)
	assert.Equal(t, "no frame processed yet: detection failing: "+errDevice.Error(), h.Problem)
	assert.Equal(t, errDevice.Error(), h.DetectError)
	assert.Zero(t, srv.Stats().Processed)
	_, _, body := r.get(t, "/healthz")
	assert.Contains(t, string(body), " frames failed detection; the last, since the last frame: "+errDevice.Error()+"\n")
}
