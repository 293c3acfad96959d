package nn_test

import (
	"cmp"
	"fmt"
	"image"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// referenceModel is a real model with reference outputs from Arm NN and,
// where it could run the model, LiteRT.js.
type referenceModel struct {
	file string // under shared/models
	ref  string // folder under reference/armnn and reference/litertjs
	kind string // "classifier", "detector" or "float"
}

var referenceModels = []referenceModel{
	{"detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", "coco_ssd_mobilenet_v1_quant", "detector"},
	{"detection/coco_ssd_mobilenet_v1_quant_no_metadata.tflite", "coco_ssd_mobilenet_v1_quant_no_metadata", "detector"},
	{"detection/mobilenet_ssd_v2_coco_quant_postprocess.tflite", "mobilenet_ssd_v2_coco_quant_postprocess", "detector"},
	{"classification/mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.25_128_quant", "classifier"},
	{"classification/mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.25_224_quant", "classifier"},
	{"classification/mobilenet_v2_1.0_224_quant.tflite", "mobilenet_v2_1.0_224_quant", "classifier"},
	{"classification/mobilenet_v2_1.0_224_quant_with_metadata.tflite", "mobilenet_v2_1.0_224_quant_with_metadata", "classifier"},
	{"classification/tf2_mobilenet_v2_1.0_224_ptq.tflite", "tf2_mobilenet_v2_1.0_224_ptq", "classifier"},
	{"tflm/person_detect.tflite", "person_detect", "classifier"},
	{"classification/mobilenet_v1_0.25_224_1_metadata_1.tflite", "mobilenet_v1_0.25_224_float", "float"},
	{"float16/face_detection_front.tflite", "face_detection_front", "float"},
	{"float16/face_detection_short_range.tflite", "face_detection_short_range", "float"},
	{"float16/hand_landmark_lite.tflite", "hand_landmark_lite", "float"},
}

// quantizedSpread is how far the two references themselves lie apart on
// single quantized outputs (shared/models/MANIFEST.md): percept must sit
// within it.
const quantizedSpread = 14

// rankTies is how far below percept's score a reference's top class may
// score in percept's output: classes this close swap ranks between the two
// references as well.
const rankTies = 6

// TestReferenceOutputs runs every real model on the exact input tensors the
// references were fed and compares every output with both references.
func TestReferenceOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every real model on every reference photo: covered by the full (non -short) run")
	}
	for _, rm := range referenceModels {
		t.Run(rm.ref, func(t *testing.T) {
			path := testmodels.Path(t, rm.file)
			m, err := tflite.Open(path)
			require.NoError(t, err)
			defer m.Close()
			it, err := nn.New(m, &nn.Options{Threads: 2})
			require.NoError(t, err)
			defer it.Close()
			armnnDir := testmodels.Path(t, "reference", "armnn", rm.ref)
			inputs, err := filepath.Glob(filepath.Join(armnnDir, "*.input.npy"))
			require.NoError(t, err)
			require.NotEmpty(t, inputs)
			for _, in := range inputs {
				stem := strings.TrimSuffix(filepath.Base(in), ".input.npy")
				a, err := npy.ReadFile(in)
				require.NoError(t, err)
				require.Equal(t, it.Input(0).Shape, a.Shape, "input shape")
				copy(it.Input(0).Bytes(), a.Data)
				require.NoError(t, it.Invoke())
				refs := map[string][]*npy.Array{}
				for _, refName := range []string{"armnn", "litertjs"} {
					dir := filepath.Join(testmodels.Root(), "reference", refName, rm.ref)
					if _, err := os.Stat(filepath.Join(dir, stem+".output_0.npy")); err != nil {
						continue
					}
					for k := range it.Outputs() {
						ref, err := npy.ReadFile(filepath.Join(dir, fmt.Sprintf("%s.output_%d.npy", stem, k)))
						require.NoError(t, err)
						refs[refName] = append(refs[refName], ref)
					}
				}
				compareOutputs(t, rm, it, stem, refs)
			}
		})
	}
}

// compareOutputs checks percept's outputs against every reference, and
// logs the differences. Where two references exist, percept must sit within
// their own spread: close to at least one of them.
func compareOutputs(t *testing.T, rm referenceModel, it *nn.Interpreter, stem string, refs map[string][]*npy.Array) {
	t.Helper()
	names := slices.Sorted(maps.Keys(refs))
	switch rm.kind {
	case "detector":
		o := it.Outputs()
		got := detections(asFloats(t, o[0].Bytes(), o[0].Type), asFloats(t, o[1].Bytes(), o[1].Type),
			asFloats(t, o[2].Bytes(), o[2].Type), asFloats(t, o[3].Bytes(), o[3].Type))
		want := map[string][]detection{}
		for _, name := range names {
			r := refs[name]
			want[name] = detections(asFloats(t, r[0].Data, tflite.TypeFloat32), asFloats(t, r[1].Data, tflite.TypeFloat32),
				asFloats(t, r[2].Data, tflite.TypeFloat32), asFloats(t, r[3].Data, tflite.TypeFloat32))
		}
		compareDetections(t, stem, got, want, scoreTolerance(it))
	case "classifier":
		out := it.Output(0)
		got := asFloats(t, out.Bytes(), out.Type)
		nearest := make([]float64, len(got)) // distance to the nearest reference
		for i := range nearest {
			nearest[i] = math.Inf(1)
		}
		for _, name := range names {
			want := asFloats(t, refs[name][0].Data, out.Type)
			maxd, mean := diffStats(got, want)
			t.Logf("%s vs %s: max |Δ| %.0f steps, mean |Δ| %.3f steps", stem, name, maxd, mean)
			for i := range got {
				nearest[i] = min(nearest[i], math.Abs(got[i]-want[i]))
			}
			if len(got) > 10 {
				assert.Less(t, mean, 2.0, "%s vs %s: mean difference", stem, name)
			}
			// The reference's top-5 classes are percept's top-5 but for
			// near-ties: a reference class may sit up to rankTies steps
			// below percept's fifth (or, for top-1, its first).
			ours5 := topK(got, min(5, len(got)))
			for _, c := range topK(want, len(ours5)) {
				assert.GreaterOrEqual(t, got[c], got[ours5[len(ours5)-1]]-rankTies, "%s vs %s: class %d is in the reference's top 5", stem, name, c)
			}
			assert.GreaterOrEqual(t, got[argmax(want)], got[argmax(got)]-rankTies, "%s vs %s: top-1", stem, name)
		}
		maxNearest, _ := diffStats(nearest, make([]float64, len(nearest)))
		assert.LessOrEqual(t, maxNearest, float64(quantizedSpread), "%s: distance to the nearest reference", stem)
	case "float":
		for k, out := range it.Outputs() {
			got := asFloats(t, out.Bytes(), out.Type)
			for _, name := range names {
				want := asFloats(t, refs[name][k].Data, out.Type)
				maxd, mean := diffStats(got, want)
				scale := 0.0
				for _, v := range want {
					scale = max(scale, math.Abs(v))
				}
				t.Logf("%s vs %s: output %d max |Δ| %.3g (%.2g of max |ref| %.3g), mean |Δ| %.3g", stem, name, k, maxd, maxd/scale, scale, mean)
				assert.LessOrEqual(t, maxd, 1e-4*max(scale, 1), "%s vs %s: output %d", stem, name, k)
			}
		}
	}
}

// scoreTolerance is how far a detection's score may differ from a
// reference's: 0.05, or one quantization step of the logits that the
// model's LOGISTIC turns into scores when that step is coarser (a step
// moves a score near 0.5 by a quarter of the logit scale).
func scoreTolerance(it *nn.Interpreter) float64 {
	sg := &it.Model().Subgraphs[0]
	post := sg.Operators[len(sg.Operators)-1]
	for _, o := range sg.Operators {
		if len(o.Outputs) == 1 && o.Outputs[0] == post.Inputs[1] && len(o.Inputs) == 1 {
			return max(0.05, 0.25*float64(it.Tensor(int(o.Inputs[0])).Scale())*1.001)
		}
	}
	return 0.05
}

// detection is one row of an SSD post-processed output.
type detection struct {
	class int
	score float64
	box   [4]float64 // ymin, xmin, ymax, xmax
}

// detections reads every detection.
func detections(boxes, classes, scores, count []float64) []detection {
	var ds []detection
	for i := range min(int(count[0]), len(scores)) {
		{
			ds = append(ds, detection{int(classes[i]), scores[i], [4]float64(boxes[4*i : 4*i+4])})
		}
	}
	return ds
}

// match finds the detection of d's class that overlaps it most, with
// IoU ≥ 0.5 and a score within tol.
func match(d detection, in []detection, tol float64) bool {
	best := -1.0
	var bestScore float64
	for _, c := range in {
		if v := testmodels.IoU(c.box, d.box); c.class == d.class && v > best {
			best, bestScore = v, c.score
		}
	}
	return best >= 0.5 && math.Abs(bestScore-d.score) <= tol
}

// compareDetections requires that every confident (≥ 0.5) detection of a
// reference is percept's too (same class, IoU ≥ 0.5, score within tol)
// unless the other reference disagrees about it, and that percept's
// confident detections appear in some reference.
func compareDetections(t *testing.T, stem string, got []detection, want map[string][]detection, tol float64) {
	t.Helper()
	for name, ws := range want {
		t.Logf("%s vs %s: %d detections ≥ 0.5 (reference %d)", stem, name, confident(got), confident(ws))
		for _, w := range ws {
			if w.score < 0.5 || match(w, got, tol) {
				continue
			}
			disputed := false
			for other, os := range want {
				disputed = disputed || (other != name && !match(w, os, tol))
			}
			assert.True(t, disputed, "%s vs %s: missing %+v", stem, name, w)
		}
	}
	for _, g := range got {
		if g.score < 0.5+tol {
			continue // may fall either side of 0.5 in any interpreter
		}
		found := false
		for _, ws := range want {
			found = found || match(g, ws, tol)
		}
		assert.True(t, found, "%s: %+v is in no reference", stem, g)
	}
}

func confident(ds []detection) int {
	n := 0
	for _, d := range ds {
		if d.score >= 0.5 {
			n++
		}
	}
	return n
}

// asFloats widens raw tensor bytes of the given type.
func asFloats(t *testing.T, data []byte, typ tflite.TensorType) []float64 {
	t.Helper()
	var out []float64
	switch typ {
	case tflite.TypeUint8:
		for _, v := range data {
			out = append(out, float64(v))
		}
	case tflite.TypeInt8:
		for _, v := range data {
			out = append(out, float64(int8(v)))
		}
	case tflite.TypeFloat32:
		for i := 0; i+4 <= len(data); i += 4 {
			bits := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
			out = append(out, float64(math.Float32frombits(bits)))
		}
	default:
		t.Fatalf("no comparison for type %s", typ)
	}
	return out
}

func diffStats(got, want []float64) (maxd, mean float64) {
	for i := range want {
		d := math.Abs(got[i] - want[i])
		maxd = max(maxd, d)
		mean += d
	}
	return maxd, mean / float64(len(want))
}

// topK returns the indices of the k largest values, largest first.
func topK(v []float64, k int) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
	return idx[:k]
}

func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// photoModel is a real model without reference tensors in shared/models:
// its input is a photo, scaled into the input.
type photoModel struct {
	name  string
	file  string // under shared/models
	photo string // under shared/models
	// stretch scales the whole photo to the input's size, as Coral's
	// segmentation test did to make its expected mask; else the photo keeps
	// its aspect ratio in the input's top-left corner (Coral's
	// set_resized_input).
	stretch bool
	// nativeOnly marks a model too heavy for emulated CPUs (scripts/test-arm
	// runs TestTargetsAgree under qemu): its targets are compared on amd64
	// only.
	nativeOnly bool
}

var (
	moveNet     = photoModel{"movenet_single_pose_lightning_ptq", "pose/movenet_single_pose_lightning_ptq.tflite", "pose/squat.bmp", false, false}
	deepLab     = photoModel{"deeplabv3_mnv2_dm05_pascal_quant", "segmentation/deeplabv3_mnv2_dm05_pascal_quant.tflite", "images/bird.bmp", true, true}
	photoModels = []photoModel{moveNet, deepLab}
)

// skipOnEmulatedCPU skips the heavy models where qemu may run the tests.
func (pm photoModel) skipOnEmulatedCPU(tb testing.TB) {
	tb.Helper()
	if pm.nativeOnly && runtime.GOARCH != "amd64" {
		tb.Skipf("%s: too heavy for the emulated ARM CPUs of scripts/test-arm; compared on amd64", pm.name)
	}
}

// loadPhotoInterpreter builds an interpreter for pm on a kernel target
// ("" for nn's choice) and fills its uint8 input with pm's photo.
func loadPhotoInterpreter(tb testing.TB, pm photoModel, threads int, target string) *nn.Interpreter {
	tb.Helper()
	m, err := tflite.Open(testmodels.Path(tb, pm.file))
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	it, err := nn.New(m, &nn.Options{Threads: threads, Kernels: target})
	require.NoError(tb, err)
	tb.Cleanup(func() { it.Close() })
	in := it.Input(0)
	require.Equal(tb, tflite.TypeUint8, in.Type)
	copy(in.Uint8s(), scalePhoto(tb, testmodels.Path(tb, pm.photo), in.Shape, pm.stretch))
	return it
}

// scalePhoto decodes a BMP photo and scales it into an RGB [1, H, W, 3]
// tensor: stretched to its size, or keeping its aspect ratio in the
// top-left corner of zeros, as Coral's examples fill an input
// (common.set_resized_input).
func scalePhoto(tb testing.TB, path string, shape []int, stretch bool) []byte {
	tb.Helper()
	require.Len(tb, shape, 4)
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	img, err := bmp.Decode(f)
	require.NoError(tb, err)
	h, w := shape[1], shape[2]
	b := img.Bounds()
	scale := min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	sw, sh := int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)
	if stretch {
		sw, sh = w, h
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, image.Rect(0, 0, sw, sh), img, b, draw.Src, nil)
	out := make([]byte, 0, h*w*3)
	for i := 0; i < len(dst.Pix); i += 4 {
		out = append(out, dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2])
	}
	return out
}

// TestPhotoModelsAllocateNothing: Invoke allocates nothing on MoveNet and
// DeepLab (their ARG_MAX, CAST, GATHER_ND, PACK, UNPACK, DIV, ...), with 1
// and 2 threads.
func TestPhotoModelsAllocateNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are for the full run (the race detector allocates)")
	}
	for _, pm := range photoModels {
		for _, threads := range []int{1, 2} {
			it := loadPhotoInterpreter(t, pm, threads, "")
			allocs := testing.AllocsPerRun(3, func() {
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "%s: allocations per Invoke with %d threads", pm.name, threads)
		}
	}
}

// TestDeepLabSegmentsTheBird runs DeepLab v3 (ending in ARG_MAX to INT64)
// on the bird photo stretched to 513×513: the bird (class 3) and the
// background (0) must make the whole map, the bird a tenth to a third of it
// (measured: 0.172). It logs the overlap with Coral's expected mask,
// which belongs to another photo (Coral's bird_segmentation.bmp, through
// the depth-1.0 DeepLab), so it is no measure here.
func TestDeepLabSegmentsTheBird(t *testing.T) {
	if testing.Short() {
		t.Skip("DeepLab at 513×513: covered by the full run")
	}
	it := loadPhotoInterpreter(t, deepLab, 2, "")
	require.NoError(t, it.Invoke())
	out := it.Output(0)
	require.Equal(t, []int{1, 513, 513}, out.Shape)
	const background, bird = 0, 3
	counts := make([]int, 21)
	for _, c := range out.Int64s() {
		require.True(t, c >= 0 && c < 21, "class %d", c)
		counts[c]++
	}
	n := 513.0 * 513
	birdShare, restShare := float64(counts[bird])/n, 1-float64(counts[bird]+counts[background])/n
	t.Logf("DeepLab on bird.bmp: bird %.3f of the pixels, other classes than bird and background %.4f (%v)", birdShare, restShare, counts)
	assert.Less(t, restShare, 0.01)
	assert.Greater(t, birdShare, 0.1)
	assert.Less(t, birdShare, 0.33)

	f, err := os.Open(testmodels.Path(t, "segmentation", "bird_segmentation_mask.bmp"))
	require.NoError(t, err)
	defer f.Close()
	img, err := bmp.Decode(f)
	require.NoError(t, err)
	if mask, ok := img.(*image.Paletted); ok && mask.Bounds().Dx() == 513 && mask.Bounds().Dy() == 513 {
		both, either := 0, 0
		for i, c := range out.Int64s() {
			want := mask.Pix[(i/513)*mask.Stride+i%513] == bird
			if c == bird && want {
				both++
			}
			if c == bird || want {
				either++
			}
		}
		t.Logf("bird IoU against Coral's mask of its own bird photo: %.3f", float64(both)/float64(either))
	}
}

// TestMoveNetAgainstLiteRTJS runs MoveNet on the squat photo in percept
// and LiteRT.js on the same input tensor: every keypoint within 4 % of the
// input's size (measured: 2.9 %). Their int8 arithmetic differs from the
// fourth operator on (a SUB by a scalar, a step apart: XNNPACK rounds its
// int8 ADD/SUB otherwise than TFLite's reference, which percept follows),
// and such steps add up through the network: the keypoint scores, a few
// coarse quantization steps, differ by up to 0.54, so they are logged
// only.
func TestMoveNetAgainstLiteRTJS(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	it := loadPhotoInterpreter(t, moveNet, 2, "")
	require.NoError(t, it.Invoke())
	in := filepath.Join(t.TempDir(), "squat.npy")
	f, err := os.Create(in)
	require.NoError(t, err)
	require.NoError(t, npy.Write(f, &npy.Array{DType: "|u1", Shape: it.Input(0).Shape, Data: it.Input(0).Bytes()}))
	require.NoError(t, f.Close())
	outs := ref.Run(t, testmodels.Path(t, moveNet.file), in)
	want, err := npy.ReadFile(outs[0][0])
	require.NoError(t, err)
	wantF, err := want.Float32s()
	require.NoError(t, err)
	got := it.Output(0).Float32s()
	require.Len(t, wantF, len(got))
	var worstPos, worstScore float64
	for k := range 17 {
		t.Logf("keypoint %2d: percept %.3f %.3f %.3f, LiteRT.js %.3f %.3f %.3f", k, got[3*k], got[3*k+1], got[3*k+2], wantF[3*k], wantF[3*k+1], wantF[3*k+2])
		for c := range 2 {
			worstPos = max(worstPos, math.Abs(float64(got[3*k+c]-wantF[3*k+c])))
		}
		worstScore = max(worstScore, math.Abs(float64(got[3*k+2]-wantF[3*k+2])))
	}
	t.Logf("MoveNet vs LiteRT.js: largest keypoint difference %.4f of the input, largest score difference %.4f", worstPos, worstScore)
	assert.LessOrEqual(t, worstPos, 0.04)
}
