package models_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// TestImageInput feeds a uniform image to MobileNet's float input: the
// metadata's normalization (mean 127.5, std 127.5) maps 255 to 1.
func TestImageInput(t *testing.T) {
	m, err := tflite.Open(testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"))
	require.NoError(t, err)
	defer m.Close()
	it, err := nn.New(m, &nn.Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	in, err := models.NewImageInput(m, it.Input(0))
	require.NoError(t, err)
	spec := in.Spec()
	require.Equal(t, []float32{127.5, 127.5, 127.5}, spec.Mean)
	require.Equal(t, 224, spec.Width)
	img := image.NewRGBA(image.Rect(0, 0, 50, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	require.NoError(t, in.Load(img))
	for _, v := range it.Input(0).Float32s() {
		require.InDelta(t, 1, v, 0.02) // 255 → 1 up to the resize's rounding
	}
	require.Error(t, in.Load(image.NewUniform(color.Black)))
	_, err = models.NewImageInput(m, nil)
	require.Error(t, err)
}
