package models_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"log"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

	if testing.Short() {
		return // thirty inferences take a while under -race with the generic kernels
	}
	// The faces of the other photos, as TestFacesAgainstLiteRTJS counts
	// them without needing LiteRT.js.
	for name, n := range faceCounts(map[string]int{"pets.jpg": 1}) {
		img, err := models.LoadImage(testmodels.Path(t, "images", name))
		require.NoError(t, err)
		faces, err := f.Detect(context.Background(), img)
		require.NoError(t, err)
		assert.Len(t, faces, n, "%s: %v", name, faces)
	}
}

// BenchmarkFaceDetect times a whole call (decode excluded: sampling the
// photo into the input, inference, decoding and suppression) of the
// embedded short-range model on face.jpg, per kernel target, one thread.
func BenchmarkFaceDetect(b *testing.B) {
	img, err := models.LoadImage(testmodels.Path(b, "images", "face.jpg"))
	require.NoError(b, err)
	for _, target := range nn.KernelTargets() {
		b.Run(target, func(b *testing.B) {
			f, err := models.NewFaceDetector(embeddedFaceModel(b), &models.Options{Threads: 1, Kernels: target})
			require.NoError(b, err)
			defer f.Close()
			var dst []models.Face
			b.ReportAllocs()
			for b.Loop() {
				dst, err = f.DetectInto(context.Background(), dst, img)
			}
			require.NoError(b, err)
			require.Len(b, dst, 2)
		})
	}
}

// faceModel is a BlazeFace model of the accuracy test, with the number
// of faces it should find on each photo (photos not listed: it must only
// agree with the reference).
type faceModel struct {
	name, path string
	want       map[string]int
}

// noFacePhotos are the photos of ../shared/models/images without a human
// face (looked at one by one): objects, animals, and kite_and_cold.jpg's
// people seen from behind or far away.
var noFacePhotos = []string{
	"aero3.jpg", "baboon.jpg", "bird.bmp", "black_car.jpg", "burger.jpg", "butterfly.jpg", "cat.bmp", "cat.jpg",
	"dogs.jpg", "fruits.jpg", "hot_dog.jpg", "kite_and_cold.jpg", "multi_objects.jpg", "owl.jpg", "parrot.jpg",
	"peacock.png", "space_shuttle.jpg", "sparrow.png", "squirrel_cls.jpg", "sunflower.bmp", "white_car.jpg",
}

// faceCounts are the faces a model finds: one in Grace Hopper's portrait,
// the two people in front in face.jpg, the two children in example.jpg,
// none in noFacePhotos but those in extra.
func faceCounts(extra map[string]int) map[string]int {
	want := map[string]int{"grace_hopper.jpg": 1, "grace_hopper.bmp": 1, "face.jpg": 2, "example.jpg": 2}
	for _, p := range noFacePhotos {
		want[p] = 0
	}
	maps.Copy(want, extra)
	return want
}

// refFace is one face as blazeface_reference.mjs prints it.
type refFace struct {
	Score     float64      `json:"score"`
	Xmin      float64      `json:"xmin"`
	Ymin      float64      `json:"ymin"`
	Xmax      float64      `json:"xmax"`
	Ymax      float64      `json:"ymax"`
	Keypoints [][2]float64 `json:"keypoints"`
}

// TestFacesAgainstLiteRTJS is the accuracy check: on every photo
// of ../shared/models/images, the exact input tensor percept feeds is run
// through LiteRT.js, whose raw outputs testdata/blazeface_reference.mjs
// decodes independently of percept (MediaPipe's anchors, decoding,
// weighted NMS and projection, written again in JavaScript). percept's
// faces must be the reference's, boxes and keypoints within 3 pixels and
// scores within 0.02, and their number what faceModel.want says.
// PERCEPT_FACE_FULL_RANGE names MediaPipe's face_detection_full_range.tflite
// (npm @mediapipe/face_detection) to include it.
func TestFacesAgainstLiteRTJS(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	decoder, err := filepath.Abs(filepath.Join("testdata", "blazeface_reference.mjs"))
	require.NoError(t, err)
	dir := testmodels.Path(t, "images")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var photos []string
	for _, e := range entries {
		photos = append(photos, e.Name())
	}
	fms := []faceModel{
		{"short-range", testmodels.Path(t, "float16", "face_detection_short_range.tflite"),
			// The running dog's face, which MediaPipe's decoding finds on the
			// same tensors: the model's mistake, not the decoder's.
			faceCounts(map[string]int{"pets.jpg": 1})},
		{"front", testmodels.Path(t, "float16", "face_detection_front.tflite"),
			// The front model also finds the man on the right edge of
			// face.jpg, and animal faces (cat, dogs, squirrel) and the
			// coat of multi_objects.jpg's walker.
			faceCounts(map[string]int{"face.jpg": 3, "pets.jpg": 1, "dogs.jpg": 1, "squirrel_cls.jpg": 1,
				"multi_objects.jpg": 1, "cat.jpg": 1})},
	}
	if p := os.Getenv("PERCEPT_FACE_FULL_RANGE"); p != "" {
		fms = append(fms, faceModel{"full-range", p, map[string]int{"grace_hopper.jpg": 1, "grace_hopper.bmp": 1}})
	} else {
		t.Log("full-range left out: set PERCEPT_FACE_FULL_RANGE to MediaPipe's face_detection_full_range.tflite")
	}
	for _, fm := range fms {
		t.Run(fm.name, func(t *testing.T) {
			m, err := tflite.Open(fm.path)
			require.NoError(t, err)
			defer m.Close()
			f, err := models.NewFaceDetector(m, &models.Options{Threads: 2})
			require.NoError(t, err)
			defer f.Close()
			tmp := t.TempDir()
			got := make([][]models.Face, len(photos))
			sizes := make([]image.Point, len(photos))
			inputs := make([]string, len(photos))
			raw := make([][][]float32, len(photos)) // percept's outputs, in model order
			for i, name := range photos {
				img, err := models.LoadImage(filepath.Join(dir, name))
				require.NoError(t, err)
				got[i], err = f.Detect(context.Background(), img)
				require.NoError(t, err)
				sizes[i] = img.Bounds().Size()
				for _, o := range f.Interpreter().Outputs() {
					raw[i] = append(raw[i], slices.Clone(o.Float32s()))
				}
				in := f.Interpreter().Input(0)
				inputs[i] = filepath.Join(tmp, strings.TrimSuffix(name, filepath.Ext(name))+filepath.Ext(name)[1:]+".npy")
				out, err := os.Create(inputs[i])
				require.NoError(t, err)
				require.NoError(t, npy.Write(out, &npy.Array{DType: "<f4", Shape: in.Shape, Data: in.Bytes()}))
				require.NoError(t, out.Close())
			}
			outs := ref.Run(t, fm.path, inputs...)
			var rawDev float64
			for i, name := range photos {
				var regressors, scores string
				require.Len(t, outs[i], len(raw[i]))
				for k, o := range outs[i] {
					a, err := npy.ReadFile(o)
					require.NoError(t, err)
					require.Len(t, a.Data, 4*len(raw[i][k]))
					for j, v := range raw[i][k] {
						r := math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*j:]))
						rawDev = max(rawDev, math.Abs(float64(v-r)))
					}
					if a.Shape[len(a.Shape)-1] == 16 {
						regressors = o
					} else {
						scores = o
					}
				}
				cmd := exec.Command("node", decoder, regressors, scores, strconv.Itoa(sizes[i].X), strconv.Itoa(sizes[i].Y))
				line, err := cmd.Output()
				require.NoError(t, err, "%s: %s", name, cmd)
				var want []refFace
				require.NoError(t, json.Unmarshal(line, &want), "%s", line)
				checkFacesAgainst(t, name, sizes[i], got[i], want)
				if n, ok := fm.want[name]; ok {
					assert.Len(t, got[i], n, "%s: faces", name)
				}
			}
			t.Logf("raw outputs of the %d photos within %.2g of LiteRT.js's", len(photos), rawDev)
		})
	}
}

// checkFacesAgainst compares percept's faces with the reference's, in
// order, logging the largest deviation.
func checkFacesAgainst(t *testing.T, name string, size image.Point, got []models.Face, want []refFace) {
	t.Helper()
	if !assert.Len(t, got, len(want), "%s: percept %v, reference %v", name, got, want) {
		return
	}
	w, h := float64(size.X), float64(size.Y)
	clamp := func(v, hi float64) float64 { return min(max(v, 0), hi) }
	var boxDev, kpDev, scoreDev float64
	for i, g := range got {
		r := want[i]
		b := g.Box
		for _, d := range []float64{
			float64(b.X) - clamp(r.Xmin, w), float64(b.Y) - clamp(r.Ymin, h),
			float64(b.X+b.Width) - clamp(r.Xmax, w), float64(b.Y+b.Height) - clamp(r.Ymax, h),
		} {
			boxDev = max(boxDev, math.Abs(d))
		}
		for k, p := range g.Keypoints {
			kpDev = max(kpDev, math.Abs(float64(p.X)-clamp(r.Keypoints[k][0], w)), math.Abs(float64(p.Y)-clamp(r.Keypoints[k][1], h)))
		}
		scoreDev = max(scoreDev, math.Abs(float64(g.Score)-r.Score))
	}
	if len(got) > 0 {
		t.Logf("%s: %d faces, box edges within %.2f px, keypoints within %.3f px, scores within %.5f", name, len(got), boxDev, kpDev, scoreDev)
	}
	assert.LessOrEqual(t, boxDev, 3.0, "%s: box deviation in pixels", name)
	assert.LessOrEqual(t, kpDev, 3.0, "%s: keypoint deviation in pixels", name)
	assert.LessOrEqual(t, scoreDev, 0.02, "%s: score deviation", name)
}

// TestFaceDetectorLifetime: the lifetime rules of every task, on the face
// detector and its pool: calls after Close fail with ErrClosed, Close is
// idempotent, a context ends a call between operators, bad images and a
// nil context are errors.
func TestFaceDetectorLifetime(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	build := map[string]func(*tflite.Model, *models.Options) (faceFinder, error){
		"FaceDetector": func(m *tflite.Model, o *models.Options) (faceFinder, error) { return models.NewFaceDetector(m, o) },
		"FaceDetectorPool": func(m *tflite.Model, o *models.Options) (faceFinder, error) {
			return models.NewFaceDetectorPool(m, o, 2)
		},
	}
	for name, b := range build {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(t *testing.T) {
				f, err := b(embeddedFaceModel(t), &models.Options{Threads: threads})
				require.NoError(t, err)
				_, err = f.Detect(steps(2), img)
				assert.ErrorIs(t, err, context.Canceled)
				for _, c := range []struct {
					img  image.Image
					want string
				}{
					{nil, "nil image"}, {typedNil, "nil *image.RGBA image"},
					{image.NewRGBA(image.Rect(0, 0, 0, 5)), "no pixels"}, {image.NewUniform(color.White), "over the limit"},
				} {
					_, err := f.Detect(context.Background(), c.img)
					assert.ErrorContains(t, err, c.want)
				}
				//lint:ignore SA1012 a nil context is the misuse under test
				_, err = f.Detect(nil, img)
				assert.ErrorContains(t, err, "nil context")
				require.NoError(t, f.Close())
				for range 2 {
					dst, err := f.DetectInto(context.Background(), make([]models.Face, 2), img)
					assert.ErrorIs(t, err, models.ErrClosed)
					assert.Empty(t, dst)
				}
				assert.NoError(t, f.Close(), "second Close")
				assert.Equal(t, 128, f.Input().Width, "Input after Close")
				assert.Equal(t, models.FaceShortRange, f.Variant())
			})
		}
	}
}

// faceFinder is what FaceDetector and FaceDetectorPool share.
type faceFinder interface {
	Detect(context.Context, image.Image) ([]models.Face, error)
	DetectInto(context.Context, []models.Face, image.Image) ([]models.Face, error)
	Input() models.InputSpec
	Variant() models.FaceVariant
	Close() error
}

// TestFaceDetectorPool serves 8 goroutines (6 under -short) from a pool of 3 and requires
// every result to equal a lone detector's; closing the pool while a call
// runs waits for it; the model may be closed before the detectors.
func TestFaceDetectorPool(t *testing.T) {
	imgs := []image.Image{decode(t, assets.DogsJPEG), decode(t, assets.BurgerJPEG)}
	rounds := 1 // under -short (the race run, where an inference takes a second)
	if !testing.Short() && testmodels.Root() != "" {
		rounds = 2
		for _, name := range []string{"grace_hopper.jpg", "face.jpg", "example.jpg"} {
			img, err := models.LoadImage(testmodels.Path(t, "images", name))
			require.NoError(t, err)
			imgs = append(imgs, img)
		}
	}
	m, _ := tflitetest.OpenFile(t, assets.FaceModel)
	lone, err := models.NewFaceDetector(m, &models.Options{Threads: 1})
	require.NoError(t, err)
	want := make([][]models.Face, len(imgs))
	for i, img := range imgs {
		want[i], err = lone.Detect(context.Background(), img)
		require.NoError(t, err)
	}
	require.NoError(t, lone.Close())
	pool, err := models.NewFaceDetectorPool(m, nil, 3)
	require.NoError(t, err)
	require.NoError(t, m.Close(), "the pool holds the model's memory")
	assert.Equal(t, 3, pool.Size())
	assert.Equal(t, float32(0.5), pool.MinScore())
	var wg sync.WaitGroup
	for g := range 4 + 4*rounds {
		wg.Go(func() {
			var dst []models.Face
			for k := range rounds * len(imgs) {
				i := (g + k) % len(imgs)
				var err error
				dst, err = pool.DetectInto(context.Background(), dst, imgs[i])
				if assert.NoError(t, err) {
					assert.Equal(t, want[i], append([]models.Face(nil), dst...), "image %d", i)
				}
			}
		})
	}
	wg.Wait()

	// Close while a call is in flight: it completes, Close waits for it.
	g := newGate(imgs[0])
	done := make(chan error)
	go func() {
		_, err := pool.Detect(context.Background(), g)
		done <- err
	}()
	<-g.entered
	closed := make(chan error)
	go func() { closed <- pool.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	close(g.gate)
	require.NoError(t, <-done)
	require.NoError(t, <-closed)
	_, err = pool.Detect(context.Background(), imgs[0])
	assert.ErrorIs(t, err, models.ErrClosed)
}

// TestFaceDetectIntoAllocatesNothing counts the process's heap allocations
// (runtime.MemStats.Mallocs, workers and runtime included) over 100 calls
// with a reused output, with 1 and 2 threads: none. As in nn's
// TestInvokeMallocsNothing, windows of 20 calls first settle the runtime
// (its first thread for a worker, its timers allocate once), and a window
// is measured up to three times, since the runtime may start a thread or
// its scavenger in any one; an allocation per call would show in all.
func TestFaceDetectIntoAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are for the full run (the race detector allocates)")
	}
	img := decode(t, assets.DogsJPEG)
	if testmodels.Root() != "" {
		var err error
		img, err = models.LoadImage(testmodels.Path(t, "images", "face.jpg")) // two faces, merged from many boxes
		require.NoError(t, err)
	}
	runtime.GC()
	for _, threads := range []int{1, 2} {
		f, err := models.NewFaceDetector(embeddedFaceModel(t), &models.Options{Threads: threads})
		require.NoError(t, err)
		var dst []models.Face
		calls := func(n int) uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			runtime.ReadMemStats(&before) // the first read may start a thread
			for range n {
				dst, err = f.DetectInto(context.Background(), dst, img)
			}
			runtime.ReadMemStats(&after)
			return after.Mallocs - before.Mallocs
		}
		for range 20 {
			if calls(20) == 0 {
				break
			}
		}
		var n uint64
		for range 3 {
			if n = calls(100); n == 0 {
				break
			}
		}
		require.NoError(t, err)
		assert.Zero(t, n, "threads=%d: heap allocations in 100 calls", threads)
		require.NoError(t, f.Close())
	}
}

// TestFaceDetectorRefuses: options that do not apply, models of other
// tasks and BlazeFace-like signatures percept does not know are errors
// that say what was found.
func TestFaceDetectorRefuses(t *testing.T) {
	_, err := models.NewFaceDetector(embeddedFaceModel(t), &models.Options{Labels: models.Labels{0: "face"}})
	assert.ErrorContains(t, err, "Labels")
	_, err = models.NewFaceDetectorPool(embeddedFaceModel(t), nil, 0)
	assert.ErrorContains(t, err, "size 0")
	f, err := models.NewFaceDetector(embeddedFaceModel(t), &models.Options{MinScore: 0.7, Threads: 1})
	require.NoError(t, err)
	assert.Equal(t, float32(0.7), f.MinScore())
	require.NoError(t, f.Close())

	_, err = models.NewFaceDetector(embeddedClassifierModel(t), nil)
	assert.ErrorContains(t, err, "not a faces model")
	assert.ErrorContains(t, err, "looks like a classifier")
	_, err = models.NewFaceDetector(embeddedDetectorModel(t), nil)
	assert.ErrorContains(t, err, "looks like a detector")
	_, err = models.NewDetector(embeddedFaceModel(t), nil)
	assert.ErrorContains(t, err, "looks like a BlazeFace face detector: use NewFaceDetector")

	// Signatures built by hand: input [1, size, size, 3], outputs as given.
	sig := func(size int32, outs ...tflite.Tensor) *tflite.Model {
		tensors := append([]tflite.Tensor{{Name: "input", Type: tflite.TypeFloat32, Shape: []int32{1, size, size, 3}}}, outs...)
		sg := tflite.Subgraph{Tensors: tensors, Inputs: []int32{0}}
		for i := range outs {
			sg.Outputs = append(sg.Outputs, int32(i+1))
		}
		return &tflite.Model{Subgraphs: []tflite.Subgraph{sg}}
	}
	out := func(typ tflite.TensorType, shape ...int32) tflite.Tensor {
		return tflite.Tensor{Name: "out", Type: typ, Shape: shape}
	}
	f32 := tflite.TypeFloat32
	for _, c := range []struct {
		name string
		m    *tflite.Model
		want string // "" when it fits
	}{
		{"short-range", sig(128, out(f32, 1, 896, 16), out(f32, 1, 896, 1)), ""},
		{"scores first", sig(128, out(f32, 1, 896, 1), out(f32, 1, 896, 16)), ""},
		{"full-range", sig(192, out(f32, 1, 2304, 16), out(f32, 1, 2304, 1)), ""},
		{"back camera layout", sig(256, out(f32, 1, 896, 16), out(f32, 1, 896, 1)), "its input is 256×256 with 896 anchors"},
		{"anchors disagree", sig(128, out(f32, 1, 896, 16), out(f32, 1, 895, 1)), "BlazeFace's 2 FLOAT32 outputs"},
		{"no scores", sig(128, out(f32, 1, 896, 16), out(f32, 1, 896, 16)), "regressors [1, N, 16] and scores [1, N, 1]"},
		{"int8", sig(128, out(tflite.TypeInt8, 1, 896, 16), out(f32, 1, 896, 1)), "INT8[1 896 16]"},
		{"one output", sig(128, out(f32, 1, 896, 16)), "it has 1 output"},
		{"flat", sig(128, out(f32, 896, 16), out(f32, 896, 1)), "BlazeFace's 2 FLOAT32 outputs"},
	} {
		err := models.CheckTask(c.m, models.TaskFaces)
		if c.want == "" {
			assert.NoError(t, err, c.name)
			continue
		}
		assert.ErrorContains(t, err, "not a faces model", c.name)
		assert.ErrorContains(t, err, c.want, c.name)
	}
}

// Faces in a photo, with the embedded BlazeFace short-range model, and
// where each person's eyes are.
func ExampleFaceDetector() {
	m, err := tflite.Parse(assets.FaceModel)
	if err != nil {
		log.Fatal(err)
	}
	faces, err := models.NewFaceDetector(m, nil) // MediaPipe's threshold, 0.5
	if err != nil {
		log.Fatal(err)
	}
	defer faces.Close()
	img, err := models.LoadImage("photo.jpg")
	if err != nil {
		log.Fatal(err)
	}
	found, err := faces.Detect(context.Background(), img)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range found {
		eye := f.Keypoints[models.FaceRightEye]
		fmt.Printf("face %.2f at %v, right eye at (%.0f, %.0f)\n", f.Score, f.Box.Rect(), eye.X, eye.Y)
	}
}
