package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildConcatenation(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.ConcatenationOptions)
	if !ok {
		return nil, b.errorf("missing ConcatenationOptions")
	}
	if o.FusedActivationFunction != tflite.ActNone {
		return nil, b.unsupportedf("fused activation %d on CONCATENATION", o.FusedActivationFunction)
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if b.numInputs() == 0 {
		return nil, b.errorf("no inputs")
	}
	first, err := b.input(0)
	if err != nil {
		return nil, err
	}
	rank := len(first.Shape)
	axis := int(o.Axis)
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		return nil, b.errorf("axis %d out of range for %v", o.Axis, first)
	}
	ins := make([]*Tensor, b.numInputs())
	shape := append([]int{}, first.Shape...)
	shape[axis] = 0
	inner := make([]int, len(ins))
	for i := range ins {
		t, err := b.input(i)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(t, first.Type); err != nil {
			return nil, err
		}
		if len(t.Shape) != rank {
			return nil, b.errorf("%v and %v differ in rank", first, t)
		}
		for d := range rank {
			if d != axis && t.Shape[d] != first.Shape[d] {
				return nil, b.errorf("%v and %v differ outside axis %d", first, t, axis)
			}
		}
		shape[axis] += t.Shape[axis]
		inner[i] = numElements(t.Shape[axis:])
		ins[i] = t
	}
	if err := b.expectType(out, first.Type); err != nil {
		return nil, err
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	outer := numElements(shape[:axis])
	size := first.Type.Size()
	if first.Type == tflite.TypeUint8 || first.Type == tflite.TypeInt8 {
		qo, err := b.affine(out)
		if err != nil {
			return nil, err
		}
		qs := make([]kernels.Affine, len(ins))
		requant := false
		for i, t := range ins {
			if qs[i], err = b.affine(t); err != nil {
				return nil, err
			}
			requant = requant || qs[i] != qo
		}
		if requant {
			p, err := kernels.NewConcatParams(qs, qo)
			if err != nil {
				return nil, b.errorf("%v", err)
			}
			if first.Type == tflite.TypeUint8 {
				return concatRequant[uint8](p, outer, ins, inner, out), nil
			}
			return concatRequant[int8](p, outer, ins, inner, out), nil
		}
	}
	innerBytes := make([]int, len(inner))
	for i := range inner {
		innerBytes[i] = inner[i] * size
	}
	data := make([][]byte, len(ins))
	return &op{
		bind: func() {
			for i, t := range ins {
				data[i] = t.data
			}
		},
		run: func() { kernels.Concat(outer, data, innerBytes, out.data) },
	}, nil
}

// concatChunk is how many output elements make one row of a requantizing
// CONCATENATION, the unit its output is split in across the workers.
const concatChunk = 4096

func concatRequant[T int8 | uint8](p *kernels.ConcatParams, outer int, ins []*Tensor, inner []int, out *Tensor) *op {
	tables := kernels.ConcatTables[T](p)
	data := make([][]T, len(ins))
	n := out.NumElements()
	return &op{
		bind: func() {
			for i, t := range ins {
				data[i] = viewAs[T](t)
			}
		},
		rows: (n + concatChunk - 1) / concatChunk,
		runRows: func(_, lo, hi int) {
			kernels.ConcatLookup(tables, outer, data, inner, viewAs[T](out), lo*concatChunk, min(hi*concatChunk, n))
		},
	}
}
