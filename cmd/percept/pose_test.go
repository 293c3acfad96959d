package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// The JSON contract of `percept pose -json`, spelled out independently of
// the command's own types.
type poseKeypointJSON struct {
	Name  string  `json:"name"`
	X     float32 `json:"x"`
	Y     float32 `json:"y"`
	Score float32 `json:"score"`
}

type poseLine struct {
	Image  string `json:"image"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Poses  []struct {
		Score     float32            `json:"score"`
		Keypoints []poseKeypointJSON `json:"keypoints"`
	} `json:"poses"`
}

const (
	poseKeys      = "{image,width,height,poses:[{score,keypoints:[{name,x,y,score}]}]}"
	poseKeysEmpty = "{image,width,height,poses:[]}"
)

// cocoNames is the keypoint order of the contract, written out here.
var cocoNames = []string{"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
	"left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
	"left_ankle", "right_ankle"}

// parsePoseOutput checks every line of `pose -json` against the contract:
// keys in order, the 17 COCO keypoints by name in COCO's order, inside the
// image, the pose's score their mean.
func parsePoseOutput(t *testing.T, stdout string) []poseLine {
	t.Helper()
	return decodeLines(t, stdout, func(line string, l poseLine) {
		require.NotNil(t, l.Poses, "poses must be [] rather than null: %s", line)
		for _, p := range l.Poses {
			require.Len(t, p.Keypoints, 17)
			var sum float32
			for i, k := range p.Keypoints {
				assert.Equal(t, cocoNames[i], k.Name)
				assert.True(t, k.X >= 0 && k.Y >= 0 && k.X <= float32(l.Width) && k.Y <= float32(l.Height), "keypoint %+v inside the image", k)
				sum += k.Score
			}
			assert.InDelta(t, sum/17, p.Score, 1e-5, "the pose's score is its keypoints' mean")
		}
	}, poseKeys, poseKeysEmpty)
}

// TestPoseEmbeddedModel: the embedded model is Coral's MoveNet lightning
// and fits the pose task.
func TestPoseEmbeddedModel(t *testing.T) {
	m, err := tflite.Parse(assets.PoseModel)
	require.NoError(t, err)
	require.NoError(t, models.CheckTask(m, models.TaskPose))
	in := m.Subgraphs[0].Tensors[m.Subgraphs[0].Inputs[0]]
	assert.Equal(t, []int32{1, 192, 192, 3}, in.Shape)
	assert.Equal(t, tflite.TypeUint8, in.Type)

	// percept inspect names the task (whether or not this build runs
	// every operator of the model).
	path := writeFile(t, t.TempDir(), "movenet.tflite", assets.PoseModel)
	r := runCLI(t, "inspect", path)
	assert.Contains(t, r.stdout, "\ntask: pose (models.NewPoseEstimator, percept pose)")
}

// TestPoseCLI runs the embedded MoveNet on Coral's squat photo: JSON equal
// to the library's result, the table, -out in both formats, -threshold.
func TestPoseCLI(t *testing.T) {
	skipInShort(t)
	photo := testmodels.Path(t, "pose", "squat.bmp")
	dir, dogs, _ := photoFiles(t)
	r := runCLI(t, "pose", "-json", photo, dogs)
	requireSuccess(t, r)
	lines := parsePoseOutput(t, r.stdout)
	require.Len(t, lines, 2)
	assert.Equal(t, photo, lines[0].Image)
	assert.Equal(t, []int{500, 610}, []int{lines[0].Width, lines[0].Height})
	require.Len(t, lines[0].Poses, 1)

	m, err := tflite.Parse(assets.PoseModel)
	require.NoError(t, err)
	est, err := models.NewPoseEstimator(m, nil)
	require.NoError(t, err)
	defer est.Close()
	img, err := models.LoadImage(photo)
	require.NoError(t, err)
	want, err := est.Estimate(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, want, 1)
	got := lines[0].Poses[0]
	assert.Equal(t, want[0].Score, got.Score)
	for i, k := range want[0].Keypoints {
		assert.Equal(t, poseKeypointJSON(k), got.Keypoints[i])
	}

	r = runCLI(t, "pose", photo)
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, photo+" (500×610): 1 pose\n")
	assert.Contains(t, r.stdout, "left_ankle")

	for name, wantFormat := range map[string]string{"skeleton.png": "png", "skeleton.jpg": "jpeg"} {
		out := filepath.Join(dir, name)
		r = runCLI(t, "pose", "-out", out, "-keypoint-threshold", "0.5", photo)
		requireSuccess(t, r)
		format, w, h := imageSize(t, out)
		assert.Equal(t, []any{wantFormat, 500, 610}, []any{format, w, h})
	}

	r = runCLI(t, "pose", "-json", "-threshold", "0.99", photo)
	requireSuccess(t, r)
	assert.Empty(t, parsePoseOutput(t, r.stdout)[0].Poses, "the pose scores below 0.99")
}

// TestPoseWrongModel: a detector given as -model is refused, saying what
// it looks like.
func TestPoseWrongModel(t *testing.T) {
	dir, dogs, _ := photoFiles(t)
	ssd := writeFile(t, dir, "ssd.tflite", assets.DetectorModel)
	r := runCLI(t, "pose", "-model", ssd, dogs)
	assertOneLineFailure(t, r, 1, "not a pose model")
	assert.Contains(t, r.stderr, "looks like a detector")
}

func TestPoseFlags(t *testing.T) {
	assertUsageErrors(t, "pose", []usageCase{
		{[]string{"-threshold", "1.5", "a.jpg"}, "-threshold 1.5"},
		{[]string{"-keypoint-threshold", "-0.1", "a.jpg"}, "-keypoint-threshold -0.1"},
		{[]string{"-threads", "-1", "a.jpg"}, "-threads -1"},
		{[]string{"-kernels", "bogus", "a.jpg"}, `kernel target "bogus"`},
		{[]string{"-out", "x.gif", "a.jpg"}, ".png, .jpg or .jpeg"},
		{[]string{}, "give one or more images"},
		{[]string{"-source", "test:", "a.jpg"}, "either -source or image files"},
		{[]string{"-source", "test:", "-out", "x.png"}, "-out"},
		{[]string{"-n", "2", "a.jpg"}, "-n"},
		{[]string{"-fallback", "cpu.tflite", "a.jpg"}, "it needs -edgetpu"},
		{[]string{"-max-pixels", "0", "a.jpg"}, "-max-pixels 0"},
	})
}

// TestPoseSource: a -source frame gives the pose of the file itself, with
// the frame's metadata after it.
func TestPoseSource(t *testing.T) {
	skipInShort(t)
	photo := testmodels.Path(t, "pose", "squat.bmp")
	frame, file := sourceAndFile(t, "pose", photo, poseKeys, parsePoseOutput)
	assert.Equal(t, file.Poses, frame.Poses)
	assert.Equal(t, "file:"+photo, frame.Image)
}

// TestPoseEdgeTPUOnCPUModel: -edgetpu with a model not compiled for the
// Edge TPU says so once on stderr and runs it on the CPU, with the same
// result.
func TestPoseEdgeTPUOnCPUModel(t *testing.T) {
	skipInShort(t)
	photo := testmodels.Path(t, "pose", "squat.bmp")
	plain := runCLI(t, "pose", "-json", photo)
	requireSuccess(t, plain)
	r := runCLI(t, "pose", "-json", "-edgetpu", "usb", photo)
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "percept pose: -edgetpu usb: the model was not compiled for the Edge TPU (no edgetpu-custom-op): it runs on the CPU\n", r.stderr)
	assert.Equal(t, plain.stdout, r.stdout)
}
