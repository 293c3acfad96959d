package models_test

import (
	"bytes"
	"context"
	"image"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func embeddedDetectorModel(t testing.TB) *tflite.Model {
	m, err := tflite.Parse(assets.DetectorModel)
	require.NoError(t, err)
	return m
}

func decode(t testing.TB, data []byte) image.Image {
	img, err := models.DecodeImage(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}

func TestDetectorEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("a full SSD inference takes seconds under -race with the generic kernels: covered by the full run")
	}
	det, err := models.NewDetector(embeddedDetectorModel(t), &models.Options{MinScore: 0.5})
	require.NoError(t, err)
	defer det.Close()
	assert.Equal(t, models.InputSpec{Width: 300, Height: 300, Channels: 3, Type: tflite.TypeUint8}, det.Input())
	assert.Equal(t, "person", det.Labels()[0])
	dets, err := det.Detect(context.Background(), decode(t, assets.DogsJPEG))
	require.NoError(t, err)
	require.Len(t, dets, 2)
	for i, d := range dets {
		assert.Equal(t, "dog", d.Label)
		assert.GreaterOrEqual(t, d.Score, float32(0.5))
		if i > 0 {
			assert.GreaterOrEqual(t, dets[i-1].Score, d.Score, "sorted by score")
		}
	}
}

func TestDetectIntoAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are for the full run (the race detector allocates)")
	}
	det, err := models.NewDetector(embeddedDetectorModel(t), &models.Options{Threads: 2})
	require.NoError(t, err)
	defer det.Close()
	img := decode(t, assets.DogsJPEG)
	dst, err := det.DetectInto(context.Background(), nil, img)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(3, func() {
		dst, err = det.DetectInto(context.Background(), dst, img)
	})
	require.NoError(t, err)
	assert.Zero(t, allocs)
}

// TestPoolsConcurrent serves 8 goroutines from a pool of 3 members and
// requires every result to equal a lone detector's or classifier's on the
// same photo. Both pools share their lending code; under -short (the race
// run) the DetectorPool's part is left to the full run, as an SSD inference
// takes seconds there.
func TestPoolsConcurrent(t *testing.T) {
	imgs := []image.Image{decode(t, assets.DogsJPEG), decode(t, assets.BurgerJPEG)}
	if !testing.Short() && testmodels.Root() != "" {
		for _, name := range []string{"cat.jpg", "grace_hopper.jpg", "kite_and_cold.jpg"} {
			img, err := models.LoadImage(testmodels.Path(t, "images", name))
			require.NoError(t, err)
			imgs = append(imgs, img)
		}
	}
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	t.Run("ClassifierPool", func(t *testing.T) {
		m := embeddedClassifierModel(t)
		opts := &models.Options{MaxResults: 5}
		lone, err := models.NewClassifier(m, opts)
		require.NoError(t, err)
		defer lone.Close()
		pool, err := models.NewClassifierPool(m, opts, 3)
		require.NoError(t, err)
		defer pool.Close()
		assert.Equal(t, 3, pool.Size())
		checkPool(t, imgs, rounds, lone.Classify, pool.ClassifyInto)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = pool.Classify(ctx, imgs[0])
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("DetectorPool", func(t *testing.T) {
		if testing.Short() {
			t.Skip("SSD under -race takes seconds per image: the full run covers the DetectorPool")
		}
		m := embeddedDetectorModel(t)
		lone, err := models.NewDetector(m, &models.Options{Threads: 1})
		require.NoError(t, err)
		defer lone.Close()
		pool, err := models.NewDetectorPool(m, nil, 3)
		require.NoError(t, err)
		defer pool.Close()
		checkPool(t, imgs, rounds, lone.Detect, pool.DetectInto)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = pool.Detect(ctx, imgs[0])
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// checkPool runs 8 goroutines that each call the pool's into rounds times
// on the images in turn, each starting at another image and reusing its
// last result's storage, and requires every result to equal lone's on the
// same image.
func checkPool[T any](t *testing.T, imgs []image.Image, rounds int,
	lone func(context.Context, image.Image) ([]T, error), into func(context.Context, []T, image.Image) ([]T, error)) {
	t.Helper()
	want := make([][]T, len(imgs))
	for i, img := range imgs {
		var err error
		want[i], err = lone(context.Background(), img)
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var dst []T
			for k := range rounds {
				i := (g + k) % len(imgs)
				var err error
				dst, err = into(context.Background(), dst, imgs[i])
				if assert.NoError(t, err) {
					assert.Equal(t, want[i], dst, "goroutine %d, image %d", g, i)
				}
			}
		})
	}
	wg.Wait()
}
