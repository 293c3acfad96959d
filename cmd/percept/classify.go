package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
)

// classifyResult is one line of `percept classify -json`.
type classifyResult struct {
	Image   string         `json:"image"`
	Classes []models.Class `json:"classes"`
}

func classifyCmd(args []string, stdout io.Writer) error {
	fs := newFlags("classify")
	modelPath := fs.String("model", "", "classification model (.tflite); default: the embedded MobileNet v1 0.25")
	top := fs.Int("top", 5, "number of classes to print")
	asJSON := fs.Bool("json", false, "print one JSON line per image")
	labelsPath := fs.String("labels", "", "label file, overriding the labels packed in the model")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *top < 1 {
		return usageError{"-top must be at least 1"}
	}
	opts := &models.Options{MaxResults: *top, Threads: *threads}
	if err := loadLabels(*labelsPath, opts); err != nil {
		return err
	}
	m, err := openModel(*modelPath, assets.ClassifierModel)
	if err != nil {
		return err
	}
	defer m.Close()
	cls, err := models.NewClassifier(m, opts)
	if err != nil {
		return err
	}
	defer cls.Close()
	inputs, err := imageInputs(fs.Args(), "embedded:burger.jpg", assets.BurgerJPEG)
	if err != nil {
		return err
	}
	for _, in := range inputs {
		img, err := in.decode()
		if err != nil {
			return err
		}
		classes, err := cls.Classify(context.Background(), img)
		if err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		if *asJSON {
			line, err := json.Marshal(classifyResult{Image: in.name, Classes: classes})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		fmt.Fprintf(stdout, "%s:\n", in.name)
		for _, c := range classes {
			fmt.Fprintf(stdout, "  %.3f  %4d  %s\n", c.Score, c.Index, c.Label)
		}
	}
	return nil
}
