package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"text/tabwriter"

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
	Image   string         `json:"image"`
	Width   int            `json:"width"`
	Height  int            `json:"height"`
	Scores  string         `json:"scores"`
	Classes []models.Class `json:"classes"`
	frameJSON
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

	task := imageTask[[]models.Class]{
		run: cls.Classify,
		result: func(name string, _ image.Rectangle, classes []models.Class) any {
			return classifyResult{Image: name, Scores: kind, Classes: classes}
		},
		frame: func(b image.Rectangle, classes []models.Class, m frameMeta) any {
			return classifyFrame{Image: f.source, Width: b.Dx(), Height: b.Dy(), Scores: kind, Classes: classes, frameJSON: frameJSON(m)}
		},
		print: func(w io.Writer, name string, _ image.Rectangle, classes []models.Class) {
			printClasses(w, name, kind, classes)
		},
	}
	inputs := imageInputs(fs.Args(), "embedded:burger.jpg", assets.BurgerJPEG)
	return runImageTask(ctx, task, f.stream("classify"), inputs, f.asJSON, stdout, stderr)
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
