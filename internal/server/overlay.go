package server

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// palette colours classes (class i takes palette[i % len(palette)]) in the
// annotated frames, the segmentation masks and the live view, whose
// script holds the same list (TestPageSharesThePalette).
var palette = []color.RGBA{
	{0xe6, 0x19, 0x4b, 255}, {0x3c, 0xb4, 0x4b, 255}, {0xff, 0xe1, 0x19, 255}, {0x00, 0x82, 0xc8, 255},
	{0xf5, 0x82, 0x30, 255}, {0x91, 0x1e, 0xb4, 255}, {0x46, 0xf0, 0xf0, 255}, {0xf0, 0x32, 0xe6, 255},
}

// classColour is the colour of class i.
func classColour(i int) color.RGBA { return palette[((i%len(palette))+len(palette))%len(palette)] }

// annotatedLine is one line of a list drawn on a frame.
type annotatedLine struct {
	class int    // picks the swatch colour
	text  string // what the line says
}

// drawList draws lines in the top-left corner of img: a black panel with
// a class-coloured swatch and the text on each line.
func drawList(img *image.RGBA, lines []annotatedLine) {
	const lineHeight, pad, swatch = 16, 4, 10
	face := basicfont.Face7x13
	width := 0
	for _, l := range lines {
		width = max(width, font.MeasureString(face, l.text).Ceil())
	}
	if len(lines) == 0 {
		return
	}
	b := img.Rect
	panel := image.Rect(b.Min.X, b.Min.Y, b.Min.X+2*pad+swatch+pad+width, b.Min.Y+2*pad+lineHeight*len(lines)).Intersect(b)
	draw.Draw(img, panel, image.NewUniform(color.RGBA{0, 0, 0, 255}), image.Point{}, draw.Src)
	for i, l := range lines {
		top := b.Min.Y + pad + i*lineHeight
		sw := image.Rect(b.Min.X+pad, top+3, b.Min.X+pad+swatch, top+3+swatch).Intersect(b)
		draw.Draw(img, sw, image.NewUniform(classColour(l.class)), image.Point{}, draw.Src)
		dr := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.P(b.Min.X+2*pad+swatch, top+13)}
		dr.DrawString(l.text)
	}
}
