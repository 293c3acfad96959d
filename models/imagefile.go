package models

import (
	"fmt"
	"image"
	"io"
	"os"

	"github.com/percept-robotics/percept/internal/imagedecode"
)

// DefaultMaxPixels is the pixel budget of DecodeImage, LoadImage and an
// ImageDecoder whose MaxPixels is 0: 50 megapixels, more than any camera a
// robot carries, and at most 200 MB once decoded, where a PNG of a few
// hundred kilobytes can declare 400 megapixels (1.6 GB). Detect and
// Classify refuse larger images too, unless Options.MaxPixels says
// otherwise.
const DefaultMaxPixels = 50_000_000

// ImageTooLargeError reports an image whose header declares more pixels
// than the budget; errors.As finds it in what DecodeImage, LoadImage and
// ImageDecoder return.
type ImageTooLargeError = imagedecode.TooLargeError

// ImageDecoder decodes JPEG, PNG, GIF and BMP images within a pixel
// budget: it reads the header first and refuses an image that declares
// more than MaxPixels pixels, naming its dimensions, before allocating it.
// The zero value uses DefaultMaxPixels.
type ImageDecoder struct {
	// MaxPixels is the largest width×height accepted (0:
	// DefaultMaxPixels). Negative is an error.
	MaxPixels int
}

// budget returns the decoder's pixel budget.
func (d ImageDecoder) budget() (int, error) {
	switch {
	case d.MaxPixels < 0:
		return 0, fmt.Errorf("decode image: MaxPixels %d is negative (0 means DefaultMaxPixels)", d.MaxPixels)
	case d.MaxPixels == 0:
		return DefaultMaxPixels, nil
	}
	return d.MaxPixels, nil
}

// Decode decodes the image in r; an image over the budget gives an
// *ImageTooLargeError.
func (d ImageDecoder) Decode(r io.Reader) (image.Image, error) {
	limit, err := d.budget()
	if err != nil {
		return nil, err
	}
	img, _, err := imagedecode.Decode(r, limit)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	return img, nil
}

// Load decodes the image file at path; a directory is an error that says
// so.
func (d ImageDecoder) Load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not an image file", path)
	}
	img, err := d.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodeImage decodes a JPEG, PNG, GIF or BMP image of at most
// DefaultMaxPixels pixels (see ImageDecoder).
func DecodeImage(r io.Reader) (image.Image, error) { return ImageDecoder{}.Decode(r) }

// LoadImage decodes the image file at path, of at most DefaultMaxPixels
// pixels (see ImageDecoder).
func LoadImage(path string) (image.Image, error) { return ImageDecoder{}.Load(path) }
