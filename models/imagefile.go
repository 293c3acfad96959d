package models

import (
	"fmt"
	"image"
	_ "image/gif"  // GIF decoding for DecodeImage
	_ "image/jpeg" // JPEG decoding for DecodeImage
	_ "image/png"  // PNG decoding for DecodeImage
	"io"
	"os"

	_ "golang.org/x/image/bmp" // BMP decoding for DecodeImage
)

// DecodeImage decodes a JPEG, PNG, GIF or BMP image.
func DecodeImage(r io.Reader) (image.Image, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	return img, nil
}

// LoadImage decodes the image file at path.
func LoadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := DecodeImage(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
