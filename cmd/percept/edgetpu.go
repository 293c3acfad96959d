package main

import (
	"flag"
	"fmt"
	"io"
	"sync"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// edgeTPUFlags are -edgetpu and -fallback, shared by detect, classify, run,
// serve and bench.
type edgeTPUFlags struct {
	device, fallback string
}

// addEdgeTPUFlags defines -edgetpu and -fallback on fs.
func addEdgeTPUFlags(fs *flag.FlagSet) *edgeTPUFlags {
	e := &edgeTPUFlags{}
	fs.StringVar(&e.device, "edgetpu", "", "run the model's edgetpu-custom-op on this Coral Edge TPU: usb, usb:N, pci, pci:N or pci:/dev/apex_0 "+
		"(a build with -tags edgetpu, and libedgetpu.so.1 from Coral's libedgetpu1-std; PERCEPT_EDGETPU_LIB names another file)")
	fs.StringVar(&e.fallback, "fallback", "", "with -edgetpu: the CPU model (.tflite) to run instead when no Edge TPU can be used, "+
		"the model the Edge TPU one was compiled from")
	return e
}

// check refuses -fallback without -edgetpu.
func (e *edgeTPUFlags) check(c *checks) {
	c.require(e.fallback == "" || e.device != "", "-fallback %s is the CPU model for when the Edge TPU cannot be used: it needs -edgetpu", e.fallback)
}

// apply names the device in opts and, with -fallback, opens the fallback
// model and sets it, with a notice on w (once) when it is used. The
// returned function closes the fallback model.
func (e *edgeTPUFlags) apply(opts *models.Options, command string, w io.Writer) (func(), error) {
	opts.EdgeTPU = e.device
	if e.fallback == "" {
		return func() {}, nil
	}
	m, err := tflite.Open(e.fallback)
	if err != nil {
		return nil, fmt.Errorf("-fallback: %w", err)
	}
	var once sync.Once
	opts.Fallback = m
	opts.OnFallback = func(reason error) {
		once.Do(func() { e.notice(w, command, reason) })
	}
	return func() { m.Close() }, nil
}

// checkModel warns on w when -edgetpu names a device but m has no Edge TPU
// operator: such a model runs on the CPU only.
func (e *edgeTPUFlags) checkModel(m *tflite.Model, command string, w io.Writer) {
	if e.device == "" || hasEdgeTPUOp(m) {
		return
	}
	fmt.Fprintf(w, "percept %s: -edgetpu %s: the model was not compiled for the Edge TPU (no %s): it runs on the CPU\n", command, e.device, edgetpu.CustomOp)
}

// hasEdgeTPUOp reports whether m has an edgetpu-custom-op, the operator
// edgetpu_compiler writes for the Edge TPU.
func hasEdgeTPUOp(m *tflite.Model) bool {
	for _, code := range m.OperatorCodes {
		if code.Builtin == tflite.OpCustom && code.CustomCode == edgetpu.CustomOp {
			return true
		}
	}
	return false
}

// notice says that the fallback model runs, and why.
func (e *edgeTPUFlags) notice(w io.Writer, command string, reason error) {
	fmt.Fprintf(w, "percept %s: the Edge TPU cannot be used (%v): running %s on the CPU instead\n", command, reason, e.fallback)
}

// interpreter builds the interpreter of m with the Edge TPU, or of the
// fallback model on the CPU when no Edge TPU can be used (with a notice
// on w). The returned function closes what it opened.
func (e *edgeTPUFlags) interpreter(m *tflite.Model, opts nn.Options, command string, w io.Writer) (*nn.Interpreter, func(), error) {
	e.checkModel(m, command, w)
	opts.EdgeTPU = e.device
	it, err := nn.New(m, &opts)
	if err == nil {
		return it, func() { it.Close() }, nil
	}
	if e.fallback == "" || e.device == "" || !models.EdgeTPUUnavailable(err) {
		return nil, nil, err
	}
	fb, ferr := tflite.Open(e.fallback)
	if ferr != nil {
		return nil, nil, fmt.Errorf("%w; -fallback: %w", err, ferr)
	}
	opts.EdgeTPU = ""
	it, ferr = nn.New(fb, &opts)
	if ferr != nil {
		fb.Close()
		return nil, nil, fmt.Errorf("%w; -fallback: %w", err, ferr)
	}
	e.notice(w, command, err)
	return it, func() { it.Close(); fb.Close() }, nil
}
