// Package imagedecode decodes JPEG, PNG, GIF and BMP images within a pixel
// budget: it reads the header first and refuses an image whose declared size
// is over the budget before a single pixel is allocated. It is the one
// decoder behind models.DecodeImage, the camera's file and directory sources
// and percept serve's uploads, so that every entry point keeps the same
// limit.
package imagedecode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"io"
	"math"

	_ "golang.org/x/image/bmp" // registers BMP
)

// TooLargeError reports an image whose header declares more pixels than
// the budget allows.
type TooLargeError struct {
	Format        string // "jpeg", "png", "gif" or "bmp"
	Width, Height int    // as the header declares them
	MaxPixels     int    // the budget
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s image of %d×%d pixels (%.1f MP) is over the limit of %d pixels (%.1f MP)",
		e.Format, e.Width, e.Height, float64(e.Width)*float64(e.Height)/1e6, e.MaxPixels, float64(e.MaxPixels)/1e6)
}

// Decode decodes the image in r, or fails with a *TooLargeError when its
// header declares more than maxPixels pixels (maxPixels must be positive).
// Only the bytes the header occupies are buffered before the check.
func Decode(r io.Reader, maxPixels int) (image.Image, string, error) {
	if maxPixels <= 0 {
		return nil, "", fmt.Errorf("pixel budget %d: want a positive number", maxPixels)
	}
	var header bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &header))
	if err != nil {
		if w, h, ok := pngSize(header.Bytes()); ok {
			// Go's PNG decoder refuses dimensions whose pixel count
			// overflows int, on 32-bit ARM already at 20000×20000: say
			// so in the words of every other image over the budget.
			if err := Check("png", w, h, maxPixels); err != nil {
				return nil, "png", err
			}
		}
		return nil, "", notAnImage(err)
	}
	if err := Check(format, cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, format, err
	}
	img, _, err := image.Decode(io.MultiReader(&header, r))
	if err != nil {
		return nil, format, fmt.Errorf("%s image: %w", format, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, format, fmt.Errorf("%s image has no pixels", format)
	}
	return img, format, nil
}

// Check returns a *TooLargeError when a width×height image is over
// maxPixels, and an error when it declares no pixels.
func Check(format string, width, height, maxPixels int) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("%s image declares %d×%d pixels", format, width, height)
	}
	if int64(width)*int64(height) > int64(maxPixels) {
		return &TooLargeError{Format: format, Width: width, Height: height, MaxPixels: maxPixels}
	}
	return nil
}

// pngSize reads the width and height of a PNG's header chunk, which
// follows its 8-byte signature, the chunk's length and its type.
func pngSize(b []byte) (width, height int, ok bool) {
	const signature = "\x89PNG\r\n\x1a\n"
	if len(b) < 24 || string(b[:8]) != signature || string(b[12:16]) != "IHDR" {
		return 0, 0, false
	}
	w, h := binary.BigEndian.Uint32(b[16:]), binary.BigEndian.Uint32(b[20:])
	if w > math.MaxInt32 || h > math.MaxInt32 {
		return math.MaxInt32, math.MaxInt32, true
	}
	return int(w), int(h), true
}

// notAnImage words a header that no registered decoder reads.
func notAnImage(err error) error {
	if errors.Is(err, image.ErrFormat) {
		return errors.New("not a JPEG, PNG, GIF or BMP image")
	}
	return fmt.Errorf("reading the image header: %w", err)
}
