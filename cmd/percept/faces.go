package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
)

// facesResult is one line of `percept faces -json`.
type facesResult struct {
	Image  string        `json:"image"`
	Width  int           `json:"width"`
	Height int           `json:"height"`
	Faces  []models.Face `json:"faces"` // highest score first; [] when none
}

// facesFrame is one line of `percept faces -source`: the frame's faces and
// its metadata as percept detect -source prints it.
type facesFrame struct {
	facesResult
	frameJSON
}

func facesCmd(args []string, stdout, stderr io.Writer) error {
	return faces(context.Background(), args, stdout, stderr)
}

// faces is `percept faces`; ctx bounds a -source stream.
func faces(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("faces")
	model := fs.String("model", "", "MediaPipe BlazeFace model (.tflite: short-range, front or full-range); default: the embedded short-range model")
	threshold := fs.Float64("threshold", 0, "minimum score, in [0, 1] (0: MediaPipe's for the model, 0.5 short-range and front, 0.6 full-range)")
	maxN := fs.Int("max", 0, "keep at most N faces per image (0: all)")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	kernels := fs.String("kernels", "", "kernel target, one of "+strings.Join(nn.KernelTargets(), ", ")+" (default: PERCEPT_KERNELS, else the best this CPU runs)")
	outPath := fs.String("out", "", "write the image with its faces drawn to this .png, .jpg or .jpeg file; with several images, NAME_0.EXT, NAME_1.EXT, ... in argument order")
	blur := fs.Bool("blur", false, "with -out, pixelate the faces instead of drawing them (privacy)")
	src := addSourceFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var c checks
	c.unitInterval("threshold", *threshold)
	c.nonNegative("max", *maxN)
	c.nonNegative("threads", *threads)
	src.check(&c, fs.Args(), true)
	c.require(src.source == "" || *outPath == "", "-out writes annotated image files; it does not apply to -source")
	c.require(!*blur || *outPath != "", "-blur pixelates the faces in the -out image; it needs -out")
	if c.err != nil {
		return c.err
	}
	write, err := outputWriter(*outPath)
	if err != nil {
		return err
	}
	opts := &models.Options{MinScore: float32(*threshold), MaxResults: *maxN, Threads: *threads, Kernels: *kernels, MaxPixels: src.maxPixels}
	if err := opts.Validate(); err != nil {
		return usageError{err.Error()}
	}
	m, err := openModel(*model, assets.FaceModel)
	if err != nil {
		return err
	}
	defer m.Close()
	det, err := models.NewFaceDetector(m, opts)
	if err != nil {
		return err
	}
	defer det.Close()

	var draw func(i, n int, img image.Image, found []models.Face) error
	if write != nil {
		draw = func(i, n int, img image.Image, found []models.Face) error {
			out := annotate.DrawFaces(img, found)
			if *blur {
				out = annotate.BlurFaces(img, found)
			}
			return write(numbered(*outPath, i, n), out)
		}
	}
	task := imageTask[[]models.Face]{
		run: det.Detect,
		result: func(name string, b image.Rectangle, found []models.Face) any {
			return newFacesResult(name, b, found)
		},
		frame: func(b image.Rectangle, found []models.Face, m frameMeta) any {
			return facesFrame{newFacesResult(src.source, b, found), frameJSON(m)}
		},
		print: printFaces,
		draw:  draw,
	}
	return runImageTask(ctx, task, src.stream("faces"), imageInputs(fs.Args(), "", nil), src.asJSON, stdout, stderr)
}

// newFacesResult is the JSON of one image's faces, [] rather than null
// when there are none.
func newFacesResult(name string, b image.Rectangle, found []models.Face) facesResult {
	return facesResult{Image: name, Width: b.Dx(), Height: b.Dy(), Faces: nonNil(found)}
}

// printFaces prints one image's faces as a table: score, box, and each
// keypoint rounded to the pixel.
func printFaces(w io.Writer, name string, b image.Rectangle, found []models.Face) {
	printHeading(w, name, b.Dx(), b.Dy(), len(found), "face", "faces")
	if len(found) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  score\tx\ty\twidth\theight")
	for _, n := range models.FaceKeypointNames {
		fmt.Fprintf(tw, "\t%s", n)
	}
	fmt.Fprintln(tw)
	for _, f := range found {
		fmt.Fprintf(tw, "  %.3f\t%d\t%d\t%d\t%d", f.Score, f.Box.X, f.Box.Y, f.Box.Width, f.Box.Height)
		for _, p := range f.Keypoints {
			fmt.Fprintf(tw, "\t%.0f,%.0f", p.X, p.Y)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
