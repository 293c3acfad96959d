package models_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"log"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Probe models stand in for MoveNet where a test needs exact, hand-derived
// outputs: their output [1, 1, 17, 3] is their input image itself, so
// keypoint i reads y, x and score from the colour of input pixel i.

// columnProbe takes a 1×17 (width×height) image of type typ: pixel i (from
// the top) gives keypoint i its y = R/255, x = G/255, score = B/255,
// through a RESHAPE and the quantization 1/255 (zero point 0 for UINT8,
// −128 for INT8, which percept feeds as pixel − 128).
func columnProbe(t testing.TB, typ tflite.TensorType) *tflite.Model {
	return scaledColumnProbe(t, typ, 1.0/255)
}

// scaledColumnProbe is columnProbe with another output scale.
func scaledColumnProbe(t testing.TB, typ tflite.TensorType, scale float32) *tflite.Model {
	m := tflitetest.NewModel()
	q := &tflitetest.Affine{Scale: scale}
	if typ == tflite.TypeInt8 {
		q.Zero = -128
	}
	in := m.Tensor("image", typ, []int32{1, 17, 1, 3}, nil, q)
	shape := m.Tensor("shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 1, 17, 3), nil)
	out := m.Tensor("keypoints", typ, []int32{1, 1, 17, 3}, nil, q)
	m.Op(tflite.OpReshape, 1, []int32{in, shape}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m.Parse(t)
}

// rowProbe takes a 17×1 FLOAT32 image, which percept feeds as 0..255, and
// multiplies it by 1/255: pixel i (from the left) gives keypoint i.
func rowProbe(t testing.TB) *tflite.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("image", tflite.TypeFloat32, []int32{1, 1, 17, 3}, nil, nil)
	k := m.Tensor("k", tflite.TypeFloat32, []int32{1}, tflitetest.Floats(1.0/255), nil)
	out := m.Tensor("keypoints", tflite.TypeFloat32, []int32{1, 1, 17, 3}, nil, nil)
	const mulOptions = 21 // the BuiltinOptions tag of MulOptions
	m.Op(tflite.OpMul, 1, []int32{in, k}, []int32{out}, mulOptions, tflitetest.Table{int8(0)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m.Parse(t)
}

// bands paints an image of w×h pixels at (x0, y0) whose band i, of size
// bw×bh along the long axis, has colour c(i).
func bands(x0, y0, w, h, bw, bh int, c func(i int) color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(x0, y0, x0+w, y0+h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x0+x, y0+y, c(x/bw+y/bh))
		}
	}
	return img
}

func newEstimator(t testing.TB, m *tflite.Model, o *models.Options) *models.PoseEstimator {
	t.Helper()
	e, err := models.NewPoseEstimator(m, o)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

func estimateOne(t testing.TB, e *models.PoseEstimator, img image.Image) models.Pose {
	t.Helper()
	poses, err := e.Estimate(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, poses, 1)
	require.Len(t, poses[0].Keypoints, models.NumKeypoints)
	return poses[0]
}

// TestPoseFullFrame: an image of the input's aspect ratio fills the input
// with no padding; each keypoint lands where its pixel's colour says, in
// pixels of the image (offset by its Bounds().Min), with its name.
func TestPoseFullFrame(t *testing.T) {
	for _, typ := range []tflite.TensorType{tflite.TypeUint8, tflite.TypeInt8} {
		t.Run("column/"+typ.String(), func(t *testing.T) {
			e := newEstimator(t, columnProbe(t, typ), &models.Options{Threads: 1})
			assert.Equal(t, models.InputSpec{Width: 1, Height: 17, Channels: 3, Type: typ}, e.Input())
			// 4×68 at (10, 20): bands of 4 rows, 4× the input each way,
			// which the resize averages to the band's colour.
			img := bands(10, 20, 4, 68, 100, 4, func(i int) color.RGBA {
				return color.RGBA{uint8(15 * i), uint8(51 * (i % 6)), uint8(255 - 10*i), 255}
			})
			pose := estimateOne(t, e, img)
			var sum float64
			for i, k := range pose.Keypoints {
				// y = 15i/255 of 17 input rows, each 4 image rows: Y = 4i;
				// x = 51(i%6)/255 of 1 input column of 4 pixels.
				assert.Equal(t, models.KeypointNames[i], k.Name)
				assert.InDelta(t, 20+4*i, k.Y, 1e-4, "%s y", k.Name)
				assert.InDelta(t, 10+0.8*float64(i%6), k.X, 1e-4, "%s x", k.Name)
				assert.InDelta(t, float64(255-10*i)/255, k.Score, 1e-6, "%s score", k.Name)
				sum += float64(255-10*i) / 255
			}
			assert.InDelta(t, sum/17, pose.Score, 1e-6)
		})
	}
	t.Run("row/FLOAT32", func(t *testing.T) {
		e := newEstimator(t, rowProbe(t), &models.Options{Threads: 1})
		assert.Equal(t, models.InputSpec{Width: 17, Height: 1, Channels: 3, Type: tflite.TypeFloat32,
			Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}, e.Input(), "MoveNet's floats are 0..255 pixels")
		img := bands(0, 0, 68, 4, 4, 100, func(i int) color.RGBA {
			return color.RGBA{uint8(51 * (i % 6)), uint8(15 * i), 200, 255}
		})
		pose := estimateOne(t, e, img)
		for i, k := range pose.Keypoints {
			assert.InDelta(t, 4*i, k.X, 1e-3, "%s x", k.Name)
			assert.InDelta(t, 0.8*float64(i%6), k.Y, 1e-3, "%s y", k.Name)
			assert.InDelta(t, 200.0/255, k.Score, 1e-6)
		}
	})
}

// TestPoseLetterbox: images of another aspect ratio are centred in the
// input with black margins, as tf.image.resize_with_pad places them, and
// keypoints map back through the margins; those in a margin are clamped
// to the image's edge.
func TestPoseLetterbox(t *testing.T) {
	t.Run("wide image, margins above and below", func(t *testing.T) {
		e := newEstimator(t, columnProbe(t, tflite.TypeUint8), &models.Options{Threads: 1})
		// 2×16 into 1×17: the width limits, the image takes 16/2 = 8 rows
		// (2×2 averages of its pixels), from row (17−8)/2 = 4 to 11.
		img := bands(0, 0, 2, 16, 100, 100, func(int) color.RGBA { return color.RGBA{120, 255, 255, 255} })
		pose := estimateOne(t, e, img)
		for i, k := range pose.Keypoints {
			if i < 4 || i > 11 {
				assert.Equal(t, models.Keypoint{Name: models.KeypointNames[i]}, k, "black margin: (0, 0) clamped, score 0")
				continue
			}
			// y = 120/255 = 8/17 of the input: row 8, 4 rows into the
			// image's 8, so half its 16 pixels.
			assert.InDelta(t, 8, k.Y, 1e-4, "%s y", k.Name)
			assert.InDelta(t, 2, k.X, 1e-4, "%s x: the right edge", k.Name)
			assert.InDelta(t, 1, k.Score, 1e-6)
		}
		assert.InDelta(t, 8.0/17, pose.Score, 1e-6)
	})
	t.Run("tall image, margins left and right", func(t *testing.T) {
		e := newEstimator(t, rowProbe(t), &models.Options{Threads: 1})
		// 4×2 into 17×1: the height limits, the image takes 2 columns
		// (2×2 averages), from (17−2)/2 = 7.
		img := bands(-5, 3, 4, 2, 100, 100, func(int) color.RGBA { return color.RGBA{51, 120, 255, 255} })
		pose := estimateOne(t, e, img)
		for i, k := range pose.Keypoints {
			if i != 7 && i != 8 {
				assert.Equal(t, models.Keypoint{Name: models.KeypointNames[i], X: -5, Y: 3}, k, "black margin: the image's corner")
				continue
			}
			// x = 120/255 = 8/17: one input column into the image's two,
			// so the middle of its 4 pixels; y = 0.2 of 2 pixels.
			assert.InDelta(t, -5+2, k.X, 1e-4, "%s x", k.Name)
			assert.InDelta(t, 3+0.4, k.Y, 1e-4, "%s y", k.Name)
		}
	})
}

// TestPoseScoresClamped: scores a model puts outside [0, 1] read as the
// nearest end, so a pose's score stays a mean of scores in [0, 1].
func TestPoseScoresClamped(t *testing.T) {
	e := newEstimator(t, scaledColumnProbe(t, tflite.TypeInt8, 2.0/255), &models.Options{Threads: 1})
	// Score bytes 0 and 255 in alternate bands: the int8 output reads
	// 2·(0−128−(−128))/255 = 0 and 2·255/255 = 2, clamped to 1.
	img := bands(0, 0, 4, 68, 100, 4, func(i int) color.RGBA { return color.RGBA{0, 0, uint8(255 * (i % 2)), 255} })
	pose := estimateOne(t, e, img)
	for i, k := range pose.Keypoints {
		assert.Equal(t, float32(i%2), k.Score, k.Name)
	}
	assert.InDelta(t, 8.0/17, pose.Score, 1e-6)
}

// TestPoseMinScore: Options.MinScore drops a pose whose mean keypoint
// score is below it.
func TestPoseMinScore(t *testing.T) {
	img := bands(0, 0, 2, 16, 100, 100, func(int) color.RGBA { return color.RGBA{120, 255, 255, 255} })
	for minScore, n := range map[float32]int{0: 1, 0.47: 1, 0.48: 0, 1: 0} {
		e := newEstimator(t, columnProbe(t, tflite.TypeUint8), &models.Options{Threads: 1, MinScore: minScore})
		poses, err := e.Estimate(context.Background(), img)
		require.NoError(t, err)
		assert.Len(t, poses, n, "MinScore %v against a score of 8/17", minScore)
	}
}

// TestPoseSignature: models that do not fit are refused with what they
// have, and CheckTask names the pose task for a model that fits.
func TestPoseSignature(t *testing.T) {
	probe := columnProbe(t, tflite.TypeUint8)
	require.NoError(t, models.CheckTask(probe, models.TaskPose))
	_, err := models.NewDetector(probe, nil)
	assert.ErrorContains(t, err, "looks like a single-pose estimator (MoveNet): use NewPoseEstimator")

	build := func(outType tflite.TensorType, q *tflitetest.Affine, outShapes ...[]int32) *tflite.Model {
		m := tflitetest.NewModel()
		in := m.Tensor("image", tflite.TypeUint8, []int32{1, 192, 192, 3}, nil, nil)
		m.Inputs = []int32{in}
		for i, s := range outShapes {
			o := m.Tensor(fmt.Sprintf("out%d", i), outType, s, nil, q)
			m.CustomOp("Anything", []int32{in}, []int32{o})
			m.Outputs = append(m.Outputs, o)
		}
		return m.Parse(t)
	}
	for _, c := range []struct {
		name  string
		model *tflite.Model
		want  string
	}{
		{"two coordinates", build(tflite.TypeFloat32, nil, []int32{1, 1, 17, 2}), `its output is FLOAT32[1 1 17 2] "out0"; a pose estimator needs one output [1, 1, 17, 3]`},
		{"multi-pose", build(tflite.TypeFloat32, nil, []int32{1, 6, 56}), `its output is FLOAT32[1 6 56] "out0"`},
		{"two outputs", build(tflite.TypeFloat32, nil, []int32{1, 1, 17, 3}, []int32{1}), "it has 2 outputs"},
		{"unscaled uint8", build(tflite.TypeUint8, nil, []int32{1, 1, 17, 3}), "has no per-tensor quantization scale"},
		{"int32", build(tflite.TypeInt32, nil, []int32{1, 1, 17, 3}), `its output is INT32[1 1 17 3] "out0"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := models.CheckTask(c.model, models.TaskPose)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "not a pose model")
			assert.Contains(t, err.Error(), c.want)
			_, err = models.NewPoseEstimator(c.model, nil)
			assert.ErrorContains(t, err, c.want)
			_, err = models.NewPoseEstimatorPool(c.model, nil, 2)
			assert.ErrorContains(t, err, c.want)
		})
	}
	_, err = models.NewPoseEstimator(embeddedDetectorModel(t), nil)
	assert.ErrorContains(t, err, "looks like a detector: use NewDetector")
	_, err = models.NewPoseEstimator(embeddedClassifierModel(t), nil)
	assert.ErrorContains(t, err, "looks like a classifier: use NewClassifier")
	_, err = models.NewPoseEstimator(nil, nil)
	assert.ErrorContains(t, err, "nil model")
	_, err = models.NewPoseEstimator(probe, &models.Options{Labels: models.Labels{0: "a"}})
	assert.ErrorContains(t, err, "keypoints have fixed names")
	_, err = models.NewPoseEstimator(probe, &models.Options{MinScore: 2})
	assert.Error(t, err)
	_, err = models.NewPoseEstimatorPool(probe, nil, 0)
	assert.ErrorContains(t, err, "size 0")
}

// TestPoseEstimateIntoAllocatesNothing: a reused result costs no
// allocation, and its keypoints keep their storage.
func TestPoseEstimateIntoAllocatesNothing(t *testing.T) {
	e := newEstimator(t, columnProbe(t, tflite.TypeUint8), &models.Options{Threads: 1})
	img := bands(0, 0, 40, 50, 100, 3, func(i int) color.RGBA { return color.RGBA{uint8(i), 80, 200, 255} })
	dst, err := e.EstimateInto(context.Background(), nil, img)
	require.NoError(t, err)
	require.Len(t, dst, 1)
	first := &dst[0].Keypoints[0]
	dst, err = e.EstimateInto(context.Background(), dst, img)
	require.NoError(t, err)
	assert.Same(t, first, &dst[0].Keypoints[0], "the keypoints reuse dst's storage")
	if testing.Short() {
		return // the race detector allocates
	}
	allocs := testing.AllocsPerRun(20, func() { dst, err = e.EstimateInto(context.Background(), dst, img) })
	require.NoError(t, err)
	assert.Zero(t, allocs)
}

// TestPoseLifetime: the lifetime rules of every task (see lifetime_test.go)
// on PoseEstimator and PoseEstimatorPool: errors for bad images, nil and
// ended contexts, ErrClosed after Close, Input after Close.
func TestPoseLifetime(t *testing.T) {
	short := &image.RGBA{Pix: make([]byte, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}
	type estimator interface {
		Estimate(context.Context, image.Image) ([]models.Pose, error)
		EstimateInto(context.Context, []models.Pose, image.Image) ([]models.Pose, error)
		Input() models.InputSpec
		Close() error
	}
	for _, build := range []struct {
		name string
		new  func(*tflite.Model, *models.Options) (estimator, error)
	}{
		{"PoseEstimator", func(m *tflite.Model, o *models.Options) (estimator, error) { return models.NewPoseEstimator(m, o) }},
		{"PoseEstimatorPool", func(m *tflite.Model, o *models.Options) (estimator, error) {
			return models.NewPoseEstimatorPool(m, o, 2)
		}},
	} {
		t.Run(build.name, func(t *testing.T) {
			e, err := build.new(rowProbe(t), &models.Options{Threads: 2})
			require.NoError(t, err)
			for _, c := range []struct {
				img  image.Image
				want string
			}{
				{nil, "nil image"}, {typedNil, "nil *image.RGBA image"}, {image.NewRGBA(image.Rect(0, 0, 0, 5)), "no pixels"},
				{image.NewUniform(color.White), "over the limit"}, {short, "shorter than its bounds"},
			} {
				dst, err := e.EstimateInto(context.Background(), make([]models.Pose, 2), c.img)
				assert.ErrorContains(t, err, c.want)
				assert.Empty(t, dst)
			}
			img := image.NewRGBA(image.Rect(0, 0, 8, 8))
			//lint:ignore SA1012 a nil context is the misuse under test
			_, err = e.Estimate(nil, img)
			assert.ErrorContains(t, err, "nil context")
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err = e.Estimate(ctx, img)
			assert.ErrorIs(t, err, context.Canceled)

			require.NoError(t, e.Close())
			_, err = e.Estimate(context.Background(), img)
			assert.ErrorIs(t, err, models.ErrClosed)
			assert.ErrorIs(t, err, nn.ErrClosed)
			assert.NoError(t, e.Close(), "second Close")
			assert.Equal(t, 17, e.Input().Width, "Input after Close")
		})
	}
}

// TestPosePool: 8 goroutines share a pool of 3 and get the lone
// estimator's results; Close waits for a call in flight, which completes.
func TestPosePool(t *testing.T) {
	m := columnProbe(t, tflite.TypeUint8)
	var imgs []image.Image
	for k := range 4 {
		imgs = append(imgs, bands(k, 0, 9+k, 40+7*k, 100, 2+k, func(i int) color.RGBA {
			return color.RGBA{uint8(13 * i), uint8(200 - 9*i), uint8(60 * k), 255}
		}))
	}
	lone := newEstimator(t, m, &models.Options{Threads: 1})
	pool, err := models.NewPoseEstimatorPool(m, nil, 3)
	require.NoError(t, err)
	defer pool.Close()
	assert.Equal(t, 3, pool.Size())
	checkPool(t, imgs, 3, lone.Estimate, pool.EstimateInto)

	one, err := models.NewPoseEstimatorPool(m, &models.Options{Threads: 1}, 1)
	require.NoError(t, err)
	g := newGate(imgs[0])
	var res []models.Pose
	var callErr error
	var wg sync.WaitGroup
	wg.Go(func() { res, callErr = one.Estimate(context.Background(), g) })
	<-g.entered
	closed := make(chan error)
	go func() { closed <- one.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	default:
	}
	close(g.gate)
	require.NoError(t, <-closed)
	wg.Wait()
	require.NoError(t, callErr)
	want, err := lone.Estimate(context.Background(), imgs[0])
	require.NoError(t, err)
	assert.Equal(t, want, res)
	_, err = one.Estimate(context.Background(), imgs[0])
	assert.ErrorIs(t, err, models.ErrClosed)
}

// moveNet opens Coral's MoveNet lightning from shared/models, skipping when
// it is absent.
func moveNet(t testing.TB) *tflite.Model {
	t.Helper()
	m, err := tflite.Open(testmodels.Path(t, "pose", "movenet_single_pose_lightning_ptq.tflite"))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// squat is the photo Coral's MoveNet test uses (500×610) and MoveNet's
// estimate on it.
func squat(t testing.TB, o *models.Options) (*models.PoseEstimator, image.Image, models.Pose) {
	t.Helper()
	m := moveNet(t)
	e, err := models.NewPoseEstimator(m, o)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	img, err := models.LoadImage(testmodels.Path(t, "pose", "squat.bmp"))
	require.NoError(t, err)
	return e, img, estimateOne(t, e, img)
}

// TestMoveNetSquat: MoveNet places the squatting person's keypoints where
// the body is: the head above the shoulders above the hips, the ankles
// lowest, most keypoints confident, and all of them on the person, who
// stands in the middle of the photo.
func TestMoveNetSquat(t *testing.T) {
	if testing.Short() {
		t.Skip("MoveNet takes seconds under -race: covered by the full run")
	}
	e, img, pose := squat(t, &models.Options{Threads: 1})
	assert.Equal(t, models.InputSpec{Width: 192, Height: 192, Channels: 3, Type: tflite.TypeUint8}, e.Input())
	require.Equal(t, image.Rect(0, 0, 500, 610), img.Bounds())
	k := pose.Keypoints
	for _, kp := range k {
		t.Logf("%-14s x %6.1f y %6.1f score %.3f", kp.Name, kp.X, kp.Y, kp.Score)
	}
	assert.Greater(t, pose.Score, float32(0.5))
	head := max(k[models.KeypointNose].Y, k[models.KeypointLeftEye].Y, k[models.KeypointRightEye].Y)
	shoulders := min(k[models.KeypointLeftShoulder].Y, k[models.KeypointRightShoulder].Y)
	hips := min(k[models.KeypointLeftHip].Y, k[models.KeypointRightHip].Y)
	knees := max(k[models.KeypointLeftKnee].Y, k[models.KeypointRightKnee].Y)
	ankles := min(k[models.KeypointLeftAnkle].Y, k[models.KeypointRightAnkle].Y)
	assert.Less(t, head, shoulders, "head above the shoulders")
	assert.Less(t, max(k[models.KeypointLeftShoulder].Y, k[models.KeypointRightShoulder].Y), hips, "shoulders above the hips")
	assert.Less(t, knees, ankles, "ankles lowest")
	for _, kp := range k {
		assert.True(t, kp.X > 100 && kp.X < 400 && kp.Y > 150 && kp.Y < 580, "%s (%.0f, %.0f) on the person", kp.Name, kp.X, kp.Y)
	}
}

// TestMoveNetAgainstLiteRTJS: end to end from the photo file, percept's
// keypoints against LiteRT.js (TFLite in WebAssembly) run on the same
// input tensor, its output mapped to pixels by this test's own
// letterbox arithmetic: within 2 % of the image's size (its longer side).
func TestMoveNetAgainstLiteRTJS(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	e, _, pose := squat(t, &models.Options{Threads: 1})
	in := e.Interpreter().Input(0)
	path := filepath.Join(t.TempDir(), "squat.npy")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, npy.Write(f, &npy.Array{DType: "|u1", Shape: in.Shape, Data: in.Bytes()}))
	require.NoError(t, f.Close())
	out := ref.Run(t, testmodels.Path(t, "pose", "movenet_single_pose_lightning_ptq.tflite"), path)
	a, err := npy.ReadFile(out[0][0])
	require.NoError(t, err)
	want, err := a.Float32s()
	require.NoError(t, err)
	require.Len(t, want, 3*models.NumKeypoints)

	// 500×610 into 192×192: the height limits, the image takes
	// 500·192/610 = 157 columns from (192−157)/2 = 17.
	const w, h, left, cols = 500.0, 610.0, 17.0, 157.0
	tol := 0.02 * max(w, h)
	var worst float64
	for i, k := range pose.Keypoints {
		x := min(max((float64(want[3*i+1])*192-left)*w/cols, 0), w)
		y := min(max(float64(want[3*i])*h, 0), h)
		d := math.Max(math.Abs(float64(k.X)-x), math.Abs(float64(k.Y)-y))
		worst = math.Max(worst, d)
		t.Logf("%-14s percept (%6.1f, %6.1f) %.3f  LiteRT.js (%6.1f, %6.1f) %.3f  off %.1f px",
			k.Name, k.X, k.Y, k.Score, x, y, want[3*i+2], d)
		assert.LessOrEqual(t, d, tol, "%s: %.1f px from LiteRT.js's", k.Name, d)
	}
	t.Logf("largest deviation %.1f px: %.2f %% of the longer side, %.2f %% of the width", worst, 100*worst/max(w, h), 100*worst/w)
}

// TestMoveNetPoolsAndTargets: a pool's results and every kernel target's
// equal the lone estimator's on the default target, and a reused result
// costs no allocation.
func TestMoveNetPoolsAndTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("MoveNet takes seconds under -race: covered by the full run")
	}
	e, img, want := squat(t, &models.Options{Threads: 1})
	for _, target := range nn.KernelTargets() {
		o := &models.Options{Threads: 2, Kernels: target}
		if o.Validate() != nil {
			continue // not on this CPU
		}
		te := newEstimator(t, moveNet(t), o)
		assert.Equal(t, want, estimateOne(t, te, img), "kernels %s", target)
	}
	pool, err := models.NewPoseEstimatorPool(moveNet(t), nil, 2)
	require.NoError(t, err)
	defer pool.Close()
	checkPool(t, []image.Image{img}, 2, e.Estimate, pool.EstimateInto)

	dst, err := e.EstimateInto(context.Background(), nil, img)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(5, func() { dst, err = e.EstimateInto(context.Background(), dst, img) })
	require.NoError(t, err)
	assert.Zero(t, allocs)
}

// BenchmarkPoseEstimate times a whole call on the squat photo: letterbox
// of the 500×610 image, MoveNet, decoding, into a reused result.
func BenchmarkPoseEstimate(b *testing.B) {
	e, img, _ := squat(b, &models.Options{Threads: 1})
	var dst []models.Pose
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if dst, err = e.EstimateInto(context.Background(), dst, img); err != nil {
			b.Fatal(err)
		}
	}
}

// A robot that watches a person's squat: MoveNet's keypoints in the
// photo's pixels, the hips against the knees.
func ExamplePoseEstimator() {
	m, err := tflite.Parse(assets.PoseModel) // Coral's MoveNet lightning, embedded
	if err != nil {
		log.Fatal(err)
	}
	est, err := models.NewPoseEstimator(m, &models.Options{MinScore: 0.2})
	if err != nil {
		log.Fatal(err)
	}
	defer est.Close()
	img, err := models.LoadImage("squat.jpg")
	if err != nil {
		log.Fatal(err)
	}
	var poses []models.Pose // reused across frames: no allocation per call
	poses, err = est.EstimateInto(context.Background(), poses, img)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range poses {
		hip, knee := p.Keypoints[models.KeypointLeftHip], p.Keypoints[models.KeypointLeftKnee]
		if hip.Score >= 0.3 && knee.Score >= 0.3 {
			// Image y grows downwards: a hip below its knee is a deep squat.
			fmt.Printf("left hip %.0f px above the knee (score %.2f)\n", knee.Y-hip.Y, p.Score)
		}
	}
}
