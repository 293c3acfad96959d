package camera

import (
	"context"
	"errors"
	"sync"
)

// Latest wraps src so that a slow consumer always gets the newest frame. A
// goroutine reads src continuously into three reused buffers: the newest
// unseen frame, the frame the consumer holds (valid until its next call to
// Next) and the one being filled, so the reader never overwrites a frame in
// use and never queues more than one. Next returns the newest frame not
// yet returned, blocking while there is none; Frame.Dropped counts the
// frames replaced before the consumer saw them (plus any src reported).
//
// Errors from src end the stream after the frames already read, except
// reports that src goes on, errors wrapping ErrReconnecting (see
// Reconnecting) or ErrSkipped (a dir: source passing over a bad file),
// which are passed on in order, each once, while reading continues (up to
// maxNotices undelivered ones are kept). Close stops the goroutine, waits
// for it and closes src.
//
// Latest is for live sources, whose frames come at the camera's pace
// whether or not they are read. Over a source that yields frames as fast
// as they are read, such as an unpaced file: or dir: source (Options.Rate
// 0), it reads and discards frames for as long as the consumer works on
// one: a slow consumer sees only a few images of a directory. Read such a
// source directly, without Latest, to see every image.
func Latest(src Source) Source {
	return newLatest(src, nil)
}

// newLatest is Latest with a hook: published, when not nil, is called from
// the reader goroutine with each frame's Seq once Next can return the
// frame, so that tests wait for the reader instead of sleeping.
func newLatest(src Source, published func(seq uint64)) *latest {
	ctx, cancel := context.WithCancel(context.Background())
	l := &latest{
		src:       src,
		published: published,
		cancel:    cancel,
		done:      make(chan struct{}),
		closing:   make(chan struct{}),
		wake:      make(chan struct{}, 1),
		ready:     noSlot,
		held:      noSlot,
	}
	go l.read(ctx)
	return l
}

const noSlot = -1

// maxNotices bounds the source's news (reconnections, skipped files)
// waiting for a consumer that does not call Next; later news is dropped.
const maxNotices = 256

type latest struct {
	src       Source
	published func(seq uint64) // see newLatest; nil outside tests
	cancel    context.CancelFunc
	done      chan struct{} // closed when the reader goroutine has returned
	closing   chan struct{} // closed by Close to wake a blocked Next
	wake      chan struct{} // a new frame or error is available
	once      sync.Once

	mu         sync.Mutex
	slots      [3]Frame
	ready      int     // slot of the newest unseen frame, or noSlot
	held       int     // slot last returned to the consumer, or noSlot
	notices    []error // ErrReconnecting and ErrSkipped news not yet delivered
	terminal   error   // why the reader stopped
	closed     bool
	closeError error
}

// read is the producer goroutine.
func (l *latest) read(ctx context.Context) {
	defer close(l.done)
	for {
		frame, err := l.src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return // Close cancelled the read
			}
			l.mu.Lock()
			if errors.Is(err, ErrReconnecting) || errors.Is(err, ErrSkipped) {
				if len(l.notices) < maxNotices {
					l.notices = append(l.notices, err)
				}
				l.mu.Unlock()
				l.notify()
				continue
			}
			l.terminal = err
			l.mu.Unlock()
			l.notify()
			return
		}

		l.mu.Lock()
		slot := l.freeSlot()
		l.mu.Unlock()
		// The slot is neither ready nor held, so the consumer cannot reach
		// it while it is filled.
		copyFrame(&l.slots[slot], frame)

		l.mu.Lock()
		if l.ready != noSlot {
			l.slots[slot].Dropped += l.slots[l.ready].Dropped + 1
		}
		l.ready = slot
		seq := l.slots[slot].Seq
		l.mu.Unlock()
		if l.published != nil {
			l.published(seq)
		}
		l.notify()
	}
}

// freeSlot returns a slot that is neither ready nor held. Call with mu held.
func (l *latest) freeSlot() int {
	slot := 0
	for slot == l.ready || slot == l.held { // at most two of the three slots are in use
		slot++
	}
	return slot
}

func (l *latest) notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// copyFrame copies src into dst, reusing dst's buffer.
func copyFrame(dst, src *Frame) {
	data := append(dst.Data[:0], src.Data...)
	*dst = *src
	dst.Data = data
}

// Next returns the newest frame not yet returned.
func (l *latest) Next(ctx context.Context) (*Frame, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, ErrClosed
		}
		if l.ready != noSlot {
			l.held, l.ready = l.ready, noSlot
			frame := &l.slots[l.held]
			l.mu.Unlock()
			return frame, nil
		}
		if len(l.notices) > 0 {
			err := l.notices[0]
			l.notices = l.notices[1:]
			l.mu.Unlock()
			return nil, err
		}
		if err := l.terminal; err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.mu.Unlock()

		select {
		case <-l.wake:
		case <-l.closing:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close stops the reader goroutine and closes the wrapped source.
func (l *latest) Close() error {
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.closing)
		l.cancel()
		<-l.done
		l.closeError = l.src.Close()
	})
	return l.closeError
}
