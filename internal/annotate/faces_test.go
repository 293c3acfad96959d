package annotate

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/percept-robotics/percept/models"
)

func grey(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(10, 20, 10+w, 20+h)) // bounds not at the origin
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	return img
}

func TestDrawFaces(t *testing.T) {
	img := grey(120, 100)
	f := models.Face{Score: 0.9, Box: models.Box{X: 40, Y: 50, Width: 40, Height: 40}}
	for k := range f.Keypoints {
		f.Keypoints[k] = models.FaceKeypoint{X: float32(45 + 6*k), Y: 70}
	}
	out := DrawFaces(img, []models.Face{f})
	assert.Equal(t, img.Bounds(), out.Bounds())
	assert.Equal(t, faceColor, out.RGBAAt(40, 89), "bottom-left corner of the frame")
	assert.Equal(t, faceColor, out.RGBAAt(79, 70), "right edge")
	for k, p := range f.Keypoints {
		assert.Equal(t, keypointColors[k], out.RGBAAt(int(p.X), int(p.Y)), "keypoint %d", k)
	}
	assert.Equal(t, color.RGBA{128, 128, 128, 128}, out.RGBAAt(100, 110), "outside the face")
	assert.Equal(t, color.RGBA{128, 128, 128, 128}, img.RGBAAt(40, 89), "the input is left alone")

	// Faces reaching out of the image, keypoints outside it, and no faces.
	edge := models.Face{Box: models.Box{X: 0, Y: 0, Width: 500, Height: 500}}
	edge.Keypoints[0] = models.FaceKeypoint{X: -50, Y: 1e6}
	DrawFaces(img, []models.Face{edge})
	assert.Equal(t, img.Pix, DrawFaces(img, nil).Pix)
}

func TestBlurFaces(t *testing.T) {
	img := grey(64, 48)
	// A checkerboard of one-pixel squares in the face's top-left 8×8
	// block: its mean is (0 + 255) / 2.
	for y := 30; y < 38; y++ {
		for x := 20; x < 28; x++ {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	f := models.Face{Box: models.Box{X: 20, Y: 30, Width: 64, Height: 64}} // clipped to 54×38: blocks of 38/8 = 4
	out := BlurFaces(img, []models.Face{f})
	for y := 30; y < 34; y++ {
		for x := 20; x < 24; x++ {
			assert.Equal(t, color.RGBA{127, 127, 127, 255}, out.RGBAAt(x, y), "(%d, %d)", x, y)
		}
	}
	assert.Equal(t, img.RGBAAt(19, 30), out.RGBAAt(19, 30), "left of the face")
	assert.Equal(t, img.RGBAAt(20, 29), out.RGBAAt(20, 29), "above the face")
	empty := BlurFaces(img, []models.Face{{Box: models.Box{X: 500, Y: 500, Width: 10, Height: 10}}})
	assert.Equal(t, img.Pix, empty.Pix, "a box outside the image changes nothing")
}
