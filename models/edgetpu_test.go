package models_test

import (
	"context"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openModel opens a shared model for the test's duration.
func openModel(t *testing.T, elem ...string) *tflite.Model {
	t.Helper()
	m, err := tflite.Open(testmodels.Path(t, elem...))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// TestEdgeTPUFallback: with no usable Edge TPU (this build lacks support,
// or libedgetpu is missing), Options.Fallback runs the CPU twin, says so
// through OnFallback, and classifies as the CPU model does.
func TestEdgeTPUFallback(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, "/nonexistent/libedgetpu.so.1")
	tpu := openModel(t, "classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite")
	cpu := openModel(t, "classification", "mobilenet_v1_0.25_128_quant.tflite")
	labels, err := models.LoadLabels(testmodels.Path(t, "classification", "imagenet_labels.txt"))
	require.NoError(t, err)
	img, err := models.LoadImage(testmodels.Path(t, "images", "cat.jpg"))
	require.NoError(t, err)

	_, err = models.NewClassifier(tpu, &models.Options{Labels: labels, EdgeTPU: "usb"})
	require.Error(t, err)
	assert.True(t, models.EdgeTPUUnavailable(err), "%v", err)

	var reasons []error
	c, err := models.NewClassifier(tpu, &models.Options{Labels: labels, EdgeTPU: "usb", Fallback: cpu,
		OnFallback: func(err error) { reasons = append(reasons, err) }})
	require.NoError(t, err)
	defer c.Close()
	require.Len(t, reasons, 1)
	assert.True(t, models.EdgeTPUUnavailable(reasons[0]), "%v", reasons[0])
	assert.Same(t, cpu, c.Interpreter().Model())
	got, err := c.Classify(context.Background(), img)
	require.NoError(t, err)

	ref, err := models.NewClassifier(cpu, &models.Options{Labels: labels})
	require.NoError(t, err)
	defer ref.Close()
	want, err := ref.Classify(context.Background(), img)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NotEmpty(t, got)

	_, err = models.NewClassifier(tpu, &models.Options{Labels: labels, Fallback: cpu})
	assert.ErrorContains(t, err, "it needs EdgeTPU")
}
