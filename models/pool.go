package models

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"

	"github.com/percept-robotics/percept/tflite"
)

// DetectorPool serves detections to many goroutines at once. It holds a
// fixed number of Detectors built on the same model, so they share its
// weights (memory-mapped or in the caller's buffer, never copied per
// detector); each has its own arena. A call waits for an idle detector.
type DetectorPool struct {
	idle chan *Detector
	all  []*Detector
}

// NewDetectorPool builds size detectors for m. Unless opts.Threads says
// otherwise, each detector uses its share of the cores the process may use,
// so that a full pool does not oversubscribe them.
func NewDetectorPool(m *tflite.Model, opts *Options, size int) (*DetectorPool, error) {
	if size < 1 {
		return nil, fmt.Errorf("detector pool: size %d, want at least 1", size)
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Threads == 0 {
		o.Threads = max(1, runtime.GOMAXPROCS(0)/size)
	}
	p := &DetectorPool{idle: make(chan *Detector, size)}
	for range size {
		d, err := NewDetector(m, &o)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.all = append(p.all, d)
		p.idle <- d
	}
	return p, nil
}

// Detect finds objects in img on the first idle detector, waiting for one
// until ctx is done. Detections come sorted by score, highest first.
func (p *DetectorPool) Detect(ctx context.Context, img image.Image) ([]Detection, error) {
	return p.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0].
func (p *DetectorPool) DetectInto(ctx context.Context, dst []Detection, img image.Image) ([]Detection, error) {
	var d *Detector
	select {
	case d = <-p.idle:
	case <-ctx.Done():
		return dst[:0], ctx.Err()
	}
	defer func() { p.idle <- d }()
	return d.DetectInto(ctx, dst, img)
}

// Size is the number of detectors in the pool.
func (p *DetectorPool) Size() int { return len(p.all) }

// Input describes how images are prepared for the model.
func (p *DetectorPool) Input() InputSpec { return p.all[0].Input() }

// Labels returns the class names the detectors report.
func (p *DetectorPool) Labels() Labels { return p.all[0].Labels() }

// Close stops every detector's worker threads. Calls in flight must have
// returned.
func (p *DetectorPool) Close() error {
	var errs []error
	for _, d := range p.all {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}
