package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/percept-robotics/percept/camera"
)

// frameMeta is what every JSON line of a stream tells about its frame, as
// in percept serve's /api/detections.
type frameMeta struct {
	Seq         uint64    // the source's frame number, from 0
	Time        time.Time // when the frame was captured
	Dropped     uint64    // frames the source skipped since the previous one
	InferenceMS float64   // the model's time on this frame
	LatencyMS   float64   // from capture to the result
}

// stream is a -source run of one of the image commands (detect,
// classify, segment, pose, faces).
type stream struct {
	command   string // the command, such as "detect", for error lines
	spec      string // the -source flag
	frames    int    // stop after this many frames (0: at the source's end)
	maxPixels int    // budget for file: and dir: images
}

// streamFrames reads frames from s.spec and writes one JSON line per frame
// to stdout as soon as its result is known, until the source ends, s.frames
// frames were read, ctx ends, or SIGINT/SIGTERM. A frame that fails is one
// line on stderr and the stream goes on; the run then ends with exit code 1.
// infer runs the model on one frame, and line makes the frame's JSON value
// from the frame's bounds, infer's result and the frame's metadata.
func streamFrames[R any](ctx context.Context, s stream, stdout, stderr io.Writer,
	infer func(context.Context, image.Image) (R, error),
	line func(image.Rectangle, R, frameMeta) any,
) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := camera.Open(s.spec, camera.Options{MaxPixels: s.maxPixels})
	if err != nil {
		return err
	}
	defer src.Close()
	var conv camera.FrameImage
	var n streamCounts
	report := func(counter *int, format string, args ...any) {
		*counter++
		fmt.Fprintf(stderr, "percept %s: %s: %s\n", s.command, s.spec, fmt.Sprintf(format, args...))
	}
	for s.frames == 0 || n.read < s.frames {
		f, err := src.Next(ctx)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) || ctx.Err() != nil:
			return n.end(stderr, s.command)
		case errors.Is(err, camera.ErrSkipped):
			// A dir: source passed over a file that is not an image.
			report(&n.skipped, "%v", err)
			continue
		default:
			n.end(stderr, s.command)
			return err
		}
		n.read++
		img, err := f.Image(&conv)
		if err != nil {
			report(&n.failed, "frame %d: %v", f.Seq, err)
			continue
		}
		start := time.Now()
		result, err := infer(ctx, img)
		if ctx.Err() != nil {
			return n.end(stderr, s.command)
		}
		if err != nil {
			report(&n.failed, "frame %d: %v", f.Seq, err)
			continue
		}
		done := time.Now()
		meta := frameMeta{
			Seq: f.Seq, Time: f.Time, Dropped: f.Dropped,
			InferenceMS: milliseconds(done.Sub(start)), LatencyMS: milliseconds(done.Sub(f.Time)),
		}
		data, err := json.Marshal(line(img.Bounds(), result, meta))
		if err != nil {
			return err
		}
		// One write per line, unbuffered: a reader sees each frame's line
		// as soon as it is done.
		if _, err := stdout.Write(append(data, '\n')); err != nil {
			return err
		}
	}
	return n.end(stderr, s.command)
}

// streamCounts counts what a stream met.
type streamCounts struct {
	read    int // frames read from the source
	failed  int // of those, frames that failed
	skipped int // files a dir: source skipped
}

// end prints, when anything failed, the count of the failures (each was
// reported already) and returns reportedError; otherwise nil.
func (n streamCounts) end(stderr io.Writer, command string) error {
	var parts []string
	if n.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d frames failed", n.failed, n.read))
	}
	if n.skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d files skipped", n.skipped))
	}
	if len(parts) == 0 {
		return nil
	}
	fmt.Fprintf(stderr, "percept %s: %s\n", command, strings.Join(parts, ", "))
	return reportedError{}
}

// milliseconds converts d to fractional milliseconds.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
