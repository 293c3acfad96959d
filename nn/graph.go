package nn

import (
	"errors"
	"math"
	"slices"

	"github.com/percept-robotics/percept/tflite"
)

// graph holds what New learns about the subgraph while it builds the
// operators: which tensors share memory and which operators run.
type graph struct {
	it *Interpreter
	sg *tflite.Subgraph
	// aliasOf maps a tensor to the tensor whose memory it shares (RESHAPE,
	// SQUEEZE and other operators that only relabel their input).
	aliasOf map[int]int
	// halfOf maps a FLOAT32 tensor folded at build time from a FLOAT16
	// constant through DEQUANTIZE to that constant, so that weights stay
	// float16 in memory.
	halfOf map[int]*Tensor
	// used lists, per executed operator, the tensors it reads and writes.
	used [][]int
	// producer maps each tensor that an operator outputs to the first
	// operator that does.
	producer map[int]int
}

func newGraph(it *Interpreter, sg *tflite.Subgraph) *graph {
	g := &graph{it: it, sg: sg, aliasOf: map[int]int{}, halfOf: map[int]*Tensor{}, producer: map[int]int{}}
	for i := range sg.Operators {
		for _, t := range sg.Operators[i].Outputs {
			if _, ok := g.producer[int(t)]; !ok {
				g.producer[int(t)] = i
			}
		}
	}
	return g
}

// buildAll prepares every operator of the subgraph in order. It goes on
// past operators percept does not support, to list them all in an
// *UnsupportedError, and stops at the first error of any other kind.
// Operators that read what an unsupported one writes are only checked for
// an implementation: their inputs were never prepared.
func (g *graph) buildAll() error {
	var unsupported UnsupportedError
	blocked := map[int32]bool{} // tensors written by operators not built
	for i := range g.sg.Operators {
		mop := &g.sg.Operators[i]
		code := g.it.model.OperatorCodes[mop.OpcodeIndex]
		var err error
		if slices.ContainsFunc(mop.Inputs, func(t int32) bool { return blocked[t] }) {
			if implementation(code) == nil {
				err = unsupportedOperator(code)
			}
			for _, t := range mop.Outputs {
				blocked[t] = true
			}
		} else if t := g.unknownType(mop); t != nil {
			err = unsupportedType(t)
		} else {
			var o *op
			if o, err = g.build(i); o != nil {
				g.it.ops = append(g.it.ops, o)
			}
		}
		var uc *unsupportedCase
		if errors.As(err, &uc) {
			unsupported.add(i, opName(code), code.Version, uc.reason)
			for _, t := range mop.Outputs {
				blocked[t] = true
			}
		} else if err != nil {
			return err
		}
	}
	if len(unsupported.Ops) > 0 {
		return &unsupported
	}
	return nil
}

// unknownType returns the first tensor of mop whose element type percept
// lacks, or nil.
func (g *graph) unknownType(mop *tflite.Operator) *Tensor {
	for _, list := range [][]int32{mop.Inputs, mop.Outputs} {
		for _, t := range list {
			if t >= 0 && !knownType(&g.it.tensors[t]) {
				return &g.it.tensors[t]
			}
		}
	}
	return nil
}

// implementation returns the builder of an operator, nil when percept has
// none.
func implementation(code tflite.OperatorCode) builderFunc {
	if code.Builtin == tflite.OpCustom {
		return customOps[code.CustomCode]
	}
	return builtinOps[code.Builtin]
}

// opName names an operator as `percept inspect` lists it: the builtin name,
// or "custom " and the custom code.
func opName(code tflite.OperatorCode) string {
	if code.Builtin == tflite.OpCustom {
		return "custom " + code.CustomCode
	}
	return code.Builtin.String()
}

// unsupportedOperator is the error of an operator percept has no kernel
// for.
func unsupportedOperator(code tflite.OperatorCode) error {
	if isEdgeTPU(code) {
		return &unsupportedCase{"it runs on a Coral Edge TPU, not on the CPU"}
	}
	return &unsupportedCase{"percept has no kernel for this operator"}
}

// build prepares operator i. It returns nil, nil for operators folded away
// at build time.
func (g *graph) build(i int) (*op, error) {
	mop := &g.sg.Operators[i]
	code := g.it.model.OperatorCodes[mop.OpcodeIndex]
	b := &builder{g: g, index: i, op: mop, version: code.Version, name: code.Builtin.String()}
	if code.Builtin == tflite.OpCustom {
		b.name = code.CustomCode
	}
	fn := implementation(code)
	if isEdgeTPU(code) && g.it.edgeTPU != nil {
		fn = buildEdgeTPU
	}
	if fn == nil {
		return nil, unsupportedOperator(code)
	}
	// Operators run in order and each tensor has one producer, which runs
	// before its readers: a kernel must never write memory another kernel
	// keeps, nor read a tensor that a later operator folds into a constant.
	for _, t := range mop.Outputs {
		if p := g.producer[int(t)]; p != i {
			return nil, b.errorf("output %v is already the output of op %d", &g.it.tensors[t], p)
		}
	}
	for _, t := range mop.Inputs {
		if p, ok := g.producer[int(t)]; ok && p >= i {
			return nil, b.errorf("input %v is the output of op %d, which does not run before", &g.it.tensors[t], p)
		}
	}
	for _, list := range [][]int32{mop.Inputs, mop.Outputs} {
		for _, t := range list {
			if t >= 0 && !boundedShape(g.it.tensors[t].Shape) {
				return nil, b.errorf("%v has too many elements", &g.it.tensors[t])
			}
		}
	}
	o, err := fn(b)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, nil
	}
	o.index, o.name, o.layer = i, b.name, b.layer
	var used []int
	for _, list := range [][]int32{mop.Inputs, mop.Outputs} {
		for _, t := range list {
			if t >= 0 {
				used = append(used, int(t))
			}
		}
	}
	g.used = append(g.used, used)
	return o, nil
}

// root follows aliases to the tensor that owns the memory.
func (g *graph) root(t int) int {
	for {
		r, ok := g.aliasOf[t]
		if !ok {
			return t
		}
		t = r
	}
}

func (g *graph) byteSize(t *Tensor) int {
	return t.NumElements() * t.Type.Size()
}

// maxExtent bounds the product of a shape's dimensions, counting a
// dimension of 0 as 1: kernels loop over the other dimensions of an empty
// tensor too.
const maxExtent = math.MaxInt32

// boundedShape reports whether shape stays within maxExtent.
func boundedShape(shape []int) bool {
	n := int64(1)
	for _, d := range shape {
		if d > maxExtent {
			return false
		}
		if n *= int64(max(d, 1)); n > maxExtent {
			return false
		}
	}
	return true
}
