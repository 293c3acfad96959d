//go:build linux

package camera

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A camera that stops delivering frames without an error used to block Next
// for ever: now Next fails with ErrStalled after the stall timeout.
func TestV4L2StallIsReported(t *testing.T) {
	dev := newFakeDevice(t, yuyv4x2(0), yuyv4x2(10))
	const timeout = 100 * time.Millisecond
	src, err := startV4L2(dev, "/dev/fake", Options{StallTimeout: timeout})
	require.NoError(t, err)
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 2 {
		_, err := src.Next(ctx)
		require.NoError(t, err)
	}
	start := time.Now()
	_, err = src.Next(ctx)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrStalled, "the fake delivers nothing more and reports no error")
	assert.ErrorContains(t, err, "/dev/fake")
	assert.ErrorContains(t, err, "stall timeout 100ms")
	assert.ErrorContains(t, err, "no frame for 1")
	assert.GreaterOrEqual(t, elapsed, timeout)
	assert.Less(t, elapsed, 2*time.Second)
}

func TestV4L2StallTimeoutFollowsTheFrameRate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		noParm  bool
		timeout time.Duration
	}{
		{"30 fps: the 2 s floor", Options{FPS: 30}, false, 2 * time.Second},
		{"2 fps: ten intervals", Options{FPS: 2}, false, 5 * time.Second},
		{"0.25 fps: ten intervals", Options{FPS: 0.25}, false, 40 * time.Second},
		{"driver without a rate", Options{FPS: 30}, true, 2 * time.Second},
		{"configured", Options{FPS: 2, StallTimeout: 300 * time.Millisecond}, false, 300 * time.Millisecond},
		{"never", Options{FPS: 30, StallTimeout: -1}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newFakeDevice(t, yuyv4x2(0))
			if tc.noParm {
				dev.sParmErr = unix.ENOTTY
			}
			src, err := startV4L2(dev, "/dev/fake", tc.opts)
			require.NoError(t, err)
			defer src.Close()
			assert.Equal(t, tc.timeout, src.stall)
			first := time.Duration(0)
			if tc.timeout > 0 {
				first = max(tc.timeout, FirstFrameTimeout)
			}
			assert.Equal(t, first, src.silenceLimit(), "before the first frame")
			_, err = src.Next(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.timeout, src.silenceLimit(), "after it")
		})
	}
}

// TestReconnectingReopensAStalledCamera measures stall-to-reopen with the
// defaults a 30 fps camera gets: the 2 s stall timeout, then the 250 ms
// first back-off step.
func TestReconnectingReopensAStalledCamera(t *testing.T) {
	var (
		mu      sync.Mutex
		devices []*fakeDevice
	)
	open := func() (Source, error) {
		mu.Lock()
		defer mu.Unlock()
		dev := newFakeDevice(t, yuyv4x2(byte(len(devices))), yuyv4x2(1), yuyv4x2(2))
		devices = append(devices, dev)
		return startV4L2(dev, "/dev/fake", Options{FPS: 30})
	}
	src := Reconnecting(open, Backoff{})
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var lastFrame time.Time
	for range 3 {
		_, err := src.Next(ctx)
		require.NoError(t, err)
		lastFrame = time.Now()
	}
	_, err := src.Next(ctx)
	require.ErrorIs(t, err, ErrReconnecting, "the stall is reported as an outage")
	require.ErrorIs(t, err, ErrStalled)
	f, err := src.Next(ctx)
	require.NoError(t, err)
	reopened := time.Since(lastFrame)
	assert.EqualValues(t, 0, f.Seq, "a new device's first frame")
	assert.Equal(t, byte(1), f.Data[0], "from the second device")
	mu.Lock()
	assert.True(t, devices[0].closed, "the stalled device is closed")
	assert.Len(t, devices, 2)
	mu.Unlock()
	t.Logf("stall-to-reopen (last frame to the reopened camera's first frame): %v", reopened.Round(time.Millisecond))
	assert.GreaterOrEqual(t, reopened, DefaultStallTimeout+DefaultBackoffInitial)
	assert.Less(t, reopened, DefaultStallTimeout+DefaultBackoffInitial+time.Second)
}
