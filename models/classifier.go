package models

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"slices"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Class is one classification result.
type Class struct {
	Index int     `json:"index"` // class index as the model numbers it
	Label string  `json:"label"` // the class's name, "" when unknown
	Score float32 `json:"score"` // the dequantized output score
}

// Classifier labels whole images with a model whose first output holds one
// score per class (uint8, int8 or float32). A Classifier is used by one
// goroutine at a time.
type Classifier struct {
	it     *nn.Interpreter
	loader imageLoader
	labels Labels
	opts   Options
	out    *nn.Tensor
	order  []int // reused to rank classes
}

// NewClassifier prepares a classifier for m.
func NewClassifier(m *tflite.Model, opts *Options) (*Classifier, error) {
	if opts == nil {
		opts = &Options{}
	}
	it, spec, labels, err := open(m, opts)
	if err != nil {
		return nil, err
	}
	out := it.Output(0)
	switch out.Type {
	case tflite.TypeUint8, tflite.TypeInt8, tflite.TypeFloat32:
	default:
		it.Close()
		return nil, fmt.Errorf("classifier: output %v has type %s", out, out.Type)
	}
	return &Classifier{it: it, loader: imageLoader{spec: spec}, labels: labels, opts: *opts, out: out,
		order: make([]int, out.NumElements())}, nil
}

// Classify returns the top classes of img, highest score first: at most
// Options.MaxResults (all when 0), none below Options.MinScore. It gives up
// between operators when ctx is done, returning ctx.Err().
func (c *Classifier) Classify(ctx context.Context, img image.Image) ([]Class, error) {
	return c.ClassifyInto(ctx, nil, img)
}

// ClassifyInto is Classify appending to dst[:0], so that a caller reusing
// dst allocates nothing in steady state.
func (c *Classifier) ClassifyInto(ctx context.Context, dst []Class, img image.Image) ([]Class, error) {
	dst = dst[:0]
	if err := c.loader.load(c.it.Input(0), img); err != nil {
		return dst, fmt.Errorf("classifier: %w", err)
	}
	if err := c.it.InvokeContext(ctx); err != nil {
		return dst, fmt.Errorf("classifier: %w", err)
	}
	for i := range c.order {
		c.order[i] = i
	}
	slices.SortStableFunc(c.order, func(i, j int) int { return cmp.Compare(c.score(j), c.score(i)) })
	for _, i := range c.order {
		s := c.score(i)
		if s < c.opts.MinScore || (c.opts.MaxResults > 0 && len(dst) == c.opts.MaxResults) {
			break
		}
		dst = append(dst, Class{Index: i, Label: c.labels[i], Score: s})
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

// Input describes how images are prepared for the model.
func (c *Classifier) Input() InputSpec { return c.loader.spec }

// Close stops the classifier's worker threads.
func (c *Classifier) Close() error { return c.it.Close() }

// Labels returns the class names the classifier reports.
func (c *Classifier) Labels() Labels { return c.labels }

// Interpreter gives access to the underlying interpreter.
func (c *Classifier) Interpreter() *nn.Interpreter { return c.it }
