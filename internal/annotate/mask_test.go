package annotate

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/models"
)

func TestMaskColour(t *testing.T) {
	for c, want := range map[uint8]color.RGBA{
		0:   {0, 0, 0, 255},
		1:   {128, 0, 0, 255},
		2:   {0, 128, 0, 255},
		3:   {128, 128, 0, 255},
		4:   {0, 0, 128, 255},
		8:   {64, 0, 0, 255},
		15:  {192, 128, 128, 255},
		255: {224, 224, 192, 255},
	} {
		assert.Equal(t, want, MaskColour(c), "class %d", c)
	}
	seen := map[color.RGBA]int{}
	for c := range 256 {
		col := MaskColour(uint8(c))
		if prev, ok := seen[col]; ok {
			t.Fatalf("classes %d and %d share %v", prev, c, col)
		}
		seen[col] = c
	}
}

// TestDrawMask: pixels of a labelled class are blended half and half with
// its colour, the background (by label, or class 0 unlabelled) stays as it
// was, the legend covers the top-left corner, and the image's bounds'
// origin is kept.
func TestDrawMask(t *testing.T) {
	const w, h = 160, 70
	photo := image.NewRGBA(image.Rect(10, 20, 10+w, 20+h))
	for i := range photo.Pix {
		photo.Pix[i] = 200
		if i%4 == 3 {
			photo.Pix[i] = 255
		}
	}
	seg := &models.Segmentation{Width: w, Height: h, Mask: make([]uint8, w*h)}
	for y := range h {
		for x := range w {
			switch {
			case x >= 100 && y >= 40:
				seg.Mask[y*w+x] = 3
			case x >= 100:
				seg.Mask[y*w+x] = 1
			}
		}
	}
	// 200·127/255 + v·128/255, rounded: 100 for v = 0, 164 for 128.
	unchanged, bird, plane := color.RGBA{200, 200, 200, 255}, color.RGBA{164, 164, 100, 255}, color.RGBA{164, 100, 100, 255}
	for _, c := range []struct {
		classes []models.SegmentClass
		plane   color.RGBA // what class 1 looks like
	}{
		{[]models.SegmentClass{{Class: 0, Label: "background", Pixels: 100 * h}, {Class: 1, Label: "plane", Pixels: 60 * 40}, {Class: 3, Label: "bird", Pixels: 60 * 30}}, plane},
		// Class 0 without a label and a class labelled Background are
		// left alone; class 3 without a label is painted.
		{[]models.SegmentClass{{Class: 0, Pixels: 100 * h}, {Class: 1, Label: "Background", Pixels: 60 * 40}, {Class: 3, Pixels: 60 * 30}}, unchanged},
	} {
		seg.Classes = c.classes
		out, err := DrawMask(photo, seg)
		require.NoError(t, err)
		require.Equal(t, photo.Bounds(), out.Bounds())
		at := func(x, y int) color.RGBA { return out.RGBAAt(10+x, 20+y) }
		assert.Equal(t, bird, at(150, 60))
		assert.Equal(t, bird, at(100, 40), "the class's first pixel")
		assert.Equal(t, c.plane, at(150, 20))
		assert.Equal(t, unchanged, at(99, 60), "background")
		assert.Equal(t, unchanged, at(50, 60))
		assert.Equal(t, color.RGBA{0, 0, 0, 255}, at(1, 1), "the legend's panel")
	}
	assert.Equal(t, unchanged, photo.RGBAAt(160, 80), "the photo is not drawn on")

	_, err := DrawMask(photo, &models.Segmentation{Width: w, Height: h - 1, Mask: make([]uint8, w*(h-1))})
	assert.ErrorContains(t, err, "does not cover the 160×70 image")
	_, err = DrawMask(photo, nil)
	assert.Error(t, err)
	_, err = DrawMask(photo, &models.Segmentation{Width: w, Height: h, Mask: make([]uint8, 3)})
	assert.Error(t, err)
}
