// Package annotate draws detections onto images: a coloured frame per box
// and its label and score above it.
package annotate

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/percept-robotics/percept/models"
)

// palette colours boxes by class.
var palette = []color.RGBA{
	{230, 25, 75, 255}, {60, 180, 75, 255}, {255, 225, 25, 255}, {0, 130, 200, 255},
	{245, 130, 48, 255}, {145, 30, 180, 255}, {70, 240, 240, 255}, {240, 50, 230, 255},
}

// Draw returns a copy of img with every detection drawn on it.
func Draw(img image.Image, dets []models.Detection) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	face := basicfont.Face7x13
	for _, d := range dets {
		c := palette[d.Class%len(palette)]
		r := image.Rect(d.Box.X, d.Box.Y, d.Box.X+d.Box.Width, d.Box.Y+d.Box.Height).Intersect(b)
		for t := range 3 {
			frame(out, r.Inset(t), c)
		}
		text := fmt.Sprintf("%s %.2f", d.Label, d.Score)
		if d.Label == "" {
			text = fmt.Sprintf("class %d %.2f", d.Class, d.Score)
		}
		width := font.MeasureString(face, text).Ceil() + 4
		y := max(r.Min.Y-15, b.Min.Y)
		bg := image.Rect(r.Min.X, y, r.Min.X+width, y+15).Intersect(b)
		draw.Draw(out, bg, image.NewUniform(c), image.Point{}, draw.Src)
		dr := font.Drawer{Dst: out, Src: image.Black, Face: face, Dot: fixed.P(r.Min.X+2, y+12)}
		dr.DrawString(text)
	}
	return out
}

// frame draws the one-pixel outline of r.
func frame(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	if r.Empty() {
		return
	}
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetRGBA(x, r.Min.Y, c)
		img.SetRGBA(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.SetRGBA(r.Min.X, y, c)
		img.SetRGBA(r.Max.X-1, y, c)
	}
}
