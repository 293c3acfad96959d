package models_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func embeddedFaceModel(t testing.TB) *tflite.Model {
	m, err := tflite.Parse(assets.FaceModel)
	require.NoError(t, err)
	return m
}

// TestFaceDetectorEmbedded: the embedded short-range model finds Grace
// Hopper's face, one face, with its keypoints inside the box in their
// expected arrangement.
func TestFaceDetectorEmbedded(t *testing.T) {
	f, err := models.NewFaceDetector(embeddedFaceModel(t), &models.Options{Threads: 1})
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, models.FaceShortRange, f.Variant())
	assert.Equal(t, float32(0.5), f.MinScore())
	assert.Equal(t, models.InputSpec{Width: 128, Height: 128, Channels: 3, Type: tflite.TypeFloat32,
		Mean: []float32{127.5, 127.5, 127.5}, Std: []float32{127.5, 127.5, 127.5}}, f.Input())
	img, err := models.LoadImage(testmodels.Path(t, "images", "grace_hopper.jpg"))
	require.NoError(t, err)
	faces, err := f.Detect(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, faces, 1)
	face := faces[0]
	assert.Greater(t, face.Score, float32(0.9))
	r := face.Box.Rect()
	for k, p := range face.Keypoints {
		if k == models.FaceRightEarTragion || k == models.FaceLeftEarTragion {
			continue // the ears lie on the box's edges
		}
		assert.True(t, float32(r.Min.X) < p.X && p.X < float32(r.Max.X) && float32(r.Min.Y) < p.Y && p.Y < float32(r.Max.Y),
			"%s %v outside %v", models.FaceKeypointNames[k], p, r)
	}
	kp := face.Keypoints
	assert.Less(t, kp[models.FaceRightEye].X, kp[models.FaceLeftEye].X, "the person's right eye is on the image's left")
	assert.Less(t, kp[models.FaceRightEye].Y, kp[models.FaceMouthCenter].Y, "eyes above the mouth")
	assert.Less(t, kp[models.FaceNoseTip].Y, kp[models.FaceMouthCenter].Y, "nose above the mouth")
}
