//go:build gocv

package camera

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// TestGoCVReadsAVideoFile writes a small MJPG .avi with OpenCV, in which
// each frame is one flat BGR colour, and reads it back as RGB frames.
func TestGoCVReadsAVideoFile(t *testing.T) {
	const width, height, frames = 32, 24, 3
	path := filepath.Join(t.TempDir(), "clip.avi")
	writer, err := gocv.VideoWriterFile(path, "MJPG", 10, width, height, true)
	require.NoError(t, err)
	require.True(t, writer.IsOpened(), "OpenCV cannot write MJPG .avi files here")
	// Frame i is BGR (40i+20, 100, 200): RGB (200, 100, 40i+20).
	for i := range frames {
		bgr := make([]byte, 3*width*height)
		for p := 0; p < len(bgr); p += 3 {
			bgr[p], bgr[p+1], bgr[p+2] = byte(40*i+20), 100, 200
		}
		mat, err := gocv.NewMatFromBytes(height, width, gocv.MatTypeCV8UC3, bgr)
		require.NoError(t, err)
		require.NoError(t, writer.Write(mat))
		require.NoError(t, mat.Close())
	}
	require.NoError(t, writer.Close())

	src, err := Open("gocv:"+path, Options{})
	require.NoError(t, err)
	defer src.Close()
	for i := range frames {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		assert.EqualValues(t, i, f.Seq)
		assert.Equal(t, RGB, f.Format)
		require.Equal(t, width, f.Width)
		require.Equal(t, height, f.Height)
		// MJPG is lossy: allow a few levels on a flat colour.
		center := f.Data[(height/2)*f.Stride+3*(width/2):][:3]
		assert.InDelta(t, 200, center[0], 6, "frame %d red", i)
		assert.InDelta(t, 100, center[1], 6, "frame %d green", i)
		assert.InDelta(t, 40*i+20, center[2], 6, "frame %d blue", i)
	}
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF)
}

func TestGoCVRefusesAFrameSizeOverThePixelBudget(t *testing.T) {
	const width, height = 32, 24
	path := filepath.Join(t.TempDir(), "clip.avi")
	writer, err := gocv.VideoWriterFile(path, "MJPG", 10, width, height, true)
	require.NoError(t, err)
	mat := gocv.NewMatWithSize(height, width, gocv.MatTypeCV8UC3)
	require.NoError(t, writer.Write(mat))
	require.NoError(t, mat.Close())
	require.NoError(t, writer.Close())

	_, err = Open("gocv:"+path, Options{MaxPixels: width*height - 1})
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, width, tooLarge.Width)
	assert.Equal(t, height, tooLarge.Height)
	src, err := Open("gocv:"+path, Options{MaxPixels: width * height})
	require.NoError(t, err, "exactly the budget")
	defer src.Close()
	_, err = src.Next(context.Background())
	require.NoError(t, err)
}

func TestGoCVOpenFailure(t *testing.T) {
	_, err := Open("gocv:"+filepath.Join(t.TempDir(), "missing.avi"), Options{})
	assert.ErrorContains(t, err, "missing.avi")
}
