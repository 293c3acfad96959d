package models

import (
	"fmt"
	"image"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// ImageInput writes images into an image input tensor of an interpreter
// with the model's own preprocessing, as Detector and Classifier do:
// resized to the input size, and for float inputs normalised by the
// model's metadata (NormalizationOptions), else to [−1, 1]. It is for
// tools that run a model on images outside the tasks, such as calibration
// for quantization. It is not safe for concurrent use.
type ImageInput struct {
	t      *nn.Tensor
	loader imageLoader
}

// NewImageInput reads the preprocessing of t, an input tensor of an
// interpreter built on m, from m's metadata. Images over DefaultMaxPixels
// are refused.
func NewImageInput(m *tflite.Model, t *nn.Tensor) (*ImageInput, error) {
	if t == nil {
		return nil, fmt.Errorf("models: nil input tensor")
	}
	release, err := m.Acquire()
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	defer release()
	md, err := m.ReadMetadata()
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	spec, err := inputSpec(t, md)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return &ImageInput{t: t, loader: imageLoader{spec: spec, maxPixels: DefaultMaxPixels}}, nil
}

// Spec returns the preprocessing the input applies.
func (in *ImageInput) Spec() InputSpec { return in.loader.spec }

// Load writes img, preprocessed, into the tensor.
func (in *ImageInput) Load(img image.Image) error {
	if err := in.loader.load(in.t, img); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	return nil
}
