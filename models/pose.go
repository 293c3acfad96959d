package models

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// The seventeen COCO keypoints, as indices into Pose.Keypoints, in the
// order MoveNet (and COCO's annotations) give them. Left and right are the
// person's own.
const (
	KeypointNose = iota
	KeypointLeftEye
	KeypointRightEye
	KeypointLeftEar
	KeypointRightEar
	KeypointLeftShoulder
	KeypointRightShoulder
	KeypointLeftElbow
	KeypointRightElbow
	KeypointLeftWrist
	KeypointRightWrist
	KeypointLeftHip
	KeypointRightHip
	KeypointLeftKnee
	KeypointRightKnee
	KeypointLeftAnkle
	KeypointRightAnkle
	// NumKeypoints is the number of COCO keypoints, the length of every
	// Pose.Keypoints.
	NumKeypoints
)

// KeypointNames names the COCO keypoints as COCO's annotations do:
// KeypointNames[KeypointLeftHip] is "left_hip". Keypoint.Name holds these
// strings. Treat it as read-only.
var KeypointNames = [NumKeypoints]string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear",
	"left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
	"left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
}

// Skeleton lists the bones drawn between keypoints, as pairs of indices
// into Pose.Keypoints: the head (nose to eyes to ears, nose to
// shoulders), the arms, the torso and the legs, the eighteen edges
// TensorFlow's MoveNet tutorial draws. Treat it as read-only.
var Skeleton = [...][2]int{
	{KeypointNose, KeypointLeftEye}, {KeypointNose, KeypointRightEye},
	{KeypointLeftEye, KeypointLeftEar}, {KeypointRightEye, KeypointRightEar},
	{KeypointNose, KeypointLeftShoulder}, {KeypointNose, KeypointRightShoulder},
	{KeypointLeftShoulder, KeypointLeftElbow}, {KeypointLeftElbow, KeypointLeftWrist},
	{KeypointRightShoulder, KeypointRightElbow}, {KeypointRightElbow, KeypointRightWrist},
	{KeypointLeftShoulder, KeypointRightShoulder},
	{KeypointLeftShoulder, KeypointLeftHip}, {KeypointRightShoulder, KeypointRightHip},
	{KeypointLeftHip, KeypointRightHip},
	{KeypointLeftHip, KeypointLeftKnee}, {KeypointLeftKnee, KeypointLeftAnkle},
	{KeypointRightHip, KeypointRightKnee}, {KeypointRightKnee, KeypointRightAnkle},
}

// Keypoint is one body joint of a Pose.
type Keypoint struct {
	// Name is the keypoint's COCO name (KeypointNames).
	Name string `json:"name"`
	// X and Y are the keypoint's position in pixels of the image given to
	// the call (the original image, not the model's input), in the image's
	// own coordinates (offset by its Bounds().Min) and continuous: X = Min.X
	// is the left edge of the first column, Max.X the right edge of the
	// last. They are clamped to the image.
	X float32 `json:"x"`
	Y float32 `json:"y"`
	// Score is the model's confidence in the keypoint, clamped to [0, 1]
	// (NaN reads 0).
	// MoveNet places every keypoint, hidden or out of frame ones too,
	// with a low score; its authors suggest ignoring those below 0.3.
	Score float32 `json:"score"`
}

// Pose is one person's keypoints.
type Pose struct {
	// Score is the mean of the keypoints' scores, in [0, 1].
	Score float32 `json:"score"`
	// Keypoints holds the NumKeypoints keypoints, indexed by the Keypoint*
	// constants.
	Keypoints []Keypoint `json:"keypoints"`
}

// PoseEstimator finds the body keypoints of one person with a MoveNet
// single-pose model (lightning 192×192 or thunder 256×256; float, int8 or
// uint8): one image input and one output [1, 1, 17, 3] holding y, x and
// score of each COCO keypoint, y and x normalised to the input frame (see
// CheckTask). The model finds the person nearest the image centre.
//
// Images are fed as MoveNet expects them (TensorFlow's MoveNet tutorial,
// tf.image.resize_with_pad): resized keeping their aspect ratio to fit the
// input, centred, the rest padded with black; keypoints are mapped back
// through that padding to pixels of the image. (Coral's example stretches
// the image to the square input instead, which distorts the person.) The
// pixels are the model's own normalisation: raw bytes for a UINT8 input,
// shifted by −128 for INT8, and 0..255 floats for FLOAT32, unless the
// model's metadata gives a NormalizationOptions.
//
// Its calls are serialized: a PoseEstimator runs one image at a time
// whatever the number of goroutines calling it (use a PoseEstimatorPool to
// run several at once). Close it when done. It keeps what it needs of the
// model, so the model may be closed first; every call after Close returns
// an error wrapping ErrClosed.
type PoseEstimator struct {
	s   *session
	out *nn.Tensor
	box letterbox
}

// NewPoseEstimator prepares a pose estimator for m. It fails, naming what
// it found, when m is not a single-pose model (see CheckTask), when opts
// are out of range (see Options.Validate) or set Labels (the keypoints
// have fixed names), or when percept cannot run one of m's operators (an
// error wrapping nn.ErrUnsupported). Options.MinScore drops a pose whose
// Score is below it; MaxResults has no effect, as the model finds one
// person.
func NewPoseEstimator(m *tflite.Model, opts *Options) (*PoseEstimator, error) {
	if opts != nil && opts.Labels != nil {
		return nil, errors.New("models: pose: Options.Labels is set, but a pose estimator's keypoints have fixed names (KeypointNames)")
	}
	s, err := newSession(m, opts, TaskPose)
	if err != nil {
		return nil, err
	}
	spec, err := poseInputSpec(m, s.in)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("models: %s: %w", TaskPose, err)
	}
	s.loader.spec = spec
	p := &PoseEstimator{s: s, out: s.it.Output(0)}
	if n := p.out.NumElements(); n != 3*NumKeypoints {
		s.close()
		return nil, fmt.Errorf("models: %s: output %v has %d values, want %d", TaskPose, p.out, n, 3*NumKeypoints)
	}
	return p, nil
}

// poseInputSpec is the preprocessing of MoveNet's input tensor t: float
// inputs take 0..255 unless m's metadata normalises them otherwise.
func poseInputSpec(m *tflite.Model, t *nn.Tensor) (InputSpec, error) {
	release, err := m.Acquire()
	if err != nil {
		return InputSpec{}, err
	}
	defer release()
	md, err := m.ReadMetadata()
	if err != nil {
		return InputSpec{}, err
	}
	spec, err := inputSpec(t, md)
	if err != nil || spec.Type != tflite.TypeFloat32 || inputNormalization(md) != nil {
		return spec, err
	}
	for c := range spec.Channels {
		spec.Mean[c], spec.Std[c] = 0, 1
	}
	return spec, nil
}

// Estimate finds the pose of the person in img: one Pose, or none when
// its score is below Options.MinScore. It gives up between operators when
// ctx is done, returning ctx.Err(). A nil image, an image with no pixels
// and an image over Options.MaxPixels are errors.
func (p *PoseEstimator) Estimate(ctx context.Context, img image.Image) ([]Pose, error) {
	return p.EstimateInto(ctx, nil, img)
}

// EstimateInto is Estimate writing into dst[:0], reusing the storage of
// dst and of its first pose's Keypoints, so that a caller reusing dst
// allocates nothing in steady state.
func (p *PoseEstimator) EstimateInto(ctx context.Context, dst []Pose, img image.Image) ([]Pose, error) {
	dst = dst[:0]
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if err := p.run(ctx, img); err != nil {
		return dst, err
	}
	var kps []Keypoint
	if cap(dst) > 0 {
		kps = dst[:1][0].Keypoints
	}
	pose := p.decode(kps, img.Bounds())
	if !(pose.Score >= p.s.opts.MinScore) {
		return dst, nil
	}
	return append(dst, pose), nil
}

// run is session.run with the letterbox in place of the session's
// stretching loader; p.s.mu must be held.
func (p *PoseEstimator) run(ctx context.Context, img image.Image) error {
	s := p.s
	if s.closed {
		return fmt.Errorf("%s: %w", s.task, ErrClosed)
	}
	if ctx == nil {
		return fmt.Errorf("%s: nil context", s.task)
	}
	if err := p.box.load(s.in, img, &s.loader); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	if err := s.it.InvokeContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	return nil
}

// decode reads the output into a Pose whose keypoints reuse kps's storage.
func (p *PoseEstimator) decode(kps []Keypoint, b image.Rectangle) Pose {
	if cap(kps) < NumKeypoints {
		kps = make([]Keypoint, NumKeypoints)
	}
	kps = kps[:NumKeypoints]
	var sum float32
	for i := range kps {
		y, x, score := p.value(3*i), p.value(3*i+1), p.value(3*i+2)
		if !(score >= 0) { // NaN too
			score = 0
		}
		score = min(score, 1)
		px, py := p.box.toImage(x, y, b)
		kps[i] = Keypoint{Name: KeypointNames[i], X: px, Y: py, Score: score}
		sum += score
	}
	return Pose{Score: sum / NumKeypoints, Keypoints: kps}
}

// value returns output element i as a float.
func (p *PoseEstimator) value(i int) float32 {
	switch p.out.Type {
	case tflite.TypeUint8:
		return p.out.Scale() * float32(int32(p.out.Uint8s()[i])-p.out.ZeroPoint())
	case tflite.TypeInt8:
		return p.out.Scale() * float32(int32(p.out.Int8s()[i])-p.out.ZeroPoint())
	}
	return p.out.Float32s()[i]
}

// Input describes how images are prepared for the model (before the
// padding that keeps their aspect ratio). It stays available after Close.
func (p *PoseEstimator) Input() InputSpec { return p.s.loader.spec }

// Close waits for a call in flight, then stops the estimator's worker
// threads and releases its hold on the model. Later calls return an error
// wrapping ErrClosed; Close itself may be called again and returns nil.
func (p *PoseEstimator) Close() error { return p.s.close() }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling. It must not be invoked while the PoseEstimator is in use,
// and is closed with it.
func (p *PoseEstimator) Interpreter() *nn.Interpreter { return p.s.it }

// letterbox resizes images into a model input keeping their aspect ratio,
// as tf.image.resize_with_pad does: the image fills the input along one
// axis and is centred along the other, the margins black. It remembers
// where the last image went, to map positions back.
type letterbox struct {
	left, top     int // where the resized image starts in the input
	width, height int // the resized image's size
	inW, inH      int // the input's size
}

// place computes where an sw×sh image goes in the input: the side that
// limits the scale fills the input, the other is rounded down (at least
// one pixel), and the margin before it is half the slack, rounded down.
func (l *letterbox) place(sw, sh, inW, inH int) {
	l.inW, l.inH = inW, inH
	if int64(sw)*int64(inH) >= int64(sh)*int64(inW) {
		l.width, l.height = inW, max(1, int(int64(sh)*int64(inW)/int64(sw)))
	} else {
		l.width, l.height = max(1, int(int64(sw)*int64(inH)/int64(sh))), inH
	}
	l.left, l.top = (inW-l.width)/2, (inH-l.height)/2
}

// load writes img, letterboxed, into t with the preprocessing of ld's
// spec, reusing ld's buffers.
func (l *letterbox) load(t *nn.Tensor, img image.Image, ld *imageLoader) error {
	if err := checkImage(img, ld.maxPixels); err != nil {
		return err
	}
	b := img.Bounds()
	l.place(b.Dx(), b.Dy(), ld.spec.Width, ld.spec.Height)
	px, err := ld.fit(img, l.width, l.height)
	if err != nil {
		return err
	}
	ld.spec.write(t, px, l.width, l.height, l.left, l.top)
	return nil
}

// toImage maps a position normalised to the input frame back to pixels
// of image bounds b, clamped to b.
func (l *letterbox) toImage(x, y float32, b image.Rectangle) (float32, float32) {
	fx := (float64(x)*float64(l.inW) - float64(l.left)) * float64(b.Dx()) / float64(l.width)
	fy := (float64(y)*float64(l.inH) - float64(l.top)) * float64(b.Dy()) / float64(l.height)
	if math.IsNaN(fx) || math.IsNaN(fy) {
		fx, fy = 0, 0
	}
	fx = min(max(fx, 0), float64(b.Dx()))
	fy = min(max(fy, 0), float64(b.Dy()))
	return float32(fx) + float32(b.Min.X), float32(fy) + float32(b.Min.Y)
}

// poseSignature checks the input and MoveNet single-pose's output: one
// tensor [1, 1, 17, 3], float or quantized per tensor.
func poseSignature(m *tflite.Model) error {
	if err := imageInput(m); err != nil {
		return err
	}
	sg := &m.Subgraphs[0]
	const want = "a pose estimator needs one output [1, 1, 17, 3] of FLOAT32 (or UINT8, INT8 with a scale): " +
		"y, x, score of the 17 COCO keypoints, as MoveNet single-pose writes it"
	if len(sg.Outputs) != 1 {
		return fmt.Errorf("it has %s (%s); %s", count(len(sg.Outputs), "output"), describe(sg, sg.Outputs), want)
	}
	t := &sg.Tensors[sg.Outputs[0]]
	if len(t.Shape) != 4 || t.Shape[0] != 1 || t.Shape[1] != 1 || t.Shape[2] != NumKeypoints || t.Shape[3] != 3 {
		return fmt.Errorf("its output is %s; %s", describe(sg, sg.Outputs), want)
	}
	switch t.Type {
	case tflite.TypeFloat32:
	case tflite.TypeUint8, tflite.TypeInt8:
		if t.Quantization == nil || len(t.Quantization.Scale) != 1 || !(t.Quantization.Scale[0] > 0) {
			return fmt.Errorf("its output %s has no per-tensor quantization scale to turn it into positions", describe(sg, sg.Outputs))
		}
	default:
		return fmt.Errorf("its output is %s; %s", describe(sg, sg.Outputs), want)
	}
	return nil
}
