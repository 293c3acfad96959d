// Under the race detector an SSD inference takes seconds with the portable
// kernels; the examples run in every other build.

//go:build !race

package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// Detect the objects in a photo file.
func ExampleDetector() {
	// A photo on disk: here the embedded sample, written to a temporary
	// directory.
	dir, err := os.MkdirTemp("", "percept-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "dogs.jpg")
	if err := os.WriteFile(path, assets.DogsJPEG, 0o644); err != nil {
		log.Fatal(err)
	}

	// The embedded SSD-MobileNet v1; tflite.Open("model.tflite") maps a
	// model file instead.
	m, err := tflite.Parse(assets.DetectorModel)
	if err != nil {
		log.Fatal(err)
	}
	det, err := models.NewDetector(m, &models.Options{MinScore: 0.5})
	if err != nil {
		log.Fatal(err)
	}
	defer det.Close()

	img, err := models.LoadImage(path)
	if err != nil {
		log.Fatal(err)
	}
	dets, err := det.Detect(context.Background(), img)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dets {
		inside := d.Box.Rect().In(img.Bounds())
		fmt.Printf("%s %.2f (box inside the photo: %v)\n", d.Label, d.Score, inside)
	}
	// Output:
	// dog 0.73 (box inside the photo: true)
	// dog 0.73 (box inside the photo: true)
}

// Classify a photo: the TFLite Task Library's own test, MobileNet v1 0.25 on
// its burger photo, whose published answer is "cheeseburger" at 0.96.
func ExampleClassifier() {
	m, err := tflite.Parse(assets.ClassifierModel)
	if err != nil {
		log.Fatal(err)
	}
	cls, err := models.NewClassifier(m, &models.Options{MaxResults: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer cls.Close()

	img, err := models.DecodeImage(bytes.NewReader(assets.BurgerJPEG))
	if err != nil {
		log.Fatal(err)
	}
	top, err := cls.Classify(context.Background(), img)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %.2f (class %d, a probability: %v)\n", top[0].Label, top[0].Score, top[0].Index, cls.Probabilities())
	// Output:
	// cheeseburger 0.96 (class 934, a probability: true)
}

// Which task a model fits.
func ExampleCheckTask() {
	m, err := tflite.Parse(assets.DetectorModel)
	if err != nil {
		log.Fatal(err)
	}
	for _, task := range models.Tasks() {
		fmt.Printf("%s: %v\n", task, models.CheckTask(m, task) == nil)
	}
	// Output:
	// detector: true
	// classifier: false
	// pose: false
	// faces: false
	// segmenter: false
}

// A robot's perception loop: frames from a camera source, each detected
// within a deadline, into a reused slice. Here the source is a directory
// of two photos; camera.Open("camera:0", ...) reads a USB camera the same
// way.
func Example_cameraLoop() {
	dir, err := os.MkdirTemp("", "percept-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for name, data := range map[string][]byte{"1-dogs.jpg": assets.DogsJPEG, "2-burger.jpg": assets.BurgerJPEG} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	src, err := camera.Open("dir:"+dir, camera.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()

	m, err := tflite.Parse(assets.DetectorModel)
	if err != nil {
		log.Fatal(err)
	}
	det, err := models.NewDetector(m, &models.Options{MinScore: 0.5})
	if err != nil {
		log.Fatal(err)
	}
	defer det.Close()

	// The time one frame may take. A robot would use its control period
	// (say 100 ms); this example leaves room for slow test machines.
	const budget = 10 * time.Second
	ctx := context.Background()
	var frameImage camera.FrameImage // reused from frame to frame
	var dets []models.Detection      // reused: no allocation per frame
	for {
		frame, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break // the directory's end; a camera never ends
		}
		if err != nil {
			log.Fatal(err)
		}
		img, err := frame.Image(&frameImage)
		if err != nil {
			log.Fatal(err)
		}
		frameCtx, cancel := context.WithTimeout(ctx, budget)
		dets, err = det.DetectInto(frameCtx, dets, img)
		cancel()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			fmt.Printf("frame %d: over budget, skipped\n", frame.Seq)
			continue
		case err != nil:
			log.Fatal(err)
		}
		if len(dets) == 0 {
			fmt.Printf("frame %d: nothing\n", frame.Seq)
			continue
		}
		fmt.Printf("frame %d: %d objects, the likeliest a %s\n", frame.Seq, len(dets), dets[0].Label)
	}
	// Output:
	// frame 0: 2 objects, the likeliest a dog
	// frame 1: 2 objects, the likeliest a sandwich
}
