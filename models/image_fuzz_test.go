package models

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/imagedecode/fuzzseed"
)

// packedReference is what ToPacked documents for pixel (x, y) of img: the
// stored R, G, B of RGBA and NRGBA, color.YCbCrToRGB of YCbCr, the byte of
// Gray, At's 16-bit colour narrowed otherwise; luma by color.GrayModel, a
// Gray image's own byte.
func packedReference(img image.Image, x, y, channels int) []byte {
	var r, g, b uint8
	switch m := img.(type) {
	case *image.RGBA:
		px := m.RGBAAt(x, y)
		r, g, b = px.R, px.G, px.B
	case *image.NRGBA:
		px := m.NRGBAAt(x, y)
		r, g, b = px.R, px.G, px.B
	case *image.YCbCr:
		px := m.YCbCrAt(x, y)
		r, g, b = color.YCbCrToRGB(px.Y, px.Cb, px.Cr)
	case *image.Gray:
		v := m.GrayAt(x, y).Y
		if channels == 1 {
			return []byte{v}
		}
		return []byte{v, v, v}
	default:
		r16, g16, b16, _ := img.At(x, y).RGBA()
		r, g, b = uint8(r16>>8), uint8(g16>>8), uint8(b16>>8)
	}
	if channels == 1 {
		return []byte{color.GrayModel.Convert(color.RGBA{r, g, b, 0xff}).(color.Gray).Y}
	}
	return []byte{r, g, b}
}

// requirePackedMatches checks every pixel of ToPacked's output for img.
func requirePackedMatches(t *testing.T, img image.Image, channels int) {
	b := img.Bounds()
	packed := ToPacked(nil, img, channels)
	require.Len(t, packed, b.Dx()*b.Dy()*channels)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			require.Equal(t, packedReference(img, x, y, channels), packed[i:i+channels], "%T pixel (%d, %d) of %v", img, x, y, b)
			i += channels
		}
	}
	// A reused, longer dst gives the same bytes.
	reused := ToPacked(bytes.Repeat([]byte{0xa5}, len(packed)+7), img, channels)
	require.True(t, bytes.Equal(packed, reused), "a reused dst gives other bytes")
}

// fill copies data into pix over and over (zeros when data is empty).
func fill(pix, data []byte) {
	if len(data) == 0 {
		return
	}
	for i := range pix {
		pix[i] = data[i%len(data)]
	}
}

var fuzzSubsampleRatios = []image.YCbCrSubsampleRatio{
	image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
	image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
}

// fuzzImage builds an image of one of ToPacked's cases from the fuzzer's
// choices: odd origins and sizes, padded strides, every chroma subsampling,
// then a sub-image of it.
func fuzzImage(data []byte, kind uint8, x0, y0 int8, w, h, pad uint8, sub [4]int8) image.Image {
	rect := image.Rect(int(x0), int(y0), int(x0)+int(w%40)+1, int(y0)+int(h%40)+1)
	extra := int(pad % 9)
	if kind%8 == 3 || kind%8 == 7 {
		// image.NewYCbCr sizes its chroma planes by truncating division,
		// too small for a negative odd origin (Rect(-1, 0, 0, 1) at 4:2:0
		// gets an empty Cb, and its own At panics): keep these origins
		// non-negative.
		rect = rect.Add(image.Pt(128, 128))
	}
	var img image.Image
	switch kind % 8 {
	case 0:
		m := &image.RGBA{Stride: 4*rect.Dx() + extra, Rect: rect}
		m.Pix = make([]byte, m.Stride*rect.Dy())
		fill(m.Pix, data)
		img = m
	case 1:
		m := &image.NRGBA{Stride: 4*rect.Dx() + extra, Rect: rect}
		m.Pix = make([]byte, m.Stride*rect.Dy())
		fill(m.Pix, data)
		img = m
	case 2:
		m := &image.Gray{Stride: rect.Dx() + extra, Rect: rect}
		m.Pix = make([]byte, m.Stride*rect.Dy())
		fill(m.Pix, data)
		img = m
	case 3:
		m := image.NewYCbCr(rect, fuzzSubsampleRatios[int(pad)%len(fuzzSubsampleRatios)])
		fill(m.Y, data)
		fill(m.Cb, append([]byte{0x40}, data...))
		fill(m.Cr, append([]byte{0xc0, 0x11}, data...))
		img = m
	case 4:
		m := image.NewPaletted(rect, palette.WebSafe)
		for i := range m.Pix {
			if len(data) > 0 {
				m.Pix[i] = data[i%len(data)] % uint8(len(palette.WebSafe))
			}
		}
		img = m
	case 5:
		m := image.NewRGBA64(rect)
		fill(m.Pix, data)
		img = m
	case 6:
		m := image.NewCMYK(rect)
		fill(m.Pix, data)
		img = m
	default:
		m := image.NewNYCbCrA(rect, fuzzSubsampleRatios[int(pad)%len(fuzzSubsampleRatios)])
		fill(m.Y, data)
		fill(m.Cb, data)
		fill(m.Cr, data)
		fill(m.A, data)
		img = m
	}
	subRect := image.Rect(rect.Min.X+int(sub[0]%8), rect.Min.Y+int(sub[1]%8), rect.Max.X-int(sub[2]%8), rect.Max.Y-int(sub[3]%8))
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(subRect)
}

// photoPixels returns the RGBA bytes of the first seed image, a crop of a
// real photo, for the targets that take pixels rather than a file.
func photoPixels(tb testing.TB) []byte {
	img, err := DecodeImage(bytes.NewReader(fuzzseed.Images(tb)[0]))
	if err != nil {
		tb.Fatalf("decoding the first seed: %v", err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba.Pix
}

// FuzzToPacked checks ToPacked against its documented per-pixel meaning on
// every image type it special-cases and a few it reads through At, with
// odd bounds, padded strides, sub-images and every chroma subsampling.
func FuzzToPacked(f *testing.F) {
	photo := photoPixels(f)
	for kind := range uint8(8) {
		f.Add(photo, kind, int8(0), int8(0), uint8(22), uint8(16), uint8(0), int8(0), int8(0), int8(0), int8(0))
		f.Add(photo, kind, int8(-3), int8(5), uint8(13), uint8(7), uint8(kind), int8(1), int8(2), int8(3), int8(-2))
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, x0, y0 int8, w, h, pad uint8, s0, s1, s2, s3 int8) {
		img := fuzzImage(data, kind, x0, y0, w, h, pad, [4]int8{s0, s1, s2, s3})
		requirePackedMatches(t, img, 3)
		requirePackedMatches(t, img, 1)
	})
}

// requireResized checks one ResizeBilinear result: each channel stays
// between the 7-bit column blend of its smallest source value (libyuv's
// (a·127)>>7 at fraction 0) and its largest, and equal sizes copy.
func requireResized(t *testing.T, dst, src []byte, sw, sh, dw, dh, channels int) {
	for c := range channels {
		lo, hi := byte(255), byte(0)
		for i := c; i < len(src); i += channels {
			lo, hi = min(lo, src[i]), max(hi, src[i])
		}
		floor := byte(int(lo) * 127 >> 7)
		for i := c; i < len(dst); i += channels {
			require.True(t, dst[i] >= floor && dst[i] <= hi, "%d×%d → %d×%d channel %d: byte %d is %d outside [%d, %d]",
				sw, sh, dw, dh, c, i/channels, dst[i], floor, hi)
		}
	}
	if sw == dw && sh == dh {
		require.Equal(t, src, dst, "equal sizes copy")
	}
}

// FuzzResizeBilinear scales arbitrary pixels between arbitrary small sizes:
// results stay within each channel's range, channels are independent (the
// 3-channel result is the 1-channel result of each plane) and nothing
// outside dst is written.
func FuzzResizeBilinear(f *testing.F) {
	photo := photoPixels(f)
	f.Add(photo, uint8(23), uint8(17), uint8(7), uint8(5), uint8(3))
	f.Add(photo, uint8(7), uint8(5), uint8(23), uint8(17), uint8(3))
	f.Add(photo, uint8(8), uint8(8), uint8(4), uint8(4), uint8(1))
	f.Add(photo, uint8(9), uint8(3), uint8(3), uint8(1), uint8(4))
	f.Add(photo, uint8(1), uint8(6), uint8(5), uint8(6), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, sw8, sh8, dw8, dh8, channels8 uint8) {
		sw, sh, dw, dh := int(sw8%48)+1, int(sh8%48)+1, int(dw8%48)+1, int(dh8%48)+1
		channels := int(channels8%4) + 1
		src := make([]byte, sw*sh*channels)
		fill(src, data)
		const guard = 16
		buf := bytes.Repeat([]byte{0x5a}, dw*dh*channels+guard)
		dst := buf[:dw*dh*channels]
		ResizeBilinear(dst, dw, dh, src, sw, sh, channels)
		require.Equal(t, bytes.Repeat([]byte{0x5a}, guard), buf[len(dst):], "written past dst")
		requireResized(t, dst, src, sw, sh, dw, dh, channels)
		if channels == 1 {
			return
		}
		plane, scaled := make([]byte, sw*sh), make([]byte, dw*dh)
		for c := range channels {
			for i := range plane {
				plane[i] = src[i*channels+c]
			}
			ResizeBilinear(scaled, dw, dh, plane, sw, sh, 1)
			for i, v := range scaled {
				require.Equal(t, v, dst[i*channels+c], "channel %d pixel %d", c, i)
			}
		}
	})
}

// fuzzDecodeBudget keeps one run of FuzzDecodeImage small.
const fuzzDecodeBudget = 1 << 18

// FuzzDecodeImage runs arbitrary bytes through the path an image file
// takes: ImageDecoder within a budget, ToPacked, then ResizeBilinear to a
// model's input size.
func FuzzDecodeImage(f *testing.F) {
	for _, seed := range fuzzseed.Images(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := ImageDecoder{MaxPixels: fuzzDecodeBudget}.Decode(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, img)
			return
		}
		b := img.Bounds()
		require.False(t, b.Empty())
		require.LessOrEqual(t, b.Dx()*b.Dy(), fuzzDecodeBudget)
		for _, channels := range []int{3, 1} {
			packed := ToPacked(nil, img, channels)
			require.Len(t, packed, b.Dx()*b.Dy()*channels)
			for _, p := range []image.Point{b.Min, b.Max.Sub(image.Pt(1, 1))} {
				i := ((p.Y-b.Min.Y)*b.Dx() + p.X - b.Min.X) * channels
				require.Equal(t, packedReference(img, p.X, p.Y, channels), packed[i:i+channels], "%T pixel %v", img, p)
			}
			const dw, dh = 33, 17
			dst := make([]byte, dw*dh*channels)
			ResizeBilinear(dst, dw, dh, packed, b.Dx(), b.Dy(), channels)
			requireResized(t, dst, packed, b.Dx(), b.Dy(), dw, dh, channels)
		}
	})
}
