package nn

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/tflite"
)

// edgeTPUState is what an Interpreter built with Options.EdgeTPU keeps for
// its Edge TPU operators: one delegate graph per edgetpu-custom-op, and the
// error of the last failed invocation. It must not refer to the
// Interpreter (the closer holds it).
type edgeTPUState struct {
	cfg    edgetpu.Config
	graphs []*edgetpu.Graph
	// fault is the error of an Edge TPU operator in the current
	// invocation; InvokeContext returns it and clears it.
	fault error
	// failures counts invocations that failed on the Edge TPU.
	failures atomic.Int64
}

// newEdgeTPUState is the state for opts, nil when opts names no device.
func newEdgeTPUState(opts *Options) *edgeTPUState {
	if opts.EdgeTPU == "" {
		return nil
	}
	return &edgeTPUState{cfg: edgetpu.Config{Device: opts.EdgeTPU, Options: opts.EdgeTPUOptions}}
}

// close frees every delegate graph: kernels, then delegates. It is safe on
// a nil state and more than once.
func (s *edgeTPUState) close() {
	if s == nil {
		return
	}
	for _, g := range s.graphs {
		g.Close()
	}
	s.graphs = nil
}

// takeFault returns and clears the error of the current invocation,
// counting the invocation as failed. It is nil-safe.
func (s *edgeTPUState) takeFault() error {
	if s == nil || s.fault == nil {
		return nil
	}
	err := s.fault
	s.fault = nil
	s.failures.Add(1)
	return err
}

// isEdgeTPU reports whether code is the Edge TPU's custom operator.
func isEdgeTPU(code tflite.OperatorCode) bool {
	return code.Builtin == tflite.OpCustom && code.CustomCode == edgeTPUOp
}

// edgeTPUTypes maps percept's element types to the Edge TPU's.
var edgeTPUTypes = map[tflite.TensorType]edgetpu.ElemType{
	tflite.TypeUint8:   edgetpu.UInt8,
	tflite.TypeInt8:    edgetpu.Int8,
	tflite.TypeInt16:   edgetpu.Int16,
	tflite.TypeInt32:   edgetpu.Int32,
	tflite.TypeFloat32: edgetpu.Float32,
	tflite.TypeFloat16: edgetpu.Float16,
}

// buildEdgeTPU hands an edgetpu-custom-op to libedgetpu's delegate on the
// device Options.EdgeTPU names: the delegate's kernel reads the compiled
// program from the operator's custom options and checks the operator's
// tensors against it here, in New. At run time the kernel reads the input
// tensors and writes the outputs in place, in the arena (pinned for the
// Interpreter's life).
func buildEdgeTPU(b *builder) (*op, error) {
	st := b.g.it.edgeTPU
	var tensors []edgetpu.Tensor
	var local []*Tensor // the Interpreter's tensor of each local index
	index := func(list []int32) ([]int, error) {
		var out []int
		for _, ti := range list {
			if ti < 0 {
				return nil, b.errorf("optional tensors are not allowed")
			}
			t := &b.g.it.tensors[ti]
			if k := slices.Index(local, t); k >= 0 {
				out = append(out, k)
				continue
			}
			typ, ok := edgeTPUTypes[t.Type]
			if !ok {
				return nil, b.unsupportedf("%v has type %s, which the Edge TPU does not take", t, t.Type)
			}
			tensors = append(tensors, edgetpu.Tensor{Name: t.Name, Type: typ, Shape: t.Shape, Scale: t.Scale(), ZeroPoint: t.ZeroPoint()})
			local = append(local, t)
			out = append(out, len(local)-1)
		}
		return out, nil
	}
	ins, err := index(b.op.Inputs)
	if err != nil {
		return nil, err
	}
	outs, err := index(b.op.Outputs)
	if err != nil {
		return nil, err
	}
	for _, k := range outs {
		if local[k].constant {
			return nil, b.errorf("output %v has constant data", local[k])
		}
	}
	g, err := edgetpu.New(st.cfg, tensors, []edgetpu.Node{{
		CustomName: edgetpu.CustomOp, Inputs: ins, Outputs: outs, CustomData: b.op.CustomOptions,
	}})
	if err != nil {
		return nil, fmt.Errorf("nn: op %d %s: %w", b.index, b.name, err)
	}
	st.graphs = append(st.graphs, g)
	if !g.Delegated(0) {
		return nil, b.errorf("libedgetpu's delegate did not take the operator")
	}
	name := fmt.Sprintf("op %d %s", b.index, b.name)
	o := &op{
		bind: func() {
			for k, t := range local {
				if err := g.SetData(k, t.data); err != nil && st.fault == nil {
					st.fault = fmt.Errorf("nn: %s: %w", name, err)
				}
			}
		},
		run: func() {
			if err := g.Invoke(0); err != nil {
				if st.fault == nil {
					st.fault = fmt.Errorf("nn: %s: %w", name, err)
				}
			}
		},
	}
	return o, nil
}

// EdgeTPUFailures is the number of invocations in which an operator run by
// the Edge TPU failed (each returned an error wrapping edgetpu.ErrDevice).
func (it *Interpreter) EdgeTPUFailures() int64 {
	if it.edgeTPU == nil {
		return 0
	}
	return it.edgeTPU.failures.Load()
}
