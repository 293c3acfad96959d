package optimize_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// TestCorrectBias calibrates and corrects MobileNet's int8 biases on half
// the shared photos and measures top-1 agreement with the float model on
// the other half, which neither step saw: the correction must not lose
// agreement there (it gains: 43 % → 71 % when written).
func TestCorrectBias(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the int8 MobileNet once per layer and photo: not in -short")
	}
	f := float32Model(t, mobilenet)
	var fit, heldOut []string
	for i, p := range photos(t) {
		if i%2 == 0 {
			fit = append(fit, p)
		} else {
			heldOut = append(heldOut, p)
		}
	}
	c, err := optimize.NewCalibrator(f, 2)
	require.NoError(t, err)
	defer c.Close()
	var samples [][]byte
	for _, p := range fit {
		img, err := models.LoadImage(p)
		require.NoError(t, err)
		require.NoError(t, c.Image(img))
		samples = append(samples, slices.Clone(c.Inputs()[0].Bytes()))
	}
	for _, io := range []tflite.TensorType{tflite.TypeFloat32, tflite.TypeUint8} {
		q, _, err := optimize.Int8(f, c.Ranges(), &optimize.Int8Options{IO: io})
		require.NoError(t, err)
		corrected, rep, err := optimize.CorrectBias(f, q, samples)
		require.NoError(t, err)
		assert.Len(t, rep.Tensors, 28, "every convolution's bias")
		data, err := tflite.Write(corrected)
		require.NoError(t, err)
		back, err := tflite.Parse(data)
		require.NoError(t, err)
		requireInt8Spec(t, back, io)
		before, after := top1Share(t, f, q, heldOut), top1Share(t, f, back, heldOut)
		t.Logf("io %s: top-1 agreement on %d held-out photos %.1f %% → %.1f %% (fitted photos %.1f %% → %.1f %%)", io, len(heldOut),
			100*before, 100*after, 100*top1Share(t, f, q, fit), 100*top1Share(t, f, back, fit))
		assert.GreaterOrEqual(t, after, before)
	}
	_, _, err = optimize.CorrectBias(f, f, nil)
	require.ErrorContains(t, err, "no samples")
}

// top1Share is the share of files on which q picks f's best class.
func top1Share(t *testing.T, f, q *tflite.Model, files []string) float64 {
	t.Helper()
	want, got := topOnes(t, f, files), topOnes(t, q, files)
	n := 0
	for i := range want {
		if want[i].Index == got[i].Index {
			n++
		}
	}
	return float64(n) / float64(len(want))
}
