package models

import (
	"errors"
	"fmt"
	"strings"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/tflite"
)

// Task names a kind of work percept does with a model, each with the
// inputs and outputs it needs (see CheckTask).
type Task string

// The tasks percept has.
const (
	// TaskDetector is an SSD-style detector (NewDetector, NewDetectorPool).
	TaskDetector Task = "detector"
	// TaskClassifier is a whole-image classifier (NewClassifier,
	// NewClassifierPool).
	TaskClassifier Task = "classifier"
	// TaskPose is a single-person pose estimator, MoveNet
	// (NewPoseEstimator, NewPoseEstimatorPool).
	TaskPose Task = "pose"
	// TaskFaces is a BlazeFace face detector (NewFaceDetector,
	// NewFaceDetectorPool).
	TaskFaces Task = "faces"
	// TaskSegmenter is a semantic segmentation model, DeepLab and the like
	// (NewSegmenter, NewSegmenterPool).
	TaskSegmenter Task = "segmenter"
)

// Tasks lists every task percept has.
func Tasks() []Task { return []Task{TaskDetector, TaskClassifier, TaskPose, TaskFaces, TaskSegmenter} }

// postProcessOp is the custom operator that ends SSD detectors.
const postProcessOp = "TFLite_Detection_PostProcess"

// CheckTask returns nil when the main graph of m has the inputs and outputs
// task t needs, and otherwise an error that says what the model has and,
// when it can tell, which task it looks made for:
//
//   - every task takes one image, [1, height, width, 1 or 3] of UINT8, INT8
//     or FLOAT32;
//   - TaskDetector needs the four FLOAT32 outputs of TFLite's
//     TFLite_Detection_PostProcess operator: boxes [1, N, 4], classes
//     [1, N], scores [1, N] and count [1];
//   - TaskClassifier needs one output, a score vector [1, N] or [N] (or any
//     shape whose dimensions but the last are 1) of UINT8, INT8 or FLOAT32,
//     with quantization parameters when it is quantized;
//   - TaskPose needs one output [1, 1, 17, 3]: y, x and score of the 17
//     COCO keypoints as MoveNet single-pose writes them, FLOAT32, or UINT8
//     or INT8 with a per-tensor scale;
//   - TaskFaces needs MediaPipe BlazeFace's two FLOAT32 outputs,
//     regressors [1, N, 16] and scores [1, N, 1], with N = 896 anchors
//     for a 128×128 input (short-range, front) or 2304 for 192×192
//     (full-range);
//   - TaskSegmenter needs one output over a grid of at least 2×2 cells
//     with the input's aspect ratio (within a cell's rounding): a class map [1, H, W] (or
//     [1, H, W, 1]) of INT32 or INT64, as ARG_MAX writes it, or scores
//     [1, H, W, C] of UINT8, INT8 (with a per-tensor scale) or FLOAT32,
//     C ≤ 256, one channel being a sigmoid's foreground.
//
// It reads the model's signature only: a model that fits may still use
// operators percept cannot run (nn.New says which), and labels are checked
// against the outputs by the constructors. NewDetector and NewClassifier
// run the same check.
func CheckTask(m *tflite.Model, t Task) error {
	if m == nil {
		return errors.New("models: nil model")
	}
	var err error
	switch t {
	case TaskDetector:
		err = detectorSignature(m)
	case TaskClassifier:
		_, err = classifierSignature(m)
	case TaskPose:
		err = poseSignature(m)
	case TaskFaces:
		_, err = faceSignature(m)
	case TaskSegmenter:
		_, err = segmenterSignature(m)
	default:
		names := make([]string, 0, len(Tasks()))
		for _, t := range Tasks() {
			names = append(names, string(t))
		}
		return fmt.Errorf("models: unknown task %q (percept has %s)", t, strings.Join(names, ", "))
	}
	if err == nil {
		return nil
	}
	if hint := looksLike(m, t); hint != "" {
		return fmt.Errorf("models: not a %s model: %w; %s", t, err, hint)
	}
	return fmt.Errorf("models: not a %s model: %w", t, err)
}

// looksLike names the task m seems made for when it is not want, or ""
// when it cannot tell.
func looksLike(m *tflite.Model, want Task) string {
	switch {
	case want != TaskDetector && detectorSignature(m) == nil:
		return "it looks like a detector: use NewDetector"
	case want != TaskClassifier && classifierOutput(m) == nil:
		return "it looks like a classifier: use NewClassifier"
	case want != TaskPose && poseSignature(m) == nil:
		return "it looks like a single-pose estimator (MoveNet): use NewPoseEstimator"
	case want != TaskFaces && isFaceModel(m):
		return "it looks like a BlazeFace face detector: use NewFaceDetector"
	case want != TaskSegmenter && segmenterFits(m):
		return "it looks like a segmentation model (a class or scores per pixel): use NewSegmenter"
	}
	return ""
}

// mainGraph returns m's first subgraph, or an error when it has none.
func mainGraph(m *tflite.Model) (*tflite.Subgraph, error) {
	if len(m.Subgraphs) == 0 {
		return nil, errors.New("the model has no subgraph")
	}
	return &m.Subgraphs[0], nil
}

// imageInput checks that the main graph has exactly one input, an NHWC
// image of 1 or 3 channels of a type percept feeds.
func imageInput(m *tflite.Model) error {
	sg, err := mainGraph(m)
	if err != nil {
		return err
	}
	if len(sg.Inputs) != 1 {
		return fmt.Errorf("it has %s (%s), want one image", count(len(sg.Inputs), "input"), describe(sg, sg.Inputs))
	}
	t := &sg.Tensors[sg.Inputs[0]]
	if len(t.Shape) != 4 || t.Shape[0] != 1 || t.Shape[1] < 1 || t.Shape[2] < 1 || (t.Shape[3] != 1 && t.Shape[3] != 3) {
		return fmt.Errorf("its input %s is not one image [1, height, width, 1 or 3]", describe(sg, sg.Inputs))
	}
	switch t.Type {
	case tflite.TypeUint8, tflite.TypeInt8, tflite.TypeFloat32:
		return nil
	}
	return fmt.Errorf("its input %s is not UINT8, INT8 or FLOAT32", describe(sg, sg.Inputs))
}

// detectorSignature checks the input and the four post-processing outputs.
// Outputs without a declared shape (as TF1's converter writes them) must
// come from TFLite_Detection_PostProcess, whose options fix their shapes.
func detectorSignature(m *tflite.Model) error {
	if err := imageInput(m); err != nil {
		return err
	}
	sg := &m.Subgraphs[0]
	const want = "a detector needs the 4 FLOAT32 outputs of " + postProcessOp +
		": boxes [1, N, 4], classes [1, N], scores [1, N], count [1]"
	if len(sg.Outputs) != 4 {
		return fmt.Errorf("it has %s (%s); %s", count(len(sg.Outputs), "output"), describe(sg, sg.Outputs), want)
	}
	shapes := [][]int32{{1, -1, 4}, {1, -1}, {1, -1}, {1}}
	n := int32(-1)
	for i, idx := range sg.Outputs {
		t := &sg.Tensors[idx]
		if t.Type != tflite.TypeFloat32 {
			return fmt.Errorf("its outputs are %s; %s", describe(sg, sg.Outputs), want)
		}
		if len(t.Shape) == 0 {
			if producerName(m, sg, idx) != postProcessOp {
				return fmt.Errorf("its outputs are %s, output %d has no shape and does not come from %s; %s",
					describe(sg, sg.Outputs), i, postProcessOp, want)
			}
			continue
		}
		ok := len(t.Shape) == len(shapes[i])
		for k := 0; ok && k < len(t.Shape); k++ {
			switch w := shapes[i][k]; {
			case w >= 0:
				ok = t.Shape[k] == w
			case n < 0:
				n = t.Shape[k]
				ok = n > 0
			default:
				ok = t.Shape[k] == n
			}
		}
		if !ok {
			return fmt.Errorf("its outputs are %s; %s", describe(sg, sg.Outputs), want)
		}
	}
	return nil
}

// classifierSignature checks the input and the score vector output and
// returns the number of classes.
func classifierSignature(m *tflite.Model) (int, error) {
	if err := imageInput(m); err != nil {
		return 0, err
	}
	if err := classifierOutput(m); err != nil {
		return 0, err
	}
	sg := &m.Subgraphs[0]
	shape := sg.Tensors[sg.Outputs[0]].Shape
	return int(shape[len(shape)-1]), nil
}

// classifierOutput checks that the main graph has one output, a quantized
// or float score vector.
func classifierOutput(m *tflite.Model) error {
	sg, err := mainGraph(m)
	if err != nil {
		return err
	}
	const want = "a classifier needs one score vector [1, N] of UINT8, INT8 or FLOAT32"
	if len(sg.Outputs) != 1 {
		return fmt.Errorf("it has %s (%s); %s", count(len(sg.Outputs), "output"), describe(sg, sg.Outputs), want)
	}
	t := &sg.Tensors[sg.Outputs[0]]
	vector := len(t.Shape) > 0 && t.Shape[len(t.Shape)-1] > 0
	for _, d := range t.Shape[:max(len(t.Shape)-1, 0)] {
		vector = vector && d == 1
	}
	if !vector {
		return fmt.Errorf("its output %s is not a vector; %s", describe(sg, sg.Outputs), want)
	}
	switch t.Type {
	case tflite.TypeFloat32:
	case tflite.TypeUint8, tflite.TypeInt8:
		if t.Quantization == nil || len(t.Quantization.Scale) != 1 || !(t.Quantization.Scale[0] > 0) {
			return fmt.Errorf("its output %s has no per-tensor quantization scale to turn it into scores", describe(sg, sg.Outputs))
		}
	default:
		return fmt.Errorf("its output %s is %s; %s", describe(sg, sg.Outputs), t.Type, want)
	}
	return nil
}

// segmenterFits reports whether m fits TaskSegmenter.
func segmenterFits(m *tflite.Model) bool {
	_, err := segmenterSignature(m)
	return err == nil
}

// producer returns the operator of sg that writes tensor idx, or nil.
func producer(sg *tflite.Subgraph, idx int32) *tflite.Operator {
	for i := range sg.Operators {
		for _, o := range sg.Operators[i].Outputs {
			if o == idx {
				return &sg.Operators[i]
			}
		}
	}
	return nil
}

// producerName names the operator that writes tensor idx ("" for none).
func producerName(m *tflite.Model, sg *tflite.Subgraph, idx int32) string {
	op := producer(sg, idx)
	if op == nil || int(op.OpcodeIndex) >= len(m.OperatorCodes) {
		return ""
	}
	c := m.OperatorCodes[op.OpcodeIndex]
	if c.Builtin == tflite.OpCustom {
		return c.CustomCode
	}
	return c.Builtin.String()
}

// outputsProbabilities reports whether the main graph's first output is
// the result of a SOFTMAX or LOGISTIC, seen through the operators that
// only reshape or (de)quantize it.
func outputsProbabilities(m *tflite.Model) bool {
	sg, err := mainGraph(m)
	if err != nil || len(sg.Outputs) == 0 {
		return false
	}
	idx := sg.Outputs[0]
	for range len(sg.Operators) {
		op := producer(sg, idx)
		if op == nil || int(op.OpcodeIndex) >= len(m.OperatorCodes) {
			return false
		}
		code := m.OperatorCodes[op.OpcodeIndex]
		if code.Builtin == tflite.OpCustom && code.CustomCode == edgetpu.CustomOp {
			// The softmax is inside the Edge TPU program: its output has
			// the fixed quantization TFLite gives a quantized softmax's.
			return softmaxQuantized(&sg.Tensors[idx])
		}
		switch code.Builtin {
		case tflite.OpSoftmax, tflite.OpLogistic:
			return true
		case tflite.OpReshape, tflite.OpSqueeze, tflite.OpQuantize, tflite.OpDequantize:
			if len(op.Inputs) == 0 || op.Inputs[0] < 0 {
				return false
			}
			idx = op.Inputs[0]
		default:
			return false
		}
	}
	return false
}

// softmaxQuantized reports whether t has the quantization TFLite requires
// of a quantized SOFTMAX or LOGISTIC output: scale 1/256, zero point 0 for
// UINT8, -128 for INT8.
func softmaxQuantized(t *tflite.Tensor) bool {
	q := t.Quantization
	if q == nil || len(q.Scale) != 1 || len(q.ZeroPoint) != 1 || q.Scale[0] != 1.0/256 {
		return false
	}
	return t.Type == tflite.TypeUint8 && q.ZeroPoint[0] == 0 || t.Type == tflite.TypeInt8 && q.ZeroPoint[0] == -128
}

// count says "1 output", "4 outputs".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// describe lists tensors as `TYPE[shape] "name"`.
func describe(sg *tflite.Subgraph, indices []int32) string {
	parts := make([]string, 0, len(indices))
	for _, i := range indices {
		t := &sg.Tensors[i]
		parts = append(parts, fmt.Sprintf("%s%v %q", t.Type, t.Shape, t.Name))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
