package nn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/percept-robotics/percept/tflite"
)

// ErrClosed is the error of every run of an Interpreter after its Close,
// and of New on a closed model. It is tflite.ErrClosed.
var ErrClosed = tflite.ErrClosed

// ErrUnsupported marks errors of New for models that are valid but use
// operators, cases of operators or element types that percept does not
// implement. Such errors are an *UnsupportedError that lists the operators
// concerned, except for a model whose only fault is an input or output
// that no operator uses, of an element type percept lacks.
var ErrUnsupported = errors.New("unsupported")

// edgeTPUOp is the custom operator of models compiled by edgetpu_compiler:
// it stands for the part of the graph that runs on a Coral Edge TPU.
const edgeTPUOp = "edgetpu-custom-op"

// UnsupportedOp is one kind of operator that percept cannot run: every
// operator of the subgraph with this name and version that fails for the
// same reason.
type UnsupportedOp struct {
	// Name is the builtin operator's name (CONV_2D), or "custom " followed
	// by the custom code (custom edgetpu-custom-op), as `percept inspect`
	// prints it.
	Name    string
	Version int32
	// Count is the number of operators of the subgraph concerned, and
	// Operators their indices in the subgraph's operator list.
	Count     int
	Operators []int
	// Reason says what percept lacks: no kernel for the operator at all,
	// or the case of it that the model uses (a type, a rank, ...).
	Reason string
}

// UnsupportedError lists every operator of a model's subgraph that percept
// cannot run. New returns it only when the rest of the model is valid as
// far as it could check: operators that read the output of an unsupported
// one are not checked beyond their name.
type UnsupportedError struct {
	Ops []UnsupportedOp // in the order of their first operator
	// EdgeTPU is set when the model was compiled for a Coral Edge TPU: it
	// holds the custom operator edgetpu-custom-op.
	EdgeTPU bool
}

// Error lists the unsupported operators, with a hint for Edge TPU models.
func (e *UnsupportedError) Error() string {
	var s strings.Builder
	s.WriteString("nn: the model has operators percept cannot run: ")
	for i, op := range e.Ops {
		if i > 0 {
			s.WriteString("; ")
		}
		fmt.Fprintf(&s, "%s v%d ×%d (%s): %s", op.Name, op.Version, op.Count, listOps(op.Operators), op.Reason)
	}
	if e.EdgeTPU {
		s.WriteString(". The model was compiled for a Coral Edge TPU (edgetpu_compiler): run it on one with Options.EdgeTPU (a build with -tags edgetpu), or give percept the CPU model the Edge TPU one was compiled from (the same file name without _edgetpu)")
	}
	return s.String()
}

// Is makes errors.Is(err, ErrUnsupported) hold.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// listOps names a few operator indices: "op 3", "ops 1, 4, 9, …".
func listOps(indices []int) string {
	const shown = 5
	if len(indices) == 1 {
		return fmt.Sprintf("op %d", indices[0])
	}
	var s strings.Builder
	s.WriteString("ops ")
	for k, i := range indices[:min(len(indices), shown)] {
		if k > 0 {
			s.WriteString(", ")
		}
		fmt.Fprint(&s, i)
	}
	if len(indices) > shown {
		s.WriteString(", …")
	}
	return s.String()
}

// add records operator index of the given name and version as
// unsupported for reason.
func (e *UnsupportedError) add(index int, name string, version int32, reason string) {
	if name == "custom "+edgeTPUOp {
		e.EdgeTPU = true
	}
	for k := range e.Ops {
		op := &e.Ops[k]
		if op.Name == name && op.Version == version && op.Reason == reason {
			op.Count++
			op.Operators = append(op.Operators, index)
			return
		}
	}
	e.Ops = append(e.Ops, UnsupportedOp{Name: name, Version: version, Count: 1, Operators: []int{index}, Reason: reason})
}

// unsupportedCase is the error of building one operator that percept does
// not implement, or whose case it does not: New gathers them into an
// UnsupportedError.
type unsupportedCase struct {
	reason string
}

func (e *unsupportedCase) Error() string { return "unsupported: " + e.reason }

func (e *unsupportedCase) Is(target error) bool { return target == ErrUnsupported }
