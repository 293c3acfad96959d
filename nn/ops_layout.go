package nn

import (
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// The operators that only rearrange elements: PACK and UNPACK, SPLIT and
// SPLIT_V, SLICE and STRIDED_SLICE, TRANSPOSE, DEPTH_TO_SPACE and
// SPACE_TO_DEPTH. They copy raw bytes, so they take any element type
// TFLite allows them and keep the quantization of their input.

// buildPack prepares PACK: its inputs, all of one shape, stacked along a
// new axis of the output.
func buildPack(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.PackOptions)
	if !ok {
		return nil, b.errorf("missing PackOptions")
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	n := b.numInputs()
	if n == 0 || int(o.ValuesCount) != n {
		return nil, b.errorf("%d inputs, the options say %d", n, o.ValuesCount)
	}
	first, err := b.input(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(first, movableTypes...); err != nil {
		return nil, err
	}
	axis, err := b.axis(int64(o.Axis), len(first.Shape)+1)
	if err != nil {
		return nil, err
	}
	ins := make([]*Tensor, n)
	for i := range ins {
		t, err := b.input(i)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(t, first.Type); err != nil {
			return nil, err
		}
		if !slices.Equal(t.Shape, first.Shape) {
			return nil, b.errorf("%v and %v differ in shape", first, t)
		}
		if err := b.sameQuantization(t, out); err != nil {
			return nil, err
		}
		ins[i] = t
	}
	if err := b.expectType(out, first.Type); err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, first.Shape[:axis]...), n), first.Shape[axis:]...)
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	outer := numElements(first.Shape[:axis])
	inner := make([]int, n)
	for i := range inner {
		inner[i] = numElements(first.Shape[axis:]) * first.Type.Size()
	}
	data := make([][]byte, n)
	return &op{
		bind: func() {
			for i, t := range ins {
				data[i] = t.data
			}
		},
		run: func() { kernels.Concat(outer, data, inner, out.data) },
	}, nil
}

// buildUnpack prepares UNPACK: its input cut along an axis into outputs
// without that axis.
func buildUnpack(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.UnpackOptions)
	if !ok {
		return nil, b.errorf("missing UnpackOptions")
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(in, movableTypes...); err != nil {
		return nil, err
	}
	axis, err := b.axis(int64(o.Axis), len(in.Shape))
	if err != nil {
		return nil, err
	}
	n := in.Shape[axis]
	if o.Num != 0 && int(o.Num) != n {
		return nil, b.errorf("%v has %d elements along axis %d, the options say %d", in, n, axis, o.Num)
	}
	if len(b.op.Outputs) != n {
		return nil, b.errorf("%d outputs for the %d elements of %v along axis %d", len(b.op.Outputs), n, in, axis)
	}
	shape := append(append([]int{}, in.Shape[:axis]...), in.Shape[axis+1:]...)
	return b.splitOp(in, axis, shape, nil)
}

// splitOp prepares the outputs of UNPACK (sizes nil: one element along the
// axis each, which they drop, giving them shape) or SPLIT and SPLIT_V
// (sizes along the axis, shape nil).
func (b *builder) splitOp(in *Tensor, axis int, shape []int, sizes []int) (*op, error) {
	outs := make([]*Tensor, len(b.op.Outputs))
	inner := make([]int, len(outs))
	for k := range outs {
		t, err := b.output(k)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(t, in.Type); err != nil {
			return nil, err
		}
		s, extent := shape, 1
		if sizes != nil {
			s = append([]int{}, in.Shape...)
			s[axis], extent = sizes[k], sizes[k]
		}
		if err := b.setShape(t, s); err != nil {
			return nil, err
		}
		inner[k] = extent * numElements(in.Shape[axis+1:]) * in.Type.Size()
		outs[k] = t
	}
	outer := numElements(in.Shape[:axis])
	data := make([][]byte, len(outs))
	return &op{
		bind: func() {
			for k, t := range outs {
				data[k] = t.data
			}
		},
		run: func() { kernels.Split(outer, in.data, inner, data) },
	}, nil
}

// sameQuantization checks, for INT8 tensors, that in and out share their
// quantization, which TFLite requires of operators that copy int8 data
// between several tensors.
func (b *builder) sameQuantization(in, out *Tensor) error {
	if in.Type != tflite.TypeInt8 {
		return nil
	}
	if in.Scale() != out.Scale() || in.ZeroPoint() != out.ZeroPoint() {
		return b.errorf("%v and %v differ in quantization (scale %g, zero point %d against %g, %d)",
			in, out, in.Scale(), in.ZeroPoint(), out.Scale(), out.ZeroPoint())
	}
	return nil
}
