package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
)

// The JSON contract of `percept faces -json`, spelled out independently of
// the command's own types.
type faceJSON struct {
	Score     float32 `json:"score"`
	Box       boxJSON `json:"box"`
	Keypoints []struct {
		X float32 `json:"x"`
		Y float32 `json:"y"`
	} `json:"keypoints"`
}

type facesLine struct {
	Image  string     `json:"image"`
	Width  int        `json:"width"`
	Height int        `json:"height"`
	Faces  []faceJSON `json:"faces"`
}

const (
	facesKeys      = "{image,width,height,faces:[{score,box:{x,y,width,height},keypoints:[{x,y}]}]}"
	facesKeysEmpty = "{image,width,height,faces:[]}"
)

// parseFacesOutput checks every line of `faces -json` against the
// contract: keys in order, six keypoints, faces sorted by score, boxes
// and keypoints inside the image.
func parseFacesOutput(t *testing.T, stdout string) []facesLine {
	t.Helper()
	return decodeLines(t, stdout, func(line string, l facesLine) {
		require.NotNil(t, l.Faces, "faces must be [] rather than null: %s", line)
		for i, f := range l.Faces {
			if i > 0 {
				assert.LessOrEqual(t, f.Score, l.Faces[i-1].Score, "faces sorted by score: %s", line)
			}
			b := f.Box
			assert.True(t, b.X >= 0 && b.Y >= 0 && b.Width > 0 && b.Height > 0 && b.X+b.Width <= l.Width && b.Y+b.Height <= l.Height,
				"box %+v inside the %d×%d image", b, l.Width, l.Height)
			require.Len(t, f.Keypoints, 6)
			for _, p := range f.Keypoints {
				assert.True(t, p.X >= 0 && p.Y >= 0 && p.X <= float32(l.Width) && p.Y <= float32(l.Height), "keypoint %v inside the image", p)
			}
		}
	}, facesKeys, facesKeysEmpty)
}

// TestFacesCLI runs the embedded model on Grace Hopper's portrait (one
// face) and the embedded dogs photo (none): JSON, table, -out and -blur.
func TestFacesCLI(t *testing.T) {
	skipInShort(t)
	hopper := testmodels.Path(t, "images", "grace_hopper.jpg")
	dir, dogs, _ := photoFiles(t)
	r := runCLI(t, "faces", "-json", hopper, dogs)
	requireSuccess(t, r)
	lines := parseFacesOutput(t, r.stdout)
	require.Len(t, lines, 2)
	assert.Equal(t, hopper, lines[0].Image)
	assert.Equal(t, []int{517, 606}, []int{lines[0].Width, lines[0].Height})
	require.Len(t, lines[0].Faces, 1)
	face := lines[0].Faces[0]
	assert.Greater(t, face.Score, float32(0.9))
	// Her face is about 200 pixels wide, left of the middle, in the upper half.
	assert.InDelta(t, 200, face.Box.Width, 30)
	assert.InDelta(t, 270, face.Box.X+face.Box.Width/2, 30)
	assert.InDelta(t, 245, face.Box.Y+face.Box.Height/2, 40)
	assert.Empty(t, lines[1].Faces, "no face in the dogs photo")

	r = runCLI(t, "faces", hopper, dogs)
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, hopper+" (517×606): 1 face\n")
	assert.Contains(t, r.stdout, "right_eye")
	assert.Contains(t, r.stdout, dogs+" (640×427): 0 faces\n")

	for _, extra := range [][]string{nil, {"-blur"}} {
		out := filepath.Join(dir, fmt.Sprintf("faces%d.png", len(extra)))
		r = runCLI(t, append(append([]string{"faces", "-out", out}, extra...), hopper)...)
		requireSuccess(t, r)
		format, w, h := imageSize(t, out)
		assert.Equal(t, []any{"png", 517, 606}, []any{format, w, h})
	}
}

// TestFacesThresholdAndModels: -threshold and -max cut the faces of
// face.jpg (two people in front, two more behind); MediaPipe's front and
// full-range models load with -model, a detector does not.
func TestFacesThresholdAndModels(t *testing.T) {
	skipInShort(t)
	photo := testmodels.Path(t, "images", "face.jpg")
	r := runCLI(t, "faces", "-json", photo)
	requireSuccess(t, r)
	all := parseFacesOutput(t, r.stdout)[0].Faces
	require.Len(t, all, 2)
	r = runCLI(t, "faces", "-json", "-max", "1", photo)
	requireSuccess(t, r)
	assert.Equal(t, all[:1], parseFacesOutput(t, r.stdout)[0].Faces)
	r = runCLI(t, "faces", "-json", "-threshold", "0.99", photo)
	requireSuccess(t, r)
	assert.Empty(t, parseFacesOutput(t, r.stdout)[0].Faces)

	front := testmodels.Path(t, "float16", "face_detection_front.tflite")
	r = runCLI(t, "faces", "-json", "-model", front, "-kernels", "generic", "-threads", "1", photo)
	requireSuccess(t, r)
	assert.Len(t, parseFacesOutput(t, r.stdout)[0].Faces, 3, "the front model finds one of the two behind")

	ssd := testmodels.Path(t, "detection", "coco_ssd_mobilenet_v1_quant_no_metadata.tflite")
	r = runCLI(t, "faces", "-model", ssd, photo)
	assertOneLineFailure(t, r, 1, "not a faces model")
	assert.Contains(t, r.stderr, "looks like a detector")
}

func TestFacesFlags(t *testing.T) {
	assertUsageErrors(t, "faces", []usageCase{
		{[]string{"-threshold", "1.5", "a.jpg"}, "-threshold 1.5"},
		{[]string{"-max", "-1", "a.jpg"}, "-max -1"},
		{[]string{"-threads", "-1", "a.jpg"}, "-threads -1"},
		{[]string{"-kernels", "bogus", "a.jpg"}, `kernel target "bogus"`},
		{[]string{"-blur", "a.jpg"}, "-blur"},
		{[]string{"-out", "x.gif", "a.jpg"}, ".png, .jpg or .jpeg"},
		{[]string{}, "give one or more images"},
		{[]string{"-source", "test:", "a.jpg"}, "either -source or image files"},
		{[]string{"-source", "test:", "-out", "x.png"}, "-out"},
		{[]string{"-n", "2", "a.jpg"}, "-n"},
	})
}

// TestFacesSource: a -source frame gives the faces of the file itself,
// with the frame's metadata after them.
func TestFacesSource(t *testing.T) {
	skipInShort(t)
	hopper := testmodels.Path(t, "images", "grace_hopper.jpg")
	frame, file := sourceAndFile(t, "faces", hopper, facesKeys, parseFacesOutput)
	assert.Equal(t, file.Faces, frame.Faces)
	assert.Equal(t, "file:"+hopper, frame.Image)
}
