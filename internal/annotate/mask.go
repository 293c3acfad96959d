package annotate

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/percept-robotics/percept/models"
)

// MaskOpacity is how much of a class's colour DrawMask blends over the
// photo, out of 255.
const MaskOpacity = 128

// MaskColour is the colour of class c in DrawMask's overlay: PASCAL VOC's
// colour map, which gives each of 256 classes its own colour by spreading
// the bits of c over the high bits of red, green and blue (class 1 dark
// red, 3 olive, 15 pink...).
func MaskColour(c uint8) color.RGBA {
	var r, g, b uint8
	for bit := 7; c != 0; bit-- {
		r |= (c & 1) << bit
		g |= (c >> 1 & 1) << bit
		b |= (c >> 2 & 1) << bit
		c >>= 3
	}
	return color.RGBA{r, g, b, 255}
}

// IsBackground reports whether class c of seg is the background, which
// DrawMask leaves uncoloured: a class labelled "background" (in any case),
// or class 0 when it has no label.
func IsBackground(c models.SegmentClass) bool {
	return strings.EqualFold(c.Label, "background") || (c.Class == 0 && c.Label == "")
}

// DrawMask returns a copy of img with every pixel of a class other than
// the background blended with the class's MaskColour, and a legend of
// those classes (colour, label or class number, share of the image) in
// the top-left corner. seg must be img's segmentation: its size must be
// img's.
func DrawMask(img image.Image, seg *models.Segmentation) (*image.RGBA, error) {
	b := img.Bounds()
	if seg == nil || seg.Width != b.Dx() || seg.Height != b.Dy() || len(seg.Mask) != seg.Width*seg.Height {
		return nil, fmt.Errorf("annotate: the segmentation does not cover the %d×%d image", b.Dx(), b.Dy())
	}
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	var painted [models.MaxSegmentClasses]bool
	var legend []models.SegmentClass
	for _, c := range seg.Classes {
		if c.Class >= 0 && c.Class < len(painted) && !IsBackground(c) {
			painted[c.Class] = true
			legend = append(legend, c)
		}
	}
	w := seg.Width
	for y := range seg.Height {
		row := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x, c := range seg.Mask[y*w : (y+1)*w] {
			if !painted[c] {
				continue
			}
			col := MaskColour(c)
			p := row[4*x : 4*x+3]
			p[0], p[1], p[2] = blend(p[0], col.R), blend(p[1], col.G), blend(p[2], col.B)
		}
	}
	drawLegend(out, legend, seg.Width*seg.Height)
	return out, nil
}

// blend mixes colour c over photo value v at MaskOpacity, rounded.
func blend(v, c uint8) uint8 {
	return uint8((int(v)*(255-MaskOpacity) + int(c)*MaskOpacity + 127) / 255)
}

// drawLegend lists the classes in the top-left corner of img: a swatch of
// each class's colour and its name with its share of the pixels, on a
// black panel.
func drawLegend(img *image.RGBA, classes []models.SegmentClass, pixels int) {
	if len(classes) == 0 {
		return
	}
	const lineHeight, pad, swatch = 16, 4, 10
	face := basicfont.Face7x13
	texts := make([]string, len(classes))
	width := 0
	for i, c := range classes {
		name := c.Label
		if name == "" {
			name = fmt.Sprintf("class %d", c.Class)
		}
		texts[i] = fmt.Sprintf("%s %.1f%%", name, 100*float64(c.Pixels)/float64(pixels))
		width = max(width, font.MeasureString(face, texts[i]).Ceil())
	}
	b := img.Bounds()
	panel := image.Rect(b.Min.X, b.Min.Y, b.Min.X+3*pad+swatch+width, b.Min.Y+pad+lineHeight*len(classes)).Intersect(b)
	draw.Draw(img, panel, image.Black, image.Point{}, draw.Src)
	for i, c := range classes {
		top := b.Min.Y + pad + i*lineHeight
		sw := image.Rect(b.Min.X+pad, top+3, b.Min.X+pad+swatch, top+3+swatch).Intersect(b)
		draw.Draw(img, sw, image.NewUniform(MaskColour(uint8(c.Class))), image.Point{}, draw.Src)
		dr := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.P(b.Min.X+2*pad+swatch, top+13)}
		dr.DrawString(texts[i])
	}
}
