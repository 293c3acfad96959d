//go:build edgetpu && cgo

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/delegate/edgetpu/edgetputest"
	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEdgeTPUCommands runs the shared Edge TPU models through percept run,
// classify and detect with -edgetpu on the fake libedgetpu, in both
// registration layouts: run's output is the fake's function of the input
// file byte for byte; classify and detect print what the library gives
// for the same image.
func TestEdgeTPUCommands(t *testing.T) {
	img := testmodels.Path(t, "images", "cat.jpg")
	labels := testmodels.Path(t, "classification", "imagenet_labels.txt")
	for _, layout := range edgetputest.Layouts {
		t.Run(string(layout), func(t *testing.T) {
			t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, layout))
			for _, c := range []struct {
				name  string
				shape []int
			}{
				{"mobilenet_v1_0.25_128_quant_edgetpu.tflite", []int{1, 128, 128, 3}},
				{"mobilenet_v2_1.0_224_quant_edgetpu.tflite", []int{1, 224, 224, 3}},
			} {
				model := testmodels.Path(t, "classification", c.name)
				m, err := tflite.Open(model)
				require.NoError(t, err)
				defer m.Close()
				dir := t.TempDir()
				data := make([]byte, c.shape[1]*c.shape[2]*3)
				rng := rand.New(rand.NewPCG(11, uint64(len(c.name))))
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				var buf bytes.Buffer
				require.NoError(t, npy.Write(&buf, &npy.Array{DType: "|u1", Shape: c.shape, Data: data}))
				in := writeFile(t, dir, "in.npy", buf.Bytes())
				requireSuccess(t, runCLI(t, "run", "-model", model, "-input", in, "-outdir", dir, "-edgetpu", "usb"))
				out, err := npy.ReadFile(filepath.Join(dir, "output_0.npy"))
				require.NoError(t, err)
				want := edgetputest.Outputs(m.Subgraphs[0].Operators[0].CustomOptions, [][]byte{data}, []int{len(out.Data)})
				assert.Equal(t, want[0], out.Data, "%s: every byte from the delegate", c.name)

				r := runCLI(t, "classify", "-json", "-top", "3", "-model", model, "-labels", labels, "-edgetpu", "usb:0", img)
				requireSuccess(t, r)
				var line classifyResult
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &line))
				ls, err := models.LoadLabels(labels)
				require.NoError(t, err)
				cls, err := models.NewClassifier(m, &models.Options{Labels: ls, MaxResults: 3, EdgeTPU: "usb"})
				require.NoError(t, err)
				im, err := models.LoadImage(img)
				require.NoError(t, err)
				classes, err := cls.Classify(context.Background(), im)
				require.NoError(t, err)
				require.NoError(t, cls.Close())
				assert.Equal(t, classes, line.Classes, c.name)
			}

			ssd := testmodels.Path(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
			r := runCLI(t, "detect", "-json", "-threshold", "0", "-model", ssd, "-edgetpu", "usb", img)
			requireSuccess(t, r)
			var res struct {
				Detections []models.Detection `json:"detections"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
			m, err := tflite.Open(ssd)
			require.NoError(t, err)
			defer m.Close()
			det, err := models.NewDetector(m, &models.Options{EdgeTPU: "usb"})
			require.NoError(t, err)
			defer det.Close()
			im, err := models.LoadImage(img)
			require.NoError(t, err)
			dets, err := det.Detect(context.Background(), im)
			require.NoError(t, err)
			require.NotEmpty(t, dets, "the fake's scores pass threshold 0")
			assert.Equal(t, dets, res.Detections)
		})
	}
}

// TestEdgeTPUCommandFailures: no device and a failing device are one-line
// errors; with -fallback, no device runs the CPU model.
func TestEdgeTPUCommandFailures(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF25))
	tpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite")
	cpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant.tflite")
	img := testmodels.Path(t, "images", "cat.jpg")

	t.Setenv(edgetputest.DevicesEnv, "none")
	assertOneLineFailure(t, runCLI(t, "classify", "-model", tpu, "-edgetpu", "usb", img), 1, "no Edge TPU device could be opened: usb: libedgetpu sees no Edge TPU")
	r := runCLI(t, "classify", "-model", tpu, "-edgetpu", "usb", "-fallback", cpu, img)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no Edge TPU device could be opened")

	t.Setenv(edgetputest.DevicesEnv, "usb:/sys/bus/usb/devices/2-1")
	t.Setenv(edgetputest.FailAfterEnv, "0")
	r = runCLI(t, "classify", "-model", tpu, "-edgetpu", "usb", img)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Edge TPU error: Failed to execute request.")
}

// TestServeEdgeTPU: serve -edgetpu streams what detect -edgetpu finds, and
// a device that fails is counted and reported by /healthz and /metrics
// while serve goes on (no hang, no exit).
func TestServeEdgeTPU(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF216))
	ssd := testmodels.Path(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
	img := testmodels.Path(t, "images", "cat.jpg")
	want := detectJSON(t, "-edgetpu", "usb", "-model", ssd, img)
	require.Len(t, want, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startServe(ctx, t, "-edgetpu", "usb", "-model", ssd, "-source", "file:"+img, "-hold", "0", "-rate", "20", "-threads", "1", "-detectors", "1")
	got := getFrame(t, s.base)
	assert.Equal(t, want[0].Detections, got.Detections, "the stream finds what percept detect -edgetpu finds")
	cancel()
	select {
	case err := <-s.done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}

	t.Setenv(edgetputest.FailAfterEnv, "3")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s = startServe(ctx, t, "-edgetpu", "usb", "-model", ssd, "-source", "file:"+img, "-hold", "0", "-rate", "50", "-threads", "1", "-detectors", "1")
	var health string
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		health = string(body)
		return err == nil && strings.Contains(health, "frames failed detection")
	}, 30*time.Second, 20*time.Millisecond, "serve counts the failing Edge TPU's frames")
	assert.Contains(t, health, "Failed to execute request.")
	cancel()
	select {
	case err := <-s.done:
		require.NoError(t, err, "a failing device ends no run")
	case <-time.After(15 * time.Second):
		t.Fatal("serve hangs on a failing Edge TPU")
	}
	assert.Contains(t, s.stdout.String(), "percept serve: detection failed: ")
}
