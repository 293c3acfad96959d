package models

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/percept-robotics/percept/tflite"
)

// taskPool holds a fixed set of task runners (Detectors, Classifiers) built
// on one model and lends them out one call at a time. Its lifetime: Close
// refuses new calls at once (ErrClosed), also to calls waiting for an idle
// runner, then waits for the calls in flight to hand their runners back,
// then closes every runner.
type taskPool[R interface{ Close() error }] struct {
	task     Task
	idle     chan R // buffered to hold every runner, so giving one back never blocks
	all      []R
	mu       sync.Mutex // guards closed and the Add of inflight
	closed   bool
	done     chan struct{} // closed by Close, wakes waiting calls
	inflight sync.WaitGroup
	once     sync.Once
	closeErr error
}

// newTaskPool builds size runners with build. Unless opts.Threads says
// otherwise, each runner gets its share of the cores the process may use,
// so that a busy pool does not oversubscribe them.
func newTaskPool[R interface{ Close() error }](t Task, m *tflite.Model, opts *Options, size int,
	build func(*tflite.Model, *Options) (R, error)) (*taskPool[R], error) {
	if size < 1 {
		return nil, fmt.Errorf("models: %s pool: size %d, want at least 1", t, size)
	}
	o, err := options(opts)
	if err != nil {
		return nil, err
	}
	if o.Threads == 0 {
		o.Threads = max(1, runtime.GOMAXPROCS(0)/size)
	}
	p := &taskPool[R]{task: t, idle: make(chan R, size), done: make(chan struct{})}
	for range size {
		r, err := build(m, &o)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.all = append(p.all, r)
		p.idle <- r
	}
	return p, nil
}

// acquire waits for an idle runner until ctx is done or the pool closes.
// A runner it returns must be given back with release.
func (p *taskPool[R]) acquire(ctx context.Context) (R, error) {
	var zero R
	if ctx == nil {
		return zero, fmt.Errorf("%s pool: nil context", p.task)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return zero, fmt.Errorf("%s pool: %w", p.task, ErrClosed)
	}
	p.inflight.Add(1)
	p.mu.Unlock()
	select {
	case r := <-p.idle:
		// A runner that comes free as Close begins is not lent: a call
		// still waiting when the pool closes is refused, as Close says.
		select {
		case <-p.done:
			p.release(r)
			return zero, fmt.Errorf("%s pool: %w", p.task, ErrClosed)
		default:
			return r, nil
		}
	case <-p.done:
		p.inflight.Done()
		return zero, fmt.Errorf("%s pool: %w", p.task, ErrClosed)
	case <-ctx.Done():
		p.inflight.Done()
		return zero, ctx.Err()
	}
}

// release gives r back to the pool.
func (p *taskPool[R]) release(r R) {
	p.idle <- r
	p.inflight.Done()
}

// Close stops new calls, waits for those in flight, and closes every
// runner; later calls return the first call's result after it is done.
func (p *taskPool[R]) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		close(p.done)
		p.mu.Unlock()
		p.inflight.Wait()
		var errs []error
		for _, r := range p.all {
			errs = append(errs, r.Close())
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}
