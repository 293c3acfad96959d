package models

import (
	"context"
	"image"

	"github.com/percept-robotics/percept/tflite"
)

// DetectorPool serves detections to many goroutines at once. It holds a
// fixed number of Detectors built on the same model, so they share its
// weights (memory-mapped or in the caller's buffer, never copied per
// detector); each has its own arena. A call waits for an idle detector.
//
// Close it when done: it refuses new calls, waits for the calls in flight
// and closes the detectors. Every call after Close returns an error
// wrapping ErrClosed. The model may be closed once the pool is built.
type DetectorPool struct {
	p      *taskPool[*Detector]
	input  InputSpec
	labels Labels
}

// NewDetectorPool builds size detectors for m (see NewDetector). Unless
// opts.Threads says otherwise, each detector uses its share of the cores
// the process may use, so that a full pool does not oversubscribe them.
func NewDetectorPool(m *tflite.Model, opts *Options, size int) (*DetectorPool, error) {
	p, err := newTaskPool(TaskDetector, m, opts, size, NewDetector)
	if err != nil {
		return nil, err
	}
	return &DetectorPool{p: p, input: p.all[0].Input(), labels: p.all[0].Labels()}, nil
}

// Detect finds objects in img on the first idle detector, waiting for one
// until ctx is done. Detections come sorted by score, highest first.
func (p *DetectorPool) Detect(ctx context.Context, img image.Image) ([]Detection, error) {
	return p.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0].
func (p *DetectorPool) DetectInto(ctx context.Context, dst []Detection, img image.Image) ([]Detection, error) {
	d, err := p.p.acquire(ctx)
	if err != nil {
		return dst[:0], err
	}
	defer p.p.release(d)
	return d.DetectInto(ctx, dst, img)
}

// Size is the number of detectors in the pool.
func (p *DetectorPool) Size() int { return len(p.p.all) }

// Input describes how images are prepared for the model. It stays
// available after Close.
func (p *DetectorPool) Input() InputSpec { return p.input }

// Labels returns the class names the detectors report. It stays available
// after Close.
func (p *DetectorPool) Labels() Labels { return p.labels }

// Close refuses new calls, waits for the calls in flight to finish, then
// closes every detector. Calling it again returns the first result.
func (p *DetectorPool) Close() error { return p.p.Close() }
