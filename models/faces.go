package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// The six face keypoints BlazeFace places, as indices into
// Face.Keypoints, in the model's order. Left and right are the person's
// own: FaceRightEye is on the image's left in a frontal face.
const (
	FaceRightEye = iota
	FaceLeftEye
	FaceNoseTip
	FaceMouthCenter
	FaceRightEarTragion
	FaceLeftEarTragion
	// NumFaceKeypoints is the number of keypoints of every Face.
	NumFaceKeypoints
)

// FaceKeypointNames names the face keypoints as MediaPipe's
// FaceKeyPoint enum does, in lower case: FaceKeypointNames[FaceNoseTip] is
// "nose_tip". Treat it as read-only.
var FaceKeypointNames = [NumFaceKeypoints]string{
	"right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear_tragion", "left_ear_tragion",
}

// FaceKeypoint is a point of a face, in pixels of the image given to the
// call (the original image, not the model's input), in the image's own
// coordinates (offset by its Bounds().Min) and continuous: X = Min.X is the
// left edge of the first column, Max.X the right edge of the last. It is
// clamped to the image.
type FaceKeypoint struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

// Face is one face found in an image.
type Face struct {
	// Score is the model's confidence, in [0, 1].
	Score float32 `json:"score"`
	// Box bounds the face, in pixels of the image given to the call, as
	// Detection.Box does.
	Box Box `json:"box"`
	// Keypoints are the eyes, nose tip, mouth centre and ear tragions,
	// indexed by the Face* constants (FaceKeypointNames names them).
	Keypoints [NumFaceKeypoints]FaceKeypoint `json:"keypoints"`
}

// FaceVariant names a BlazeFace model, as FaceDetector.Variant reports it.
type FaceVariant string

// The BlazeFace variants percept decodes, told apart by their input size
// and number of anchors.
const (
	// FaceShortRange is MediaPipe's short-range model (faces within about
	// two metres of a front camera) and its predecessor, the front model:
	// 128×128 input, 896 anchors.
	FaceShortRange FaceVariant = "short-range"
	// FaceFullRange is MediaPipe's full-range model (faces up to about five
	// metres away): 192×192 input, 2304 anchors.
	FaceFullRange FaceVariant = "full-range"
)

// faceVariant is how one BlazeFace variant is decoded: the options of
// MediaPipe's face_detection_short_range.pbtxt or
// face_detection_full_range.pbtxt (the front model's graph,
// face_detection_front_common.pbtxt, has the short-range values).
type faceVariant struct {
	name     FaceVariant
	size     int // the input's width and height, also the box scale
	numBoxes int
	anchors  ssdAnchorOptions
	minScore float32 // TensorsToDetectionsCalculator's min_score_thresh
}

var faceVariants = [...]faceVariant{
	{name: FaceShortRange, size: 128, numBoxes: 896, minScore: 0.5, anchors: ssdAnchorOptions{
		inputWidth: 128, inputHeight: 128, minScale: 0.1484375, maxScale: 0.75,
		strides: []int{8, 16, 16, 16}, offsetX: 0.5, offsetY: 0.5, aspectRatios: []float32{1},
		interpolatedScaleAspectRatio: 1, fixedAnchorSize: true,
	}},
	{name: FaceFullRange, size: 192, numBoxes: 2304, minScore: 0.6, anchors: ssdAnchorOptions{
		inputWidth: 192, inputHeight: 192, minScale: 0.1484375, maxScale: 0.75,
		strides: []int{4}, offsetX: 0.5, offsetY: 0.5, aspectRatios: []float32{1},
		interpolatedScaleAspectRatio: 0, fixedAnchorSize: true,
	}},
}

// BlazeFace's TensorsToDetectionsCalculator and NonMaxSuppressionCalculator
// options, the same for every variant.
const (
	faceCoords       = 16  // values per anchor: box (x, y, w, h), then 6 keypoints (x, y)
	faceScoreClip    = 100 // raw scores are clipped to ±100 before the sigmoid
	faceNMSThreshold = 0.3 // IoU above which weighted NMS merges boxes
)

// FaceDetector finds faces with a MediaPipe BlazeFace model (short-range,
// front or full-range; see CheckTask): one image input and two FLOAT32
// outputs, regressors [1, N, 16] and scores [1, N, 1], N the number of
// anchors. It decodes them as MediaPipe's face detection graph does:
// anchors from SsdAnchorsCalculator's options, boxes and six keypoints as
// TensorsToDetectionsCalculator decodes them (sigmoid of the clipped
// score), weighted non-max suppression (NonMaxSuppressionCalculator's
// WEIGHTED mode, IoU 0.3: overlapping boxes are averaged by score), then
// back to pixels of the original image.
//
// Images are fed as MediaPipe's ImageToTensorCalculator feeds them on the
// CPU: the whole image, padded to the input's aspect ratio around its
// centre, is sampled into the input by OpenCV's bilinear warp (no
// smoothing when shrinking, 1/32-pixel positions, black margins:
// BORDER_ZERO), values then mapped to [−1, 1] for a FLOAT32 input (the
// model's metadata may say otherwise); boxes and keypoints come back
// through the same region.
//
// Options.MinScore 0 keeps MediaPipe's threshold for the variant (0.5
// short-range and front, 0.6 full-range), since a BlazeFace score below
// that is noise; a positive MinScore replaces it. MaxResults keeps the
// best faces.
//
// Its calls are serialized: a FaceDetector runs one image at a time
// whatever the number of goroutines calling it (use a FaceDetectorPool to
// run several at once). Close it when done. It keeps what it needs of the
// model, so the model may be closed first; every call after Close returns
// an error wrapping ErrClosed.
type FaceDetector struct {
	s              *session
	variant        *faceVariant
	anchors        []anchor
	minScore       float32
	boxes, scores  *nn.Tensor
	roi            faceROI
	cands          []faceCandidate
	order, remains []int32
}

// faceCandidate is one anchor's decoded face before suppression, in
// coordinates normalised to the model's input.
type faceCandidate struct {
	score                  float32
	xmin, ymin, xmax, ymax float32
	keypoints              [2 * NumFaceKeypoints]float32 // x, y of each
}

// NewFaceDetector prepares a face detector for m. It fails, naming what it
// found, when m is not a BlazeFace model percept knows (see CheckTask),
// when opts are out of range (see Options.Validate) or set Labels (faces
// have none), or when percept cannot run one of m's operators (an error
// wrapping nn.ErrUnsupported).
func NewFaceDetector(m *tflite.Model, opts *Options) (*FaceDetector, error) {
	if opts != nil && opts.Labels != nil {
		return nil, errors.New("models: faces: Options.Labels is set, but a face detector has no classes to name")
	}
	s, err := newSession(m, opts, TaskFaces)
	if err != nil {
		return nil, err
	}
	v, err := faceSignature(m)
	if err != nil { // newSession checked it: only a model changed since could fail
		s.close()
		return nil, fmt.Errorf("models: %s: %w", TaskFaces, err)
	}
	f := &FaceDetector{s: s, variant: v, anchors: ssdAnchors(v.anchors), minScore: v.minScore}
	if s.opts.MinScore > 0 {
		f.minScore = s.opts.MinScore
	}
	for _, out := range s.it.Outputs() {
		switch out.Shape[len(out.Shape)-1] {
		case faceCoords:
			f.boxes = out
		case 1:
			f.scores = out
		}
	}
	if len(f.anchors) != v.numBoxes || f.boxes == nil || f.scores == nil ||
		f.boxes.NumElements() != faceCoords*v.numBoxes || f.scores.NumElements() != v.numBoxes {
		s.close()
		return nil, fmt.Errorf("models: %s: outputs %v do not fit %d anchors", TaskFaces, s.it.Outputs(), v.numBoxes)
	}
	f.cands = make([]faceCandidate, 0, v.numBoxes)
	f.order = make([]int32, 0, v.numBoxes)
	f.remains = make([]int32, 0, v.numBoxes)
	return f, nil
}

// Detect finds the faces in img, sorted by score, highest first. It gives
// up between operators when ctx is done, returning ctx.Err(). A nil image,
// an image with no pixels and an image over Options.MaxPixels are errors.
func (f *FaceDetector) Detect(ctx context.Context, img image.Image) ([]Face, error) {
	return f.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0], so that a caller reusing dst
// allocates nothing in steady state.
func (f *FaceDetector) DetectInto(ctx context.Context, dst []Face, img image.Image) ([]Face, error) {
	dst = dst[:0]
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	if err := f.run(ctx, img); err != nil {
		return dst, err
	}
	f.decode()
	return f.suppress(dst, img.Bounds()), nil
}

// run is session.run with MediaPipe's sampling (load) in place of the
// session's stretching loader; f.s.mu must be held.
func (f *FaceDetector) run(ctx context.Context, img image.Image) error {
	s := f.s
	if s.closed {
		return fmt.Errorf("%s: %w", s.task, ErrClosed)
	}
	if ctx == nil {
		return fmt.Errorf("%s: nil context", s.task)
	}
	if err := f.load(img); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	if err := s.it.InvokeContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	return nil
}

// decode fills f.cands with the anchors scoring at least f.minScore, as
// TensorsToDetectionsCalculator decodes them with reverse_output_order
// (x before y, width before height), and f.order with their indices by
// score, highest first.
func (f *FaceDetector) decode() {
	raw, scores := f.boxes.Float32s(), f.scores.Float32s()
	scale := float32(f.variant.size)
	f.cands = f.cands[:0]
	for i, a := range f.anchors {
		s := min(max(scores[i], -faceScoreClip), faceScoreClip)
		score := float32(1 / (1 + math.Exp(-float64(s))))
		if !(score >= f.minScore) {
			continue
		}
		r := raw[i*faceCoords : (i+1)*faceCoords]
		cx := r[0]/scale*a.w + a.xCenter
		cy := r[1]/scale*a.h + a.yCenter
		w, h := r[2]/scale*a.w, r[3]/scale*a.h
		// MediaPipe drops boxes of negative or NaN size.
		if !(w >= 0 && h >= 0) {
			continue
		}
		c := faceCandidate{score: score, xmin: cx - w/2, ymin: cy - h/2, xmax: cx + w/2, ymax: cy + h/2}
		for k := range NumFaceKeypoints {
			c.keypoints[2*k] = r[4+2*k]/scale*a.w + a.xCenter
			c.keypoints[2*k+1] = r[5+2*k]/scale*a.h + a.yCenter
		}
		f.cands = append(f.cands, c)
	}
	f.order = f.order[:0]
	for i := range f.cands {
		f.order = append(f.order, int32(i))
	}
	slices.SortStableFunc(f.order, func(a, b int32) int { return cmp.Compare(f.cands[b].score, f.cands[a].score) })
}

// suppress runs NonMaxSuppressionCalculator's WEIGHTED algorithm on
// f.order and appends the faces, in pixels of bounds b, to dst: the best
// remaining box and every remaining box overlapping it by IoU > 0.3 (itself
// included) are replaced by their score-weighted mean box and keypoints,
// with the best box's score; it stops when no box is left, or when a round
// merged nothing (a degenerate box overlaps not even itself).
func (f *FaceDetector) suppress(dst []Face, b image.Rectangle) []Face {
	// remaining and spare take turns holding the boxes left.
	remaining, spare := f.order, f.remains
	for len(remaining) > 0 {
		best := &f.cands[remaining[0]]
		var merged faceCandidate
		var total float32
		next := spare[:0]
		for _, i := range remaining {
			c := &f.cands[i]
			if faceIoU(c, best) <= faceNMSThreshold {
				next = append(next, i)
				continue
			}
			total += c.score
			merged.xmin += c.xmin * c.score
			merged.ymin += c.ymin * c.score
			merged.xmax += c.xmax * c.score
			merged.ymax += c.ymax * c.score
			for k := range merged.keypoints {
				merged.keypoints[k] += c.keypoints[k] * c.score
			}
		}
		face := *best
		if total > 0 {
			face.xmin, face.ymin = merged.xmin/total, merged.ymin/total
			face.xmax, face.ymax = merged.xmax/total, merged.ymax/total
			for k := range merged.keypoints {
				face.keypoints[k] = merged.keypoints[k] / total
			}
		}
		dst = append(dst, f.toFace(&face, b))
		if len(next) == len(remaining) || len(dst) == f.s.opts.MaxResults {
			break
		}
		spare, remaining = remaining, next
	}
	return dst
}

// faceIoU is the intersection over union of two candidates' boxes, 0 when
// they do not meet or have no area.
func faceIoU(a, b *faceCandidate) float32 {
	w := min(a.xmax, b.xmax) - max(a.xmin, b.xmin)
	h := min(a.ymax, b.ymax) - max(a.ymin, b.ymin)
	if !(w > 0 && h > 0) {
		return 0
	}
	inter := w * h
	union := (a.xmax-a.xmin)*(a.ymax-a.ymin) + (b.xmax-b.xmin)*(b.ymax-b.ymin) - inter
	if !(union > 0) {
		return 0
	}
	return inter / union
}

// toFace maps a candidate from the input frame back through the region
// the input was sampled from to pixels of bounds b, as MediaPipe's
// DetectionProjectionCalculator does; the box is then rounded as
// Detector's are, and clipped, and the keypoints clamped to the image.
func (f *FaceDetector) toFace(c *faceCandidate, b image.Rectangle) Face {
	r := &f.roi
	w, h := float64(b.Dx()), float64(b.Dy())
	x := func(v float32) float64 { return float64(v)*r.width + r.x }
	y := func(v float32) float64 { return float64(v)*r.height + r.y }
	corners := [4]float32{float32(y(c.ymin) / h), float32(x(c.xmin) / w), float32(y(c.ymax) / h), float32(x(c.xmax) / w)}
	face := Face{Score: c.score, Box: pixelBox(corners[:], b)}
	for k := range face.Keypoints {
		px := min(max(x(c.keypoints[2*k]), 0), w)
		py := min(max(y(c.keypoints[2*k+1]), 0), h)
		face.Keypoints[k] = FaceKeypoint{X: float32(px) + float32(b.Min.X), Y: float32(py) + float32(b.Min.Y)}
	}
	return face
}

// faceROI is the region of the image the input was sampled from, in
// pixels from the image's top-left corner: the whole image padded around
// its centre to the input's aspect ratio (ImageToTensorCalculator's
// keep_aspect_ratio, PadRoi).
type faceROI struct {
	x, y, width, height float64
}

// OpenCV's bilinear remap: positions in 1/32 pixel, weights in 1/32768.
const (
	interBits      = 5
	interTabSize   = 1 << interBits
	interCoefBits  = 15
	interCoefScale = 1 << interCoefBits
)

// load samples img into the input tensor as MediaPipe's OpenCV converter
// does (cv::warpPerspective with INTER_LINEAR and a zero border, then
// convertTo), reading only the pixels it needs (the colours ToPacked
// would give them), and records the region in f.roi.
func (f *FaceDetector) load(img image.Image) error {
	ld := &f.s.loader
	if err := checkImage(img, ld.maxPixels); err != nil {
		return err
	}
	spec := &ld.spec
	ch := spec.Channels
	src := newRGBSource(img)
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	roi := faceROI{width: float64(sw), height: float64(sh)}
	if tensor := float64(spec.Height) / float64(spec.Width); tensor > roi.height/roi.width {
		roi.height = roi.width * tensor
	} else {
		roi.width = roi.height / tensor
	}
	roi.x, roi.y = (float64(sw)-roi.width)/2, (float64(sh)-roi.height)/2
	f.roi = roi
	n := spec.Width * spec.Height * ch
	if cap(ld.resized) < n {
		ld.resized = make([]byte, n)
	}
	dst := ld.resized[:n]
	sx, sy := roi.width/float64(spec.Width), roi.height/float64(spec.Height)
	o := 0
	for v := range spec.Height {
		fy := int(math.RoundToEven((float64(v)*sy + roi.y) * interTabSize))
		iy, ay := fy>>interBits, fy&(interTabSize-1)
		for u := range spec.Width {
			fx := int(math.RoundToEven((float64(u)*sx + roi.x) * interTabSize))
			ix, ax := fx>>interBits, fx&(interTabSize-1)
			w := bilinearCoefs(ax, ay)
			// The four neighbours' colours, black outside the image.
			var px [4][3]int
			for k := range px {
				x, y := ix+k&1, iy+k>>1
				if w[k] == 0 || x < 0 || y < 0 || x >= sw || y >= sh {
					continue
				}
				r, g, b := src.at(x, y)
				if ch == 1 {
					r = luma(r, g, b)
				}
				px[k] = [3]int{int(r), int(g), int(b)}
			}
			for c := range ch {
				sum := w[0]*px[0][c] + w[1]*px[1][c] + w[2]*px[2][c] + w[3]*px[3][c]
				dst[o] = uint8(min(max((sum+interCoefScale/2)>>interCoefBits, 0), 255))
				o++
			}
		}
	}
	switch spec.Type {
	case tflite.TypeUint8:
		copy(f.s.in.Uint8s(), dst)
	case tflite.TypeInt8:
		in := f.s.in.Int8s()
		for i, v := range dst {
			in[i] = int8(int(v) - 128)
		}
	case tflite.TypeFloat32:
		in := f.s.in.Float32s()
		for i, v := range dst {
			c := i % ch
			in[i] = (float32(v) - spec.Mean[c]) / spec.Std[c]
		}
	}
	return nil
}

// rgbSource reads single pixels of an image as ToPacked packs them, so
// that sampling a few thousand pixels does not convert the whole image:
// the stored bytes of RGBA and NRGBA, color.YCbCrToRGB of YCbCr, the
// byte of Gray repeated, and At for other images.
type rgbSource struct {
	min   image.Point
	ycc   *image.YCbCr
	rgba  *image.RGBA
	nrgba *image.NRGBA
	gray  *image.Gray
	other image.Image
}

func newRGBSource(img image.Image) rgbSource {
	s := rgbSource{min: img.Bounds().Min}
	switch m := img.(type) {
	case *image.YCbCr:
		s.ycc = m
	case *image.RGBA:
		s.rgba = m
	case *image.NRGBA:
		s.nrgba = m
	case *image.Gray:
		s.gray = m
	default:
		s.other = img
	}
	return s
}

// at returns the colour of pixel (x, y) counted from the image's top-left
// corner, which must lie inside it.
func (s *rgbSource) at(x, y int) (r, g, b uint8) {
	x, y = x+s.min.X, y+s.min.Y
	switch {
	case s.ycc != nil:
		c := s.ycc.COffset(x, y)
		return color.YCbCrToRGB(s.ycc.Y[s.ycc.YOffset(x, y)], s.ycc.Cb[c], s.ycc.Cr[c])
	case s.rgba != nil:
		p := s.rgba.Pix[s.rgba.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case s.nrgba != nil:
		p := s.nrgba.Pix[s.nrgba.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case s.gray != nil:
		v := s.gray.Pix[s.gray.PixOffset(x, y)]
		return v, v, v
	}
	r32, g32, b32, _ := s.other.At(x, y).RGBA()
	return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8)
}

// bilinearCoefs are OpenCV's fixed-point weights (initInterTab2D) of the
// top-left, top-right, bottom-left and bottom-right pixels for fractions
// ax/32 across and ay/32 down: (1−x)(1−y), x(1−y), (1−x)y and xy in
// 1/32768, exact at this precision, so that they sum to 1 without
// OpenCV's correction.
func bilinearCoefs(ax, ay int) [4]int {
	const unit = interCoefScale / (interTabSize * interTabSize)
	bx, by := interTabSize-ax, interTabSize-ay
	return [4]int{bx * by * unit, ax * by * unit, bx * ay * unit, ax * ay * unit}
}

// Variant names the BlazeFace model the detector found.
func (f *FaceDetector) Variant() FaceVariant { return f.variant.name }

// MinScore is the score below which faces are dropped: Options.MinScore,
// or MediaPipe's threshold for the variant when that is 0.
func (f *FaceDetector) MinScore() float32 { return f.minScore }

// Input describes how images are prepared for the model (before the
// padding that keeps their aspect ratio). It stays available after Close.
func (f *FaceDetector) Input() InputSpec { return f.s.loader.spec }

// Close waits for a call in flight, then stops the detector's worker
// threads and releases its hold on the model. Later calls return an error
// wrapping ErrClosed; Close itself may be called again and returns nil.
func (f *FaceDetector) Close() error { return f.s.close() }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling. It must not be invoked while the FaceDetector is in use,
// and is closed with it.
func (f *FaceDetector) Interpreter() *nn.Interpreter { return f.s.it }

// faceSignature checks the input and BlazeFace's two outputs, and returns
// the variant they match.
func faceSignature(m *tflite.Model) (*faceVariant, error) {
	if err := imageInput(m); err != nil {
		return nil, err
	}
	sg := &m.Subgraphs[0]
	const want = "a face detector needs BlazeFace's 2 FLOAT32 outputs, regressors [1, N, 16] and scores [1, N, 1]"
	if len(sg.Outputs) != 2 {
		return nil, fmt.Errorf("it has %s (%s); %s", count(len(sg.Outputs), "output"), describe(sg, sg.Outputs), want)
	}
	n := int32(-1)
	var boxes, scores bool
	for _, idx := range sg.Outputs {
		t := &sg.Tensors[idx]
		if t.Type != tflite.TypeFloat32 || len(t.Shape) != 3 || t.Shape[0] != 1 || t.Shape[1] < 1 || (n >= 0 && t.Shape[1] != n) {
			return nil, fmt.Errorf("its outputs are %s; %s", describe(sg, sg.Outputs), want)
		}
		n = t.Shape[1]
		switch t.Shape[2] {
		case faceCoords:
			boxes = true
		case 1:
			scores = true
		}
	}
	if !boxes || !scores {
		return nil, fmt.Errorf("its outputs are %s; %s", describe(sg, sg.Outputs), want)
	}
	in := sg.Tensors[sg.Inputs[0]].Shape
	for i := range faceVariants {
		v := &faceVariants[i]
		if int(in[1]) == v.size && int(in[2]) == v.size && int(n) == v.numBoxes {
			return v, nil
		}
	}
	return nil, fmt.Errorf("its input is %d×%d with %d anchors (outputs %s), a BlazeFace layout percept does not know: "+
		"short-range and front are 128×128 with 896 anchors, full-range 192×192 with 2304",
		in[2], in[1], n, describe(sg, sg.Outputs))
}

// isFaceModel reports whether m fits TaskFaces.
func isFaceModel(m *tflite.Model) bool {
	_, err := faceSignature(m)
	return err == nil
}
