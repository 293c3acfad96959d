package camera

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openNode plays a camera behind a device node: opening fails as v4l2:
// does (a *fs.PathError) while node is missing.
func openNode(node string, attempts *atomic.Int32) func() (Source, error) {
	return func() (Source, error) {
		attempts.Add(1)
		if _, err := os.Stat(node); err != nil {
			return nil, fmt.Errorf("camera: %w", &fs.PathError{Op: "opening", Path: node, Err: err})
		}
		return &scriptedSource{frames: 100}, nil
	}
}

// A camera plugged back in used to wait out the whole back-off step (8 s
// here, as measured with the defaults after a few failed attempts): the
// wait now ends when the device node reappears.
func TestReconnectingResumesWhenTheNodeReappears(t *testing.T) {
	node := filepath.Join(t.TempDir(), "video0")
	var attempts atomic.Int32
	src := Reconnecting(openNode(node, &attempts), Backoff{Initial: 8 * time.Second, Max: 8 * time.Second})
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, err := src.Next(ctx)
	require.ErrorIs(t, err, ErrReconnecting)
	require.ErrorIs(t, err, fs.ErrNotExist)

	type result struct {
		frame *Frame
		err   error
	}
	done := make(chan result, 1)
	go func() {
		f, err := src.Next(ctx)
		done <- result{f, err}
	}()
	time.Sleep(250 * time.Millisecond) // well into the 8 s step
	require.NoError(t, os.WriteFile(node, nil, 0o600))
	plugged := time.Now()
	got := <-done
	recovered := time.Since(plugged)
	require.NoError(t, got.err)
	assert.EqualValues(t, 0, got.frame.Seq)
	assert.EqualValues(t, 2, attempts.Load(), "one failed attempt, one when the node came back")
	t.Logf("recovery (node reappears to first frame) in an 8 s back-off step: %v", recovered.Round(time.Millisecond))
	assert.Less(t, recovered, time.Second, "not the rest of the 8 s step")
}

// A node that exists while opening it fails is not waited for: the
// back-off keeps its steps (no tight loop of attempts).
func TestReconnectingKeepsBackingOffWhenTheNodeIsThere(t *testing.T) {
	node := filepath.Join(t.TempDir(), "video0")
	require.NoError(t, os.WriteFile(node, nil, 0o600))
	var attempts atomic.Int32
	src := Reconnecting(func() (Source, error) {
		attempts.Add(1)
		return nil, fmt.Errorf("camera: %w", &fs.PathError{Op: "opening", Path: node, Err: fs.ErrNotExist})
	}, Backoff{Initial: 300 * time.Millisecond, Max: 300 * time.Millisecond})
	defer src.Close()
	_, err := src.Next(context.Background())
	require.ErrorIs(t, err, ErrReconnecting)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = src.Next(ctx)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.LessOrEqual(t, attempts.Load(), int32(3), "300 ms steps for 700 ms: at most two more attempts")
}

// An unplugged camera's outage goes through a failed read, then openings
// that fail on the missing node, then the node's return.
func TestReconnectingAfterUnplugAndReplug(t *testing.T) {
	node := filepath.Join(t.TempDir(), "video0")
	require.NoError(t, os.WriteFile(node, nil, 0o600))
	var attempts atomic.Int32
	open := openNode(node, &attempts)
	first := true
	src := Reconnecting(func() (Source, error) {
		if first {
			first = false
			attempts.Add(1)
			return &scriptedSource{frames: 1, failure: errDeviceUnplugged}, nil
		}
		return open()
	}, Backoff{Initial: 50 * time.Millisecond, Max: 8 * time.Second})
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := src.Next(ctx)
	require.NoError(t, err)
	require.NoError(t, os.Remove(node))
	_, err = src.Next(ctx)
	require.ErrorIs(t, err, errDeviceUnplugged)

	go func() {
		// Let the back-off grow past a few steps (50, 100, 200, 400 ms…).
		time.Sleep(900 * time.Millisecond)
		_ = os.WriteFile(node, nil, 0o600)
	}()
	start := time.Now()
	f, err := src.Next(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 0, f.Seq)
	assert.Less(t, time.Since(start), 1500*time.Millisecond)
	assert.GreaterOrEqual(t, attempts.Load(), int32(4))
}

var errDeviceUnplugged = errors.New("device reported an error or hang-up")
