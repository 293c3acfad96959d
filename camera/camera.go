// Package camera yields frames from image files, directories of images, V4L2
// devices (pure Go), OpenCV (behind the gocv build tag) and a synthetic test
// pattern, under one real-time policy: a consumer that falls behind gets the
// newest frame and the count of frames it missed, never a growing queue.
package camera

import (
	"context"
	"errors"
	"time"
)

// PixelFormat is the layout of a frame's bytes.
type PixelFormat int

// The pixel formats sources produce.
const (
	RGB   PixelFormat = iota // packed 8-bit R, G, B; Stride ≥ 3·Width
	Gray                     // 8-bit luma; Stride ≥ Width
	YUYV                     // packed 4:2:2 Y0 U Y1 V; Stride ≥ 2·Width
	MJPEG                    // one complete JPEG image; Stride unused; Width×Height, when set, bound the size it may declare
)

// Frame is one captured image. Its Data belongs to the source and stays
// valid until the next call to Next on the same source: sources reuse their
// buffers, so a steady stream allocates nothing.
type Frame struct {
	Data          []byte
	Width, Height int
	Stride        int // bytes per row
	Format        PixelFormat
	Time          time.Time // when the frame was captured
	Seq           uint64    // the source's frame number, from 0
	Dropped       uint64    // frames lost to a slow consumer since the previous frame
	// MaxPixels is the largest image Image decodes from an MJPEG frame
	// (0: DefaultMaxPixels): a frame whose JPEG header declares more is
	// refused before decoding. Sources set it from Options.MaxPixels.
	MaxPixels int
}

// Source yields frames. A Source is used by one goroutine at a time.
type Source interface {
	// Next blocks until the next frame, ctx's end (returning ctx.Err()),
	// the end of the source (io.EOF) or a failure.
	Next(ctx context.Context) (*Frame, error)
	// Close releases the source; Next then returns ErrClosed.
	Close() error
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("camera: source closed")

// ErrStalled is wrapped by the error Next returns when a camera has
// delivered no frame for its stall timeout (Options.StallTimeout) without
// reporting a failure. The source is unusable afterwards: Reconnecting
// closes and reopens it like any failed source.
var ErrStalled = errors.New("camera stalled")
