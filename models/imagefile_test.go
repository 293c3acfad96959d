package models_test

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHugeImageRefused: a few hundred bytes of PNG declaring 20000×20000
// pixels (1.6 GB as RGBA) is refused from its header, by DecodeImage and
// LoadImage, naming its dimensions, without allocating its pixels.
func TestHugeImageRefused(t *testing.T) {
	bomb := testmodels.HugePNG(20000, 20000)
	path := filepath.Join(t.TempDir(), "bomb.png")
	require.NoError(t, os.WriteFile(path, bomb, 0o600))
	for name, decode := range map[string]func() (image.Image, error){
		"DecodeImage":  func() (image.Image, error) { return models.DecodeImage(bytes.NewReader(bomb)) },
		"LoadImage":    func() (image.Image, error) { return models.LoadImage(path) },
		"ImageDecoder": func() (image.Image, error) { return models.ImageDecoder{MaxPixels: 1000}.Load(path) },
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = decode() })
			var tooLarge *models.ImageTooLargeError
			require.ErrorAs(t, err, &tooLarge)
			assert.Equal(t, 20000, tooLarge.Width)
			assert.Equal(t, 20000, tooLarge.Height)
			assert.Contains(t, err.Error(), "20000×20000")
			assert.Less(t, n, uint64(1<<20), "bytes allocated before refusing")
		})
	}
}

func TestImageDecoderBudget(t *testing.T) {
	// The dogs photo is 640×427.
	img, err := models.ImageDecoder{MaxPixels: 640 * 427}.Decode(bytes.NewReader(assets.DogsJPEG))
	require.NoError(t, err, "a budget is inclusive")
	assert.Equal(t, image.Rect(0, 0, 640, 427), img.Bounds())
	_, err = models.ImageDecoder{MaxPixels: 640*427 - 1}.Decode(bytes.NewReader(assets.DogsJPEG))
	var tooLarge *models.ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, 640*427-1, tooLarge.MaxPixels)
	_, err = models.ImageDecoder{MaxPixels: -1}.Decode(bytes.NewReader(assets.DogsJPEG))
	assert.ErrorContains(t, err, "MaxPixels -1 is negative")
	_, err = models.DecodeImage(bytes.NewReader([]byte("GIF? no, text")))
	assert.ErrorContains(t, err, "not a JPEG, PNG, GIF or BMP image")
}

func TestLoadImageDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := models.LoadImage(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), dir+" is a directory")
	_, err = models.LoadImage(filepath.Join(dir, "missing.jpg"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestBoxRect(t *testing.T) {
	b := models.Box{X: 10, Y: 20, Width: 30, Height: 40}
	r := b.Rect()
	assert.Equal(t, image.Pt(10, 20), r.Min, "top-left, inclusive")
	assert.Equal(t, image.Pt(40, 60), r.Max, "bottom-right, exclusive")
	assert.Equal(t, 30, r.Dx())
	assert.Equal(t, 40, r.Dy())
	assert.True(t, models.Box{}.Rect().Empty())
}
