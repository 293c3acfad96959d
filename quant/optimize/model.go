package optimize

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/percept-robotics/percept/tflite"
)

// Report says what a transform did.
type Report struct {
	// Tensors lists the tensors the transform rewrote, in subgraph and
	// first-use order.
	Tensors []TensorChange
	// Skipped lists the candidate tensors it left as they were, and why.
	Skipped []Skip
	// OpsAdded and OpsRemoved count the operators it inserted and deleted
	// (DEQUANTIZE operators for Float16 and Widen; QUANTIZE and DEQUANTIZE
	// for Int8).
	OpsAdded, OpsRemoved int
	// Activations counts the activation tensors Int8 gave int8
	// parameters.
	Activations int
}

// TensorChange describes one rewritten tensor after the transform.
type TensorChange struct {
	Subgraph, Index int
	Name            string
	Shape           []int32
	// Zeros and Distinct count the tensor's elements that are zero and its
	// distinct values, as read back from the rewritten tensor.
	Zeros, Distinct int
}

// Elements returns the number of elements of the tensor.
func (c *TensorChange) Elements() int {
	n := 1
	for _, d := range c.Shape {
		n *= int(d)
	}
	return n
}

// Sparsity returns the fraction of the tensor's elements that are zero.
func (c *TensorChange) Sparsity() float64 {
	if n := c.Elements(); n > 0 {
		return float64(c.Zeros) / float64(n)
	}
	return 0
}

// Skip names a candidate tensor a transform left unchanged.
type Skip struct {
	Subgraph, Index int
	Name            string
	Reason          string
}

// editor holds a copy of a model whose operator codes, subgraphs (tensors,
// operators and their index lists), buffers and metadata may be changed
// without touching the original.
type editor struct {
	m *tflite.Model
	// rewritten maps an old buffer index to the new buffer holding its
	// rewritten data, so that tensors sharing a buffer keep sharing one.
	rewritten map[uint32]uint32
	base      int // the number of buffers of the input model
}

// newEditor copies m deeply enough to edit it; the weights' bytes stay
// shared with m until a transform replaces them.
func newEditor(m *tflite.Model) (*editor, error) {
	if m == nil {
		return nil, fmt.Errorf("optimize: nil model")
	}
	out := *m // keeps the fields this package does not edit, and m's memory
	out.OperatorCodes = slices.Clone(m.OperatorCodes)
	out.Buffers = slices.Clone(m.Buffers)
	out.Metadata = slices.Clone(m.Metadata)
	out.SignatureDefs = slices.Clone(m.SignatureDefs)
	out.Subgraphs = make([]tflite.Subgraph, len(m.Subgraphs))
	for s, sg := range m.Subgraphs {
		c := sg
		c.Inputs = slices.Clone(sg.Inputs)
		c.Outputs = slices.Clone(sg.Outputs)
		c.Tensors = slices.Clone(sg.Tensors)
		c.Operators = slices.Clone(sg.Operators)
		for i := range c.Operators {
			op := &c.Operators[i]
			op.Inputs = slices.Clone(op.Inputs)
			op.Outputs = slices.Clone(op.Outputs)
			op.Intermediates = slices.Clone(op.Intermediates)
		}
		for i := range c.Tensors {
			if t := &c.Tensors[i]; int64(t.Buffer) >= int64(len(m.Buffers)) {
				return nil, fmt.Errorf("optimize: subgraph %d tensor %d %q: buffer %d out of range (have %d)", s, i, t.Name, t.Buffer, len(m.Buffers))
			}
		}
		out.Subgraphs[s] = c
	}
	return &editor{m: &out, rewritten: map[uint32]uint32{}, base: len(m.Buffers)}, nil
}

// builtin returns the builtin operator of op.
func (e *editor) builtin(op *tflite.Operator) tflite.BuiltinOperator {
	if int64(op.OpcodeIndex) >= int64(len(e.m.OperatorCodes)) {
		return tflite.OpCustom
	}
	return e.m.OperatorCodes[op.OpcodeIndex].Builtin
}

// data returns the constant data of a tensor (nil for none).
func (e *editor) data(t *tflite.Tensor) []byte {
	return e.m.Buffers[t.Buffer].Data
}

// setData gives tensor t of subgraph s the bytes data, computed by a
// transform from the tensor's old buffer. Tensors that shared that buffer
// and are rewritten the same way share the new one; the old buffer is
// emptied by finish once nothing refers to it.
func (e *editor) setData(t *tflite.Tensor, data []byte) {
	old := t.Buffer
	if nb, ok := e.rewritten[old]; ok {
		t.Buffer = nb
		return
	}
	e.m.Buffers = append(e.m.Buffers, tflite.Buffer{Data: data})
	nb := uint32(len(e.m.Buffers) - 1)
	e.rewritten[old] = nb
	t.Buffer = nb
}

// finish moves each rewritten buffer's data back into its old slot when no
// tensor or metadata entry refers to the old data any more, so that buffer
// numbers stay as they were and no stale copy is left, and returns the
// model.
func (e *editor) finish() *tflite.Model {
	if len(e.rewritten) == 0 {
		return e.m
	}
	used := make([]bool, e.base)
	for _, sg := range e.m.Subgraphs {
		for _, t := range sg.Tensors {
			if int(t.Buffer) < e.base {
				used[t.Buffer] = true
			}
		}
	}
	for _, md := range e.m.Metadata {
		used[md.Buffer] = true
	}
	// where maps each appended buffer to its final index.
	where := make([]uint32, len(e.m.Buffers)-e.base)
	moved := make([]bool, len(where))
	kept := e.m.Buffers[:e.base:e.base]
	appended := e.m.Buffers[e.base:]
	for old, nb := range e.rewritten {
		if !used[old] {
			kept[old] = appended[int(nb)-e.base]
			where[int(nb)-e.base] = old
			moved[int(nb)-e.base] = true
		}
	}
	for k, b := range appended {
		if !moved[k] {
			kept = append(kept, b)
			where[k] = uint32(len(kept) - 1)
		}
	}
	for s := range e.m.Subgraphs {
		for i := range e.m.Subgraphs[s].Tensors {
			if t := &e.m.Subgraphs[s].Tensors[i]; int(t.Buffer) >= e.base {
				t.Buffer = where[int(t.Buffer)-e.base]
			}
		}
	}
	e.m.Buffers = kept
	return e.m
}

// floats decodes little-endian float32 data.
func floats(data []byte) []float32 {
	v := make([]float32, len(data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return v
}

// floatBytes encodes v as little-endian float32 data.
func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// elements returns the number of elements of shape, or -1 when a dimension
// is negative or the count overflows.
func elements(shape []int32) int {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/int(d)) {
			return -1
		}
		n *= int(d)
	}
	return n
}

// isOutput reports whether tensor i is one of the subgraph's outputs.
func isOutput(sg *tflite.Subgraph, i int32) bool {
	return slices.Contains(sg.Outputs, i)
}

// change describes tensor i of subgraph s as it is now.
func (e *editor) change(s int, i int32, values []float32) TensorChange {
	t := &e.m.Subgraphs[s].Tensors[i]
	c := TensorChange{Subgraph: s, Index: int(i), Name: t.Name, Shape: slices.Clone(t.Shape)}
	seen := map[uint32]struct{}{}
	for _, v := range values {
		if v == 0 {
			c.Zeros++
		}
		seen[math.Float32bits(v)] = struct{}{}
	}
	c.Distinct = len(seen)
	return c
}
