package server

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// chromiumPath is where Debian's chromium package puts the browser;
// PERCEPT_CHROMIUM names another.
func chromiumPath() string {
	if p := os.Getenv("PERCEPT_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestBrowserShowsDetections opens the live view in headless Chromium and
// waits until the dogs of the sample photo are listed and boxed on the
// canvas. It saves a screenshot in the test's temporary directory and, when
// PERCEPT_SCREENSHOT names a file, there too.
func TestBrowserShowsDetections(t *testing.T) {
	ctx := newBrowser(t)
	r := dogsServer(t, Config{})
	first := r.latest(t, -1)
	requireTwoDogs(t, first.Detections)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(r.http.URL+"/")))
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		`document.querySelectorAll('#detections li[data-label="dog"]').length == 2 && document.getElementById("fps").textContent != "–"`,
		chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err, "the page never listed the two dogs")
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
	require.NoError(t, err)
	assert.Equal(t, "live", status)

	listed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#detections li"), li => li.textContent)`))
	require.NoError(t, err)
	for i, d := range first.Detections {
		b := d.Box
		assert.Equal(t, fmt.Sprintf("dog %.2f at %d,%d %d×%d", d.Score, b.X, b.Y, b.Width, b.Height), listed[i])
	}
	inference, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("inference").textContent`))
	require.NoError(t, err)
	assert.Regexp(t, `^\d+\.\d ms$`, inference)

	// Read the canvas: the box's left edge has the class colour (class 17
	// → palette[17 % 8] = #3cb44b), the photo shows inside the box.
	at := func(x, y int) pixel { return canvasAt(t, ctx, x, y) }
	for _, d := range first.Detections {
		b := d.Box
		assert.Equal(t, pixel{0x3c, 0xb4, 0x4b}, at(b.X+1, b.Y+b.Height/2), "left edge of box %+v", b)
		inside := at(b.X+b.Width/2, b.Y+b.Height/2)
		assert.NotEqual(t, pixel{0x3c, 0xb4, 0x4b}, inside, "inside of box %+v", b)
		assert.Positive(t, inside.R+inside.G+inside.B, "the photo is drawn inside box %+v", b)
	}

	screenshot(t, ctx, "")
}

// screenshot saves the page as a PNG in the test's temporary directory
// and, when PERCEPT_SCREENSHOT names a file, there too, with suffix (such
// as "-pose") before its extension.
func screenshot(t *testing.T, ctx context.Context, suffix string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "the screenshot is a PNG")
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "live.png"), shot, 0o644))
	if path := os.Getenv("PERCEPT_SCREENSHOT"); path != "" {
		ext := filepath.Ext(path)
		path = strings.TrimSuffix(path, ext) + suffix + ext
		require.NoError(t, os.WriteFile(path, shot, 0o644))
		t.Logf("screenshot saved to %s", path)
	}
}

// pixel is a colour read from the page's canvas.
type pixel struct{ R, G, B int }

// hexPixel parses "#rrggbb".
func hexPixel(t *testing.T, hex string) pixel {
	t.Helper()
	var p pixel
	_, err := fmt.Sscanf(hex, "#%02x%02x%02x", &p.R, &p.G, &p.B)
	require.NoError(t, err, hex)
	return p
}

// canvasAt reads the live view's canvas at x, y.
func canvasAt(t *testing.T, ctx context.Context, x, y int) pixel {
	t.Helper()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[pixel](fmt.Sprintf(
		`(() => { const d = document.getElementById("view").getContext("2d").getImageData(%d, %d, 1, 1).data; return {R: d[0], G: d[1], B: d[2]}; })()`, x, y)))
	require.NoError(t, err)
	return p
}

// assertPixelNear checks each channel of got within tol of want.
func assertPixelNear(t *testing.T, want, got pixel, tol int, format string, args ...any) {
	t.Helper()
	abs := func(v int) int { return max(v, -v) }
	if abs(want.R-got.R) > tol || abs(want.G-got.G) > tol || abs(want.B-got.B) > tol {
		t.Errorf("%s: canvas %+v, want %+v (±%d)", fmt.Sprintf(format, args...), got, want, tol)
	}
}

// newBrowser starts headless Chromium for the test, or skips it with
// -short or when there is none. The context it returns carries a deadline.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser: skipped with -short")
	}
	chromium := chromiumPath()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no Chromium at %s (apt-get install chromium, or set PERCEPT_CHROMIUM): skipping the browser test", chromium)
	}
	var browserLog bytes.Buffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The machine's network is closed: without these the browser
		// waits on connections it will never get.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 640),
		chromedp.CombinedOutput(&browserLog),
	)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser and must not carry a deadline;
	// everything after it gets one.
	require.NoError(t, chromedp.Do(browser), "starting %s: %s", chromium, &browserLog)
	ctx, cancel := context.WithTimeout(browser, 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBrowserShowsSourceHealth opens the live view of servers without a
// frame: the status line says why instead of "live".
func TestBrowserShowsSourceHealth(t *testing.T) {
	ctx := newBrowser(t)
	type page struct {
		State, Status, Problem, Skipped string
	}
	read := func(t *testing.T, url, until string) page {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url)))
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
			`document.getElementById("status").dataset.state == "`+until+`"`,
			chromedp.WithPollingTimeout(15*time.Second)))
		require.NoError(t, err, "the page never showed the state %q", until)
		p, err := chromedp.Run(ctx, chromedp.Evaluate[page](`({
			State: document.getElementById("status").dataset.state,
			Status: document.getElementById("status").textContent,
			Problem: document.getElementById("problem").textContent,
			Skipped: document.getElementById("skipped").textContent,
		})`))
		require.NoError(t, err)
		return p
	}

	t.Run("no frame yet", func(t *testing.T) {
		srv, err := New(Config{Source: idleSource{}, Detector: &brightDetector{}})
		require.NoError(t, err)
		r := start(t, srv)
		p := read(t, r.http.URL+"/", "waiting")
		assert.Equal(t, page{"waiting", "waiting for the first frame", "no frame processed yet", "0"}, p)
	})

	t.Run("a directory without images", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bomb.png"), testmodels.HugePNG(bombSide, bombSide), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("no pixels"), 0o644))
		src, err := camera.Open("dir:"+dir, camera.Options{Loop: true})
		require.NoError(t, err)
		srv, err := New(Config{Source: src, Detector: &brightDetector{}, ReadEveryFrame: true})
		require.NoError(t, err)
		r := start(t, srv)
		p := read(t, r.http.URL+"/", "ended")
		assert.Equal(t, "capture stopped", p.Status)
		assert.Contains(t, p.Problem, "none of its 2 files is a decodable image")
		assert.Equal(t, "2", p.Skipped)
	})
}
