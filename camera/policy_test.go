package camera

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedSource returns its frames in order, then fails with failure (or
// io.EOF when failure is nil). It records being closed.
type scriptedSource struct {
	frames  int
	failure error
	served  int
	frame   Frame
	closed  atomic.Bool
}

func (s *scriptedSource) Next(ctx context.Context) (*Frame, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.served == s.frames {
		if s.failure == nil {
			return nil, io.EOF
		}
		return nil, s.failure
	}
	s.frame = Frame{Data: []byte{byte(s.served)}, Width: 1, Height: 1, Stride: 1, Format: Gray, Seq: uint64(s.served)}
	s.served++
	return &s.frame, nil
}

func (s *scriptedSource) Close() error {
	s.closed.Store(true)
	return nil
}

// gatedSource yields a frame each time the test sends on gate, blocking
// otherwise.
type gatedSource struct {
	gate   chan struct{}
	seq    atomic.Uint64 // frames produced
	frame  Frame
	closed atomic.Bool
}

func (s *gatedSource) Next(ctx context.Context) (*Frame, error) {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	seq := s.seq.Add(1) - 1
	s.frame = Frame{Data: []byte{byte(seq)}, Width: 1, Height: 1, Stride: 1, Format: Gray, Seq: seq}
	return &s.frame, nil
}

func (s *gatedSource) Close() error {
	s.closed.Store(true)
	return nil
}

// publications follows the frames a Latest reader publishes (see
// newLatest), so that tests wait for the reader instead of sleeping.
type publications struct {
	mu      sync.Mutex
	any     bool          // a frame has been published
	newest  uint64        // the Seq of the newest frame published
	changed chan struct{} // holds a token after each publication
}

func newPublications() *publications {
	return &publications{changed: make(chan struct{}, 1)}
}

// publish is the hook newLatest calls.
func (p *publications) publish(seq uint64) {
	p.mu.Lock()
	p.any, p.newest = true, seq
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until the reader has published a frame with Seq seq or
// later, failing t after ten seconds.
func (p *publications) waitFor(t *testing.T, seq uint64) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		done := p.any && p.newest >= seq
		p.mu.Unlock()
		if done {
			return
		}
		select {
		case <-p.changed:
		case <-timeout:
			t.Fatalf("the reader did not publish frame %d", seq)
		}
	}
}

// doneCalled is a context that closes called the first time its Done
// method is called: a Next that selects on Done is about to block.
type doneCalled struct {
	context.Context
	once   sync.Once
	called chan struct{}
}

func (c *doneCalled) Done() <-chan struct{} {
	c.once.Do(func() { close(c.called) })
	return c.Context.Done()
}

// waitForGoroutines waits up to a second for the goroutine count to fall
// to at most want.
func waitForGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), want, "goroutines leaked")
}

func TestLatestSlowConsumerGetsNewestFrames(t *testing.T) {
	const width, height = 32, 16
	before := runtime.NumGoroutine()
	pattern, err := Open("test:", Options{Width: width, Height: height})
	require.NoError(t, err)
	published := newPublications()
	src := newLatest(pattern, published.publish)

	var previous *Frame
	var prevSeq, totalDropped uint64
	for i := range 8 {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		if i > 0 {
			require.Greater(t, f.Seq, prevSeq, "Seq increases")
			assert.Equal(t, f.Seq-prevSeq-1, f.Dropped, "Dropped counts exactly the frames skipped")
			assert.NotSame(t, previous, f, "the new frame lives in another buffer")
		}
		totalDropped += f.Dropped
		prevSeq, previous = f.Seq, f
		// Be slow while the producer publishes two more frames, filling
		// both other buffers, then check that the frame held all along
		// was not overwritten.
		published.waitFor(t, f.Seq+2)
		for y := range height {
			for x := range width {
				want := wantPatternPixel(f.Seq, x, y, width, height)
				require.Equal(t, want, [3]byte(f.Data[y*f.Stride+3*x:]), "frame %d pixel (%d, %d)", f.Seq, x, y)
			}
		}
	}
	assert.GreaterOrEqual(t, totalDropped, uint64(7), "a slow consumer skips frames instead of queueing them")

	require.NoError(t, src.Close())
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, src.Close(), "Close twice is harmless")
	waitForGoroutines(t, before)
}

func TestLatestBlocksUntilANewFrame(t *testing.T) {
	before := runtime.NumGoroutine()
	gated := &gatedSource{gate: make(chan struct{})}
	published := newPublications()
	src := newLatest(gated, published.publish)

	gated.gate <- struct{}{}
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 0, f.Seq)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "no new frame: Next waits instead of repeating one")

	// Three frames arrive before the consumer asks: it gets the last one.
	for range 3 {
		gated.gate <- struct{}{}
	}
	published.waitFor(t, 3)
	f, err = src.Next(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.Seq)
	assert.EqualValues(t, 2, f.Dropped)

	// Close wakes a Next blocked in another goroutine.
	waiting := &doneCalled{Context: context.Background(), called: make(chan struct{})}
	result := make(chan error, 1)
	go func() {
		_, err := src.Next(waiting)
		result <- err
	}()
	select {
	case <-waiting.called:
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not wait for a frame")
	}
	require.NoError(t, src.Close())
	select {
	case err := <-result:
		assert.ErrorIs(t, err, ErrClosed)
	case <-time.After(time.Second):
		t.Fatal("Close did not wake a blocked Next")
	}
	assert.True(t, gated.closed.Load(), "Close closes the wrapped source")
	waitForGoroutines(t, before)
}

func TestLatestEndsWithTheSourceError(t *testing.T) {
	before := runtime.NumGoroutine()
	src := Latest(&scriptedSource{frames: 1})
	f, err := src.Next(context.Background())
	require.NoError(t, err, "frames read before the end are delivered first")
	assert.EqualValues(t, 0, f.Seq)
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF)
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF, "the end is sticky")
	require.NoError(t, src.Close())

	broken := errors.New("sensor on fire")
	src = Latest(&scriptedSource{failure: broken})
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, broken)
	require.NoError(t, src.Close())
	waitForGoroutines(t, before)
}

func TestReconnectingBacksOffAndResumes(t *testing.T) {
	unplugged := errors.New("usb unplugged")
	refused := errors.New("device busy")
	var (
		mu        sync.Mutex
		opens     []time.Time
		first     *scriptedSource
		failureAt time.Time
	)
	open := func() (Source, error) {
		mu.Lock()
		defer mu.Unlock()
		opens = append(opens, time.Now())
		switch len(opens) {
		case 1:
			first = &scriptedSource{frames: 2, failure: unplugged}
			return first, nil
		case 2, 3:
			return nil, refused
		default:
			return &scriptedSource{frames: 100}, nil
		}
	}
	const initial, maxDelay = 10 * time.Millisecond, 25 * time.Millisecond
	src := Reconnecting(open, Backoff{Initial: initial, Max: maxDelay})
	defer src.Close()

	ctx := context.Background()
	for seq := range uint64(2) {
		f, err := src.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, seq, f.Seq)
	}
	_, err := src.Next(ctx)
	failureAt = time.Now()
	require.ErrorIs(t, err, ErrReconnecting)
	assert.ErrorIs(t, err, unplugged, "the outage error carries its cause")
	assert.True(t, first.closed.Load(), "the failed source is closed")

	// The next call sits through two failed reopenings without reporting
	// them again, and returns the new source's first frame.
	f, err := src.Next(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 0, f.Seq)
	require.Len(t, opens, 4)
	// Waits: Initial before the 2nd open, doubled before the 3rd, capped at Max before the 4th.
	assert.GreaterOrEqual(t, opens[1].Sub(failureAt), initial-time.Millisecond)
	assert.GreaterOrEqual(t, opens[2].Sub(opens[1]), 2*initial)
	assert.GreaterOrEqual(t, opens[3].Sub(opens[2]), maxDelay)

	f, err = src.Next(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, f.Seq)

	require.NoError(t, src.Close())
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, ErrClosed)
}

// TestReconnectingDelayIsCappedAtMax follows the back-off without a clock,
// where TestReconnectingBacksOffAndResumes can only bound the waits from
// below: a timer may always fire late.
func TestReconnectingDelayIsCappedAtMax(t *testing.T) {
	r := Reconnecting(func() (Source, error) { return nil, io.EOF }, Backoff{Initial: 10 * time.Millisecond, Max: 25 * time.Millisecond}).(*reconnecting)
	var delays []time.Duration
	for range 5 {
		r.lengthenDelay()
		delays = append(delays, r.delay)
	}
	assert.Equal(t, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond, 25 * time.Millisecond, 25 * time.Millisecond}, delays)
}

func TestReconnectingFirstOpenFailureIsAnOutage(t *testing.T) {
	attempts := 0
	src := Reconnecting(func() (Source, error) {
		attempts++
		if attempts == 1 {
			return nil, errors.New("not plugged in yet")
		}
		return &scriptedSource{frames: 1}, nil
	}, Backoff{Initial: time.Millisecond})
	defer src.Close()
	_, err := src.Next(context.Background())
	assert.ErrorIs(t, err, ErrReconnecting)
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 0, f.Seq)
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF, "the end of a source is not an outage")
	assert.Equal(t, 2, attempts)
}

func TestReconnectingBackoffWaitHonoursContext(t *testing.T) {
	src := Reconnecting(func() (Source, error) {
		return &scriptedSource{failure: errors.New("broken")}, nil
	}, Backoff{Initial: time.Hour})
	defer src.Close()
	_, err := src.Next(context.Background())
	require.ErrorIs(t, err, ErrReconnecting)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "cancellation cuts the hour-long back-off short")
}

func TestLatestPassesReconnectionNewsOnce(t *testing.T) {
	before := runtime.NumGoroutine()
	opens := 0
	reopened := make(chan struct{})
	reconnecting := Reconnecting(func() (Source, error) {
		opens++
		if opens == 1 {
			return &scriptedSource{frames: 1, failure: errors.New("glitch")}, nil
		}
		close(reopened)
		return &gatedSource{gate: make(chan struct{})}, nil
	}, Backoff{Initial: time.Millisecond})
	src := Latest(reconnecting)

	// The reader reopens after it has queued the frame and the outage;
	// the gated second source never yields, so nothing follows them.
	select {
	case <-reopened:
	case <-time.After(10 * time.Second):
		t.Fatal("the source was not reopened")
	}
	var outages int
	var gotFrame bool
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			break // all news delivered
		}
		if errors.Is(err, ErrReconnecting) {
			outages++
			continue
		}
		require.NoError(t, err)
		assert.EqualValues(t, 0, f.Seq)
		gotFrame = true
	}
	assert.True(t, gotFrame)
	assert.Equal(t, 1, outages, "one outage, reported once")
	require.NoError(t, src.Close())
	waitForGoroutines(t, before)
}
