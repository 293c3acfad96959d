package models

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"sync"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// ErrClosed is returned, wrapped, by every call on a Detector, Classifier,
// DetectorPool or ClassifierPool after its Close. It is nn.ErrClosed (and
// tflite.ErrClosed), so one errors.Is test covers models, interpreters and
// model files.
var ErrClosed = nn.ErrClosed

// session is what every task type shares: one interpreter, the image
// loader feeding its input, the labels, and the lifetime. mu is held by a
// call from loading the image to reading the outputs, and by Close, so
// that Close waits for a call in flight and no call runs on a closed
// interpreter.
type session struct {
	task   Task
	mu     sync.Mutex
	closed bool
	it     *nn.Interpreter
	in     *nn.Tensor
	loader imageLoader
	labels Labels
	opts   Options
}

// newSession checks that m fits task t, then builds the interpreter and
// reads the input's preprocessing and the labels. It holds the model while
// it reads the model's bytes; the interpreter then holds it until Close.
func newSession(m *tflite.Model, opts *Options, t Task) (*session, error) {
	o, err := options(opts)
	if err != nil {
		return nil, err
	}
	if err := CheckTask(m, t); err != nil {
		return nil, err
	}
	release, err := m.Acquire()
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", t, err)
	}
	defer release()
	md, err := m.ReadMetadata()
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", t, err)
	}
	labels := o.Labels
	if labels == nil {
		if labels, err = modelLabels(m, md); err != nil {
			return nil, fmt.Errorf("models: %s: %w", t, err)
		}
	}
	it, err := o.interpreter(m)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", t, err)
	}
	spec, err := inputSpec(it.Input(0), md)
	if err != nil {
		it.Close()
		return nil, fmt.Errorf("models: %s: %w", t, err)
	}
	return &session{task: t, it: it, in: it.Input(0), loader: imageLoader{spec: spec, maxPixels: cmp.Or(o.MaxPixels, DefaultMaxPixels)}, labels: labels, opts: o}, nil
}

// run feeds img to the model and runs it; s.mu must be held.
func (s *session) run(ctx context.Context, img image.Image) error {
	if s.closed {
		return fmt.Errorf("%s: %w", s.task, ErrClosed)
	}
	if ctx == nil {
		return fmt.Errorf("%s: nil context", s.task)
	}
	if err := s.loader.load(s.in, img); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	if err := s.it.InvokeContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", s.task, err)
	}
	return nil
}

// close closes the interpreter once, after the call in flight if any.
func (s *session) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.it.Close()
}
