package camera

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/imagedecode/fuzzseed"
)

// fuzzMaxPixels caps the MJPEG budget a fuzzed frame asks for (never 0,
// which would be the 50 MP default), so that one run stays small.
const fuzzMaxPixels = 1 << 18

// photoFrames returns a crop of the embedded photo as the bytes of an RGB,
// a Gray and a YUYV frame of width×height with rows padded to stride
// bytes more than they need.
func photoFrames(tb testing.TB, width, height, pad int) (rgb, gray, yuyv []byte) {
	photo, err := jpeg.Decode(bytes.NewReader(assets.DogsJPEG))
	if err != nil {
		tb.Fatalf("decoding the embedded dogs.jpg: %v", err)
	}
	crop := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(crop, crop.Bounds(), photo, image.Pt(300, 200), draw.Src)
	for y := range height {
		for x := range width {
			px := crop.RGBAAt(x, y)
			rgb = append(rgb, px.R, px.G, px.B)
			gray = append(gray, px.G)
			if x%2 == 0 {
				yuyv = append(yuyv, px.G, px.B, px.G, px.R) // Y0 U Y1 V
			}
		}
		rgb = append(rgb, make([]byte, pad)...)
		gray = append(gray, make([]byte, pad)...)
		yuyv = append(yuyv, make([]byte, pad)...)
	}
	return rgb, gray, yuyv
}

// FuzzFrameImage converts arbitrary frames: Image returns an image of the
// frame's size whose pixels are the frame's bytes, or an error; never a
// panic or a read outside Data. MJPEG frames stay within their budget and
// the stream's size.
func FuzzFrameImage(f *testing.F) {
	const w, h, pad = 13, 7, 5
	rgb, gray, yuyv := photoFrames(f, w, h, pad)
	f.Add(rgb, uint8(RGB), uint16(w), uint16(h), uint16(3*w+pad), uint32(w*h))
	f.Add(gray, uint8(Gray), uint16(w), uint16(h), uint16(w+pad), uint32(w*h))
	f.Add(yuyv, uint8(YUYV), uint16(w), uint16(h), uint16(4*((w+1)/2)+pad), uint32(w*h))
	f.Add(yuyv, uint8(YUYV), uint16(w+1), uint16(h), uint16(4*((w+1)/2)+pad), uint32(w*h))
	for _, seed := range fuzzseed.Images(f) {
		f.Add(seed, uint8(MJPEG), uint16(0), uint16(0), uint16(0), uint32(640*480))
		f.Add(seed, uint8(MJPEG), uint16(23), uint16(17), uint16(0), uint32(23*17))
		f.Add(seed, uint8(MJPEG), uint16(20), uint16(20), uint16(0), uint32(fuzzMaxPixels-1))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8, width, height, stride uint16, budget uint32) {
		frame := Frame{
			Data: data, Format: PixelFormat(format % 5), // one past MJPEG: an unknown format
			Width: int(width), Height: int(height), Stride: int(stride),
			MaxPixels: int(budget%fuzzMaxPixels) + 1,
		}
		var dst FrameImage
		img, err := frame.Image(&dst)
		if err != nil {
			require.Nil(t, img)
			return
		}
		b := img.Bounds()
		if frame.Format == MJPEG {
			require.False(t, b.Empty())
			require.LessOrEqual(t, b.Dx()*b.Dy(), frame.MaxPixels, "within the budget")
			if frame.Width > 0 && frame.Height > 0 {
				require.LessOrEqual(t, b.Dx(), frame.Width)
				require.LessOrEqual(t, b.Dy(), frame.Height)
			}
			return
		}
		require.Equal(t, image.Rect(0, 0, frame.Width, frame.Height), b)
		for _, p := range []image.Point{{0, 0}, {frame.Width - 1, frame.Height - 1}, {frame.Width / 2, frame.Height - 1}} {
			row := data[p.Y*frame.Stride:]
			switch m := img.(type) {
			case *image.RGBA:
				px := m.RGBAAt(p.X, p.Y)
				require.Equal(t, row[3*p.X:3*p.X+3], []byte{px.R, px.G, px.B}, "pixel %v", p)
				require.EqualValues(t, 0xff, px.A)
			case *image.Gray:
				require.Equal(t, row[p.X], m.GrayAt(p.X, p.Y).Y, "pixel %v", p)
			case *image.YCbCr:
				px := m.YCbCrAt(p.X, p.Y)
				macro := row[4*(p.X/2):]
				require.Equal(t, []byte{row[2*p.X], macro[1], macro[3]}, []byte{px.Y, px.Cb, px.Cr}, "pixel %v", p)
			default:
				t.Fatalf("%s frame gave a %T", frame.Format, img)
			}
		}
	})
}
