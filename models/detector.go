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

// Box is an axis-aligned rectangle in pixels of the image given to Detect
// (the original image, not the model's resized input): X, Y is its
// top-left corner, inclusive, in the image's own coordinates (offset by
// its Bounds().Min), and Width, Height its size, so that it covers the
// pixels X ≤ x < X+Width, Y ≤ y < Y+Height. Boxes are clipped to the image.
type Box struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Rect returns the box as an image.Rectangle: Min is (X, Y), Max (exclusive)
// is (X+Width, Y+Height).
func (b Box) Rect() image.Rectangle {
	return image.Rect(b.X, b.Y, b.X+b.Width, b.Y+b.Height)
}

// Detection is one object found in an image.
type Detection struct {
	// Class is the zero-based class index as the model numbers its
	// outputs; label i of the label file names class i.
	Class int     `json:"class"`
	Label string  `json:"label"` // the class's name, "" when unknown
	Score float32 `json:"score"` // confidence in [0, 1]
	Box   Box     `json:"box"`
}

// Detector finds objects with an SSD-style model that ends in TFLite's
// TFLite_Detection_PostProcess operator (outputs: boxes, classes, scores,
// count; see CheckTask). Its calls are serialized: a Detector runs one
// image at a time whatever the number of goroutines calling it (use a
// DetectorPool to run several at once).
//
// Close it when done. It keeps what it needs of the model, so the model
// may be closed first; every call after Close returns an error wrapping
// ErrClosed.
type Detector struct {
	s                             *session
	boxes, classes, scores, count *nn.Tensor
}

// NewDetector prepares a detector for m. It fails, naming what it found,
// when m is not a detector (see CheckTask), when opts are out of range (see
// Options.Validate), or when percept cannot run one of m's operators (an
// error wrapping nn.ErrUnsupported).
func NewDetector(m *tflite.Model, opts *Options) (*Detector, error) {
	s, err := newSession(m, opts, TaskDetector)
	if err != nil {
		return nil, err
	}
	d := &Detector{s: s}
	if err := d.bindOutputs(); err != nil {
		s.close()
		return nil, err
	}
	return d, nil
}

// bindOutputs finds the four outputs of the post-processing operator and
// checks that the shapes the interpreter gave them agree in size.
func (d *Detector) bindOutputs() error {
	outs := d.s.it.Outputs()
	d.boxes, d.classes, d.scores, d.count = outs[0], outs[1], outs[2], outs[3]
	n := d.scores.NumElements()
	for _, c := range []struct {
		t    *nn.Tensor
		size int
	}{{d.boxes, 4 * n}, {d.classes, n}, {d.count, 1}} {
		if c.t.NumElements() != c.size {
			return fmt.Errorf("models: detector: output %v does not fit %d detections", c.t, n)
		}
	}
	return nil
}

// Detect finds objects in img, sorted by score, highest first. It gives up
// between operators when ctx is done, returning ctx.Err(). A nil image, an
// image with no pixels and an image over Options.MaxPixels are errors.
func (d *Detector) Detect(ctx context.Context, img image.Image) ([]Detection, error) {
	return d.DetectInto(ctx, nil, img)
}

// DetectInto is Detect appending to dst[:0], so that a caller reusing dst
// allocates nothing in steady state.
func (d *Detector) DetectInto(ctx context.Context, dst []Detection, img image.Image) ([]Detection, error) {
	dst = dst[:0]
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.s.run(ctx, img); err != nil {
		return dst, err
	}
	bounds := img.Bounds()
	boxes, classes, scores := d.boxes.Float32s(), d.classes.Float32s(), d.scores.Float32s()
	n := min(int(d.count.Float32s()[0]), len(scores))
	for i := range max(n, 0) {
		if !(scores[i] >= d.s.opts.MinScore) {
			continue
		}
		class := int(classes[i])
		dst = append(dst, Detection{Class: class, Label: d.s.labels[class], Score: scores[i],
			Box: pixelBox(boxes[4*i:4*i+4], bounds)})
	}
	slices.SortStableFunc(dst, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	if d.s.opts.MaxResults > 0 && len(dst) > d.s.opts.MaxResults {
		dst = dst[:d.s.opts.MaxResults]
	}
	return dst, nil
}

// Input describes how images are prepared for the model. Like Labels, it
// is plain data and stays available after Close.
func (d *Detector) Input() InputSpec { return d.s.loader.spec }

// Labels returns the class names the detector reports (index i names
// Detection.Class i). It stays available after Close.
func (d *Detector) Labels() Labels { return d.s.labels }

// Close waits for a call in flight, then stops the detector's worker
// threads and releases its hold on the model. Later calls return an error
// wrapping ErrClosed; Close itself may be called again and returns nil.
func (d *Detector) Close() error { return d.s.close() }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling. It must not be invoked while the Detector is in use, and
// is closed with it.
func (d *Detector) Interpreter() *nn.Interpreter { return d.s.it }

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

// modelLabels reads the label file packed in the model: the one the output
// metadata names, else the only file of the archive. Only that member is
// inflated, and no further than MaxLabelsSize. A model without labels
// yields nil.
func modelLabels(m *tflite.Model, md *tflite.ModelMetadata) (Labels, error) {
	names, err := m.AssociatedFileNames()
	if err != nil || len(names) == 0 {
		return nil, err
	}
	name := ""
	if md != nil {
		for _, sg := range md.SubgraphMetadata {
			for _, tm := range sg.OutputTensorMetadata {
				for _, f := range tm.AssociatedFiles {
					if name == "" && slices.Contains(names, f.Name) && (f.Type == tflite.AssociatedFileTensorAxisLabels || f.Type == tflite.AssociatedFileTensorValueLabels) {
						name = f.Name
					}
				}
			}
		}
	}
	if name == "" && len(names) == 1 {
		name = names[0]
	}
	if name == "" {
		return nil, nil
	}
	data, err := m.AssociatedFile(name, MaxLabelsSize)
	if err != nil {
		return nil, err
	}
	labels, err := ParseLabels(data)
	if err != nil {
		return nil, fmt.Errorf("%w (associated file %q)", err, name)
	}
	return labels, nil
}
