// Command quickstart is README's library example, kept here so that it
// compiles and runs with the rest of the module's tests: it detects objects
// in a photo with a TFLite detection model and prints what it found.
//
//	go run ./examples/quickstart MODEL.tflite PHOTO.jpg
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: quickstart MODEL.tflite PHOTO.jpg")
	}
	if err := detect(os.Stdout, os.Args[1], os.Args[2]); err != nil {
		log.Fatal(err)
	}
}

func detect(w io.Writer, modelPath, photoPath string) error {
	model, err := tflite.Open(modelPath) // memory-mapped: weights are never copied
	if err != nil {
		return err
	}
	defer model.Close()

	// NewDetector checks that the model is an SSD-style detector and reads
	// its input size, normalization and labels from the model itself.
	det, err := models.NewDetector(model, &models.Options{MinScore: 0.5})
	if err != nil {
		return err
	}
	defer det.Close()

	img, err := models.LoadImage(photoPath) // refuses images over models.DefaultMaxPixels
	if err != nil {
		return err
	}
	dets, err := det.Detect(context.Background(), img)
	if err != nil {
		return err
	}
	for _, d := range dets {
		// Box is in the photo's own pixels, top-left corner first.
		fmt.Fprintf(w, "%s %.2f at %v\n", d.Label, d.Score, d.Box.Rect())
	}
	return nil
}
