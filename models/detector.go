package models

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Box is an axis-aligned rectangle in pixels of the original image.
type Box struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Detection is one object found in an image.
type Detection struct {
	Class int     `json:"class"` // class index as the model numbers it
	Label string  `json:"label"` // the class's name, "" when unknown
	Score float32 `json:"score"` // confidence in [0, 1]
	Box   Box     `json:"box"`
}

// Options configure a Detector or a Classifier. The zero value is ready to
// use.
type Options struct {
	// Labels overrides the labels packed in the model.
	Labels Labels
	// Threads is passed to the interpreter (0: every core the process may
	// use).
	Threads int
	// MinScore drops results scoring below it.
	MinScore float32
	// MaxResults keeps at most that many results (0: all).
	MaxResults int
}

// Detector finds objects with an SSD-style model that ends in TFLite's
// TFLite_Detection_PostProcess operator (outputs: boxes, classes, scores,
// count). A Detector is used by one goroutine at a time.
type Detector struct {
	it                            *nn.Interpreter
	loader                        imageLoader
	labels                        Labels
	opts                          Options
	boxes, classes, scores, count *nn.Tensor
}

// NewDetector prepares a detector for m.
func NewDetector(m *tflite.Model, opts *Options) (*Detector, error) {
	if opts == nil {
		opts = &Options{}
	}
	it, spec, labels, err := open(m, opts)
	if err != nil {
		return nil, err
	}
	d := &Detector{it: it, loader: imageLoader{spec: spec}, labels: labels, opts: *opts}
	if err := d.bindOutputs(); err != nil {
		it.Close()
		return nil, err
	}
	return d, nil
}

// bindOutputs finds the four outputs of the post-processing operator and
// checks that they agree in size.
func (d *Detector) bindOutputs() error {
	outs := d.it.Outputs()
	if len(outs) != 4 {
		return fmt.Errorf("detector: model has %d outputs, want 4 (boxes, classes, scores, count)", len(outs))
	}
	d.boxes, d.classes, d.scores, d.count = outs[0], outs[1], outs[2], outs[3]
	n := d.scores.NumElements()
	for _, c := range []struct {
		t    *nn.Tensor
		size int
	}{{d.boxes, 4 * n}, {d.classes, n}, {d.count, 1}} {
		if c.t.NumElements() != c.size {
			return fmt.Errorf("detector: output %v does not fit %d detections", c.t, n)
		}
	}
	for _, t := range outs {
		if t.Type != tflite.TypeFloat32 {
			return fmt.Errorf("detector: output %v is not FLOAT32", t)
		}
	}
	return nil
}

// Detect finds objects in img, sorted by score, highest first. It gives up
// between operators when ctx is done, returning ctx.Err().
func (d *Detector) Detect(ctx context.Context, img image.Image) ([]Detection, error) {
	return d.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0], so that a caller reusing dst
// allocates nothing in steady state.
func (d *Detector) DetectInto(ctx context.Context, dst []Detection, img image.Image) ([]Detection, error) {
	dst = dst[:0]
	if err := d.loader.load(d.it.Input(0), img); err != nil {
		return dst, fmt.Errorf("detector: %w", err)
	}
	if err := d.it.InvokeContext(ctx); err != nil {
		return dst, fmt.Errorf("detector: %w", err)
	}
	bounds := img.Bounds()
	boxes, classes, scores := d.boxes.Float32s(), d.classes.Float32s(), d.scores.Float32s()
	n := min(int(d.count.Float32s()[0]), len(scores))
	for i := range max(n, 0) {
		if scores[i] < d.opts.MinScore {
			continue
		}
		class := int(classes[i])
		dst = append(dst, Detection{Class: class, Label: d.labels[class], Score: scores[i],
			Box: pixelBox(boxes[4*i:4*i+4], bounds)})
	}
	slices.SortStableFunc(dst, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	if d.opts.MaxResults > 0 && len(dst) > d.opts.MaxResults {
		dst = dst[:d.opts.MaxResults]
	}
	return dst, nil
}

// Input describes how images are prepared for the model.
func (d *Detector) Input() InputSpec { return d.loader.spec }

// Close stops the detector's worker threads.
func (d *Detector) Close() error { return d.it.Close() }

// Labels returns the class names the detector reports.
func (d *Detector) Labels() Labels { return d.labels }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling.
func (d *Detector) Interpreter() *nn.Interpreter { return d.it }

// pixelBox converts a normalised (ymin, xmin, ymax, xmax) box to pixels of
// the image with TFLite Task Library's arithmetic (origin truncated, size
// rounded), then clips it to the image.
func pixelBox(b []float32, bounds image.Rectangle) Box {
	w, h := float32(bounds.Dx()), float32(bounds.Dy())
	top, left, bottom, right := b[0], b[1], b[2], b[3]
	x, y := int(left*w), int(top*h)
	x1 := x + int(math.Round(float64((right-left)*w)))
	y1 := y + int(math.Round(float64((bottom-top)*h)))
	x, y = min(max(x, 0), bounds.Dx()), min(max(y, 0), bounds.Dy())
	x1, y1 = min(max(x1, x), bounds.Dx()), min(max(y1, y), bounds.Dy())
	return Box{X: x + bounds.Min.X, Y: y + bounds.Min.Y, Width: x1 - x, Height: y1 - y}
}

// open builds the interpreter for a single-image model and reads its
// preprocessing and labels.
func open(m *tflite.Model, opts *Options) (*nn.Interpreter, InputSpec, Labels, error) {
	md, err := m.ReadMetadata()
	if err != nil {
		return nil, InputSpec{}, nil, err
	}
	labels := opts.Labels
	if labels == nil {
		if labels, err = modelLabels(m, md); err != nil {
			return nil, InputSpec{}, nil, err
		}
	}
	it, err := nn.New(m, &nn.Options{Threads: opts.Threads})
	if err != nil {
		return nil, InputSpec{}, nil, err
	}
	if len(it.Inputs()) != 1 {
		it.Close()
		return nil, InputSpec{}, nil, fmt.Errorf("model has %d inputs, want one image", len(it.Inputs()))
	}
	spec, err := inputSpec(it.Input(0), md)
	if err != nil {
		it.Close()
		return nil, InputSpec{}, nil, err
	}
	return it, spec, labels, nil
}

// modelLabels reads the label file packed in the model: the one the output
// metadata names, else the only text file of the archive. A model without
// labels yields nil.
func modelLabels(m *tflite.Model, md *tflite.ModelMetadata) (Labels, error) {
	files, err := m.AssociatedFiles()
	if err != nil || len(files) == 0 {
		return nil, err
	}
	if md != nil {
		for _, sg := range md.SubgraphMetadata {
			for _, tm := range sg.OutputTensorMetadata {
				for _, f := range tm.AssociatedFiles {
					if data, ok := files[f.Name]; ok && (f.Type == tflite.AssociatedFileTensorAxisLabels || f.Type == tflite.AssociatedFileTensorValueLabels) {
						return ParseLabels(data)
					}
				}
			}
		}
	}
	if len(files) == 1 {
		for _, data := range files {
			return ParseLabels(data)
		}
	}
	return nil, nil
}
