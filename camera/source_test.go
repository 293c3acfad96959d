package camera

import (
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/percept-robotics/percept/internal/testmodels"
)

func TestOpenRejectsBadSpecs(t *testing.T) {
	cases := map[string]string{
		"no scheme":       "just-a-path.jpg",
		"unknown scheme":  "rtsp://host/stream",
		"empty file":      "file:",
		"empty dir":       "dir:",
		"empty v4l2":      "v4l2:",
		"camera not int":  "camera:front",
		"negative camera": "camera:-1",
		"empty gocv":      "gocv:",
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			src, err := Open(spec, Options{})
			assert.Error(t, err)
			assert.Nil(t, src)
		})
	}
	_, err := Open("rtsp://host/stream", Options{})
	assert.ErrorContains(t, err, `unknown source scheme "rtsp"`)
	_, err = Open("test:", Options{Width: -5})
	assert.ErrorContains(t, err, "out of range")
	_, err = Open("test:", Options{Rate: -1})
	assert.ErrorContains(t, err, "negative Rate")
	_, err = Open("test:", Options{MaxPixels: -1})
	assert.ErrorContains(t, err, "negative MaxPixels")
	_, err = Open("file:/does/not/exist.png", Options{})
	assert.ErrorContains(t, err, "exist.png")
	_, err = Open("dir:"+filepath.Join(t.TempDir(), "*.png"), Options{})
	assert.ErrorContains(t, err, "matches no files")
}

// wantPatternPixel is the documented test pattern, computed directly.
func wantPatternPixel(seq uint64, x, y, width, height int) [3]byte {
	side := min(width, height) / 4
	if side < 1 {
		side = 1
	}
	x0 := int((4 * seq) % uint64(width-side+1))
	y0 := int((2 * seq) % uint64(height-side+1))
	if x >= x0 && x < x0+side && y >= y0 && y < y0+side {
		return [3]byte{255, 255, 255}
	}
	var r, g byte
	if width > 1 {
		r = byte(x * 255 / (width - 1))
	}
	if height > 1 {
		g = byte(y * 255 / (height - 1))
	}
	return [3]byte{r, g, 64}
}

func TestPatternSource(t *testing.T) {
	const width, height = 40, 24
	src, err := Open("test:", Options{Width: width, Height: height})
	require.NoError(t, err)
	defer src.Close()
	for seq := range uint64(12) {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		require.Equal(t, seq, f.Seq)
		require.Equal(t, RGB, f.Format)
		require.Equal(t, width, f.Width)
		require.Equal(t, height, f.Height)
		require.Equal(t, 3*width, f.Stride)
		for y := range height {
			for x := range width {
				got := [3]byte(f.Data[y*f.Stride+3*x:])
				require.Equal(t, wantPatternPixel(seq, x, y, width, height), got, "frame %d pixel (%d, %d)", seq, x, y)
			}
		}
	}
	// Frame 12 by hand: side 24/4 = 6, x0 = 48 mod 35 = 13, y0 = 24 mod 19 = 5;
	// (13, 5) is white and (12, 5) gradient, R = 255·12/39 = 78, G = 255·5/23 = 55.
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 12, f.Seq)
	assert.Equal(t, []byte{255, 255, 255}, f.Data[5*f.Stride+3*13:][:3])
	assert.Equal(t, []byte{78, 55, 64}, f.Data[5*f.Stride+3*12:][:3])

	require.NoError(t, src.Close())
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
}

func TestPatternDefaultsAndTinySizes(t *testing.T) {
	src, err := Open("test:", Options{})
	require.NoError(t, err)
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, DefaultWidth, f.Width)
	assert.Equal(t, DefaultHeight, f.Height)
	require.NoError(t, src.Close())

	src, err = Open("test:", Options{Width: 1, Height: 1})
	require.NoError(t, err)
	for range 3 {
		f, err = src.Next(context.Background())
		require.NoError(t, err)
		assert.Equal(t, []byte{255, 255, 255}, f.Data, "a 1×1 pattern is all square")
	}
}

func TestPatternRate(t *testing.T) {
	src, err := Open("test:", Options{Width: 8, Height: 8, Rate: 100})
	require.NoError(t, err)
	defer src.Close()
	start := time.Now()
	for range 6 {
		_, err := src.Next(context.Background())
		require.NoError(t, err)
	}
	// Six frames at 100 per second: the first at once, then 10 ms apart.
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// writeImage encodes img into dir/name with the encoder its extension names.
func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	switch filepath.Ext(name) {
	case ".png":
		require.NoError(t, png.Encode(f, img))
	case ".bmp":
		require.NoError(t, bmp.Encode(f, img))
	case ".gif":
		require.NoError(t, gif.Encode(f, img, nil))
	default:
		t.Fatalf("no encoder for %s", name)
	}
	return path
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 255})
	img.SetNRGBA(2, 1, color.NRGBA{R: 200, G: 100, B: 50, A: 128}) // half transparent
	path := writeImage(t, dir, "one.png", img)

	src, err := Open("file:"+path, Options{})
	require.NoError(t, err)
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, f.Width)
	assert.Equal(t, 2, f.Height)
	assert.Equal(t, 9, f.Stride)
	assert.Equal(t, RGB, f.Format)
	assert.Equal(t, []byte{200, 100, 50}, f.Data[0:3])
	assert.Equal(t, []byte{0, 0, 0}, f.Data[3:6], "a transparent pixel is black")
	// Composed over black: 200·128/255 = 100.4 → 100, 100·128/255 → 50, 50·128/255 → 25.
	assert.Equal(t, []byte{100, 50, 25}, f.Data[9+6:9+9])
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF, "without Loop a file is one frame")
	require.NoError(t, src.Close())

	src, err = Open("file:"+path, Options{Loop: true})
	require.NoError(t, err)
	defer src.Close()
	for seq := range uint64(4) {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		assert.Equal(t, seq, f.Seq)
		assert.Equal(t, []byte{200, 100, 50}, f.Data[0:3])
	}
}

func TestDirSource(t *testing.T) {
	dir := t.TempDir()
	// One image per format, each a different shade of gray so the order shows.
	shades := map[string]uint8{"a.png": 10, "b.bmp": 20, "c.gif": 30}
	for name, shade := range shades {
		var img image.Image
		if filepath.Ext(name) == ".gif" {
			// A one-colour palette keeps the shade exact through GIF.
			img = image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Gray{Y: shade}})
		} else {
			gray := image.NewGray(image.Rect(0, 0, 2, 2))
			for i := range gray.Pix {
				gray.Pix[i] = shade
			}
			img = gray
		}
		writeImage(t, dir, name, img)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.png"), []byte("not a png"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "e.png"), 0o755), "directories are skipped")

	src, err := Open("dir:"+filepath.Join(dir, "*"), Options{Loop: true})
	require.NoError(t, err)
	defer src.Close()
	for round := range 2 {
		for _, shade := range []byte{10, 20, 30} {
			f, err := src.Next(context.Background())
			require.NoError(t, err, "round %d", round)
			assert.Equal(t, []byte{shade, shade, shade}, f.Data[:3], "round %d", round)
		}
		if round == 0 {
			_, err := src.Next(context.Background())
			assert.ErrorIs(t, err, ErrSkipped, "a broken file is skipped")
			assert.ErrorContains(t, err, "d.png", "and named, on the first round only")
		}
	}

	// A directory path means every file in it; without Loop it ends.
	src2, err := Open("dir:"+dir, Options{})
	require.NoError(t, err)
	defer src2.Close()
	frames := 0
	for {
		_, err := src2.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err == nil {
			frames++
		}
	}
	assert.Equal(t, 3, frames)
}

func TestFileSourceOnRealPhotos(t *testing.T) {
	personPath := testmodels.Path(t, "tflm", "person.bmp")
	src, err := Open("file:"+personPath, Options{})
	require.NoError(t, err)
	defer src.Close()
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	require.Equal(t, 96, f.Width)
	require.Equal(t, 96, f.Height)

	// Compare with the standard decoder's own view of the file.
	file, err := os.Open(personPath)
	require.NoError(t, err)
	defer file.Close()
	ref, err := bmp.Decode(file)
	require.NoError(t, err)
	for _, p := range []image.Point{{0, 0}, {47, 50}, {95, 95}} {
		r, g, b, _ := ref.At(p.X, p.Y).RGBA()
		assert.Equal(t, []byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)}, f.Data[p.Y*f.Stride+3*p.X:][:3], "pixel %v", p)
	}

	jpegPath := testmodels.Path(t, "images", "grace_hopper.jpg")
	src, err = Open("file:"+jpegPath, Options{})
	require.NoError(t, err)
	f, err = src.Next(context.Background())
	require.NoError(t, err)
	jf, err := os.Open(jpegPath)
	require.NoError(t, err)
	defer jf.Close()
	cfg, _, err := image.DecodeConfig(jf)
	require.NoError(t, err)
	assert.Equal(t, cfg.Width, f.Width)
	assert.Equal(t, cfg.Height, f.Height)
	img, err := f.Image(nil)
	require.NoError(t, err)
	assert.IsType(t, &image.RGBA{}, img)
}

func TestRGBPackerHonoursSubImageOrigins(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 4, 4))
	rgba.SetRGBA(2, 3, color.RGBA{R: 1, G: 2, B: 3, A: 255})
	gray := image.NewGray(image.Rect(0, 0, 4, 4))
	gray.SetGray(2, 3, color.Gray{Y: 9})
	var packer rgbPacker
	// Sub-images whose Min is (1, 2): pixel (2, 3) is their (1, 1).
	data, width, height := packer.pack(rgba.SubImage(image.Rect(1, 2, 4, 4)))
	require.Equal(t, 3, width)
	require.Equal(t, 2, height)
	assert.Equal(t, []byte{1, 2, 3}, data[3*width+3:][:3])
	data, _, _ = packer.pack(gray.SubImage(image.Rect(1, 2, 4, 4)))
	assert.Equal(t, []byte{9, 9, 9}, data[3*width+3:][:3])
	data, _, _ = packer.pack(image.NewNRGBA(image.Rect(5, 5, 8, 7)))
	assert.Len(t, data, 3*3*2, "other image types go through a zero-origin scratch image")
}
