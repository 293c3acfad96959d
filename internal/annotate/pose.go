package annotate

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/percept-robotics/percept/models"
)

// Side colours of a skeleton, as TensorFlow's MoveNet tutorial draws it:
// the person's left in magenta, right in cyan, the bones across the body
// (shoulder to shoulder, hip to hip) in yellow.
var (
	poseLeft   = color.RGBA{255, 0, 255, 255}
	poseRight  = color.RGBA{0, 255, 255, 255}
	poseMiddle = color.RGBA{255, 255, 0, 255}
	poseJoint  = color.RGBA{255, 40, 40, 255}
)

// DrawPoses returns a copy of img with each pose's skeleton drawn on it:
// a bone (models.Skeleton) between two keypoints that both score at least
// minScore, and a dot on each such keypoint. Lines and dots grow with the
// image, from 2 pixels wide. Keypoints with coordinates that are not
// finite or lie far outside the image (more than its size away) are left
// out.
func DrawPoses(img image.Image, poses []models.Pose, minScore float32) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	width := max(2, min(b.Dx(), b.Dy())/150)
	near := b.Inset(-max(b.Dx(), b.Dy()))
	shown := func(kp models.Keypoint) bool {
		x, y := float64(kp.X), float64(kp.Y)
		return kp.Score >= minScore && x >= float64(near.Min.X) && x <= float64(near.Max.X) &&
			y >= float64(near.Min.Y) && y <= float64(near.Max.Y)
	}
	for _, p := range poses {
		k := p.Keypoints
		for _, e := range models.Skeleton {
			if e[0] < len(k) && e[1] < len(k) && shown(k[e[0]]) && shown(k[e[1]]) {
				line(out, k[e[0]], k[e[1]], width, boneColour(e))
			}
		}
		for _, kp := range k {
			if shown(kp) {
				dot(out, float64(kp.X), float64(kp.Y), float64(width)+1.5, poseJoint)
			}
		}
	}
	return out
}

// boneColour is the side of the body the bone e is on: the odd COCO
// indices are the left keypoints, the even ones but the nose the right.
func boneColour(e [2]int) color.RGBA {
	left := e[0]%2 == 1 || e[1]%2 == 1
	right := e[0] != models.KeypointNose && e[0]%2 == 0 || e[1] != models.KeypointNose && e[1]%2 == 0
	switch {
	case left && !right:
		return poseLeft
	case right && !left:
		return poseRight
	}
	return poseMiddle
}

// line draws a segment from a to b, width pixels wide, clipped to img.
func line(img *image.RGBA, a, b models.Keypoint, width int, c color.RGBA) {
	ax, ay, bx, by := float64(a.X), float64(a.Y), float64(b.X), float64(b.Y)
	steps := int(math.Ceil(math.Max(math.Abs(bx-ax), math.Abs(by-ay))))
	for i := 0; i <= steps; i++ {
		t := 0.0
		if steps > 0 {
			t = float64(i) / float64(steps)
		}
		dot(img, ax+t*(bx-ax), ay+t*(by-ay), float64(width)/2, c)
	}
}

// dot fills the pixels whose centres lie within radius r of (x, y),
// clipped to img.
func dot(img *image.RGBA, x, y, r float64, c color.RGBA) {
	area := image.Rect(int(math.Floor(x-r)), int(math.Floor(y-r)), int(math.Ceil(x+r))+1, int(math.Ceil(y+r))+1).Intersect(img.Rect)
	for py := area.Min.Y; py < area.Max.Y; py++ {
		for px := area.Min.X; px < area.Max.X; px++ {
			dx, dy := float64(px)+0.5-x, float64(py)+0.5-y
			if dx*dx+dy*dy <= r*r {
				img.SetRGBA(px, py, c)
			}
		}
	}
}
