package camera

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
)

// The decompression bomb of the issue: a few hundred bytes declaring
// 20000×20000 pixels (400 MP, 1.6 GB as RGBA).
const bombSide = 20000

// grayImage is a width×height image of one shade.
func grayImage(width, height int, shade uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	return img
}

// requireTooLarge checks that err reports a width×height image over the
// budget, by type and in its message.
func requireTooLarge(t *testing.T, err error, width, height, budget int) {
	t.Helper()
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, width, tooLarge.Width)
	assert.Equal(t, height, tooLarge.Height)
	assert.Equal(t, budget, tooLarge.MaxPixels)
	assert.ErrorContains(t, err, "20000×20000")
}

func TestFileSourceRefusesAnImageOverTheBudget(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.png")
	require.NoError(t, os.WriteFile(bomb, testmodels.HugePNG(bombSide, bombSide), 0o644))

	src, err := Open("file:"+bomb, Options{})
	assert.Nil(t, src)
	requireTooLarge(t, err, bombSide, bombSide, DefaultMaxPixels)
	assert.ErrorContains(t, err, "bomb.png", "the error names the file")

	// The budget is the option's: 3×2 = 6 pixels fit 6, not 5.
	small := writeImage(t, dir, "small.png", grayImage(3, 2, 7))
	_, err = Open("file:"+small, Options{MaxPixels: 5})
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, 5, tooLarge.MaxPixels)
	src, err = Open("file:"+small, Options{MaxPixels: 6})
	require.NoError(t, err)
	require.NoError(t, src.Close())

	_, err = Open("file:"+filepath.Join(dir, "missing.png"), Options{})
	assert.ErrorContains(t, err, "missing.png")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// nextFrameOrSkip calls Next once and returns the frame's first byte, or
// the skip's error.
func nextFrameOrSkip(t *testing.T, src Source) (byte, *SkipError) {
	t.Helper()
	f, err := src.Next(context.Background())
	if err != nil {
		var skip *SkipError
		require.ErrorAs(t, err, &skip, "only skips are expected here: %v", err)
		require.ErrorIs(t, err, ErrSkipped)
		return 0, skip
	}
	return f.Data[0], nil
}

func TestDirSourceSkipsBadFilesOnce(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", grayImage(2, 2, 10))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.txt"), []byte("notes about the photos"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.png"), testmodels.HugePNG(bombSide, bombSide), 0o644))
	writeImage(t, dir, "d.png", grayImage(2, 2, 40))

	src, err := Open("dir:"+dir, Options{Loop: true})
	require.NoError(t, err)
	defer src.Close()

	shade, skip := nextFrameOrSkip(t, src)
	require.Nil(t, skip)
	assert.EqualValues(t, 10, shade)

	_, skip = nextFrameOrSkip(t, src)
	require.NotNil(t, skip)
	assert.Equal(t, filepath.Join(dir, "b.txt"), skip.Path)
	assert.Equal(t, 1, skip.Skipped)
	assert.ErrorContains(t, skip, "b.txt")
	assert.ErrorContains(t, skip, "not a JPEG, PNG, GIF or BMP image")

	_, skip = nextFrameOrSkip(t, src)
	require.NotNil(t, skip)
	assert.Equal(t, filepath.Join(dir, "c.png"), skip.Path)
	assert.Equal(t, 2, skip.Skipped)
	requireTooLarge(t, skip, bombSide, bombSide, DefaultMaxPixels)

	// From here on only the good images, round after round: each bad file
	// was reported once.
	for round := range 3 {
		for _, want := range []byte{40, 10} {
			shade, skip := nextFrameOrSkip(t, src)
			require.Nil(t, skip, "round %d", round)
			assert.Equal(t, want, shade, "round %d", round)
		}
	}
}

func TestDirSourceWithNoDecodableImageFails(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.png"), testmodels.HugePNG(bombSide, bombSide), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.txt"), []byte("no pixels here"), 0o644))
	for _, loop := range []bool{false, true} {
		src, err := Open("dir:"+dir, Options{Loop: loop})
		require.NoError(t, err, "Open only lists the files")
		for range 2 {
			_, skip := nextFrameOrSkip(t, src)
			require.NotNil(t, skip, "loop %v", loop)
		}
		for range 2 { // the end is sticky: no endless skipping
			_, err = src.Next(context.Background())
			require.Error(t, err, "loop %v", loop)
			assert.NotErrorIs(t, err, ErrSkipped)
			assert.NotErrorIs(t, err, io.EOF)
			assert.ErrorContains(t, err, "none of its 2 files is a decodable image")
			assert.ErrorContains(t, err, "b.txt", "the last skip is named")
		}
		require.NoError(t, src.Close())
	}
}

// TestDirSourceSkipsWithoutPacing checks that a skipped file costs no
// frame interval: at one frame an hour, the frame after a skip is due at
// once.
func TestDirSourceSkipsWithoutPacing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("text"), 0o644))
	writeImage(t, dir, "b.png", grayImage(1, 1, 9))
	src, err := Open("dir:"+dir, Options{Rate: 1.0 / 3600})
	require.NoError(t, err)
	defer src.Close()
	// The first frame is due at once, and only one wait is made for it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, skip := nextFrameOrSkip(t, src)
	require.NotNil(t, skip)
	f, err := src.Next(ctx)
	require.NoError(t, err, "the frame after a skip does not wait an hour")
	assert.EqualValues(t, 9, f.Data[0])
}

func TestLatestPassesEverySkipOn(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644))
	}
	writeImage(t, dir, "d.png", grayImage(1, 1, 9))
	dirSource, err := Open("dir:"+dir, Options{})
	require.NoError(t, err)
	src := Latest(dirSource)
	var skipped []string
	frames := 0
	for {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		var skip *SkipError
		if errors.As(err, &skip) {
			skipped = append(skipped, filepath.Base(skip.Path))
			continue
		}
		require.NoError(t, err)
		assert.EqualValues(t, 9, f.Data[0])
		frames++
	}
	assert.Equal(t, []string{"a.txt", "b.txt", "c.txt"}, skipped, "each skip reported once, in order, none coalesced")
	assert.Equal(t, 1, frames)
	require.NoError(t, src.Close())
	waitForGoroutines(t, before)
}

func TestReconnectingPassesSkipsOn(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("text"), 0o644))
	writeImage(t, dir, "b.png", grayImage(1, 1, 9))
	opens := 0
	src := Reconnecting(func() (Source, error) {
		opens++
		return Open("dir:"+dir, Options{})
	}, Backoff{Initial: time.Hour})
	defer src.Close()
	_, err := src.Next(context.Background())
	require.ErrorIs(t, err, ErrSkipped)
	assert.NotErrorIs(t, err, ErrReconnecting, "a skipped file is not an outage")
	f, err := src.Next(context.Background())
	require.NoError(t, err, "the same source goes on, no hour-long back-off")
	assert.EqualValues(t, 9, f.Data[0])
	assert.Equal(t, 1, opens)
}

// jpegDeclaring returns a small JPEG whose SOF0 header is rewritten to
// declare width×height: what a broken or hostile camera might send.
func jpegDeclaring(t *testing.T, width, height uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, grayImage(16, 8, 128), nil))
	data := buf.Bytes()
	// SOF0: FF C0, length (2), precision (1), height (2), width (2).
	sof := bytes.Index(data, []byte{0xff, 0xc0})
	require.Positive(t, sof, "Go's encoder writes a baseline SOF0")
	data[sof+5], data[sof+6] = byte(height>>8), byte(height)
	data[sof+7], data[sof+8] = byte(width>>8), byte(width)
	return data
}

func TestImageRefusesAnMJPEGFrameOverTheBudget(t *testing.T) {
	huge := &Frame{Data: jpegDeclaring(t, bombSide, bombSide), Format: MJPEG, Seq: 7}
	img, err := huge.Image(nil)
	assert.Nil(t, img)
	requireTooLarge(t, err, bombSide, bombSide, DefaultMaxPixels)
	assert.ErrorContains(t, err, "MJPEG frame 7")

	// The frame's own budget: 16×8 = 128 pixels fit 128, not 127.
	fits := &Frame{Data: jpegDeclaring(t, 16, 8), Format: MJPEG, MaxPixels: 128}
	img, err = fits.Image(nil)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 16, 8), img.Bounds())
	fits.MaxPixels = 127
	_, err = fits.Image(nil)
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, 127, tooLarge.MaxPixels)
	fits.MaxPixels = -1
	_, err = fits.Image(nil)
	assert.ErrorContains(t, err, "negative MaxPixels")
}

// A frame declaring 7000×7000 (49 MP, inside the default budget) on a
// 640×480 stream: decoding it allocated 49 MB before failing on its scan
// data; it is now refused from its header.
func TestImageRefusesAnMJPEGFrameLargerThanItsStream(t *testing.T) {
	frame := &Frame{Data: jpegDeclaring(t, 7000, 7000), Format: MJPEG, Width: 640, Height: 480, Seq: 3}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img, err := frame.Image(nil)
	runtime.ReadMemStats(&after)
	assert.Nil(t, img)
	assert.EqualError(t, err, "camera: MJPEG frame 3 declares 7000×7000 pixels, larger than the stream's 640×480")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "refused before the 49 MB image is allocated")

	for _, size := range [][2]int{{16, 8}, {17, 8}, {640, 480}} {
		fits := &Frame{Data: jpegDeclaring(t, 16, 8), Format: MJPEG, Width: size[0], Height: size[1]}
		img, err := fits.Image(nil)
		require.NoError(t, err, "a 16×8 frame on a %d×%d stream", size[0], size[1])
		assert.Equal(t, image.Rect(0, 0, 16, 8), img.Bounds())
	}
	for _, size := range [][2]int{{15, 8}, {16, 7}} {
		over := &Frame{Data: jpegDeclaring(t, 16, 8), Format: MJPEG, Width: size[0], Height: size[1]}
		_, err := over.Image(nil)
		assert.ErrorContains(t, err, "larger than the stream's", "a 16×8 frame on a %d×%d stream", size[0], size[1])
	}
}
