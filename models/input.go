package models

import (
	"errors"
	"fmt"
	"image"
	"reflect"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// InputSpec is how an image becomes the model's input tensor, read from the
// model: its size, its channels, and for float inputs the normalization
// (value − Mean[c]) / Std[c] applied to each 0..255 channel value. Quantized
// inputs take the resized pixel bytes as they are (uint8), or shifted by
// −128 (int8), as TFLite's Task Library feeds them.
type InputSpec struct {
	Width, Height int
	Channels      int // 3 for RGB, 1 for grayscale
	Type          tflite.TensorType
	Mean, Std     []float32 // one per channel; float inputs only
}

// inputSpec derives the preprocessing of input tensor t, taking
// normalization from the model's metadata when it has some. A float input
// without metadata is normalised to [−1, 1], the convention of the
// MobileNet family.
func inputSpec(t *nn.Tensor, md *tflite.ModelMetadata) (InputSpec, error) {
	if len(t.Shape) != 4 || t.Shape[0] != 1 {
		return InputSpec{}, fmt.Errorf("input %v is not a single NHWC image", t)
	}
	s := InputSpec{Height: t.Shape[1], Width: t.Shape[2], Channels: t.Shape[3], Type: t.Type}
	if s.Channels != 1 && s.Channels != 3 {
		return InputSpec{}, fmt.Errorf("input %v has %d channels, want 1 or 3", t, s.Channels)
	}
	switch t.Type {
	case tflite.TypeUint8, tflite.TypeInt8:
		return s, nil
	case tflite.TypeFloat32:
	default:
		return InputSpec{}, fmt.Errorf("input %v has type %s, want UINT8, INT8 or FLOAT32", t, t.Type)
	}
	mean, std := []float32{127.5}, []float32{127.5}
	if norm := inputNormalization(md); norm != nil {
		mean, std = norm.Mean, norm.Std
	}
	if (len(mean) != 1 && len(mean) != s.Channels) || len(std) != len(mean) {
		return InputSpec{}, fmt.Errorf("input %v: normalization has %d means and %d stds for %d channels", t, len(mean), len(std), s.Channels)
	}
	for c := range s.Channels {
		m, d := mean[min(c, len(mean)-1)], std[min(c, len(std)-1)]
		if d == 0 {
			return InputSpec{}, fmt.Errorf("input %v: normalization std is 0", t)
		}
		s.Mean, s.Std = append(s.Mean, m), append(s.Std, d)
	}
	return s, nil
}

// inputNormalization finds the first input's NormalizationOptions in the
// metadata, if any.
func inputNormalization(md *tflite.ModelMetadata) *tflite.NormalizationOptions {
	if md == nil || len(md.SubgraphMetadata) == 0 || len(md.SubgraphMetadata[0].InputTensorMetadata) == 0 {
		return nil
	}
	for _, pu := range md.SubgraphMetadata[0].InputTensorMetadata[0].ProcessUnits {
		if pu.Normalization != nil {
			return pu.Normalization
		}
	}
	return nil
}

// imageLoader turns images into input tensors, reusing its buffers.
type imageLoader struct {
	spec      InputSpec
	maxPixels int    // the largest image accepted
	packed    []byte // the whole image, packed
	resized   []byte // the image at the input size, packed
}

// load writes img, resized to the input size, into t.
func (l *imageLoader) load(t *nn.Tensor, img image.Image) error {
	px, err := l.fit(img, l.spec.Width, l.spec.Height)
	if err != nil {
		return err
	}
	l.spec.write(t, px, l.spec.Width, l.spec.Height, 0, 0)
	return nil
}

// fit checks img, packs it and resizes it to w×h pixels, reusing l's
// buffers; the result stays valid until the next call.
func (l *imageLoader) fit(img image.Image, w, h int) ([]byte, error) {
	if err := checkImage(img, l.maxPixels); err != nil {
		return nil, err
	}
	b := img.Bounds()
	channels := l.spec.Channels
	l.packed = ToPacked(l.packed, img, channels)
	if b.Dx() == w && b.Dy() == h {
		return l.packed, nil
	}
	n := w * h * channels
	if cap(l.resized) < n {
		l.resized = make([]byte, n)
	}
	l.resized = l.resized[:n]
	ResizeBilinear(l.resized, w, h, l.packed, b.Dx(), b.Dy(), channels)
	return l.resized, nil
}

// write puts px, w×h packed pixels, into t at (left, top) with s's
// preprocessing. When they do not cover the whole input, the margins
// take black (pixel value 0) through the same preprocessing.
func (s *InputSpec) write(t *nn.Tensor, px []byte, w, h, left, top int) {
	margins := w != s.Width || h != s.Height
	row, stride := w*s.Channels, s.Width*s.Channels
	start := (top*s.Width + left) * s.Channels
	switch s.Type {
	case tflite.TypeUint8:
		dst := t.Uint8s()
		if margins {
			clear(dst)
		}
		for y := range h {
			copy(dst[start+y*stride:], px[y*row:(y+1)*row])
		}
	case tflite.TypeInt8:
		dst := t.Int8s()
		if margins {
			for i := range dst {
				dst[i] = -128
			}
		}
		for y := range h {
			out := dst[start+y*stride:]
			for j, v := range px[y*row : (y+1)*row] {
				out[j] = int8(int(v) - 128)
			}
		}
	case tflite.TypeFloat32:
		dst := t.Float32s()
		if margins {
			for i := range dst {
				c := i % s.Channels
				dst[i] = -s.Mean[c] / s.Std[c]
			}
		}
		for y := range h {
			out := dst[start+y*stride:]
			for j, v := range px[y*row : (y+1)*row] {
				c := j % s.Channels
				out[j] = (float32(v) - s.Mean[c]) / s.Std[c]
			}
		}
	}
}

// checkImage refuses what would make ToPacked fail or run away: a nil
// image (also a typed nil pointer), no pixels, more than maxPixels (an
// image.Uniform reports a billion pixels a side), or pixel slices shorter
// than the bounds they claim.
func checkImage(img image.Image, maxPixels int) error {
	if img == nil {
		return errors.New("nil image")
	}
	if v := reflect.ValueOf(img); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("nil %T image", img)
	}
	b := img.Bounds()
	if b.Empty() {
		return fmt.Errorf("%T image has no pixels (bounds %v)", img, b)
	}
	if int64(b.Dx())*int64(b.Dy()) > int64(maxPixels) {
		return &ImageTooLargeError{Format: fmt.Sprintf("%T", img), Width: b.Dx(), Height: b.Dy(), MaxPixels: maxPixels}
	}
	ok := true
	switch m := img.(type) {
	case *image.RGBA:
		ok = pixelsCover(len(m.Pix), m.Stride, 4, m.Rect, b, m.PixOffset)
	case *image.NRGBA:
		ok = pixelsCover(len(m.Pix), m.Stride, 4, m.Rect, b, m.PixOffset)
	case *image.Gray:
		ok = pixelsCover(len(m.Pix), m.Stride, 1, m.Rect, b, m.PixOffset)
	case *image.YCbCr:
		last := image.Pt(b.Max.X-1, b.Max.Y-1)
		ok = m.YStride >= 0 && m.CStride >= 0 && m.YOffset(b.Min.X, b.Min.Y) >= 0 && m.COffset(b.Min.X, b.Min.Y) >= 0 &&
			m.YOffset(last.X, last.Y) < len(m.Y) && m.COffset(last.X, last.Y) < min(len(m.Cb), len(m.Cr))
	}
	if !ok {
		return fmt.Errorf("%T image's pixel data is shorter than its bounds %v", img, b)
	}
	return nil
}

// pixelsCover reports whether a pix slice of n bytes with this stride holds
// every pixel of bounds b (within the image's rect r), bpp bytes each.
func pixelsCover(n, stride, bpp int, r, b image.Rectangle, offset func(x, y int) int) bool {
	if !b.In(r) || stride < b.Dx()*bpp {
		return false
	}
	first, last := offset(b.Min.X, b.Min.Y), offset(b.Max.X-1, b.Max.Y-1)
	return first >= 0 && last >= first && last+bpp <= n
}
