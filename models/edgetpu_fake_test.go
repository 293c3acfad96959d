//go:build edgetpu && cgo

package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/delegate/edgetpu/edgetputest"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEdgeTPUTasks runs a classifier and a detector through the fake
// libedgetpu: the Edge TPU output the task decodes is the fake's function
// of the image the task fed.
func TestEdgeTPUTasks(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF25))
	img, err := models.LoadImage(testmodels.Path(t, "images", "cat.jpg"))
	require.NoError(t, err)
	labels, err := models.LoadLabels(testmodels.Path(t, "classification", "imagenet_labels.txt"))
	require.NoError(t, err)

	tpu := openModel(t, "classification", "mobilenet_v2_1.0_224_quant_edgetpu.tflite")
	c, err := models.NewClassifier(tpu, &models.Options{Labels: labels, EdgeTPU: "usb:0"})
	require.NoError(t, err)
	defer c.Close()
	got, err := c.Classify(context.Background(), img)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	assert.True(t, c.Probabilities(), "the softmax inside the Edge TPU program is seen through its output's quantization")
	it := c.Interpreter()
	custom := tpu.Subgraphs[0].Operators[0].CustomOptions
	want := edgetputest.Outputs(custom, [][]byte{it.Input(0).Bytes()}, []int{len(it.Output(0).Bytes())})
	require.Equal(t, want[0], it.Output(0).Bytes())

	ssd := openModel(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
	d, err := models.NewDetector(ssd, &models.Options{EdgeTPU: "usb"})
	require.NoError(t, err)
	defer d.Close()
	_, err = d.Detect(context.Background(), img)
	require.NoError(t, err)
	dit := d.Interpreter()
	op := &ssd.Subgraphs[0].Operators[0]
	want = edgetputest.Outputs(op.CustomOptions, [][]byte{dit.Input(0).Bytes()},
		[]int{len(dit.Tensor(int(op.Outputs[0])).Bytes()), len(dit.Tensor(int(op.Outputs[1])).Bytes())})
	require.Equal(t, want[0], dit.Tensor(int(op.Outputs[0])).Bytes())
	require.Equal(t, want[1], dit.Tensor(int(op.Outputs[1])).Bytes())

	// No device: the fallback runs, and says why.
	t.Setenv(edgetputest.DevicesEnv, "none")
	var reason error
	cpu := openModel(t, "classification", "mobilenet_v2_1.0_224_quant.tflite")
	f, err := models.NewClassifier(tpu, &models.Options{Labels: labels, EdgeTPU: "usb", Fallback: cpu,
		OnFallback: func(err error) { reason = err }})
	require.NoError(t, err)
	defer f.Close()
	assert.True(t, errors.Is(reason, edgetpu.ErrNoDevice), "%v", reason)
	assert.Same(t, cpu, f.Interpreter().Model())
}
