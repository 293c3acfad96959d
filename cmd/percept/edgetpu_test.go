package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEdgeTPUFallbackCLI: with no usable Edge TPU (a build without
// support, or no libedgetpu), -fallback runs the CPU model, says so on
// stderr, and prints what the CPU model prints; without -fallback the
// command fails on one line that says why.
func TestEdgeTPUFallbackCLI(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, "/nonexistent/libedgetpu.so.1")
	tpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite")
	cpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant.tflite")
	labels := testmodels.Path(t, "classification", "imagenet_labels.txt")
	img := testmodels.Path(t, "images", "cat.jpg")

	want := runCLI(t, "classify", "-json", "-model", cpu, "-labels", labels, img)
	requireSuccess(t, want)
	got := runCLI(t, "classify", "-json", "-model", tpu, "-labels", labels, "-edgetpu", "usb", "-fallback", cpu, img)
	require.Equal(t, 0, got.code, got.stderr)
	assert.Equal(t, want.stdout, got.stdout)
	assert.Equal(t, 1, strings.Count(got.stderr, "\n"), got.stderr)
	assert.Contains(t, got.stderr, "percept classify: the Edge TPU cannot be used (")
	assert.Contains(t, got.stderr, "running "+cpu+" on the CPU instead")

	assertOneLineFailure(t, runCLI(t, "classify", "-model", tpu, "-edgetpu", "usb", img), 1, "edgetpu-custom-op: edgetpu: ")
	assertOneLineFailure(t, runCLI(t, "classify", "-model", tpu, "-fallback", cpu, img), 2, "-fallback "+cpu+" is the CPU model for when the Edge TPU cannot be used: it needs -edgetpu")
	assertOneLineFailure(t, runCLI(t, "detect", "-edgetpu", "usb", "-fallback", filepath.Join(t.TempDir(), "none.tflite")), 1, "-fallback: ")

	dir := t.TempDir()
	in := writeNpy(t, dir, "in.npy", "|u1", []int{1, 128, 128, 3}, 1)
	r := runCLI(t, "run", "-model", tpu, "-input", in, "-outdir", filepath.Join(dir, "tpu"), "-edgetpu", "usb", "-fallback", cpu)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "percept run: the Edge TPU cannot be used (")
	requireSuccess(t, runCLI(t, "run", "-model", cpu, "-input", in, "-outdir", filepath.Join(dir, "cpu")))
	assert.Equal(t, fileBytes(t, filepath.Join(dir, "cpu", "output_0.npy")), fileBytes(t, filepath.Join(dir, "tpu", "output_0.npy")))
	assertOneLineFailure(t, runCLI(t, "run", "-model", tpu, "-input", in, "-outdir", dir, "-fallback", cpu), 2, "it needs -edgetpu")

	// A model not compiled for the Edge TPU runs on the CPU, with a warning.
	r = runCLI(t, "classify", "-json", "-model", cpu, "-labels", labels, "-edgetpu", "usb", img)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want.stdout, r.stdout)
	assert.Equal(t, "percept classify: -edgetpu usb: the model was not compiled for the Edge TPU (no edgetpu-custom-op): it runs on the CPU\n", r.stderr)
}

// fileBytes reads a file the test needs.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestServeEdgeTPUFallback: serve -edgetpu with no usable Edge TPU and
// -fallback streams what the CPU model finds, and says so.
func TestServeEdgeTPUFallback(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, "/nonexistent/libedgetpu.so.1")
	tpu := testmodels.Path(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
	cpu := testmodels.Path(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess.tflite")
	img := testmodels.Path(t, "images", "cat.jpg")
	want := detectJSON(t, "-model", cpu, img)
	require.Len(t, want, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startServe(ctx, t, "-edgetpu", "usb", "-fallback", cpu, "-model", tpu, "-source", "file:"+img, "-hold", "0", "-rate", "20", "-threads", "1", "-detectors", "2")
	got := getFrame(t, s.base)
	assert.Equal(t, want[0].Detections, got.Detections)
	assert.Equal(t, 1, strings.Count(s.stdout.String(), "percept serve: the Edge TPU cannot be used ("), "one notice for the pool: %s", s.stdout.String())
	cancel()
	select {
	case err := <-s.done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
}
