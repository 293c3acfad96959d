package models_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

func TestOptionsValidate(t *testing.T) {
	for _, ok := range []models.Options{{}, {MinScore: 1}, {MinScore: 0.5, MaxResults: 3, Threads: 2}, {Kernels: "generic"}} {
		assert.NoError(t, ok.Validate(), "%+v", ok)
	}
	for _, c := range []struct {
		opts models.Options
		want string
	}{
		{models.Options{MinScore: float32(math.NaN())}, "MinScore NaN is outside [0, 1]"},
		{models.Options{MinScore: -1}, "MinScore -1 is outside [0, 1]"},
		{models.Options{MinScore: 2}, "MinScore 2 is outside [0, 1]"},
		{models.Options{MaxResults: -1}, "MaxResults -1 is negative"},
		{models.Options{Threads: -2}, "Threads -2 is negative"},
		{models.Options{Kernels: "tpu"}, `kernel target "tpu" is not available here`},
	} {
		assert.ErrorContains(t, c.opts.Validate(), c.want)
	}
}

// TestConstructorsValidate: every constructor refuses options out of
// range before building anything.
func TestConstructorsValidate(t *testing.T) {
	det, cls := embeddedDetectorModel(t), embeddedClassifierModel(t)
	bad := &models.Options{MinScore: 2}
	_, err := models.NewDetector(det, bad)
	assert.ErrorContains(t, err, "MinScore 2")
	_, err = models.NewDetectorPool(det, bad, 2)
	assert.ErrorContains(t, err, "MinScore 2")
	_, err = models.NewClassifier(cls, bad)
	assert.ErrorContains(t, err, "MinScore 2")
	_, err = models.NewClassifierPool(cls, bad, 2)
	assert.ErrorContains(t, err, "MinScore 2")
	_, err = models.NewClassifierPool(cls, nil, 0)
	assert.ErrorContains(t, err, "size 0")
}

// TestOptionsReachTheInterpreter: Kernels and Profile are the
// interpreter's; the zero MinScore keeps every class, MaxResults cuts.
func TestOptionsReachTheInterpreter(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	cls, err := models.NewClassifier(m, &models.Options{Kernels: "generic", Profile: true, Threads: 1})
	require.NoError(t, err)
	defer cls.Close()
	assert.Equal(t, "generic", cls.Interpreter().Kernels())
	got, err := cls.Classify(context.Background(), decode(t, assets.BurgerJPEG))
	require.NoError(t, err)
	assert.Len(t, got, 1001, "MinScore 0 keeps all of MobileNet's 1001 classes, zeros included")
	assert.NotEmpty(t, cls.Interpreter().Profile())
	if targets := nn.KernelTargets(); len(targets) > 1 {
		other, err := models.NewClassifier(m, &models.Options{Kernels: targets[0], MaxResults: 2})
		require.NoError(t, err)
		defer other.Close()
		assert.Equal(t, targets[0], other.Interpreter().Kernels())
		top, err := other.Classify(context.Background(), decode(t, assets.BurgerJPEG))
		require.NoError(t, err)
		assert.Len(t, top, 2)
	}
}
