package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"text/tabwriter"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
)

// classifyResult is one line of `percept classify -json`.
type classifyResult struct {
	Image string `json:"image"`
	// Scores is "probabilities" when the model ends in a softmax or a
	// logistic, "logits" when its scores are raw logits.
	Scores  string         `json:"scores"`
	Classes []models.Class `json:"classes"`
}

// classifyFrame is one line of `percept classify -source`: the frame's
// size and classes, and the frame's metadata as percept detect -source
// prints it.
type classifyFrame struct {
	Image       string         `json:"image"`
	Width       int            `json:"width"`
	Height      int            `json:"height"`
	Scores      string         `json:"scores"`
	Classes     []models.Class `json:"classes"`
	Seq         uint64         `json:"seq"`
	Time        time.Time      `json:"time"`
	Dropped     uint64         `json:"dropped"`
	InferenceMS float64        `json:"inference_ms"`
	LatencyMS   float64        `json:"latency_ms"`
}

// scoreKind names what a classifier's scores are, for the JSON "scores"
// field.
func scoreKind(cls *models.Classifier) string {
	if cls.Probabilities() {
		return "probabilities"
	}
	return "logits"
}

func classifyCmd(args []string, stdout, stderr io.Writer) error {
	return classify(context.Background(), args, stdout, stderr)
}

// classify is `percept classify`; ctx bounds a -source stream.
func classify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("classify")
	f := addImageFlags(fs, "classification model (.tflite, one [1, N] score output); default: the embedded MobileNet v1 0.25")
	top := fs.Int("top", 5, "number of classes to print, highest score first")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var c checks
	c.require(*top >= 1, "-top %d: want at least 1", *top)
	f.check(&c, fs.Args())
	if c.err != nil {
		return c.err
	}
	opts, err := f.options(0, *top)
	if err != nil {
		return err
	}
	closeFallback, err := f.edgeTPU.apply(opts, "classify", stderr)
	if err != nil {
		return err
	}
	defer closeFallback()
	m, err := openModel(f.model, assets.ClassifierModel)
	if err != nil {
		return err
	}
	defer m.Close()
	f.edgeTPU.checkModel(m, "classify", stderr)
	cls, err := models.NewClassifier(m, opts)
	if err != nil {
		return err
	}
	defer cls.Close()
	kind := scoreKind(cls)

	if f.source != "" {
		return streamFrames(ctx, f.stream("classify"), stdout, stderr,
			func(ctx context.Context, img image.Image) ([]models.Class, error) { return cls.Classify(ctx, img) },
			func(b image.Rectangle, classes []models.Class, m frameMeta) any {
				return classifyFrame{
					Image: f.source, Width: b.Dx(), Height: b.Dy(), Scores: kind, Classes: classes,
					Seq: m.Seq, Time: m.Time, Dropped: m.Dropped, InferenceMS: m.InferenceMS, LatencyMS: m.LatencyMS,
				}
			})
	}
	inputs := imageInputs(fs.Args(), "embedded:burger.jpg", assets.BurgerJPEG)
	return eachImage("classify", inputs, f.maxPixels, stderr, func(_ int, in imageInput, img image.Image) error {
		classes, err := cls.Classify(ctx, img)
		if err != nil {
			return err
		}
		if f.asJSON {
			line, err := json.Marshal(classifyResult{Image: in.name, Scores: kind, Classes: classes})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", line)
			return nil
		}
		printClasses(stdout, in.name, kind, classes)
		return nil
	})
}

// printClasses prints one image's classes as a table whose score column
// says when the scores are logits.
func printClasses(w io.Writer, name, kind string, classes []models.Class) {
	fmt.Fprintf(w, "%s:\n", name)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	header := "score"
	if kind == "logits" {
		header = "score (logit)"
	}
	fmt.Fprintf(tw, "  %s\tclass\tlabel\n", header)
	for _, c := range classes {
		fmt.Fprintf(tw, "  %.3f\t%d\t%s\n", c.Score, c.Index, c.Label)
	}
	tw.Flush()
}
