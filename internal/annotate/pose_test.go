package annotate

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/percept-robotics/percept/models"
)

// pose returns a pose whose keypoints all score 0 but those given.
func pose(at map[int][3]float32) models.Pose {
	p := models.Pose{Keypoints: make([]models.Keypoint, models.NumKeypoints)}
	for i := range p.Keypoints {
		p.Keypoints[i].Name = models.KeypointNames[i]
		if v, ok := at[i]; ok {
			p.Keypoints[i].X, p.Keypoints[i].Y, p.Keypoints[i].Score = v[0], v[1], v[2]
		}
	}
	return p
}

func TestDrawPoses(t *testing.T) {
	// A black 120×100 image at (50, 20); the left arm confident and
	// vertical, the right shoulder too weak to draw.
	src := image.NewRGBA(image.Rect(50, 20, 170, 120))
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 255
	}
	p := pose(map[int][3]float32{
		models.KeypointLeftShoulder:  {80, 30, 0.9},
		models.KeypointLeftElbow:     {80, 110, 0.8},
		models.KeypointRightShoulder: {150, 30, 0.2},
	})
	out := DrawPoses(src, []models.Pose{p}, 0.3)
	assert.Equal(t, src.Bounds(), out.Bounds())
	black := color.RGBA{0, 0, 0, 255}
	assert.Equal(t, black, src.RGBAAt(80, 70), "the input is left as it was")
	assert.Equal(t, poseLeft, out.RGBAAt(80, 70), "the upper arm, a left bone")
	assert.Equal(t, poseJoint, out.RGBAAt(80, 30), "the shoulder's dot")
	assert.Equal(t, poseJoint, out.RGBAAt(80, 110), "the elbow's dot")
	assert.Equal(t, black, out.RGBAAt(80, 116), "below the elbow's dot")
	assert.Equal(t, black, out.RGBAAt(150, 30), "the weak right shoulder is not drawn")
	assert.Equal(t, black, out.RGBAAt(115, 30), "nor the bone across the shoulders")
	assert.Equal(t, black, out.RGBAAt(50, 20), "nor the keypoints scoring 0 at (0, 0)")
	// Lowering the threshold draws the shoulders' bone, which crosses the
	// body, and the right shoulder.
	out = DrawPoses(src, []models.Pose{p}, 0.1)
	assert.Equal(t, poseMiddle, out.RGBAAt(115, 30))
	assert.Equal(t, poseJoint, out.RGBAAt(150, 30))
}

func TestDrawPosesOddInput(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 30, 20))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, p := range []models.Pose{
		pose(map[int][3]float32{models.KeypointLeftHip: {nan, 5, 1}, models.KeypointLeftKnee: {5, 5, 1}}),
		pose(map[int][3]float32{models.KeypointLeftHip: {inf, 5, 1}, models.KeypointLeftKnee: {5, 5, 1}}),
		pose(map[int][3]float32{models.KeypointLeftHip: {1e30, -1e30, 1}, models.KeypointLeftKnee: {5, 5, 1}}),
		pose(map[int][3]float32{models.KeypointLeftHip: {-20, 10, 1}, models.KeypointLeftKnee: {50, 10, 1}}),
		{Keypoints: []models.Keypoint{{X: 3, Y: 3, Score: 1}}}, // fewer keypoints than the skeleton needs
		{},
	} {
		out := DrawPoses(src, []models.Pose{p}, 0.5)
		assert.Equal(t, src.Bounds(), out.Bounds())
	}
	// The bone from outside the image to outside it crosses it.
	out := DrawPoses(src, []models.Pose{pose(map[int][3]float32{models.KeypointLeftHip: {-20, 10, 1}, models.KeypointLeftKnee: {50, 10, 1}})}, 0.5)
	assert.Equal(t, poseLeft, out.RGBAAt(15, 10))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	assert.Equal(t, src.Pix, DrawPoses(src, nil, 0).Pix, "no pose: a plain copy")
}
