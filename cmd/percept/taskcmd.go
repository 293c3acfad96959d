package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"time"

	"github.com/percept-robotics/percept/models"
)

// sourceFlags are the flags of every image command for where its images
// come from and how their results are printed: -json, -source, -n and
// -max-pixels.
type sourceFlags struct {
	asJSON    bool
	source    string
	frames    int
	maxPixels int
}

// addSourceFlags defines the source flags on fs.
func addSourceFlags(fs *flag.FlagSet) *sourceFlags {
	f := &sourceFlags{}
	f.define(fs)
	return f
}

// define defines f's flags on fs.
func (f *sourceFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line per image (always on with -source)")
	fs.StringVar(&f.source, "source", "", "read frames from camera:N, v4l2:/dev/videoN, file:PATH, dir:GLOB or test: instead of image files, and print one JSON line per frame")
	fs.IntVar(&f.frames, "n", 0, "with -source, stop after N frames (0: at the end of the source, or on SIGINT/SIGTERM)")
	fs.IntVar(&f.maxPixels, "max-pixels", models.DefaultMaxPixels, "refuse an image whose header declares more pixels than this, before decoding it")
}

// check refuses out-of-range values and contradictory flags before any
// work; needImages, for a command with no embedded image, also refuses
// neither -source nor image files in args.
func (f *sourceFlags) check(c *checks, args []string, needImages bool) {
	c.nonNegative("n", f.frames)
	c.require(f.maxPixels >= 1, "-max-pixels %d: want at least 1", f.maxPixels)
	c.require(!needImages || f.source != "" || len(args) > 0, "give one or more images, or -source")
	c.require(f.source == "" || len(args) == 0, "give either -source or image files, not both (got -source %s and %q)", f.source, args)
	c.require(f.source != "" || f.frames == 0, "-n counts the frames of -source; it needs -source")
}

// stream returns the -source run these flags ask for.
func (f *sourceFlags) stream(command string) stream {
	return stream{command: command, spec: f.source, frames: f.frames, maxPixels: f.maxPixels}
}

// imageTask is what one image command (detect, classify, segment, pose,
// faces) does with an image once its model is open: runImageTask does the
// rest, for image files and for a -source stream alike.
type imageTask[R any] struct {
	run    func(context.Context, image.Image) (R, error)          // the model on one image or frame
	result func(name string, b image.Rectangle, r R) any          // one image's -json line
	frame  func(b image.Rectangle, r R, m frameMeta) any          // one -source frame's line
	print  func(w io.Writer, name string, b image.Rectangle, r R) // one image's table
	draw   func(i, n int, img image.Image, r R) error             // writes image i of n's annotated files; nil when the command draws none
}

// runImageTask streams the frames of s when its -source is set, and
// otherwise runs t on each input in turn, printing a table or, asJSON, a
// JSON line per image and then drawing it.
func runImageTask[R any](ctx context.Context, t imageTask[R], s stream, inputs []imageInput, asJSON bool, stdout, stderr io.Writer) error {
	if s.spec != "" {
		return streamFrames(ctx, s, stdout, stderr, t.run, t.frame)
	}
	return eachImage(s.command, inputs, s.maxPixels, stderr, func(i int, in imageInput, img image.Image) error {
		r, err := t.run(ctx, img)
		if err != nil {
			return err
		}
		if asJSON {
			line, err := json.Marshal(t.result(in.name, img.Bounds(), r))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", line)
		} else {
			t.print(stdout, in.name, img.Bounds(), r)
		}
		if t.draw == nil {
			return nil
		}
		return t.draw(i, len(inputs), img, r)
	})
}

// frameJSON is a -source frame's metadata as its JSON line carries it,
// after the frame's result; frameJSON(m) converts a frameMeta.
type frameJSON struct {
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	Dropped     uint64    `json:"dropped"`
	InferenceMS float64   `json:"inference_ms"`
	LatencyMS   float64   `json:"latency_ms"`
}

// nonNil returns s, or an empty slice when s is nil, so that a result
// with nothing in it is [] in JSON rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// printHeading prints the first line of an image's table: its name, its
// size and how many things were found in it, named one or many.
func printHeading(w io.Writer, name string, width, height, n int, one, many string) {
	noun := many
	if n == 1 {
		noun = one
	}
	fmt.Fprintf(w, "%s (%d×%d): %d %s\n", name, width, height, n, noun)
}
