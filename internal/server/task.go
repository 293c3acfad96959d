package server

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"time"

	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/models"
)

// Task is the work a server does on every frame and upload: one model
// task, the JSON of its results and how to draw them. DetectTask,
// ClassifyTask, SegmentTask, PoseTask and FaceTask make one; the model
// behind it is called from several goroutines at once (a pool of the
// models package fits) and is closed by the caller once Serve has
// returned, as Config.Detector says.
type Task interface {
	// Name is the task as the percept commands name it: "detect",
	// "classify", "segment", "pose" or "faces".
	Name() string
	// run runs the model on img.
	run(ctx context.Context, img image.Image) (output, error)
	// info is the body of GET /api/task.
	info() TaskInfo
	// check says what is wrong with the task, such as a nil model.
	check() error
}

// TaskInfo describes the server's task: the body of GET /api/task, which
// the live view reads to know what it draws.
type TaskInfo struct {
	// Task is Task.Name.
	Task string `json:"task"`
	// Skeleton lists the pairs of keypoints (by index into a pose's
	// keypoints) that the pose task draws joined; empty for the others.
	Skeleton [][2]int `json:"skeleton,omitempty"`
}

// output is the result of one image.
type output interface {
	// value is the JSON value of the result for an image of the given
	// name and size, with the frame's metadata when f is not nil.
	value(image string, width, height int, f *frameInfo) any
	// annotate returns a copy of img with the result drawn on it.
	annotate(img *image.RGBA) *image.RGBA
}

// frameInfo is what the live stream adds to each frame's result (see
// FrameResult).
type frameInfo struct {
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	Dropped     uint64    `json:"dropped"`
	InferenceMS float64   `json:"inference_ms"`
	LatencyMS   float64   `json:"latency_ms"`
}

// Detector finds objects in images. Detect is called from many goroutines
// at once and returns a slice the caller keeps; *models.DetectorPool is
// one.
type Detector interface {
	// Detect finds the objects in img, giving up when ctx is done.
	Detect(ctx context.Context, img image.Image) ([]models.Detection, error)
}

// DetectTask runs d: each result is a Result, a list of boxes.
func DetectTask(d Detector) Task { return detectTask{d} }

type detectTask struct{ d Detector }

func (detectTask) Name() string   { return "detect" }
func (detectTask) info() TaskInfo { return TaskInfo{Task: "detect"} }
func (t detectTask) check() error { return nilModel(t.d == nil, "DetectTask") }
func (t detectTask) run(ctx context.Context, img image.Image) (output, error) {
	dets, err := t.d.Detect(ctx, img)
	if dets == nil {
		dets = []models.Detection{}
	}
	return detections(dets), err
}

// detections is the output of DetectTask.
type detections []models.Detection

func (d detections) value(name string, width, height int, f *frameInfo) any {
	r := Result{Task: "detect", Image: name, Width: width, Height: height, Detections: d}
	if f == nil {
		return r
	}
	return FrameResult{Result: r, Seq: f.Seq, Time: f.Time, Dropped: f.Dropped, InferenceMS: f.InferenceMS, LatencyMS: f.LatencyMS}
}

func (d detections) annotate(img *image.RGBA) *image.RGBA { return annotate.Draw(img, d) }

// Classifier labels whole images. Classify is called from many goroutines
// at once and returns a slice the caller keeps; *models.ClassifierPool is
// one.
type Classifier interface {
	// Classify returns the top classes of img, highest score first,
	// giving up when ctx is done.
	Classify(ctx context.Context, img image.Image) ([]models.Class, error)
	// Probabilities reports whether the scores are probabilities (else
	// logits).
	Probabilities() bool
}

// ClassifyTask runs c: each result is a ClassifyResult, the top classes
// of the whole image.
func ClassifyTask(c Classifier) Task { return classifyTask{c} }

type classifyTask struct{ c Classifier }

func (classifyTask) Name() string   { return "classify" }
func (classifyTask) info() TaskInfo { return TaskInfo{Task: "classify"} }
func (t classifyTask) check() error { return nilModel(t.c == nil, "ClassifyTask") }
func (t classifyTask) run(ctx context.Context, img image.Image) (output, error) {
	classes, err := t.c.Classify(ctx, img)
	if classes == nil {
		classes = []models.Class{}
	}
	kind := "logits"
	if t.c.Probabilities() {
		kind = "probabilities"
	}
	return classification{kind, classes}, err
}

// ClassifyResult is the classes of one image: `percept classify -json`'s
// line with the image's size, the body of POST /api/classify.
type ClassifyResult struct {
	Task   string `json:"task"`   // "classify"
	Image  string `json:"image"`  // where the image came from
	Width  int    `json:"width"`  // image width in pixels
	Height int    `json:"height"` // image height in pixels
	// Scores is "probabilities" when the model ends in a softmax or a
	// logistic, "logits" when its scores are raw logits.
	Scores  string         `json:"scores"`
	Classes []models.Class `json:"classes"` // highest score first
}

// classification is the output of ClassifyTask.
type classification struct {
	scores  string
	classes []models.Class
}

func (c classification) value(name string, width, height int, f *frameInfo) any {
	r := ClassifyResult{Task: "classify", Image: name, Width: width, Height: height, Scores: c.scores, Classes: c.classes}
	if f == nil {
		return r
	}
	return struct {
		ClassifyResult
		frameInfo
	}{r, *f}
}

// panelLines is how many classes a frame's panel lists at most (the
// JSON has them all).
const panelLines = 10

func (c classification) annotate(img *image.RGBA) *image.RGBA {
	lines := make([]annotatedLine, min(len(c.classes), panelLines))
	for i, cl := range c.classes[:len(lines)] {
		lines[i] = annotatedLine{class: cl.Index, text: fmt.Sprintf("%s %.2f", labelOr(cl.Label, cl.Index), cl.Score)}
	}
	out := clone(img)
	drawList(out, lines)
	return out
}

// labelOr returns label, or "class N" when it is empty.
func labelOr(label string, class int) string {
	if label == "" {
		return fmt.Sprintf("class %d", class)
	}
	return label
}

// clone copies img.
func clone(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	draw.Draw(out, out.Rect, img, img.Rect.Min, draw.Src)
	return out
}

// nilModel is the error of a task made on a nil model.
func nilModel(isNil bool, constructor string) error {
	if isNil {
		return fmt.Errorf("server: %s(nil): the task has no model", constructor)
	}
	return nil
}

// newTask picks cfg's task: cfg.Task, or DetectTask(cfg.Detector).
func newTask(cfg *Config) (Task, error) {
	switch {
	case cfg.Task != nil && cfg.Detector != nil:
		return nil, errors.New("server: Config.Task and Config.Detector are both set: give one")
	case cfg.Task != nil:
		return cfg.Task, cfg.Task.check()
	case cfg.Detector != nil:
		return DetectTask(cfg.Detector), nil
	}
	return nil, errors.New("server: no task: Config.Task and Config.Detector are both nil")
}

// sized is a model that knows how many calls it serves at once, as the
// pools of the models package do.
type sized interface{ Size() int }

// taskRunners is the size of t's model when it says, else 1.
func taskRunners(t Task) int {
	var m any
	switch t := t.(type) {
	case detectTask:
		m = t.d
	case classifyTask:
		m = t.c
	case segmentTask:
		m = t.s
	case poseTask:
		m = t.p
	case faceTask:
		m = t.f
	}
	if m, ok := m.(sized); ok && m.Size() > 0 {
		return m.Size()
	}
	return 1
}
