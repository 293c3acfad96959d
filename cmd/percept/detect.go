package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/internal/server"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func detectCmd(args []string, stdout io.Writer) error {
	fs := newFlags("detect")
	modelPath := fs.String("model", "", "detection model (.tflite); default: the embedded SSD-MobileNet v1")
	threshold := fs.Float64("threshold", 0.5, "minimum score")
	maxN := fs.Int("max", 0, "keep at most N detections per image (0: all)")
	asJSON := fs.Bool("json", false, "print one JSON line per image")
	outPath := fs.String("out", "", "write the image with boxes drawn to this PNG file")
	labelsPath := fs.String("labels", "", "label file, overriding the labels packed in the model")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *maxN < 0 {
		return usageError{"-max must not be negative"}
	}
	opts := &models.Options{MinScore: float32(*threshold), MaxResults: *maxN, Threads: *threads}
	if err := loadLabels(*labelsPath, opts); err != nil {
		return err
	}
	m, err := openModel(*modelPath, assets.DetectorModel)
	if err != nil {
		return err
	}
	defer m.Close()
	det, err := models.NewDetector(m, opts)
	if err != nil {
		return err
	}
	defer det.Close()
	inputs, err := imageInputs(fs.Args(), "embedded:dogs.jpg", assets.DogsJPEG)
	if err != nil {
		return err
	}
	for i, in := range inputs {
		img, err := in.decode()
		if err != nil {
			return err
		}
		dets, err := det.Detect(context.Background(), img)
		if err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		b := img.Bounds()
		if *asJSON {
			if dets == nil {
				dets = []models.Detection{}
			}
			line, err := json.Marshal(server.Result{Image: in.name, Width: b.Dx(), Height: b.Dy(), Detections: dets})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", line)
		} else {
			printDetections(stdout, in.name, b, dets)
		}
		if *outPath != "" {
			if err := writePNG(numbered(*outPath, i, len(inputs)), annotate.Draw(img, dets)); err != nil {
				return err
			}
		}
	}
	return nil
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

// imageInput is an image named on the command line, or the embedded one.
type imageInput struct {
	name string
	data []byte // embedded bytes; nil for files
}

func (in imageInput) decode() (image.Image, error) {
	if in.data != nil {
		return models.DecodeImage(bytes.NewReader(in.data))
	}
	return models.LoadImage(in.name)
}

func imageInputs(args []string, embeddedName string, embedded []byte) ([]imageInput, error) {
	if len(args) == 0 {
		return []imageInput{{name: embeddedName, data: embedded}}, nil
	}
	inputs := make([]imageInput, len(args))
	for i, a := range args {
		inputs[i] = imageInput{name: a}
	}
	return inputs, nil
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

// numbered returns path, or path with an index before its extension when
// several images are written.
func numbered(path string, i, n int) string {
	if n == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s_%d%s", strings.TrimSuffix(path, ext), i, ext)
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
