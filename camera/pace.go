package camera

import (
	"context"
	"time"
)

// pacer spaces frames 1/rate apart. Late frames are not made up for: after
// a stall the schedule restarts from the late frame, so a slow consumer
// never receives a burst.
type pacer struct {
	interval time.Duration // 0 = no pacing
	next     time.Time     // earliest time of the next frame
}

func newPacer(rate float64) pacer {
	if rate <= 0 {
		return pacer{}
	}
	return pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the next frame is due or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.interval == 0 {
		return nil
	}
	now := time.Now()
	if delay := p.next.Sub(now); delay > 0 {
		if err := sleepCtx(ctx, delay); err != nil {
			return err
		}
		now = p.next
	}
	p.next = now.Add(p.interval)
	return nil
}

// sleepCtx sleeps for d or until ctx ends, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
