package models

import (
	"context"
	"image"

	"github.com/percept-robotics/percept/tflite"
)

// PoseEstimatorPool serves pose estimates to many goroutines at once. It
// holds a fixed number of PoseEstimators built on the same model, so they
// share its weights (memory-mapped or in the caller's buffer, never copied
// per estimator); each has its own arena. A call waits for an idle
// estimator.
//
// Close it when done: it refuses new calls, waits for the calls in flight
// and closes the estimators. Every call after Close returns an error
// wrapping ErrClosed. The model may be closed once the pool is built.
type PoseEstimatorPool struct {
	p     *taskPool[*PoseEstimator]
	input InputSpec
}

// NewPoseEstimatorPool builds size pose estimators for m (see
// NewPoseEstimator). Unless opts.Threads says otherwise, each estimator
// uses its share of the cores the process may use, so that a full pool
// does not oversubscribe them.
func NewPoseEstimatorPool(m *tflite.Model, opts *Options, size int) (*PoseEstimatorPool, error) {
	p, err := newTaskPool(TaskPose, m, opts, size, NewPoseEstimator)
	if err != nil {
		return nil, err
	}
	return &PoseEstimatorPool{p: p, input: p.all[0].Input()}, nil
}

// Estimate finds the pose of the person in img on the first idle
// estimator, waiting for one until ctx is done (see
// PoseEstimator.Estimate).
func (p *PoseEstimatorPool) Estimate(ctx context.Context, img image.Image) ([]Pose, error) {
	return p.EstimateInto(ctx, nil, img)
}

// EstimateInto is Estimate writing into dst[:0], reusing its storage (see
// PoseEstimator.EstimateInto).
func (p *PoseEstimatorPool) EstimateInto(ctx context.Context, dst []Pose, img image.Image) ([]Pose, error) {
	e, err := p.p.acquire(ctx)
	if err != nil {
		return dst[:0], err
	}
	defer p.p.release(e)
	return e.EstimateInto(ctx, dst, img)
}

// Size is the number of estimators in the pool.
func (p *PoseEstimatorPool) Size() int { return len(p.p.all) }

// Input describes how images are prepared for the model. It stays
// available after Close.
func (p *PoseEstimatorPool) Input() InputSpec { return p.input }

// Close refuses new calls, waits for the calls in flight to finish, then
// closes every estimator. Calling it again returns the first result.
func (p *PoseEstimatorPool) Close() error { return p.p.Close() }
