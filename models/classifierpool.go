package models

import (
	"context"
	"image"

	"github.com/percept-robotics/percept/tflite"
)

// ClassifierPool serves classifications to many goroutines at once. It
// holds a fixed number of Classifiers built on the same model, so they
// share its weights; each has its own arena. A call waits for an idle
// classifier.
//
// Close it when done: it refuses new calls, waits for the calls in flight
// and closes the classifiers. Every call after Close returns an error
// wrapping ErrClosed. The model may be closed once the pool is built.
type ClassifierPool struct {
	p             *taskPool[*Classifier]
	input         InputSpec
	labels        Labels
	probabilities bool
}

// NewClassifierPool builds size classifiers for m (see NewClassifier).
// Unless opts.Threads says otherwise, each classifier uses its share of the
// cores the process may use, so that a full pool does not oversubscribe
// them.
func NewClassifierPool(m *tflite.Model, opts *Options, size int) (*ClassifierPool, error) {
	p, err := newTaskPool(TaskClassifier, m, opts, size, NewClassifier)
	if err != nil {
		return nil, err
	}
	c := p.all[0]
	return &ClassifierPool{p: p, input: c.Input(), labels: c.Labels(), probabilities: c.Probabilities()}, nil
}

// Classify returns the top classes of img from the first idle classifier,
// waiting for one until ctx is done (see Classifier.Classify).
func (p *ClassifierPool) Classify(ctx context.Context, img image.Image) ([]Class, error) {
	return p.ClassifyInto(ctx, nil, img)
}

// ClassifyInto is Classify appending to dst[:0].
func (p *ClassifierPool) ClassifyInto(ctx context.Context, dst []Class, img image.Image) ([]Class, error) {
	c, err := p.p.acquire(ctx)
	if err != nil {
		return dst[:0], err
	}
	defer p.p.release(c)
	return c.ClassifyInto(ctx, dst, img)
}

// Probabilities reports whether the scores are probabilities rather than
// logits (see Classifier.Probabilities).
func (p *ClassifierPool) Probabilities() bool { return p.probabilities }

// Size is the number of classifiers in the pool.
func (p *ClassifierPool) Size() int { return len(p.p.all) }

// Input describes how images are prepared for the model. It stays
// available after Close.
func (p *ClassifierPool) Input() InputSpec { return p.input }

// Labels returns the class names the classifiers report. It stays
// available after Close.
func (p *ClassifierPool) Labels() Labels { return p.labels }

// Close refuses new calls, waits for the calls in flight to finish, then
// closes every classifier. Calling it again returns the first result.
func (p *ClassifierPool) Close() error { return p.p.Close() }
