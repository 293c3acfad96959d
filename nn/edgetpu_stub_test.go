//go:build !edgetpu || !cgo

package nn

import (
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/require"
)

// TestEdgeTPUNotBuilt: a build without Edge TPU support says so when asked
// for an Edge TPU.
func TestEdgeTPUNotBuilt(t *testing.T) {
	m, err := tflite.Open(testmodels.Path(t, "classification/mobilenet_v1_0.25_128_quant_edgetpu.tflite"))
	require.NoError(t, err)
	defer m.Close()
	_, err = New(m, &Options{EdgeTPU: "usb"})
	require.ErrorIs(t, err, edgetpu.ErrNotBuilt)
	require.ErrorContains(t, err, "nn: op 0 edgetpu-custom-op: edgetpu: this percept was built without Edge TPU support")
}
