package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader in
// different goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// frameLine is the JSON of GET /api/detections: a detect -json line and
// the frame's fields.
type frameLine struct {
	Task string `json:"task"`
	detectLine
	Seq         uint64  `json:"seq"`
	Time        string  `json:"time"`
	Dropped     uint64  `json:"dropped"`
	InferenceMS float64 `json:"inference_ms"`
	LatencyMS   float64 `json:"latency_ms"`
}

// getFrame polls GET /api/detections until it succeeds, for a detect
// frame.
func getFrame(t *testing.T, base string) frameLine {
	t.Helper()
	return getFrameAs[frameLine](t, base)
}

// getFrameAs polls GET /api/detections until it succeeds, decoding the
// frame strictly as an F.
func getFrameAs[F any](t *testing.T, base string) F {
	t.Helper()
	var f F
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/detections")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
		dec := json.NewDecoder(resp.Body)
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&f))
		return true
	}, 30*time.Second, 20*time.Millisecond)
	return f
}

// serving is a serve command running in the background.
type serving struct {
	base   string // http://host:port of its listener
	stdout *lockedBuffer
	done   <-chan error // what serve returns
}

// startServe runs serve with args until ctx ends, listening on a free
// loopback port, and returns once it listens.
func startServe(ctx context.Context, t *testing.T, args ...string) *serving {
	t.Helper()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	s := &serving{stdout: &lockedBuffer{}, done: done}
	go func() {
		done <- serve(ctx, append(args, "-addr", "127.0.0.1:0"), s.stdout, func(a net.Addr) { addrs <- a })
	}()
	select {
	case a := <-addrs:
		s.base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve ended before listening: %v; output: %s", err, s.stdout.String())
	}
	return s
}

func TestServeMatchesDetect(t *testing.T) {
	skipInShort(t)
	path := writeFile(t, t.TempDir(), "dogs.jpg", assets.DogsJPEG)
	want := detectJSON(t, path)
	require.Len(t, want, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startServe(ctx, t, "-source", "file:"+path, "-hold", "0", "-rate", "20", "-threads", "1")
	base := s.base
	assert.Contains(t, s.stdout.String(), "open "+base+"/")

	first := getFrame(t, base)
	assert.Equal(t, "file:"+path, first.Image)
	assert.Equal(t, want[0].Width, first.Width)
	assert.Equal(t, want[0].Height, first.Height)
	assert.Equal(t, want[0].Detections, first.Detections, "the stream finds what percept detect finds")
	require.Eventually(t, func() bool { return getFrame(t, base).Seq > first.Seq }, 10*time.Second, 20*time.Millisecond)

	// An upload answers with exactly the line percept detect -json prints,
	// but for the image's name and the task, then the upload's times.
	resp, err := http.Post(base+"/api/detect", "image/jpeg", bytes.NewReader(assets.DogsJPEG))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cli := runCLI(t, "detect", "-json", path)
	requireSuccess(t, cli)
	times := regexp.MustCompile(`,"queue_ms":\d+\.\d{3},"decode_ms":\d+\.\d{3},"inference_ms":\d+\.\d{3}}\n$`)
	assert.Regexp(t, times, string(body))
	assert.Equal(t, strings.Replace(cli.stdout, `{"image":"`+path+`"`, `{"task":"detect","image":"upload"`, 1), times.ReplaceAllString(string(body), "}\n"))

	resp, err = http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-s.done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	_, err = http.Get(base + "/healthz")
	assert.Error(t, err, "the listener is closed")
}

// serveDemo runs serveCmd as main does, on the embedded samples, with
// SIGTERM kept from killing the test binary until the test ends whatever
// happens to the command's own handler, and waits until it listens. It
// returns the host:port it listens on, its stdout and its result.
func serveDemo(t *testing.T) (addr string, stdout *lockedBuffer, done <-chan error) {
	t.Helper()
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGTERM)
	t.Cleanup(func() { signal.Stop(guard) })

	stdout = &lockedBuffer{}
	result := make(chan error, 1)
	go func() { result <- serveCmd([]string{"-addr", "127.0.0.1:0", "-threads", "1"}, stdout) }()
	listening := regexp.MustCompile(`open http://(127\.0\.0\.1:\d+)/`)
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(stdout.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 30*time.Second, 10*time.Millisecond)
	return addr, stdout, result
}

// TestServeStopsOnSIGTERM runs the command as main does, with the embedded
// samples, and stops it the way a service manager would.
func TestServeStopsOnSIGTERM(t *testing.T) {
	skipInShort(t)
	addr, _, done := serveDemo(t)
	f := getFrame(t, "http://"+addr)
	assert.Equal(t, "embedded:dogs.jpg,burger.jpg", f.Image)
	assert.Equal(t, dogsWidth, f.Width, "the demo starts on the dogs")
	require.Len(t, f.Detections, 2)
	for _, d := range f.Detections {
		assert.Equal(t, "dog", d.Label)
	}

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// TestServeCutsASlowUploadOnSIGTERM: a client that sends an upload's
// headers and the start of its body, then stalls, is cut once the grace
// period is over; the stop is clean (status 0, no error) and logged.
func TestServeCutsASlowUploadOnSIGTERM(t *testing.T) {
	skipInShort(t)
	addr, stdout, done := serveDemo(t)

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /api/detect HTTP/1.1\r\nHost: percept\r\nContent-Type: image/jpeg\r\n"+
		"Content-Length: 100000\r\n\r\n"+string(assets.DogsJPEG[:1000]))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(body), "\npercept_uploads_admitted 1\n")
	}, 10*time.Second, 10*time.Millisecond)

	start := time.Now()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err, "cutting a slow client after the grace period is a clean stop")
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	assert.GreaterOrEqual(t, time.Since(start), shutdownGrace, "the slow client had its grace period")
	assert.Contains(t, stdout.String(), "percept serve: shutdown: cut 1 requests still running after the 5s grace period")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, _ := io.ReadAll(conn)
	assert.NotContains(t, string(rest), "200 OK", "the slow client was cut, not answered")
}

func TestServeCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	classifierModel := writeFile(t, dir, "ssd.tflite", assets.DetectorModel)     // a detector, given as a classifier
	notModel := writeFile(t, dir, "pairs.tflite", handModel([]int32{1, 2, 2, 2}, // two channels: no image
		handOp{builtin: tflite.OpAdd, optionsType: tflitetest.OptionsAdd, options: tflitetest.Table{int8(0)}}))
	bomb := writeFile(t, dir, "bomb.png", testmodels.HugePNG(20000, 20000))
	dogs := writeFile(t, dir, "dogs.jpg", assets.DogsJPEG)
	notes := writeFile(t, dir, "notes.txt", []byte("shot list"))
	for _, c := range []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{"argument", []string{"serve", "camera:0"}, 2, `unexpected argument "camera:0"`},
		{"no detectors", []string{"serve", "-detectors", "0"}, 2, "-detectors must be at least 1"},
		{"negative rate", []string{"serve", "-rate", "-1"}, 2, "-rate must not be negative"},
		{"threshold over 1", []string{"serve", "-threshold", "2"}, 2, "-threshold 2: want a score from 0 to 1"},
		{"negative threshold", []string{"serve", "-threshold", "-1"}, 2, "-threshold -1: want a score from 0 to 1"},
		{"negative hold", []string{"serve", "-hold", "-1s"}, 2, "-hold must not be negative"},
		{"no pixels", []string{"serve", "-max-pixels", "0"}, 2, "-max-pixels 0: want at least 1"},
		{"oversized file", []string{"serve", "-addr", "127.0.0.1:0", "-source", "file:" + bomb}, 1, "png image of 20000×20000 pixels"},
		{"file over -max-pixels", []string{"serve", "-addr", "127.0.0.1:0", "-max-pixels", "1000", "-source", "file:" + dogs}, 1, "640×427 pixels"},
		{"text file", []string{"serve", "-addr", "127.0.0.1:0", "-source", "file:" + notes}, 1, "not a JPEG, PNG, GIF or BMP image"},
		{"bad flag", []string{"serve", "-frobnicate"}, 2, "frobnicate"},
		{"source without scheme", []string{"serve", "-source", "webcam"}, 1, "has no scheme"},
		{"missing file", []string{"serve", "-source", "file:" + t.TempDir() + "/none.jpg"}, 1, "none.jpg"},
		{"missing model", []string{"serve", "-model", t.TempDir() + "/none.tflite"}, 1, "none.tflite"},
		{"bad address", []string{"serve", "-addr", "127.0.0.1:http-alt-nope"}, 1, "http-alt-nope"},
		{"unknown task", []string{"serve", "-task", "count"}, 2, `-task "count": want one of detect, classify, segment, pose, faces`},
		{"no top", []string{"serve", "-task", "classify", "-top", "0"}, 2, "-top 0: want at least 1"},
		{"model of another task", []string{"serve", "-task", "classify", "-model", classifierModel}, 1, "not a classifier model"},
		{"model of no task", []string{"serve", "-model", notModel}, 1, "fits none of serve's tasks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assertOneLineFailure(t, runCLI(t, c.args...), c.wantCode, c.wantText)
		})
	}
}

// TestServeDirWithoutImagesFails: a folder of files that are not images
// (or are over the pixel budget) ends serve with the reason once each file
// has been tried and logged, rather than reconnecting forever.
func TestServeDirWithoutImagesFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bomb.png", testmodels.HugePNG(20000, 20000))
	writeFile(t, dir, "notes.txt", []byte("shot list"))
	r := runCLI(t, "serve", "-addr", "127.0.0.1:0", "-source", "dir:"+dir, "-threads", "1", "-detectors", "1")
	assertOneLineFailure(t, r, 1, "none of its 2 files is a decodable image")
	assert.Equal(t, 1, strings.Count(r.stdout, "skipping "+filepath.Join(dir, "bomb.png")+": png image of 20000×20000 pixels"), "%s", r.stdout)
	assert.Equal(t, 1, strings.Count(r.stdout, "skipping "+filepath.Join(dir, "notes.txt")+": not a JPEG, PNG, GIF or BMP image"), "%s", r.stdout)
	assert.NotContains(t, r.stdout, "reconnecting")
}

// healthLine is the part of GET /api/health these tests read.
type healthLine struct {
	OK          bool   `json:"ok"`
	State       string `json:"state"`
	Frames      uint64 `json:"frames"`
	Skipped     uint64 `json:"skipped"`
	LastSkipped string `json:"last_skipped"`
}

// TestServeDirOfPhotos is a user's first try with a folder of photos and a
// stray file: every photo is detected in turn, the stray file is skipped
// and logged once, and the health says so.
func TestServeDirOfPhotos(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	writeFile(t, dir, "a-dogs.jpg", assets.DogsJPEG)
	writeFile(t, dir, "b-notes.txt", []byte("shot list"))
	writeFile(t, dir, "c-burger.jpg", assets.BurgerJPEG)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startServe(ctx, t, "-source", "dir:"+dir, "-hold", "0", "-rate", "30", "-threads", "1")
	base := s.base

	// Both photos come by, each with its own size.
	seen := map[int]bool{}
	require.Eventually(t, func() bool {
		seen[getFrame(t, base).Width] = true
		return len(seen) == 2
	}, 30*time.Second, 5*time.Millisecond, "widths seen: %v", seen)

	var h healthLine
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/health")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
		return h.OK && h.Frames >= 4 // two rounds: the skip is behind us
	}, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, "live", h.State)
	assert.EqualValues(t, 1, h.Skipped)
	assert.Contains(t, h.LastSkipped, "b-notes.txt")
	assert.Equal(t, 1, strings.Count(s.stdout.String(), "b-notes.txt"), "logged once: %s", s.stdout.String())

	cancel()
	require.NoError(t, <-s.done)
}

// TestServeProfiling: /debug/pprof/ is there with -pprof only.
func TestServeProfiling(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{nil, http.StatusNotFound},
		{[]string{"-pprof"}, http.StatusOK},
	} {
		t.Run(strings.Join(append([]string{"serve"}, c.args...), " "), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := append([]string{"-source", "test:", "-rate", "2", "-threads", "1", "-detectors", "1"}, c.args...)
			s := startServe(ctx, t, args...)
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap?debug=1"} {
				resp, err := http.Get(s.base + path)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, c.want, resp.StatusCode, "%s: %s", path, body)
			}
			cancel()
			require.NoError(t, <-s.done)
			assert.Equal(t, c.want == http.StatusOK, strings.Contains(s.stdout.String(), "/debug/pprof/"), "%s", s.stdout.String())
		})
	}
}

// classifyFrameLine is the JSON of GET /api/detections with -task
// classify: the task, then a `classify -source` line's fields.
type classifyFrameLine struct {
	Task string `json:"task"`
	classifyFrameJSON
}

// TestServeClassifies serves the burger photo with the classifier, chosen
// by -task with the embedded model and inferred from a -model file: the
// stream and an upload give the classes percept classify gives.
func TestServeClassifies(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	burger := writeFile(t, dir, "burger.jpg", assets.BurgerJPEG)
	model := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)
	cli := runCLI(t, "classify", "-json", "-top", "3", burger)
	requireSuccess(t, cli)
	var want struct {
		Scores  string      `json:"scores"`
		Classes []classJSON `json:"classes"`
	}
	require.NoError(t, json.Unmarshal([]byte(cli.stdout), &want))
	require.Equal(t, "cheeseburger", want.Classes[0].Label)

	for _, args := range [][]string{{"-task", "classify"}, {"-model", model}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := startServe(ctx, t, append(args, "-source", "file:"+burger, "-hold", "0", "-rate", "10", "-threads", "1", "-top", "3")...)
			assert.Contains(t, s.stdout.String(), "percept serve: classifying in file:"+burger)
			f := getFrameAs[classifyFrameLine](t, s.base)
			assert.Equal(t, "classify", f.Task)
			assert.Equal(t, want.Scores, f.Scores)
			assert.Equal(t, want.Classes, f.Classes)

			resp, err := http.Post(s.base+"/api/classify", "image/jpeg", bytes.NewReader(assets.BurgerJPEG))
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `{"task":"classify","image":"upload","width":`)
			var up struct {
				Classes []classJSON `json:"classes"`
			}
			require.NoError(t, json.Unmarshal(body, &up))
			assert.Equal(t, want.Classes, up.Classes)
			cancel()
			require.NoError(t, <-s.done)
		})
	}
}

// TestServeTasksMatchTheirCommands serves a photo with -task segment, pose
// and faces (their embedded models), and with a -model file whose task
// serve infers: each frame and each upload carry what the task's own
// command prints with -json for the photo (segment adds its mask, every
// task its name).
func TestServeTasksMatchTheirCommands(t *testing.T) {
	skipInShort(t)
	dir := t.TempDir()
	movenet := writeFile(t, dir, "movenet.tflite", assets.PoseModel)
	bird := testmodels.Path(t, "images", "bird.bmp")
	for _, c := range []struct {
		name  string
		task  string
		model []string // flags naming the model, for serve and the command
		image string
		count string // the list that must not be empty
	}{
		{"segment", "segment", nil, bird, "classes"},
		{"pose", "pose", nil, testmodels.Path(t, "pose", "squat.bmp"), "poses"},
		{"faces", "faces", nil, testmodels.Path(t, "images", "grace_hopper.jpg"), "faces"},
		{"pose inferred from -model", "", []string{"-model", movenet}, testmodels.Path(t, "pose", "squat.bmp"), "poses"},
	} {
		t.Run(c.name, func(t *testing.T) {
			task := c.task
			if task == "" {
				task = "pose"
			}
			cli := runCLI(t, append(append([]string{task, "-json"}, c.model...), c.image)...)
			requireSuccess(t, cli)
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(cli.stdout), &want))
			require.NotEmpty(t, want[c.count], "%s", cli.stdout)
			delete(want, "image")

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := append([]string{"-source", "file:" + c.image, "-hold", "0", "-rate", "5", "-threads", "1", "-detectors", "1"}, c.model...)
			if c.task != "" {
				args = append(args, "-task", c.task)
			}
			s := startServe(ctx, t, args...)
			var frame map[string]any
			require.Eventually(t, func() bool {
				resp, err := http.Get(s.base + "/api/detections")
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				frame = nil
				return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&frame) == nil
			}, 60*time.Second, 20*time.Millisecond)
			data, err := os.ReadFile(c.image)
			require.NoError(t, err)
			resp, err := http.Post(s.base+"/api/"+task, "application/octet-stream", bytes.NewReader(data))
			require.NoError(t, err)
			var upload map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&upload))
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "%v", upload)
			cancel()
			require.NoError(t, <-s.done)

			for name, got := range map[string]map[string]any{"frame": frame, "upload": upload} {
				assert.Equal(t, task, got["task"], name)
				if task == "segment" {
					mask, ok := got["mask"].(map[string]any)
					require.True(t, ok, "%s has a mask: %v", name, got)
					assert.Positive(t, mask["width"], name)
					assert.NotEmpty(t, mask["png"], name)
				}
				for _, k := range []string{"task", "image", "mask", "seq", "time", "dropped", "inference_ms", "latency_ms", "queue_ms", "decode_ms"} {
					delete(got, k)
				}
				assert.Equal(t, want, got, "%s: the %s command's line", name, task)
			}
		})
	}
}
