//go:build !race

package models_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// Every pixel of a photo labelled by the embedded DeepLab v3, whose labels
// travel beside it rather than in its metadata.
func ExampleSegmenter() {
	m, err := tflite.Parse(assets.SegmenterModel)
	if err != nil {
		log.Fatal(err)
	}
	labels, err := models.ParseLabels(assets.SegmenterLabels)
	if err != nil {
		log.Fatal(err)
	}
	seg, err := models.NewSegmenter(m, &models.Options{Labels: labels})
	if err != nil {
		log.Fatal(err)
	}
	defer seg.Close()
	img, err := models.DecodeImage(bytes.NewReader(assets.DogsJPEG))
	if err != nil {
		log.Fatal(err)
	}
	var s models.Segmentation // reuse it from frame to frame: no allocation
	if err := seg.SegmentInto(context.Background(), &s, img); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d mask; the class at (200, 200): %s\n", s.Width, s.Height, labels[int(s.Mask[200*s.Width+200])])
	for _, c := range s.Classes {
		fmt.Printf("%s %.1f%%\n", c.Label, 100*float64(c.Pixels)/float64(s.Width*s.Height))
	}
	// Output:
	// 640×427 mask; the class at (200, 200): dog
	// background 79.8%
	// dog 20.2%
}
