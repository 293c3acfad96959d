package testmodels

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
)

// HugePNG returns a PNG of a few hundred bytes whose header declares
// width×height pixels: the shape of a decompression bomb, for tests that
// every entry point refuses it before decoding. Its pixel data is that of
// an 8×8 image, so a decoder that trusted the header would fail late and
// expensively.
func HugePNG(width, height uint32) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	b := buf.Bytes()
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ... , CRC.
	binary.BigEndian.PutUint32(b[16:], width)
	binary.BigEndian.PutUint32(b[20:], height)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}
