package models

import (
	"context"
	"image"

	"github.com/percept-robotics/percept/tflite"
)

// FaceDetectorPool serves face detections to many goroutines at once. It
// holds a fixed number of FaceDetectors built on the same model, so they
// share its weights; each has its own arena. A call waits for an idle
// detector.
//
// Close it when done: it refuses new calls, waits for the calls in flight
// and closes the detectors. Every call after Close returns an error
// wrapping ErrClosed. The model may be closed once the pool is built.
type FaceDetectorPool struct {
	p        *taskPool[*FaceDetector]
	input    InputSpec
	variant  FaceVariant
	minScore float32
}

// NewFaceDetectorPool builds size face detectors for m (see
// NewFaceDetector). Unless opts.Threads says otherwise, each detector uses
// its share of the cores the process may use, so that a full pool does not
// oversubscribe them.
func NewFaceDetectorPool(m *tflite.Model, opts *Options, size int) (*FaceDetectorPool, error) {
	p, err := newTaskPool(TaskFaces, m, opts, size, NewFaceDetector)
	if err != nil {
		return nil, err
	}
	f := p.all[0]
	return &FaceDetectorPool{p: p, input: f.Input(), variant: f.Variant(), minScore: f.MinScore()}, nil
}

// Detect finds the faces in img on the first idle detector, waiting for
// one until ctx is done. Faces come sorted by score, highest first.
func (p *FaceDetectorPool) Detect(ctx context.Context, img image.Image) ([]Face, error) {
	return p.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0].
func (p *FaceDetectorPool) DetectInto(ctx context.Context, dst []Face, img image.Image) ([]Face, error) {
	f, err := p.p.acquire(ctx)
	if err != nil {
		return dst[:0], err
	}
	defer p.p.release(f)
	return f.DetectInto(ctx, dst, img)
}

// Size is the number of detectors in the pool.
func (p *FaceDetectorPool) Size() int { return len(p.p.all) }

// Variant names the BlazeFace model the detectors run.
func (p *FaceDetectorPool) Variant() FaceVariant { return p.variant }

// MinScore is the score below which faces are dropped (see
// FaceDetector.MinScore).
func (p *FaceDetectorPool) MinScore() float32 { return p.minScore }

// Input describes how images are prepared for the model. It stays
// available after Close.
func (p *FaceDetectorPool) Input() InputSpec { return p.input }

// Close refuses new calls, waits for the calls in flight to finish, then
// closes every detector. Calling it again returns the first result.
func (p *FaceDetectorPool) Close() error { return p.p.Close() }
