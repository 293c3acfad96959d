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
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
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
	detectLine
	Seq         uint64  `json:"seq"`
	Time        string  `json:"time"`
	Dropped     uint64  `json:"dropped"`
	InferenceMS float64 `json:"inference_ms"`
	LatencyMS   float64 `json:"latency_ms"`
}

// getFrame polls GET /api/detections until it succeeds.
func getFrame(t *testing.T, base string) frameLine {
	t.Helper()
	var f frameLine
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

func TestServeMatchesDetect(t *testing.T) {
	skipInShort(t)
	path := writeFile(t, t.TempDir(), "dogs.jpg", assets.DogsJPEG)
	want := detectJSON(t, path)
	require.Len(t, want, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout lockedBuffer
	addrs := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, []string{"-source", "file:" + path, "-addr", "127.0.0.1:0", "-rate", "20", "-threads", "1"},
			&stdout, func(a net.Addr) { addrs <- a })
	}()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case err := <-served:
		t.Fatalf("serve ended before listening: %v; output: %s", err, stdout.String())
	}
	assert.Contains(t, stdout.String(), "open "+base+"/")

	first := getFrame(t, base)
	assert.Equal(t, "file:"+path, first.Image)
	assert.Equal(t, want[0].Width, first.Width)
	assert.Equal(t, want[0].Height, first.Height)
	assert.Equal(t, want[0].Detections, first.Detections, "the stream finds what percept detect finds")
	require.Eventually(t, func() bool { return getFrame(t, base).Seq > first.Seq }, 10*time.Second, 20*time.Millisecond)

	// An upload answers with exactly the line percept detect -json prints,
	// but for the image's name.
	resp, err := http.Post(base+"/api/detect", "image/jpeg", bytes.NewReader(assets.DogsJPEG))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cli := runCLI(t, "detect", "-json", path)
	requireSuccess(t, cli)
	assert.Equal(t, strings.Replace(cli.stdout, `"image":"`+path+`"`, `"image":"upload"`, 1), string(body))

	resp, err = http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	_, err = http.Get(base + "/healthz")
	assert.Error(t, err, "the listener is closed")
}

// TestServeStopsOnSIGTERM runs the command as main does, with the embedded
// samples, and stops it the way a service manager would.
func TestServeStopsOnSIGTERM(t *testing.T) {
	skipInShort(t)
	// Keep SIGTERM from killing the test binary whatever happens to the
	// command's own handler.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)

	var stdout lockedBuffer
	done := make(chan error, 1)
	go func() { done <- serveCmd([]string{"-addr", "127.0.0.1:0", "-threads", "1"}, &stdout) }()
	listening := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)/`)
	var base string
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 30*time.Second, 10*time.Millisecond)
	f := getFrame(t, base)
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

func TestServeCommandLineErrors(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{"argument", []string{"serve", "camera:0"}, 2, `unexpected argument "camera:0"`},
		{"no detectors", []string{"serve", "-detectors", "0"}, 2, "-detectors must be at least 1"},
		{"negative rate", []string{"serve", "-rate", "-1"}, 2, "-rate must not be negative"},
		{"bad flag", []string{"serve", "-frobnicate"}, 2, "frobnicate"},
		{"source without scheme", []string{"serve", "-source", "webcam"}, 1, "has no scheme"},
		{"missing file", []string{"serve", "-source", "file:" + t.TempDir() + "/none.jpg"}, 1, "none.jpg"},
		{"missing model", []string{"serve", "-model", t.TempDir() + "/none.tflite"}, 1, "none.tflite"},
		{"bad address", []string{"serve", "-addr", "127.0.0.1:http-alt-nope"}, 1, "http-alt-nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assertOneLineFailure(t, runCLI(t, c.args...), c.wantCode, c.wantText)
		})
	}
}
