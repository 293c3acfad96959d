package optimize

import (
	"fmt"
	"image"
	"math"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Ranges are the value ranges calibration recorded for the tensors of a
// model's main graph, indexed like its tensors: the running global minimum
// and maximum over every sample, NaNs skipped, as TFLite's calibration
// logger keeps them. Constant tensors are not recorded.
type Ranges struct {
	Min, Max []float32
	// Seen is false for tensors calibration never observed: constants, and
	// the outputs of operators that do not run (RESHAPE and SQUEEZE relabel
	// their input, whose range is theirs).
	Seen []bool
	// Samples counts the invocations recorded.
	Samples int
	// hist holds, for the float activations of a Calibrator's model, the
	// histogram of their values (nil for the others), for Choose.
	hist []*histogram
}

// newRanges returns empty ranges for n tensors.
func newRanges(n int) *Ranges {
	r := &Ranges{Min: make([]float32, n), Max: make([]float32, n), Seen: make([]bool, n)}
	for i := range r.Min {
		r.Min[i], r.Max[i] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	return r
}

// record widens tensor t's range by the FLOAT32 values of t and counts
// them in its histogram, if it has one.
func (r *Ranges) record(t *nn.Tensor) {
	v := t.Float32s()
	if v == nil || t.Index < 0 || t.Index >= len(r.Min) {
		return
	}
	lo, hi := r.Min[t.Index], r.Max[t.Index]
	seen := false
	for _, x := range v {
		if x != x { // NaN
			continue
		}
		seen = true
		lo, hi = min(lo, x), max(hi, x)
	}
	if !seen {
		return
	}
	r.Min[t.Index], r.Max[t.Index], r.Seen[t.Index] = lo, hi, true
	if t.Index < len(r.hist) && r.hist[t.Index] != nil {
		r.hist[t.Index].add(v, max(-float64(lo), float64(hi)))
	}
}

// Calibrator runs a float model in percept's interpreter and records the
// range of every tensor its operators write (Ranges), for Int8, and a
// histogram of each float activation's values (32 KiB a tensor), from
// which Ranges.Choose narrows the ranges. Feed it a
// few hundred representative samples: images through Image, which applies
// the model's own preprocessing, or raw tensors through Inputs and Run.
// It is not safe for concurrent use.
type Calibrator struct {
	it     *nn.Interpreter
	image  *models.ImageInput // nil when input 0 is not an image
	imgErr error              // why it is not
	ranges *Ranges
}

// NewCalibrator prepares calibration of m's main graph, which must have
// float32 activations (a model in TFLite's float16 layout runs too, but
// Int8 wants it widened first: calibrate the widened model). threads is
// the interpreter's thread count (0: all CPUs).
func NewCalibrator(m *tflite.Model, threads int) (*Calibrator, error) {
	if m == nil {
		return nil, fmt.Errorf("optimize: calibration: nil model")
	}
	it, err := nn.New(m, &nn.Options{Threads: threads})
	if err != nil {
		return nil, fmt.Errorf("optimize: calibration: %w", err)
	}
	c := &Calibrator{it: it, ranges: newRanges(len(m.Subgraphs[0].Tensors))}
	// A histogram for every float activation, made here so that recording
	// allocates nothing.
	c.ranges.hist = make([]*histogram, len(c.ranges.Min))
	for i, t := range m.Subgraphs[0].Tensors {
		if t.Type == tflite.TypeFloat32 && (int64(t.Buffer) >= int64(len(m.Buffers)) || len(m.Buffers[t.Buffer].Data) == 0) {
			c.ranges.hist[i] = new(histogram)
		}
	}
	if c.image, c.imgErr = models.NewImageInput(m, it.Input(0)); c.imgErr == nil && len(it.Inputs()) != 1 {
		c.image, c.imgErr = nil, fmt.Errorf("the model has %d inputs, not one image", len(it.Inputs()))
	}
	it.Observe(func(_ int, outputs []*nn.Tensor) {
		for _, t := range outputs {
			c.ranges.record(t)
		}
	})
	return c, nil
}

// Inputs returns the model's input tensors, to fill before Run.
func (c *Calibrator) Inputs() []*nn.Tensor { return c.it.Inputs() }

// Run records the inputs as they are, runs the model once and records the
// tensors its operators write.
func (c *Calibrator) Run() error {
	for _, t := range c.it.Inputs() {
		c.ranges.record(t)
	}
	if err := c.it.Invoke(); err != nil {
		return fmt.Errorf("optimize: calibration: %w", err)
	}
	c.ranges.Samples++
	return nil
}

// Image preprocesses img as the model's metadata says (models.ImageInput:
// resized, and normalised by the metadata's mean and std, else to [−1, 1])
// into the model's single image input and runs it.
func (c *Calibrator) Image(img image.Image) error {
	if c.image == nil {
		return fmt.Errorf("optimize: calibration: input is not an image: %w", c.imgErr)
	}
	if err := c.image.Load(img); err != nil {
		return fmt.Errorf("optimize: calibration: %w", err)
	}
	return c.Run()
}

// Ranges returns the ranges recorded so far; they keep growing with later
// samples.
func (c *Calibrator) Ranges() *Ranges { return c.ranges }

// Close releases the interpreter.
func (c *Calibrator) Close() error { return c.it.Close() }
