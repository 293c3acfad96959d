// Package fuzzseed gives the fuzz targets of image decoding real pictures to
// start from: the photos of ../shared/models/images of at most 32 KB (when present)
// and crops of the embedded sample photo encoded as JPEG (4:2:0 and gray),
// PNG (RGBA, gray, paletted, 16-bit), GIF and BMP, small enough that each
// fuzzing run decodes thousands of them a second.
package fuzzseed

import (
	"bytes"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// MaxPhotoBytes bounds the shared photos used as seeds.
const MaxPhotoBytes = 32 << 10

// Images returns encoded images to seed a fuzz target with; tb fails when
// the embedded photo cannot be read or re-encoded.
func Images(tb testing.TB) [][]byte {
	tb.Helper()
	photo, err := jpeg.Decode(bytes.NewReader(assets.BurgerJPEG))
	if err != nil {
		tb.Fatalf("decoding the embedded burger.jpg: %v", err)
	}
	// Odd sizes and an origin away from (0, 0), as a sub-image has.
	crop := image.NewRGBA(image.Rect(0, 0, 23, 17))
	draw.Draw(crop, crop.Bounds(), photo, image.Pt(200, 150), draw.Src)
	gray := image.NewGray(crop.Bounds())
	draw.Draw(gray, gray.Bounds(), crop, image.Point{}, draw.Src)
	paletted := image.NewPaletted(crop.Bounds(), palette.Plan9)
	draw.Draw(paletted, paletted.Bounds(), crop, image.Point{}, draw.Src)
	wide := image.NewRGBA64(crop.Bounds())
	draw.Draw(wide, wide.Bounds(), crop, image.Point{}, draw.Src)

	var seeds [][]byte
	encode := func(what string, write func(*bytes.Buffer) error) {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			tb.Fatalf("encoding the %s seed: %v", what, err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	encode("JPEG", func(b *bytes.Buffer) error { return jpeg.Encode(b, crop, &jpeg.Options{Quality: 80}) })
	encode("gray JPEG", func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) })
	encode("PNG", func(b *bytes.Buffer) error { return png.Encode(b, crop) })
	encode("gray PNG", func(b *bytes.Buffer) error { return png.Encode(b, gray) })
	encode("paletted PNG", func(b *bytes.Buffer) error { return png.Encode(b, paletted) })
	encode("16-bit PNG", func(b *bytes.Buffer) error { return png.Encode(b, wide) })
	encode("GIF", func(b *bytes.Buffer) error { return gif.Encode(b, paletted, nil) })
	encode("BMP", func(b *bytes.Buffer) error { return bmp.Encode(b, crop) })
	encode("gray BMP", func(b *bytes.Buffer) error { return bmp.Encode(b, gray) })
	return append(seeds, sharedPhotos(tb)...)
}

// sharedPhotos reads the photos of shared/models/images of at most
// MaxPhotoBytes, none when the folder is absent.
func sharedPhotos(tb testing.TB) [][]byte {
	root := testmodels.Root()
	if root == "" {
		return nil
	}
	paths, err := filepath.Glob(filepath.Join(root, "images", "*"))
	if err != nil {
		tb.Fatalf("listing the shared photos: %v", err)
	}
	slices.Sort(paths)
	var photos [][]byte
	for _, path := range paths {
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() || st.Size() > MaxPhotoBytes {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatalf("reading %s: %v", path, err)
		}
		photos = append(photos, data)
	}
	return photos
}
