package optimize_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// photos returns the shared photos, skipping the test without them.
func photos(t *testing.T) []string {
	t.Helper()
	dir := testmodels.Path(t, "images")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".jpg", ".png", ".bmp":
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	require.NotEmpty(t, out)
	if testing.Short() {
		// The race run (-short, portable kernels) keeps three photos.
		out = out[:min(len(out), 3)]
	}
	return out
}

// topOnes classifies every photo with m and returns the best class of
// each; the classifier must find the model's labels.
func topOnes(t *testing.T, m *tflite.Model, files []string) []models.Class {
	t.Helper()
	c, err := models.NewClassifier(m, &models.Options{Threads: 2, MaxResults: 1})
	require.NoError(t, err)
	defer c.Close()
	require.NotEmpty(t, c.Labels(), "the classifier finds the model's labels")
	var out []models.Class
	for _, f := range files {
		img, err := models.LoadImage(f)
		require.NoError(t, err)
		classes, err := c.Classify(context.Background(), img)
		require.NoError(t, err)
		require.Len(t, classes, 1)
		require.NotEmpty(t, classes[0].Label, "%s: the best class has a label", f)
		out = append(out, classes[0])
	}
	return out
}

// requireSameTopOnes checks that a transformed MobileNet picks the float
// model's best class on every photo, and returns how many agree.
func sameTopOnes(t *testing.T, f, q *tflite.Model) (agree, total int) {
	t.Helper()
	files := photos(t)
	want, got := topOnes(t, f, files), topOnes(t, q, files)
	for i := range want {
		if want[i].Index == got[i].Index {
			agree++
		} else {
			t.Logf("%s: %q (%.3f) became %q (%.3f)", filepath.Base(files[i]), want[i].Label, want[i].Score, got[i].Label, got[i].Score)
		}
	}
	return agree, len(want)
}

// assertSameTopOnes asserts that q picks f's best class on every photo.
func assertSameTopOnes(t *testing.T, f, q *tflite.Model) {
	t.Helper()
	agree, total := sameTopOnes(t, f, q)
	t.Logf("top-1 agreement with the float model: %d/%d photos", agree, total)
	assert.Equal(t, total, agree, "top-1 agreement")
}
