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

// faceColor frames faces; keypointColors mark the keypoints, indexed as
// models.Face.Keypoints: eyes blue, nose tip yellow, mouth red, ears
// magenta.
var (
	faceColor      = color.RGBA{60, 180, 75, 255}
	keypointColors = [models.NumFaceKeypoints]color.RGBA{
		models.FaceRightEye:        {0, 130, 200, 255},
		models.FaceLeftEye:         {0, 130, 200, 255},
		models.FaceNoseTip:         {255, 225, 25, 255},
		models.FaceMouthCenter:     {230, 25, 75, 255},
		models.FaceRightEarTragion: {240, 50, 230, 255},
		models.FaceLeftEarTragion:  {240, 50, 230, 255},
	}
)

// DrawFaces returns a copy of img with each face's box, score and six
// keypoints drawn on it.
func DrawFaces(img image.Image, faces []models.Face) *image.RGBA {
	out := copyRGBA(img)
	b := out.Bounds()
	for _, f := range faces {
		r := f.Box.Rect().Intersect(b)
		for t := range 2 {
			frame(out, r.Inset(t), faceColor)
		}
		// A dot of about a twentieth of the face, 2 pixels at least.
		radius := max(2, min(r.Dx(), r.Dy())/40)
		for k, p := range f.Keypoints {
			x, y := int(p.X), int(p.Y)
			dot := image.Rect(x-radius, y-radius, x+radius+1, y+radius+1).Intersect(b)
			draw.Draw(out, dot, image.NewUniform(keypointColors[k]), image.Point{}, draw.Src)
		}
		text := fmt.Sprintf("face %.2f", f.Score)
		face := basicfont.Face7x13
		width := font.MeasureString(face, text).Ceil() + 4
		y := max(r.Min.Y-15, b.Min.Y)
		bg := image.Rect(r.Min.X, y, r.Min.X+width, y+15).Intersect(b)
		draw.Draw(out, bg, image.NewUniform(faceColor), image.Point{}, draw.Src)
		dr := font.Drawer{Dst: out, Src: image.Black, Face: face, Dot: fixed.P(r.Min.X+2, y+12)}
		dr.DrawString(text)
	}
	return out
}

// BlurFaces returns a copy of img with every face box pixelated beyond
// recognition: each box is cut into blocks of an eighth of its shorter
// side (4 pixels at least), each filled with its mean colour.
func BlurFaces(img image.Image, faces []models.Face) *image.RGBA {
	out := copyRGBA(img)
	b := out.Bounds()
	for _, f := range faces {
		r := f.Box.Rect().Intersect(b)
		if r.Empty() {
			continue
		}
		block := max(4, min(r.Dx(), r.Dy())/8)
		for y := r.Min.Y; y < r.Max.Y; y += block {
			for x := r.Min.X; x < r.Max.X; x += block {
				cell := image.Rect(x, y, x+block, y+block).Intersect(r)
				draw.Draw(out, cell, image.NewUniform(meanColor(out, cell)), image.Point{}, draw.Src)
			}
		}
	}
	return out
}

// meanColor is the mean of img's pixels in the non-empty rectangle r.
func meanColor(img *image.RGBA, r image.Rectangle) color.RGBA {
	var sum [4]int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i, v := range row {
			sum[i%4] += int(v)
		}
	}
	n := r.Dx() * r.Dy()
	return color.RGBA{uint8(sum[0] / n), uint8(sum[1] / n), uint8(sum[2] / n), uint8(sum[3] / n)}
}

// copyRGBA returns an RGBA copy of img with the same bounds.
func copyRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	return out
}
