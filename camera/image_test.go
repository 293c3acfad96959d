package camera

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImageRGBToRGBA(t *testing.T) {
	// 2×2 RGB with one padding byte per row (stride 7).
	f := &Frame{
		Data: []byte{
			10, 20, 30, 40, 50, 60, 0xee,
			70, 80, 90, 100, 110, 120, 0xee,
		},
		Width: 2, Height: 2, Stride: 7, Format: RGB,
	}
	var dst FrameImage
	img, err := f.Image(&dst)
	require.NoError(t, err)
	rgba, ok := img.(*image.RGBA)
	require.True(t, ok, "RGB frames convert to *image.RGBA, got %T", img)
	assert.Equal(t, image.Rect(0, 0, 2, 2), rgba.Bounds())
	assert.Equal(t, []byte{
		10, 20, 30, 255, 40, 50, 60, 255,
		70, 80, 90, 255, 100, 110, 120, 255,
	}, rgba.Pix)

	again, err := f.Image(&dst)
	require.NoError(t, err)
	assert.Same(t, rgba, again, "the converted image lives in dst and is reused")
	allocs := testing.AllocsPerRun(20, func() {
		_, err = f.Image(&dst)
	})
	assert.Zero(t, allocs, "steady-state RGB conversion allocates nothing")
}

func TestImageGrayIsAView(t *testing.T) {
	data := []byte{
		1, 2, 3, 0xee,
		4, 5, 6, 0xee,
	}
	f := &Frame{Data: data, Width: 3, Height: 2, Stride: 4, Format: Gray}
	img, err := f.Image(nil)
	require.NoError(t, err)
	gray, ok := img.(*image.Gray)
	require.True(t, ok, "Gray frames view as *image.Gray, got %T", img)
	assert.Equal(t, color.Gray{Y: 6}, gray.GrayAt(2, 1))
	data[4] = 99
	assert.Equal(t, color.Gray{Y: 99}, gray.GrayAt(0, 1), "the image shares the frame's bytes")
}

func TestImageYUYVToYCbCr422(t *testing.T) {
	// 4×2 YUYV (two Y0 U Y1 V macropixels a row) and two padding bytes a row.
	f := &Frame{
		Data: []byte{
			16, 100, 17, 200, 18, 101, 19, 201, 0, 0,
			20, 102, 21, 202, 22, 103, 23, 203, 0, 0,
		},
		Width: 4, Height: 2, Stride: 10, Format: YUYV,
	}
	var dst FrameImage
	img, err := f.Image(&dst)
	require.NoError(t, err)
	ycc, ok := img.(*image.YCbCr)
	require.True(t, ok, "YUYV frames convert to *image.YCbCr, got %T", img)
	assert.Equal(t, image.YCbCrSubsampleRatio422, ycc.SubsampleRatio)
	assert.Equal(t, image.Rect(0, 0, 4, 2), ycc.Rect)
	assert.Equal(t, []byte{16, 17, 18, 19, 20, 21, 22, 23}, ycc.Y)
	assert.Equal(t, []byte{100, 101, 102, 103}, ycc.Cb)
	assert.Equal(t, []byte{200, 201, 202, 203}, ycc.Cr)
	// Pixel (3, 1) takes the second macropixel of row 1: Y 23, Cb 103, Cr 203.
	assert.Equal(t, color.YCbCr{Y: 23, Cb: 103, Cr: 203}, ycc.YCbCrAt(3, 1))

	allocs := testing.AllocsPerRun(20, func() {
		_, err = f.Image(&dst)
	})
	assert.Zero(t, allocs, "steady-state YUYV conversion allocates nothing")
}

func TestImageYUYVOddWidth(t *testing.T) {
	// Width 3 still needs two whole macropixels; the second's Y1 is unused.
	f := &Frame{Data: []byte{1, 50, 2, 60, 3, 51, 99, 61}, Width: 3, Height: 1, Stride: 8, Format: YUYV}
	img, err := f.Image(nil)
	require.NoError(t, err)
	ycc := img.(*image.YCbCr)
	assert.Equal(t, []byte{1, 2, 3}, ycc.Y)
	assert.Equal(t, []byte{50, 51}, ycc.Cb)
	assert.Equal(t, []byte{60, 61}, ycc.Cr)

	f.Stride = 6 // 2·Width, one byte short of the second macropixel
	_, err = f.Image(nil)
	assert.ErrorContains(t, err, "stride 6")
}

func TestImageMJPEG(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 16, 8))
	for i := range src.Pix {
		src.Pix[i] = 128
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, src, &jpeg.Options{Quality: 100}))

	f := &Frame{Data: buf.Bytes(), Width: 16, Height: 8, Format: MJPEG}
	img, err := f.Image(new(FrameImage))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 16, 8), img.Bounds())
	r, g, b, _ := img.At(5, 5).RGBA()
	assert.InDelta(t, 128, r>>8, 2)
	assert.InDelta(t, 128, g>>8, 2)
	assert.InDelta(t, 128, b>>8, 2)

	f.Data = buf.Bytes()[:buf.Len()/2]
	_, err = f.Image(nil)
	assert.ErrorContains(t, err, "MJPEG", "a truncated JPEG is an error")
	f.Data = nil
	_, err = f.Image(nil)
	assert.ErrorContains(t, err, "empty MJPEG")
}

func TestImageRejectsMalformedFrames(t *testing.T) {
	cases := map[string]Frame{
		"short RGB":       {Data: make([]byte, 11), Width: 2, Height: 2, Stride: 6, Format: RGB},
		"RGB stride":      {Data: make([]byte, 100), Width: 4, Height: 2, Stride: 11, Format: RGB},
		"negative stride": {Data: make([]byte, 100), Width: 2, Height: 2, Stride: -6, Format: RGB},
		"zero width":      {Data: make([]byte, 100), Width: 0, Height: 2, Stride: 6, Format: Gray},
		"negative height": {Data: make([]byte, 100), Width: 2, Height: -1, Stride: 2, Format: Gray},
		"huge stride":     {Data: make([]byte, 100), Width: 2, Height: 3, Stride: math.MaxInt / 2, Format: Gray},
		"huge width":      {Data: make([]byte, 100), Width: maxDimension + 1, Height: 1, Stride: math.MaxInt, Format: Gray},
		"short YUYV":      {Data: make([]byte, 15), Width: 4, Height: 2, Stride: 8, Format: YUYV},
		"unknown format":  {Data: make([]byte, 100), Width: 2, Height: 2, Stride: 6, Format: PixelFormat(42)},
		"garbage MJPEG":   {Data: []byte("not a jpeg at all"), Width: 2, Height: 2, Format: MJPEG},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := f.Image(nil)
			assert.Error(t, err)
			assert.Nil(t, img)
		})
	}
}

func TestImageNeverPanicsOnArbitraryLayouts(t *testing.T) {
	data := make([]byte, 64)
	for _, format := range []PixelFormat{RGB, Gray, YUYV} {
		for width := -2; width <= 9; width++ {
			for height := -2; height <= 9; height++ {
				for stride := -3; stride <= 30; stride += 3 {
					for _, n := range []int{0, 7, 31, 64} {
						f := Frame{Data: data[:n], Width: width, Height: height, Stride: stride, Format: format}
						img, err := f.Image(nil)
						if err == nil {
							b := img.Bounds()
							require.Equal(t, image.Rect(0, 0, width, height), b, "%s %d×%d stride %d len %d", format, width, height, stride, n)
							img.At(b.Max.X-1, b.Max.Y-1) // the last pixel must be backed by data
						}
					}
				}
			}
		}
	}
}

func TestPixelFormatString(t *testing.T) {
	assert.Equal(t, "YUYV", YUYV.String())
	assert.Equal(t, "MJPEG", MJPEG.String())
	assert.Equal(t, "PixelFormat(9)", PixelFormat(9).String())
}
