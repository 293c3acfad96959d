//go:build edgetpu && cgo

package models_test

import (
	"context"
	"os"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deviceEnv names the environment variable that opts in to
// TestEdgeTPUDevice: the Edge TPU to run on ("usb", "pci", ...).
const deviceEnv = "PERCEPT_EDGETPU_DEVICE"

// TestEdgeTPUDevice runs the shared Edge TPU models on a real Coral device
// and the real libedgetpu, when PERCEPT_EDGETPU_DEVICE names one: each
// classifier agrees with its CPU twin on the top class (scores within
// 0.05), and the SSD finds Coral's published cat in cat.bmp (label 16,
// score above 0.95, IoU above 0.86 with x 0.1..0.7, y 0.1..1.0), as
// libedgetpu's own tests require of the CPU model.
func TestEdgeTPUDevice(t *testing.T) {
	device := os.Getenv(deviceEnv)
	if device == "" {
		t.Skipf("set %s=usb (or pci, usb:0, ...) to run the shared Edge TPU models on a real Coral device", deviceEnv)
	}
	devs, err := edgetpu.Devices(edgetpu.Config{})
	require.NoError(t, err)
	version, err := edgetpu.Version(edgetpu.Config{})
	require.NoError(t, err)
	t.Logf("libedgetpu %s; devices %v", version, devs)

	labels, err := models.LoadLabels(testmodels.Path(t, "classification", "imagenet_labels.txt"))
	require.NoError(t, err)
	for _, name := range []string{"mobilenet_v1_0.25_128_quant", "mobilenet_v2_1.0_224_quant"} {
		tpu := openModel(t, "classification", name+"_edgetpu.tflite")
		cpu := openModel(t, "classification", name+".tflite")
		onTPU, err := models.NewClassifier(tpu, &models.Options{Labels: labels, MaxResults: 1, EdgeTPU: device})
		require.NoError(t, err)
		defer onTPU.Close()
		onCPU, err := models.NewClassifier(cpu, &models.Options{Labels: labels, MaxResults: 1})
		require.NoError(t, err)
		defer onCPU.Close()
		for _, image := range []string{"cat.bmp", "cat.jpg", "dogs.jpg", "burger.jpg"} {
			img, err := models.LoadImage(testmodels.Path(t, "images", image))
			require.NoError(t, err)
			got, err := onTPU.Classify(context.Background(), img)
			require.NoError(t, err)
			want, err := onCPU.Classify(context.Background(), img)
			require.NoError(t, err)
			require.Len(t, got, 1)
			t.Logf("%s %s: Edge TPU %+v, CPU %+v", name, image, got[0], want[0])
			assert.Equal(t, want[0].Index, got[0].Index, "%s %s: top class", name, image)
			assert.InDelta(t, want[0].Score, got[0].Score, 0.05, "%s %s: top score", name, image)
		}
	}

	ssd := openModel(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
	det, err := models.NewDetector(ssd, &models.Options{EdgeTPU: device, MaxResults: 1})
	require.NoError(t, err)
	defer det.Close()
	img, err := models.LoadImage(testmodels.Path(t, "images", "cat.bmp"))
	require.NoError(t, err)
	got, err := det.Detect(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, got, 1)
	t.Logf("SSD cat.bmp on the Edge TPU: %+v", got[0])
	assert.Equal(t, 16, got[0].Class)
	assert.Greater(t, got[0].Score, float32(0.95))
	assert.Greater(t, testmodels.IoU(normalised(got[0].Box, img.Bounds()), [4]float64{0.1, 0.1, 0.7, 1.0}), 0.86)
	assert.Zero(t, det.Interpreter().EdgeTPUFailures())
}
