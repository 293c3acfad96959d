package nn

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
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
	if code.Builtin == tflite.OpCustom && code.CustomCode == edgeTPUOp {
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
	o.index, o.name = i, b.name
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

// builder is the context in which one operator is validated and prepared.
type builder struct {
	g       *graph
	index   int
	op      *tflite.Operator
	name    string
	version int32
}

// builderFunc validates one operator and prepares its kernel. It returns
// nil, nil when the operator was folded away at build time.
type builderFunc func(b *builder) (*op, error)

// errorf makes an error that names the operator.
func (b *builder) errorf(format string, args ...any) error {
	return fmt.Errorf("nn: op %d %s (v%d): %s", b.index, b.name, b.version, fmt.Sprintf(format, args...))
}

// unsupportedf makes an error for a valid but unimplemented case; New
// lists it in an UnsupportedError.
func (b *builder) unsupportedf(format string, args ...any) error {
	return &unsupportedCase{fmt.Sprintf(format, args...)}
}

// input returns input i, which must be present. An input folded from a
// float16 constant is widened to float32 here; kernels that read float16
// weights themselves take them through weightInput instead.
func (b *builder) input(i int) (*Tensor, error) {
	if t := b.optionalInput(i); t != nil {
		return t, nil
	}
	return nil, b.errorf("missing input %d", i)
}

// optionalInput is input for an input the model may leave out: it returns
// nil then.
func (b *builder) optionalInput(i int) *Tensor {
	t := b.weightInput(i)
	if t != nil && b.g.halfOf[t.Index] != nil && t.data == nil {
		w := kernels.WidenHalves(make([]float32, t.NumElements()), b.g.halfOf[t.Index].Halves())
		t.data = floatBytes(w)
	}
	return t
}

// weightInput returns input i, or nil when absent, leaving a tensor folded
// from a float16 constant as float16 (see graph.halfOf).
func (b *builder) weightInput(i int) *Tensor {
	if i >= len(b.op.Inputs) || b.op.Inputs[i] < 0 {
		return nil
	}
	return &b.g.it.tensors[b.op.Inputs[i]]
}

// output returns output i, which must be present and must not be constant.
func (b *builder) output(i int) (*Tensor, error) {
	if i >= len(b.op.Outputs) || b.op.Outputs[i] < 0 {
		return nil, b.errorf("missing output %d", i)
	}
	t := &b.g.it.tensors[b.op.Outputs[i]]
	if t.constant {
		return nil, b.errorf("output %v has constant data", t)
	}
	return t, nil
}

// numInputs is the number of inputs the operator lists.
func (b *builder) numInputs() int { return len(b.op.Inputs) }

// expectType checks that t has one of the given element types.
func (b *builder) expectType(t *Tensor, types ...tflite.TensorType) error {
	for _, want := range types {
		if t.Type == want {
			return nil
		}
	}
	return b.unsupportedf("%v has type %s, want one of %v", t, t.Type, types)
}

// expectRank checks the rank of t.
func (b *builder) expectRank(t *Tensor, rank int) error {
	if len(t.Shape) != rank {
		return b.errorf("%v has rank %d, want %d", t, len(t.Shape), rank)
	}
	return nil
}

// setShape gives out the shape the operator produces. A model may leave an
// output's shape empty; otherwise the declared shape must agree.
func (b *builder) setShape(out *Tensor, shape []int) error {
	if len(out.Shape) == 0 && len(shape) > 0 {
		if !boundedShape(shape) {
			return b.errorf("%v: the operator produces shape %v, too many elements", out, shape)
		}
		if bytes := int64(numElements(shape)) * int64(out.Type.Size()); bytes > maxArenaBytes {
			return b.errorf("%v: the operator produces shape %v, %d bytes, above the arena limit of %d", out, shape, bytes, maxArenaBytes)
		}
		out.Shape = shape
		return nil
	}
	if !slices.Equal(out.Shape, shape) {
		return b.errorf("%v: the operator produces shape %v", out, shape)
	}
	return nil
}

// alias makes out share in's memory: the operator only relabels its input.
func (b *builder) alias(out, in *Tensor) {
	if in.constant {
		out.data, out.constant = in.data, true
		return
	}
	b.g.aliasOf[out.Index] = in.Index
}

// quantized reports the per-tensor scale and zero point of t, failing when
// t has none.
func (b *builder) quantized(t *Tensor) (scale float32, zeroPoint int32, err error) {
	q := t.Quantization
	if q == nil || len(q.Scale) == 0 {
		return 0, 0, b.errorf("%v has no quantization parameters", t)
	}
	if len(q.Scale) != 1 {
		return 0, 0, b.unsupportedf("%v is quantized per channel here", t)
	}
	zp := int32(0)
	if len(q.ZeroPoint) > 0 {
		zp = int32(q.ZeroPoint[0])
	}
	if !(q.Scale[0] > 0) || math.IsInf(float64(q.Scale[0]), 1) {
		return 0, 0, b.errorf("%v has scale %g", t, q.Scale[0])
	}
	return q.Scale[0], zp, nil
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
