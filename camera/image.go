package camera

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/percept-robotics/percept/internal/imagedecode"
)

// FrameImage holds the reusable buffers Frame.Image converts into. The zero
// value is ready to use; keep one per stream so that steady-state conversion
// of RGB and YUYV frames allocates nothing.
type FrameImage struct {
	rgba   image.RGBA
	ycbcr  image.YCbCr
	gray   image.Gray
	reader bytes.Reader
}

// Image returns the frame as an image.Image the detectors accept:
//
//	RGB   → *image.RGBA, converted into dst's reused buffer
//	Gray  → *image.Gray viewing the frame's own bytes (no copy)
//	YUYV  → *image.YCbCr 4:2:2, de-interleaved into dst's reused planes
//	MJPEG → the image/jpeg decoder's result (usually *image.YCbCr); this
//	        allocates a new image on every call, after checking that the
//	        JPEG header declares at most f.MaxPixels pixels and, when the
//	        frame has a Width and Height (a camera's granted size), no
//	        more than that in either direction
//
// The result is valid until the next call with the same dst, and for Gray
// until the source's next frame. A nil dst allocates fresh buffers.
// Malformed frames (short data, bad sizes, broken JPEG) return an error.
func (f *Frame) Image(dst *FrameImage) (image.Image, error) {
	if dst == nil {
		dst = new(FrameImage)
	}
	if f.Format == MJPEG {
		if len(f.Data) == 0 {
			return nil, errors.New("camera: empty MJPEG frame")
		}
		return f.decodeJPEG(&dst.reader)
	}
	bytesPerPixel, err := f.Format.bytesPerPixel()
	if err != nil {
		return nil, err
	}
	if err := f.checkLayout(bytesPerPixel); err != nil {
		return nil, err
	}
	switch f.Format {
	case Gray:
		dst.gray = image.Gray{
			Pix:    f.Data[:f.Stride*(f.Height-1)+f.Width],
			Stride: f.Stride,
			Rect:   image.Rect(0, 0, f.Width, f.Height),
		}
		return &dst.gray, nil
	case RGB:
		return f.rgbToRGBA(&dst.rgba), nil
	default: // YUYV, the only format left that bytesPerPixel accepts
		return f.yuyvToYCbCr(&dst.ycbcr), nil
	}
}

// decodeJPEG decodes an MJPEG frame through reader after checking the size
// its header declares against the frame's pixel budget.
func (f *Frame) decodeJPEG(reader *bytes.Reader) (image.Image, error) {
	if f.MaxPixels < 0 {
		return nil, fmt.Errorf("camera: MJPEG frame %d: negative MaxPixels %d", f.Seq, f.MaxPixels)
	}
	reader.Reset(f.Data)
	cfg, err := jpeg.DecodeConfig(reader)
	if err != nil {
		return nil, fmt.Errorf("camera: MJPEG frame %d: %w", f.Seq, err)
	}
	if err := imagedecode.Check("jpeg", cfg.Width, cfg.Height, cmp.Or(f.MaxPixels, DefaultMaxPixels)); err != nil {
		return nil, fmt.Errorf("camera: MJPEG frame %d: %w", f.Seq, err)
	}
	if f.Width > 0 && f.Height > 0 && (cfg.Width > f.Width || cfg.Height > f.Height) {
		// A camera streams the size it granted; a frame declaring more
		// is corrupt or hostile, and decoding it would allocate for the
		// size it claims.
		return nil, fmt.Errorf("camera: MJPEG frame %d declares %d×%d pixels, larger than the stream's %d×%d",
			f.Seq, cfg.Width, cfg.Height, f.Width, f.Height)
	}
	reader.Reset(f.Data)
	img, err := jpeg.Decode(reader)
	if err != nil {
		return nil, fmt.Errorf("camera: decoding MJPEG frame %d: %w", f.Seq, err)
	}
	return img, nil
}

// bytesPerPixel is the packed size of one pixel of an uncompressed format.
func (p PixelFormat) bytesPerPixel() (int, error) {
	switch p {
	case RGB:
		return 3, nil
	case Gray:
		return 1, nil
	case YUYV:
		return 2, nil
	default:
		return 0, fmt.Errorf("camera: unknown pixel format %d", p)
	}
}

// String names the format.
func (p PixelFormat) String() string {
	switch p {
	case RGB:
		return "RGB"
	case Gray:
		return "Gray"
	case YUYV:
		return "YUYV"
	case MJPEG:
		return "MJPEG"
	default:
		return fmt.Sprintf("PixelFormat(%d)", int(p))
	}
}

// checkLayout verifies that Width, Height and Stride are sane and that Data
// holds every row.
func (f *Frame) checkLayout(bytesPerPixel int) error {
	if f.Width <= 0 || f.Height <= 0 || f.Width > maxDimension || f.Height > maxDimension {
		return fmt.Errorf("camera: %s frame size %d×%d out of range 1..%d", f.Format, f.Width, f.Height, maxDimension)
	}
	rowBytes := bytesPerPixel * f.Width
	if f.Format == YUYV {
		rowBytes = 4 * ((f.Width + 1) / 2) // whole Y0 U Y1 V macropixels
	}
	if f.Stride < rowBytes {
		return fmt.Errorf("camera: %s frame stride %d shorter than a %d-pixel row (%d bytes)", f.Format, f.Stride, f.Width, rowBytes)
	}
	// len(Data) ≥ Stride·(Height−1) + rowBytes, written so that a huge
	// Stride cannot overflow.
	if len(f.Data) < rowBytes || (f.Height > 1 && (len(f.Data)-rowBytes)/(f.Height-1) < f.Stride) {
		return fmt.Errorf("camera: %s frame %d×%d with stride %d is longer than its %d bytes", f.Format, f.Width, f.Height, f.Stride, len(f.Data))
	}
	return nil
}

// rgbToRGBA widens packed RGB into rgba, reusing its Pix.
func (f *Frame) rgbToRGBA(rgba *image.RGBA) *image.RGBA {
	width, height := f.Width, f.Height
	size := 4 * width * height
	if cap(rgba.Pix) < size {
		rgba.Pix = make([]byte, size)
	}
	rgba.Pix = rgba.Pix[:size]
	rgba.Stride = 4 * width
	rgba.Rect = image.Rect(0, 0, width, height)
	for y := range height {
		in := f.Data[y*f.Stride : y*f.Stride+3*width]
		out := rgba.Pix[y*rgba.Stride : (y+1)*rgba.Stride]
		for x := range width {
			out[4*x] = in[3*x]
			out[4*x+1] = in[3*x+1]
			out[4*x+2] = in[3*x+2]
			out[4*x+3] = 0xff
		}
	}
	return rgba
}

// yuyvToYCbCr splits interleaved Y0 U Y1 V into the planes of a 4:2:2
// image, reusing its buffers. An odd width drops the last macropixel's Y1.
func (f *Frame) yuyvToYCbCr(img *image.YCbCr) *image.YCbCr {
	width, height := f.Width, f.Height
	chromaWidth := (width + 1) / 2
	lumaSize, chromaSize := width*height, chromaWidth*height
	if cap(img.Y) < lumaSize {
		img.Y = make([]byte, lumaSize)
	}
	if cap(img.Cb) < chromaSize {
		img.Cb = make([]byte, chromaSize)
	}
	if cap(img.Cr) < chromaSize {
		img.Cr = make([]byte, chromaSize)
	}
	img.Y, img.Cb, img.Cr = img.Y[:lumaSize], img.Cb[:chromaSize], img.Cr[:chromaSize]
	img.YStride, img.CStride = width, chromaWidth
	img.SubsampleRatio = image.YCbCrSubsampleRatio422
	img.Rect = image.Rect(0, 0, width, height)
	for y := range height {
		in := f.Data[y*f.Stride : y*f.Stride+4*chromaWidth]
		luma := img.Y[y*width : (y+1)*width]
		cb := img.Cb[y*chromaWidth : (y+1)*chromaWidth]
		cr := img.Cr[y*chromaWidth : (y+1)*chromaWidth]
		for c := range chromaWidth {
			macro := in[4*c : 4*c+4]
			luma[2*c] = macro[0]
			if 2*c+1 < width {
				luma[2*c+1] = macro[2]
			}
			cb[c] = macro[1]
			cr[c] = macro[3]
		}
	}
	return img
}
