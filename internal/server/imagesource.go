package server

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/models"
)

// imageSource loops over images held in memory.
type imageSource struct {
	frames   []camera.Frame // packed RGB, one per image
	hold     int            // frames each image is shown for
	interval time.Duration  // between frames; 0 = unpaced
	next     time.Time      // when the next frame is due
	count    uint64         // frames returned so far
	current  camera.Frame   // the frame last returned
	closed   bool
}

// NewImageSource returns a source that shows images in turn, each for hold
// frames (at least 1), at rate frames per second (0: as fast as they are
// read), forever. It stands in for a camera in demos and tests.
func NewImageSource(images []image.Image, rate float64, hold int) (camera.Source, error) {
	if len(images) == 0 {
		return nil, errors.New("server: image source needs at least one image")
	}
	if rate < 0 {
		return nil, fmt.Errorf("server: image source rate %g is negative", rate)
	}
	src := &imageSource{hold: max(hold, 1)}
	if rate > 0 {
		src.interval = time.Duration(float64(time.Second) / rate)
	}
	for i, img := range images {
		b := img.Bounds()
		if b.Empty() {
			return nil, fmt.Errorf("server: image %d of the image source is empty", i)
		}
		src.frames = append(src.frames, camera.Frame{
			Data: models.ToPacked(nil, img, 3), Width: b.Dx(), Height: b.Dy(), Stride: 3 * b.Dx(), Format: camera.RGB,
		})
	}
	return src, nil
}

// Next waits for the next frame's turn and returns it.
func (s *imageSource) Next(ctx context.Context) (*camera.Frame, error) {
	if s.closed {
		return nil, camera.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	if wait := s.next.Sub(now); wait > 0 {
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
		now = s.next
	}
	s.next = now.Add(s.interval) // a late frame restarts the schedule: no bursts
	s.current = s.frames[s.count/uint64(s.hold)%uint64(len(s.frames))]
	s.current.Seq = s.count
	s.current.Time = time.Now()
	s.count++
	return &s.current, nil
}

// Close ends the source.
func (s *imageSource) Close() error {
	s.closed = true
	return nil
}
