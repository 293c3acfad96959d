package models

import (
	"context"
	"image"

	"github.com/percept-robotics/percept/tflite"
)

// SegmenterPool serves segmentations to many goroutines at once. It holds
// a fixed number of Segmenters built on the same model, so they share its
// weights; each has its own arena. A call waits for an idle segmenter.
//
// Close it when done: it refuses new calls, waits for the calls in flight
// and closes the segmenters. Every call after Close returns an error
// wrapping ErrClosed. The model may be closed once the pool is built.
type SegmenterPool struct {
	p       *taskPool[*Segmenter]
	input   InputSpec
	labels  Labels
	kind    SegmenterOutput
	classes int
}

// NewSegmenterPool builds size segmenters for m (see NewSegmenter). Unless
// opts.Threads says otherwise, each segmenter uses its share of the cores
// the process may use, so that a full pool does not oversubscribe them.
func NewSegmenterPool(m *tflite.Model, opts *Options, size int) (*SegmenterPool, error) {
	p, err := newTaskPool(TaskSegmenter, m, opts, size, NewSegmenter)
	if err != nil {
		return nil, err
	}
	g := p.all[0]
	return &SegmenterPool{p: p, input: g.Input(), labels: g.Labels(), kind: g.Output(), classes: g.NumClasses()}, nil
}

// Segment labels every pixel of img on the first idle segmenter, waiting
// for one until ctx is done (see Segmenter.Segment).
func (p *SegmenterPool) Segment(ctx context.Context, img image.Image) (*Segmentation, error) {
	dst := &Segmentation{}
	if err := p.SegmentInto(ctx, dst, img); err != nil {
		return nil, err
	}
	return dst, nil
}

// SegmentInto is Segment writing into dst, reusing its storage (see
// Segmenter.SegmentInto).
func (p *SegmenterPool) SegmentInto(ctx context.Context, dst *Segmentation, img image.Image) error {
	g, err := p.p.acquire(ctx)
	if err != nil {
		if dst != nil {
			dst.Width, dst.Height, dst.Mask, dst.Classes = 0, 0, dst.Mask[:0], dst.Classes[:0]
		}
		return err
	}
	defer p.p.release(g)
	return g.SegmentInto(ctx, dst, img)
}

// Output says what the model outputs per pixel.
func (p *SegmenterPool) Output() SegmenterOutput { return p.kind }

// NumClasses is the number of classes the model tells apart.
func (p *SegmenterPool) NumClasses() int { return p.classes }

// Size is the number of segmenters in the pool.
func (p *SegmenterPool) Size() int { return len(p.p.all) }

// Input describes how images are prepared for the model. It stays
// available after Close.
func (p *SegmenterPool) Input() InputSpec { return p.input }

// Labels returns the class names the segmenters report. It stays
// available after Close.
func (p *SegmenterPool) Labels() Labels { return p.labels }

// Close refuses new calls, waits for the calls in flight to finish, then
// closes every segmenter. Calling it again returns the first result.
func (p *SegmenterPool) Close() error { return p.p.Close() }
