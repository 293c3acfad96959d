package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"time"
)

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
