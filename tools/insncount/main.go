// Command insncount runs inferences of the embedded SSD-MobileNet v1 for
// tools/insncount/run, which counts the instructions they execute under
// qemu: one detection on the embedded photo (loading the model, decoding
// and preparing the image, one warm-up inference), then -n more inferences
// of the prepared input. The difference between the counts of two -n values
// is the work of the extra inferences alone. The kernel target is
// PERCEPT_KERNELS's, else the best this CPU runs; one thread does the work.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	"os"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func main() {
	n := flag.Int("n", 1, "inferences after the first detection")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "insncount:", err)
		os.Exit(1)
	}
}

// run detects objects in the embedded photo once, then invokes the
// detector's interpreter n more times, and prints the kernel target and
// the first detection.
func run(n int) error {
	m, err := tflite.Parse(assets.DetectorModel)
	if err != nil {
		return err
	}
	det, err := models.NewDetector(m, &models.Options{Threads: 1, MinScore: 0.5})
	if err != nil {
		return err
	}
	defer det.Close()
	img, _, err := image.Decode(bytes.NewReader(assets.DogsJPEG))
	if err != nil {
		return err
	}
	found, err := det.Detect(context.Background(), img)
	if err != nil {
		return err
	}
	it := det.Interpreter()
	for range n {
		if err := it.Invoke(); err != nil {
			return err
		}
	}
	fmt.Printf("kernels %s, %d detections", it.Kernels(), len(found))
	if len(found) > 0 {
		fmt.Printf(", first %s %.2f", found[0].Label, found[0].Score)
	}
	fmt.Println()
	return nil
}
