package models

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"slices"
	"strings"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Class is one classification result.
type Class struct {
	// Index is the zero-based class index as the model numbers its
	// outputs: score i of the output vector is class i, and label i of the
	// label file names it.
	Index int    `json:"index"`
	Label string `json:"label"` // the class's name, "" when unknown
	// Score is the model's dequantized output for the class: a probability
	// in [0, 1] when Classifier.Probabilities reports true (the model ends
	// in SOFTMAX or LOGISTIC), else a logit, any real number, comparable
	// only with the other scores of the same model (higher is likelier).
	Score float32 `json:"score"`
}

// Classifier labels whole images with a model whose one output holds one
// score per class (UINT8, INT8 or FLOAT32; see CheckTask). Its calls are
// serialized: a Classifier runs one image at a time whatever the number
// of goroutines calling it (use a ClassifierPool to run several at once).
//
// Close it when done. It keeps what it needs of the model, so the model
// may be closed first; every call after Close returns an error wrapping
// ErrClosed.
type Classifier struct {
	s             *session
	out           *nn.Tensor
	order         []int // reused to rank classes
	probabilities bool
}

// NewClassifier prepares a classifier for m. It fails, naming what it
// found, when m is not a classifier (see CheckTask), when the labels do not
// name as many classes as the model outputs, when opts are out of range
// (see Options.Validate), or when percept cannot run one of m's operators
// (an error wrapping nn.ErrUnsupported).
//
// Labels must name exactly the model's N classes, with one exception: N+1
// labels whose first is "background" (the ImageNet label files of
// 1001-class models, used with a 1000-class model) lose that first entry,
// so that label i names class i. TFLite's Task Library refuses such a pair;
// TensorFlow's own tutorials drop the background label in the same way.
func NewClassifier(m *tflite.Model, opts *Options) (*Classifier, error) {
	s, err := newSession(m, opts, TaskClassifier)
	if err != nil {
		return nil, err
	}
	out := s.it.Output(0)
	n, _ := classifierSignature(m) // CheckTask passed
	if out.NumElements() != n {
		s.close()
		return nil, fmt.Errorf("models: classifier: output %v does not hold the %d scores the model declares", out, n)
	}
	if s.labels, err = classLabels(s.labels, n); err != nil {
		s.close()
		return nil, err
	}
	return &Classifier{s: s, out: out, order: make([]int, n), probabilities: outputsProbabilities(s.it.Model())}, nil
}

// classLabels checks that labels name n classes (their highest index is
// n−1), dropping a leading "background" label that makes them one too
// many. No labels at all are fine.
func classLabels(labels Labels, n int) (Labels, error) {
	if len(labels) == 0 {
		return labels, nil
	}
	count := 0
	for i := range labels {
		count = max(count, i+1)
	}
	switch {
	case count == n:
		return labels, nil
	case count == n+1 && strings.EqualFold(labels[0], "background"):
		shifted := make(Labels, len(labels)-1)
		for i, l := range labels {
			if i > 0 {
				shifted[i-1] = l
			}
		}
		return shifted, nil
	}
	return nil, fmt.Errorf("models: classifier: the labels name %d classes (indices 0 to %d) but the model outputs %d scores",
		count, count-1, n)
}

// Probabilities reports whether Class.Score is a probability: true when
// the model's output comes from a SOFTMAX or LOGISTIC operator (seen
// through reshapes and (de)quantization), false when it is a logit.
func (c *Classifier) Probabilities() bool { return c.probabilities }

// Classify returns the top classes of img, highest score first: at most
// Options.MaxResults (all when 0), none below Options.MinScore when it is
// positive. It gives up between operators when ctx is done, returning
// ctx.Err(). A nil image, an image with no pixels and an image over
// Options.MaxPixels are errors.
func (c *Classifier) Classify(ctx context.Context, img image.Image) ([]Class, error) {
	return c.ClassifyInto(ctx, nil, img)
}

// ClassifyInto is Classify appending to dst[:0], so that a caller reusing
// dst allocates nothing in steady state.
func (c *Classifier) ClassifyInto(ctx context.Context, dst []Class, img image.Image) ([]Class, error) {
	dst = dst[:0]
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.s.run(ctx, img); err != nil {
		return dst, err
	}
	for i := range c.order {
		c.order[i] = i
	}
	slices.SortStableFunc(c.order, func(i, j int) int { return cmp.Compare(c.score(j), c.score(i)) })
	minScore, maxResults := c.s.opts.MinScore, c.s.opts.MaxResults
	for _, i := range c.order {
		s := c.score(i)
		if (minScore > 0 && !(s >= minScore)) || (maxResults > 0 && len(dst) == maxResults) {
			break
		}
		dst = append(dst, Class{Index: i, Label: c.s.labels[i], Score: s})
	}
	return dst, nil
}

// score dequantizes output i.
func (c *Classifier) score(i int) float32 {
	switch c.out.Type {
	case tflite.TypeUint8:
		return float32(int32(c.out.Uint8s()[i])-c.out.ZeroPoint()) * c.out.Scale()
	case tflite.TypeInt8:
		return float32(int32(c.out.Int8s()[i])-c.out.ZeroPoint()) * c.out.Scale()
	}
	return c.out.Float32s()[i]
}

// Input describes how images are prepared for the model. Like Labels, it
// is plain data and stays available after Close.
func (c *Classifier) Input() InputSpec { return c.s.loader.spec }

// Labels returns the class names the classifier reports (index i names
// Class.Index i). It stays available after Close.
func (c *Classifier) Labels() Labels { return c.s.labels }

// Close waits for a call in flight, then stops the classifier's worker
// threads and releases its hold on the model. Later calls return an error
// wrapping ErrClosed; Close itself may be called again and returns nil.
func (c *Classifier) Close() error { return c.s.close() }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling. It must not be invoked while the Classifier is in use, and
// is closed with it.
func (c *Classifier) Interpreter() *nn.Interpreter { return c.s.it }
