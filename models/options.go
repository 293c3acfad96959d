package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Options configure a Detector, a Classifier or a pool of them. The zero
// value is ready to use: every core, every result the model reports
// (MinScore 0, MaxResults 0), the model's own labels, the best kernels of
// this CPU.
//
// Note that the zero value's MinScore keeps everything, while the percept
// command line's -threshold defaults to 0.5: set MinScore to 0.5 for the
// same results as the CLI.
type Options struct {
	// Labels overrides the labels packed in the model.
	Labels Labels
	// Threads is passed to the interpreter (0: every core the process may
	// use; a pool divides them among its members). Negative is an error.
	Threads int
	// MinScore drops results scoring below it; it must be in [0, 1]. 0
	// keeps every result, including the negative scores of a classifier
	// whose scores are logits (see Classifier.Probabilities), except for a
	// FaceDetector, where 0 means MediaPipe's threshold for the model.
	MinScore float32
	// MaxResults keeps at most that many results (0: all). Negative is an
	// error.
	MaxResults int
	// Kernels names the kernel target, one of nn.KernelTargets() (empty:
	// the PERCEPT_KERNELS environment variable, else the best this CPU
	// runs); see nn.Options.Kernels.
	Kernels string
	// Profile times every operator of every call; read the times through
	// Interpreter().Profile(). See nn.Options.Profile.
	Profile bool
	// MaxPixels is the largest image, in pixels, a call accepts (0:
	// DefaultMaxPixels). A Detector or Classifier keeps a packed copy of
	// the largest image it has seen (3 bytes a pixel), so this bounds its
	// memory. Negative is an error.
	MaxPixels int
	// EdgeTPU names the Coral Edge TPU that runs a model compiled by
	// edgetpu_compiler ("usb", "usb:0", "pci", "pci:/dev/apex_0"); see
	// nn.Options.EdgeTPU. It needs a build with -tags edgetpu and cgo and,
	// on the machine, libedgetpu.so.1 (Coral's libedgetpu1-std).
	EdgeTPU string
	// EdgeTPUOptions are libedgetpu's device options, passed through (e.g.
	// "Performance": "Max").
	EdgeTPUOptions map[string]string
	// Fallback, with EdgeTPU, is the model to run on the CPU when no Edge
	// TPU can be used (a build without Edge TPU support, no libedgetpu, no
	// device; see EdgeTPUUnavailable): the CPU model the Edge TPU one was
	// compiled from, which takes the same input and gives the same
	// outputs. A model compiled for the Edge TPU cannot run on the CPU: its
	// weights exist only in the TPU program. Nil: such a failure is an
	// error.
	Fallback *tflite.Model
	// OnFallback, when set, is called with the reason each time Fallback
	// is used in place of the Edge TPU model.
	OnFallback func(reason error)
}

// EdgeTPUUnavailable reports whether err says that no Edge TPU could be
// used at all (percept built without Edge TPU support, libedgetpu missing,
// no device that could be opened), the cases Options.Fallback covers; an
// error the device reported while preparing or running the model is not
// one of them.
func EdgeTPUUnavailable(err error) bool {
	return errors.Is(err, edgetpu.ErrNotBuilt) || errors.Is(err, edgetpu.ErrNoLibrary) || errors.Is(err, edgetpu.ErrNoDevice)
}

// Validate reports the first option out of range: MinScore NaN or outside
// [0, 1], negative MaxResults, MaxPixels or Threads, or a kernel target this build
// does not run on this CPU. Every constructor of this package calls it.
func (o Options) Validate() error {
	if math.IsNaN(float64(o.MinScore)) || o.MinScore < 0 || o.MinScore > 1 {
		return fmt.Errorf("models: MinScore %g is outside [0, 1]", o.MinScore)
	}
	if o.MaxResults < 0 {
		return fmt.Errorf("models: MaxResults %d is negative (0 keeps every result)", o.MaxResults)
	}
	if o.MaxPixels < 0 {
		return fmt.Errorf("models: MaxPixels %d is negative (0 means DefaultMaxPixels)", o.MaxPixels)
	}
	if o.Threads < 0 {
		return fmt.Errorf("models: Threads %d is negative (0 uses every core)", o.Threads)
	}
	if o.Fallback != nil && o.EdgeTPU == "" {
		return fmt.Errorf("models: Fallback is the model for when the Edge TPU cannot be used: it needs EdgeTPU")
	}
	if o.Kernels != "" {
		if targets := nn.KernelTargets(); !slices.Contains(targets, o.Kernels) {
			return fmt.Errorf("models: kernel target %q is not available here (have %s)", o.Kernels, strings.Join(targets, ", "))
		}
	}
	return nil
}

// nnOptions is what the interpreter takes from o.
func (o *Options) nnOptions() *nn.Options {
	return &nn.Options{Threads: o.Threads, Kernels: o.Kernels, Profile: o.Profile, EdgeTPU: o.EdgeTPU, EdgeTPUOptions: o.EdgeTPUOptions}
}

// interpreter builds the interpreter of m, or of o.Fallback on the CPU
// when m needs an Edge TPU that cannot be used.
func (o *Options) interpreter(m *tflite.Model) (*nn.Interpreter, error) {
	it, err := nn.New(m, o.nnOptions())
	if err == nil || o.Fallback == nil || o.EdgeTPU == "" || !EdgeTPUUnavailable(err) {
		return it, err
	}
	if o.OnFallback != nil {
		o.OnFallback(err)
	}
	cpu := *o
	cpu.EdgeTPU, cpu.EdgeTPUOptions = "", nil
	it, ferr := nn.New(o.Fallback, cpu.nnOptions())
	if ferr != nil {
		return nil, fmt.Errorf("%w; the fallback model: %w", err, ferr)
	}
	return it, nil
}

// options copies *opts (the zero value for nil) and validates it.
func options(opts *Options) (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	return o, o.Validate()
}
