package nn_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"strings"

	"golang.org/x/image/draw"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Run a raw model through nn: fill the input tensor, invoke, read the
// output tensor. The model is MobileNet v1 0.25 and the photo the TFLite
// Task Library's own test image, whose published top class is 934,
// "cheeseburger", at 0.96 (this scaling differs a little from the Task
// Library's, so the probability may differ by a hundredth).
func Example() {
	m, err := tflite.Parse(assets.ClassifierModel)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	it, err := nn.New(m, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()

	// The input is UINT8 [1 224 224 3]: the whole photo scaled to 224×224,
	// raw RGB bytes.
	in := it.Input(0)
	fmt.Println("input", in.Type, in.Shape)
	photo, err := jpeg.Decode(bytes.NewReader(assets.BurgerJPEG))
	if err != nil {
		log.Fatal(err)
	}
	h, w := in.Shape[1], in.Shape[2]
	scaled := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(scaled, scaled.Bounds(), photo, photo.Bounds(), draw.Src, nil)
	pixels := in.Uint8s()
	for i := range w * h {
		copy(pixels[3*i:3*i+3], scaled.Pix[4*i:4*i+3])
	}

	if err := it.Invoke(); err != nil {
		log.Fatal(err)
	}

	// The output is UINT8 [1 1001]: quantized probabilities, class 0 is
	// "background". The labels travel in the model file.
	out := it.Output(0)
	scores := out.Uint8s()
	best := 0
	for i, s := range scores {
		if s > scores[best] {
			best = i
		}
	}
	files, err := m.AssociatedFiles()
	if err != nil {
		log.Fatal(err)
	}
	labels := strings.Split(string(files["labels.txt"]), "\n")
	probability := out.Scale() * float32(int32(scores[best])-out.ZeroPoint())
	fmt.Printf("class %d %q, probability above 0.9: %v\n", best, labels[best], probability > 0.9)
	// Output:
	// input UINT8 [1 224 224 3]
	// class 934 "cheeseburger", probability above 0.9: true
}
