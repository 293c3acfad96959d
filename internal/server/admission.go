package server

import (
	"context"
	"sync"
)

// admission bounds what uploads may hold at once: a count of uploads
// admitted (waiting for a runner or using one) and a budget of bytes for
// their bodies and decoded images. Both refuse at once instead of waiting,
// so that a flood is answered with fast 503s while memory stays flat.
type admission struct {
	mu       sync.Mutex
	queued   int   // uploads admitted and not yet finished
	maxQueue int   // Config.MaxQueue
	used     int64 // bytes reserved
	budget   int64 // Config.MemoryBudget
}

// enter admits an upload, or returns false when maxQueue are in.
func (a *admission) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queued >= a.maxQueue {
		return false
	}
	a.queued++
	return true
}

// leave ends an upload that enter admitted.
func (a *admission) leave() {
	a.mu.Lock()
	a.queued--
	a.mu.Unlock()
}

// reserve takes n bytes of the budget, or returns false when they are not
// free.
func (a *admission) reserve(n int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n > a.budget-a.used {
		return false
	}
	a.used += n
	return true
}

// release returns n bytes that reserve took.
func (a *admission) release(n int64) {
	a.mu.Lock()
	a.used -= n
	a.mu.Unlock()
}

// state returns the uploads admitted and the bytes reserved.
func (a *admission) state() (queued int, used int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queued, a.used
}

// scheduler hands the model's runners (the instances of its pool) to the
// capture loop and to uploads, the capture loop first: an upload waits
// while the capture loop waits for a runner, and with a reserve uploads
// never take the last free runner of two or more (the stream's is kept
// for it).
type scheduler struct {
	mu            sync.Mutex
	free          int           // runners not in use
	reserved      int           // runners uploads leave free: 1 with a reserve and two or more runners, else 0
	streamWaiting int           // capture-loop calls waiting for a runner
	changed       chan struct{} // closed when free or streamWaiting changes
}

func newScheduler(runners int, reserve bool) *scheduler {
	s := &scheduler{free: runners, changed: make(chan struct{})}
	if reserve && runners >= 2 {
		s.reserved = 1
	}
	return s
}

// notify wakes the waiters; s.mu is held.
func (s *scheduler) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// acquire waits for a runner (stream says the capture loop asks) until ctx
// ends.
func (s *scheduler) acquire(ctx context.Context, stream bool) error {
	s.mu.Lock()
	if stream {
		s.streamWaiting++
	}
	for {
		if s.free > 0 && (stream || (s.free > s.reserved && s.streamWaiting == 0)) {
			s.free--
			if stream {
				s.streamWaiting--
				s.notify()
			}
			s.mu.Unlock()
			return nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			if stream {
				s.mu.Lock()
				s.streamWaiting--
				s.notify()
				s.mu.Unlock()
			}
			return ctx.Err()
		}
		s.mu.Lock()
	}
}

// release returns a runner that acquire took.
func (s *scheduler) release() {
	s.mu.Lock()
	s.free++
	s.notify()
	s.mu.Unlock()
}
