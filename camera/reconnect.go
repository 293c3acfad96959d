package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// ErrReconnecting is returned (wrapped, with the cause) by a Reconnecting
// source once per outage: the underlying source failed and is being
// reopened. Keep calling Next; frames resume when it is back.
var ErrReconnecting = errors.New("camera: source failed, reconnecting")

// Backoff is the wait between reopening attempts: Initial before the first,
// doubling after each failed attempt up to Max.
type Backoff struct {
	Initial, Max time.Duration
}

// Default back-off bounds, used where a Backoff field is zero.
const (
	DefaultBackoffInitial = 250 * time.Millisecond
	DefaultBackoffMax     = 10 * time.Second
)

// ProbeInterval is how often a Reconnecting source's back-off wait looks
// for a missing device node (a stat call, nothing opened).
const ProbeInterval = 100 * time.Millisecond

// Reconnecting returns a source that opens its frames with open and, when
// that source fails with anything but io.EOF or ErrSkipped (which are
// passed on as they are), closes it and reopens it with
// exponential back-off. When an opening attempt fails because a file is
// missing (an error wrapping a *fs.PathError for fs.ErrNotExist, as
// v4l2: and camera: report an unplugged camera's device node), the
// back-off wait also looks for that file every ProbeInterval and ends as
// soon as it exists again, so that a camera plugged back in resumes within
// a fraction of a second, not at the end of a back-off step. Next reports each outage once as an error wrapping
// ErrReconnecting, then keeps blocking through the back-off waits and
// reopening attempts (which ctx interrupts) until frames resume. The first
// open happens in the first call to Next; its failure is an outage too.
func Reconnecting(open func() (Source, error), backoff Backoff) Source {
	if backoff.Initial <= 0 {
		backoff.Initial = DefaultBackoffInitial
	}
	if backoff.Max <= 0 {
		backoff.Max = DefaultBackoffMax
	}
	backoff.Max = max(backoff.Max, backoff.Initial)
	return &reconnecting{open: open, backoff: backoff}
}

type reconnecting struct {
	open    func() (Source, error)
	backoff Backoff

	src       Source        // nil while disconnected
	delay     time.Duration // wait before the next opening attempt; 0 = open at once
	missing   string        // the file whose absence failed the last opening attempt
	announced bool          // the current outage has been reported
	closed    bool
}

// Next returns the next frame, reopening the source as needed.
func (r *reconnecting) Next(ctx context.Context) (*Frame, error) {
	for {
		if r.closed {
			return nil, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if r.src == nil {
			if err := r.reopen(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if outage := r.outage(err); outage != nil {
					return nil, outage
				}
				continue
			}
		}
		frame, err := r.src.Next(ctx)
		switch {
		case err == nil:
			r.announced = false
			r.delay = 0
			return frame, nil
		case errors.Is(err, io.EOF), errors.Is(err, ErrSkipped), ctx.Err() != nil:
			return nil, err // the end, news of a skipped file, or the caller's own cancellation
		}
		// Closing a broken source may fail too; the failure that matters
		// is the one being reported.
		_ = r.src.Close()
		r.src = nil
		r.lengthenDelay()
		if outage := r.outage(err); outage != nil {
			return nil, outage
		}
	}
}

// reopen waits out the back-off, then tries to open the source once.
func (r *reconnecting) reopen(ctx context.Context) error {
	if r.delay > 0 {
		if err := r.wait(ctx); err != nil {
			return err
		}
	}
	src, err := r.open()
	if err == nil && src == nil {
		err = errors.New("camera: open function returned no source")
	}
	r.missing = ""
	if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist) {
		r.missing = pathErr.Path
	}
	if err != nil {
		r.lengthenDelay()
		return err
	}
	r.src = src
	return nil
}

// wait sleeps for the back-off delay, or until ctx ends, or until the file
// whose absence failed the last attempt exists again; then the back-off
// starts over, so that the attempt it wakes for is made at once.
func (r *reconnecting) wait(ctx context.Context) error {
	if r.missing == "" {
		return sleepCtx(ctx, r.delay)
	}
	if _, err := os.Stat(r.missing); err == nil {
		// There already, yet missing to the opener: only its
		// reappearance is worth waking early for.
		return sleepCtx(ctx, r.delay)
	}
	timer := time.NewTimer(r.delay)
	defer timer.Stop()
	probe := time.NewTicker(ProbeInterval)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		case <-probe.C:
			if _, err := os.Stat(r.missing); err == nil {
				r.delay = 0
				return nil
			}
		}
	}
}

// lengthenDelay starts the back-off at Initial or doubles it up to Max.
func (r *reconnecting) lengthenDelay() {
	if r.delay == 0 {
		r.delay = r.backoff.Initial
	} else {
		r.delay = min(2*r.delay, r.backoff.Max)
	}
}

// outage returns the error announcing the current outage the first time it
// is called for it, nil afterwards.
func (r *reconnecting) outage(cause error) error {
	if r.announced {
		return nil
	}
	r.announced = true
	return fmt.Errorf("%w: %w", ErrReconnecting, cause)
}

// Close closes the current source, if any.
func (r *reconnecting) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.src == nil {
		return nil
	}
	err := r.src.Close()
	r.src = nil
	return err
}
