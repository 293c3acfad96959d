package optimize

import (
	"fmt"

	"github.com/percept-robotics/percept/tflite"
)

// weightOps are the operators whose weights (input 1) Prune and Cluster
// rewrite: TF-MOT prunes and clusters the kernels of Conv2D,
// Conv2DTranspose and Dense layers, and leaves DepthwiseConv2D's alone.
var weightOps = map[tflite.BuiltinOperator]bool{
	tflite.OpConv2D:         true,
	tflite.OpTransposeConv:  true,
	tflite.OpFullyConnected: true,
}

// weight is one weight tensor to rewrite.
type weight struct {
	s     int
	index int32
}

// weights returns the float32 weight tensors of the weightOps of every
// subgraph, each once, in first-use order, and reports those it cannot
// rewrite in rep.Skipped.
func (e *editor) weights(rep *Report) []weight {
	var out []weight
	for s := range e.m.Subgraphs {
		sg := &e.m.Subgraphs[s]
		seen := map[int32]bool{}
		producer := producers(sg)
		for _, op := range sg.Operators {
			if !weightOps[e.builtin(&op)] || len(op.Inputs) < 2 {
				continue
			}
			i := op.Inputs[1]
			if !validIndex(sg, i) || seen[i] {
				continue
			}
			seen[i] = true
			t := &sg.Tensors[i]
			why := e.floatWeightProblem(sg, producer, i)
			if why == "" && isOutput(sg, i) {
				why = "a subgraph output"
			}
			if why != "" {
				rep.Skipped = append(rep.Skipped, Skip{Subgraph: s, Index: int(i), Name: t.Name, Reason: why})
				continue
			}
			out = append(out, weight{s, i})
		}
	}
	return out
}

// producers maps each tensor an operator of sg writes to that operator.
func producers(sg *tflite.Subgraph) map[int32]*tflite.Operator {
	producer := map[int32]*tflite.Operator{}
	for oi := range sg.Operators {
		for _, o := range sg.Operators[oi].Outputs {
			producer[o] = &sg.Operators[oi]
		}
	}
	return producer
}

// floatWeightProblem says why tensor i of sg (a valid index) is not
// constant FLOAT32 weights a transform can rewrite, or "" when it is;
// producer is producers(sg).
func (e *editor) floatWeightProblem(sg *tflite.Subgraph, producer map[int32]*tflite.Operator, i int32) string {
	t := &sg.Tensors[i]
	data := e.data(t)
	switch n := elements(t.Shape); {
	case len(data) == 0:
		if p := producer[i]; p != nil && e.builtin(p) == tflite.OpDequantize && len(p.Inputs) == 1 &&
			validIndex(sg, p.Inputs[0]) && sg.Tensors[p.Inputs[0]].Type == tflite.TypeFloat16 {
			return "float16 weights read through DEQUANTIZE (widen the model to float32 first)"
		}
		return "not a constant"
	case t.Type != tflite.TypeFloat32:
		return fmt.Sprintf("%s weights, not FLOAT32", t.Type)
	case t.Sparse:
		return "stored sparse"
	case n < 0 || 4*n != len(data):
		return fmt.Sprintf("%d bytes of data for shape %v", len(data), t.Shape)
	}
	return ""
}

// rewrite replaces the values of weight w by f's result, or records why
// not when f returns a reason.
func (e *editor) rewrite(rep *Report, w weight, f func(t *tflite.Tensor, v []float32) string) {
	t := &e.m.Subgraphs[w.s].Tensors[w.index]
	v := floats(e.data(t))
	if why := f(t, v); why != "" {
		rep.Skipped = append(rep.Skipped, Skip{Subgraph: w.s, Index: int(w.index), Name: t.Name, Reason: why})
		return
	}
	e.setData(t, floatBytes(v))
	rep.Tensors = append(rep.Tensors, e.change(w.s, w.index, v))
}
