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

// poseResult is one line of `percept pose -json`.
type poseResult struct {
	Image  string        `json:"image"`
	Width  int           `json:"width"`
	Height int           `json:"height"`
	Poses  []models.Pose `json:"poses"` // [] when the pose scores below -threshold
}

// poseFrame is one line of `percept pose -source`: the frame's poses and
// its metadata as percept detect -source prints it.
type poseFrame struct {
	poseResult
	frameJSON
}

func poseCmd(args []string, stdout, stderr io.Writer) error {
	return pose(context.Background(), args, stdout, stderr)
}

// pose is `percept pose`; ctx bounds a -source stream.
func pose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pose")
	model := fs.String("model", "", "MoveNet single-pose model (.tflite: lightning or thunder, float, int8 or uint8); default: the embedded MoveNet lightning (int8)")
	threshold := fs.Float64("threshold", 0, "minimum pose score (the mean of its keypoints' scores), in [0, 1]")
	keypointThreshold := fs.Float64("keypoint-threshold", 0.3, "with -out, draw only the keypoints scoring at least this, in [0, 1] (MoveNet's authors advise 0.3)")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	kernels := fs.String("kernels", "", "kernel target, one of "+strings.Join(nn.KernelTargets(), ", ")+" (default: PERCEPT_KERNELS, else the best this CPU runs)")
	outPath := fs.String("out", "", "write the image with its skeleton drawn to this .png, .jpg or .jpeg file; with several images, NAME_0.EXT, NAME_1.EXT, ... in argument order")
	src := addSourceFlags(fs)
	tpu := addEdgeTPUFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var c checks
	c.unitInterval("threshold", *threshold)
	c.unitInterval("keypoint-threshold", *keypointThreshold)
	c.nonNegative("threads", *threads)
	src.check(&c, fs.Args(), true)
	c.require(src.source == "" || *outPath == "", "-out writes annotated image files; it does not apply to -source")
	tpu.check(&c)
	if c.err != nil {
		return c.err
	}
	write, err := outputWriter(*outPath)
	if err != nil {
		return err
	}
	opts := &models.Options{MinScore: float32(*threshold), Threads: *threads, Kernels: *kernels, MaxPixels: src.maxPixels}
	if err := opts.Validate(); err != nil {
		return usageError{err.Error()}
	}
	closeFallback, err := tpu.apply(opts, "pose", stderr)
	if err != nil {
		return err
	}
	defer closeFallback()
	m, err := openModel(*model, assets.PoseModel)
	if err != nil {
		return err
	}
	defer m.Close()
	tpu.checkModel(m, "pose", stderr)
	est, err := models.NewPoseEstimator(m, opts)
	if err != nil {
		return err
	}
	defer est.Close()

	var draw func(i, n int, img image.Image, poses []models.Pose) error
	if write != nil {
		draw = func(i, n int, img image.Image, poses []models.Pose) error {
			return write(numbered(*outPath, i, n), annotate.DrawPoses(img, poses, float32(*keypointThreshold)))
		}
	}
	task := imageTask[[]models.Pose]{
		run: est.Estimate,
		result: func(name string, b image.Rectangle, poses []models.Pose) any {
			return newPoseResult(name, b, poses)
		},
		frame: func(b image.Rectangle, poses []models.Pose, m frameMeta) any {
			return poseFrame{newPoseResult(src.source, b, poses), frameJSON(m)}
		},
		print: printPoses,
		draw:  draw,
	}
	return runImageTask(ctx, task, src.stream("pose"), imageInputs(fs.Args(), "", nil), src.asJSON, stdout, stderr)
}

// newPoseResult is the JSON of one image's poses, [] rather than null
// when there is none.
func newPoseResult(name string, b image.Rectangle, poses []models.Pose) poseResult {
	return poseResult{Image: name, Width: b.Dx(), Height: b.Dy(), Poses: nonNil(poses)}
}

// printPoses prints one image's poses: the pose's score, then a table of
// its keypoints.
func printPoses(w io.Writer, name string, b image.Rectangle, poses []models.Pose) {
	printHeading(w, name, b.Dx(), b.Dy(), len(poses), "pose", "poses")
	for _, p := range poses {
		fmt.Fprintf(w, "  score %.3f\n", p.Score)
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "  keypoint\tx\ty\tscore")
		for _, k := range p.Keypoints {
			fmt.Fprintf(tw, "  %s\t%.1f\t%.1f\t%.3f\n", k.Name, k.X, k.Y, k.Score)
		}
		tw.Flush()
	}
}
