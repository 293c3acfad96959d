package optimize

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// DequantizeVersion is the DEQUANTIZE operator version Float16 writes: the
// one TFLite's converter writes for its float16 layout (its legacy weight
// quantizer, which the converter runs for float16, asks for version 2 and
// leaves a DEQUANTIZE the model already has at its version), as in
// MediaPipe's float16 models.
const DequantizeVersion = 2

// Float16 returns m with its constant float32 tensors in float16, the
// layout of TFLite's float16 post-training quantization
// (target_spec.supported_types = [tf.float16]):
//
//   - every FLOAT32 tensor with data that an operator reads (weights,
//     biases, and any other constant operand) becomes FLOAT16 in place,
//     keeping its index, name and shape, its values rounded to the nearest
//     float16 (ties to even);
//   - a new FLOAT32 tensor "<name>_dequantize" of the same shape, appended
//     to the subgraph's tensors, is written by a new DEQUANTIZE operator
//     placed just before the first reader, and every reader takes it
//     instead;
//   - activations, inputs and outputs stay float32; constants of other
//     types are left alone.
//
// A DEQUANTIZE operator code is added at version DequantizeVersion (an
// existing one is raised to it). Constants that are subgraph outputs,
// variables or stored sparse are left float32 and listed as skipped; so
// that outputs keep their type (TFLite's converter would narrow them).
// Within a subgraph the new tensors and operators come in the order of the
// constants' first use; TFLite's converter orders them by a hash, which no
// reader depends on.
func Float16(m *tflite.Model) (*tflite.Model, *Report, error) {
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	dq := -1
	for s := range e.m.Subgraphs {
		sg := &e.m.Subgraphs[s]
		var order []int32        // constants to narrow, by first use
		first := map[int32]int{} // constant → index of its first reader
		skipped := map[int32]bool{}
		for oi := range sg.Operators {
			for _, in := range sg.Operators[oi].Inputs {
				if in < 0 || int(in) >= len(sg.Tensors) {
					continue
				}
				t := &sg.Tensors[in]
				if t.Type != tflite.TypeFloat32 || len(e.data(t)) == 0 {
					continue
				}
				if _, ok := first[in]; ok || skipped[in] {
					continue
				}
				if why := keepFloat32(sg, in, e.data(t)); why != "" {
					skipped[in] = true
					rep.Skipped = append(rep.Skipped, Skip{Subgraph: s, Index: int(in), Name: t.Name, Reason: why})
					continue
				}
				first[in] = oi
				order = append(order, in)
			}
		}
		if len(order) == 0 {
			continue
		}
		if dq < 0 {
			dq = e.dequantizeCode()
		}
		deq := map[int32]int32{} // constant → its _dequantize tensor
		for _, c := range order {
			t := &sg.Tensors[c]
			values := floats(e.data(t))
			half := make([]byte, 2*len(values))
			widened := make([]float32, len(values))
			for i, v := range values {
				h := kernels.HalfFromFloat32(v)
				binary.LittleEndian.PutUint16(half[2*i:], uint16(h))
				widened[i] = h.Float32()
			}
			t.Type = tflite.TypeFloat16
			e.setData(t, half)
			sg.Tensors = append(sg.Tensors, tflite.Tensor{
				Name:           t.Name + "_dequantize",
				Type:           tflite.TypeFloat32,
				Shape:          slices.Clone(t.Shape),
				ShapeSignature: slices.Clone(t.ShapeSignature),
			})
			deq[c] = int32(len(sg.Tensors) - 1)
			rep.Tensors = append(rep.Tensors, e.change(s, c, widened))
		}
		ops := make([]tflite.Operator, 0, len(sg.Operators)+len(order))
		for oi, op := range sg.Operators {
			for _, c := range order {
				if first[c] == oi {
					ops = append(ops, tflite.Operator{OpcodeIndex: uint32(dq), Inputs: []int32{c}, Outputs: []int32{deq[c]}})
					rep.OpsAdded++
				}
			}
			for k, in := range op.Inputs {
				if d, ok := deq[in]; ok {
					op.Inputs[k] = d
				}
			}
			ops = append(ops, op)
		}
		sg.Operators = ops
	}
	return e.finish(), rep, nil
}

// keepFloat32 returns why constant tensor i of sg stays float32, or "".
func keepFloat32(sg *tflite.Subgraph, i int32, data []byte) string {
	t := &sg.Tensors[i]
	switch n := elements(t.Shape); {
	case isOutput(sg, i):
		return "a subgraph output"
	case t.IsVariable:
		return "a variable"
	case t.Sparse:
		return "stored sparse"
	case n < 0 || 4*n != len(data):
		return fmt.Sprintf("%d bytes of data for shape %v", len(data), t.Shape)
	}
	return ""
}

// dequantizeCode returns the index of the DEQUANTIZE operator code, added
// or raised to DequantizeVersion.
func (e *editor) dequantizeCode() int {
	for i := range e.m.OperatorCodes {
		if c := &e.m.OperatorCodes[i]; c.Builtin == tflite.OpDequantize {
			c.Version = max(c.Version, DequantizeVersion)
			return i
		}
	}
	e.m.OperatorCodes = append(e.m.OperatorCodes, tflite.OperatorCode{Builtin: tflite.OpDequantize, Version: DequantizeVersion})
	return len(e.m.OperatorCodes) - 1
}

// Widen returns m with float16 weights back in float32: each DEQUANTIZE of
// a FLOAT16 constant is folded into the constant, which becomes FLOAT32
// (the exact widened values) under its own name, and its readers read it
// again. It reads TFLite's float16 layout (Float16's output, or a model
// TFLite's converter quantized to float16) so that Prune, Cluster and
// comparisons can work on float32 weights. Tensors left unused at the end
// of a subgraph (the "_dequantize" tensors) and an unused DEQUANTIZE
// operator code are dropped. A DEQUANTIZE whose output is a subgraph
// output, or whose FLOAT16 input some other operator also reads, is kept
// and listed as skipped.
func Widen(m *tflite.Model) (*tflite.Model, *Report, error) {
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	for s := range e.m.Subgraphs {
		sg := &e.m.Subgraphs[s]
		readers := map[int32]int{} // tensor → how many operator inputs read it
		for _, op := range sg.Operators {
			for _, in := range op.Inputs {
				readers[in]++
			}
		}
		fold := map[int32]int32{} // DEQUANTIZE output → its FLOAT16 constant
		drop := make([]bool, len(sg.Operators))
		for oi, op := range sg.Operators {
			if e.builtin(&op) != tflite.OpDequantize || len(op.Inputs) != 1 || len(op.Outputs) != 1 {
				continue
			}
			in, out := op.Inputs[0], op.Outputs[0]
			if !validIndex(sg, in) || !validIndex(sg, out) {
				continue
			}
			t := &sg.Tensors[in]
			if t.Type != tflite.TypeFloat16 || len(e.data(t)) == 0 || sg.Tensors[out].Type != tflite.TypeFloat32 {
				continue
			}
			why := ""
			switch n := elements(t.Shape); {
			case isOutput(sg, out):
				why = "its DEQUANTIZE writes a subgraph output"
			case readers[in] != 1:
				why = "read by other operators than its DEQUANTIZE"
			case t.Sparse:
				why = "stored sparse"
			case n < 0 || 2*n != len(e.data(t)):
				why = fmt.Sprintf("%d bytes of data for shape %v", len(e.data(t)), t.Shape)
			}
			if why != "" {
				rep.Skipped = append(rep.Skipped, Skip{Subgraph: s, Index: int(in), Name: t.Name, Reason: why})
				continue
			}
			data := e.data(t)
			values := make([]float32, len(data)/2)
			for i := range values {
				values[i] = kernels.Half(binary.LittleEndian.Uint16(data[2*i:])).Float32()
			}
			t.Type = tflite.TypeFloat32
			e.setData(t, floatBytes(values))
			fold[out] = in
			drop[oi] = true
			rep.Tensors = append(rep.Tensors, e.change(s, in, values))
		}
		if len(fold) == 0 {
			continue
		}
		ops := sg.Operators[:0]
		for oi, op := range sg.Operators {
			if drop[oi] {
				rep.OpsRemoved++
				continue
			}
			for k, in := range op.Inputs {
				if c, ok := fold[in]; ok {
					op.Inputs[k] = c
				}
			}
			ops = append(ops, op)
		}
		sg.Operators = ops
		dropUnusedTail(sg)
	}
	e.dropUnusedCodes()
	return e.finish(), rep, nil
}

// validIndex reports whether i indexes a tensor of sg.
func validIndex(sg *tflite.Subgraph, i int32) bool {
	return i >= 0 && int(i) < len(sg.Tensors)
}

// dropUnusedTail removes the tensors at the end of sg that nothing refers
// to, which no index elsewhere can name.
func dropUnusedTail(sg *tflite.Subgraph) {
	used := make([]bool, len(sg.Tensors))
	mark := func(list []int32) {
		for _, i := range list {
			if i >= 0 && int(i) < len(used) {
				used[i] = true
			}
		}
	}
	mark(sg.Inputs)
	mark(sg.Outputs)
	for _, op := range sg.Operators {
		mark(op.Inputs)
		mark(op.Outputs)
		mark(op.Intermediates)
	}
	n := len(sg.Tensors)
	for n > 0 && !used[n-1] {
		n--
	}
	sg.Tensors = sg.Tensors[:n]
}

// dropUnusedCodes removes the DEQUANTIZE operator code when no operator
// uses it any more, renumbering the operators' code indices.
func (e *editor) dropUnusedCodes() {
	for ci, c := range e.m.OperatorCodes {
		if c.Builtin != tflite.OpDequantize {
			continue
		}
		for _, sg := range e.m.Subgraphs {
			for _, op := range sg.Operators {
				if int(op.OpcodeIndex) == ci {
					return
				}
			}
		}
		e.m.OperatorCodes = slices.Delete(e.m.OperatorCodes, ci, ci+1)
		for s := range e.m.Subgraphs {
			for i := range e.m.Subgraphs[s].Operators {
				if op := &e.m.Subgraphs[s].Operators[i]; int(op.OpcodeIndex) > ci {
					op.OpcodeIndex--
				}
			}
		}
		return
	}
}
