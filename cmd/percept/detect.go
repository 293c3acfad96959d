package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"text/tabwriter"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/internal/server"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// imageFlags are the flags detect and classify share.
type imageFlags struct {
	model, labels string
	threads       int
	sourceFlags
	edgeTPU *edgeTPUFlags
}

// addImageFlags defines the shared flags on fs; what names the default
// model.
func addImageFlags(fs *flag.FlagSet, what string) *imageFlags {
	f := &imageFlags{}
	fs.StringVar(&f.model, "model", "", what)
	fs.StringVar(&f.labels, "labels", "", "label file, overriding the labels packed in the model")
	fs.IntVar(&f.threads, "threads", 0, "threads (0: all cores)")
	f.sourceFlags.define(fs)
	f.edgeTPU = addEdgeTPUFlags(fs)
	return f
}

// check refuses out-of-range values and contradictory flags before any
// work.
func (f *imageFlags) check(c *checks, args []string) {
	c.nonNegative("threads", f.threads)
	f.sourceFlags.check(c, args, false)
	f.edgeTPU.check(c)
}

// options returns the models.Options of the flags, validated.
func (f *imageFlags) options(minScore float32, maxResults int) (*models.Options, error) {
	opts := &models.Options{MinScore: minScore, MaxResults: maxResults, Threads: f.threads, MaxPixels: f.maxPixels}
	if err := opts.Validate(); err != nil {
		return nil, usageError{err.Error()}
	}
	if err := loadLabels(f.labels, opts); err != nil {
		return nil, err
	}
	return opts, nil
}

func detectCmd(args []string, stdout, stderr io.Writer) error {
	return detect(context.Background(), args, stdout, stderr)
}

// detect is `percept detect`; ctx bounds a -source stream.
func detect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("detect")
	f := addImageFlags(fs, "detection model (.tflite, SSD with TFLite_Detection_PostProcess); default: the embedded SSD-MobileNet v1")
	threshold := fs.Float64("threshold", 0.5, "minimum score, in [0, 1] (the library's models.Options.MinScore is 0 when unset)")
	maxN := fs.Int("max", 0, "keep at most N detections per image (0: all)")
	outPath := fs.String("out", "", "write the image with its boxes drawn to this .png, .jpg or .jpeg file; with several images, NAME_0.EXT, NAME_1.EXT, ... in argument order")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var c checks
	c.unitInterval("threshold", *threshold)
	c.nonNegative("max", *maxN)
	f.check(&c, fs.Args())
	c.require(f.source == "" || *outPath == "", "-out writes annotated image files; it does not apply to -source")
	if c.err != nil {
		return c.err
	}
	write, err := outputWriter(*outPath)
	if err != nil {
		return err
	}
	opts, err := f.options(float32(*threshold), *maxN)
	if err != nil {
		return err
	}
	closeFallback, err := f.edgeTPU.apply(opts, "detect", stderr)
	if err != nil {
		return err
	}
	defer closeFallback()
	m, err := openModel(f.model, assets.DetectorModel)
	if err != nil {
		return err
	}
	defer m.Close()
	f.edgeTPU.checkModel(m, "detect", stderr)
	det, err := models.NewDetector(m, opts)
	if err != nil {
		return err
	}
	defer det.Close()

	var draw func(i, n int, img image.Image, dets []models.Detection) error
	if write != nil {
		draw = func(i, n int, img image.Image, dets []models.Detection) error {
			return write(numbered(*outPath, i, n), annotate.Draw(img, dets))
		}
	}
	task := imageTask[[]models.Detection]{
		run: det.Detect,
		result: func(name string, b image.Rectangle, dets []models.Detection) any {
			return newDetectResult(name, b, dets)
		},
		frame: func(b image.Rectangle, dets []models.Detection, m frameMeta) any {
			return server.FrameResult{
				Result: newDetectResult(f.source, b, dets),
				Seq:    m.Seq, Time: m.Time, Dropped: m.Dropped, InferenceMS: m.InferenceMS, LatencyMS: m.LatencyMS,
			}
		},
		print: printDetections,
		draw:  draw,
	}
	inputs := imageInputs(fs.Args(), "embedded:dogs.jpg", assets.DogsJPEG)
	return runImageTask(ctx, task, f.stream("detect"), inputs, f.asJSON, stdout, stderr)
}

// newDetectResult is the JSON of one image's detections, [] rather than
// null when there are none.
func newDetectResult(name string, b image.Rectangle, dets []models.Detection) server.Result {
	return server.Result{Image: name, Width: b.Dx(), Height: b.Dy(), Detections: nonNil(dets)}
}

// eachImage decodes each input and calls process on it. An image that
// fails is one line on stderr naming it, and the batch goes on; when any
// failed, eachImage returns reportedError after the others were done.
func eachImage(command string, inputs []imageInput, maxPixels int, stderr io.Writer,
	process func(i int, in imageInput, img image.Image) error,
) error {
	failed := 0
	for i, in := range inputs {
		img, err := in.decode(maxPixels)
		if err == nil {
			err = process(i, in, img)
		}
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "percept %s: %s: %v\n", command, in.name, err)
		}
	}
	switch {
	case failed == 0:
		return nil
	case len(inputs) > 1:
		fmt.Fprintf(stderr, "percept %s: %d of %d images failed\n", command, failed, len(inputs))
	}
	return reportedError{}
}

func printDetections(w io.Writer, name string, b image.Rectangle, dets []models.Detection) {
	fmt.Fprintf(w, "%s (%d×%d): %d detections\n", name, b.Dx(), b.Dy(), len(dets))
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  score\tclass\tlabel\tx\ty\twidth\theight")
	for _, d := range dets {
		fmt.Fprintf(tw, "  %.3f\t%d\t%s\t%d\t%d\t%d\t%d\n", d.Score, d.Class, d.Label, d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height)
	}
	tw.Flush()
}

// openModel memory-maps the model at path, or parses the embedded model
// when path is empty.
func openModel(path string, embedded []byte) (*tflite.Model, error) {
	if path == "" {
		return tflite.Parse(embedded)
	}
	return tflite.Open(path)
}

func loadLabels(path string, opts *models.Options) error {
	if path == "" {
		return nil
	}
	labels, err := models.LoadLabels(path)
	opts.Labels = labels
	return err
}
