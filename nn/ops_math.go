package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// The elementwise math functions of one input: SQRT, RSQRT and EXP.

func buildSqrt(b *builder) (*op, error) {
	in, out, err := b.unary(tflite.TypeFloat32, tflite.TypeInt8)
	if err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeFloat32 {
		return elementwise(in, out, kernels.SqrtF32), nil
	}
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewSqrtParams(qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	o := elementwise8(in, out, func(src, dst []int8) { kernels.SqrtQ(p, src, dst) })
	b.failBelowZeroPoint(o, in, qi.ZeroPoint, "SQRT")
	return o, nil
}

func buildRsqrt(b *builder) (*op, error) {
	in, out, err := b.unary(tflite.TypeFloat32, tflite.TypeInt8)
	if err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeFloat32 {
		return elementwise(in, out, kernels.RsqrtF32), nil
	}
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewRsqrtParams(qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	o := elementwise8(in, out, func(src, dst []int8) { kernels.RsqrtQ(p, src, dst) })
	b.failBelowZeroPoint(o, in, qi.ZeroPoint, "RSQRT")
	return o, nil
}

// failBelowZeroPoint makes an int8 SQRT or RSQRT fail the Invoke when an
// input is negative, as TFLite's does; the output keeps the kernel's
// defined values.
func (b *builder) failBelowZeroPoint(o *op, in *Tensor, zeroPoint int32, name string) {
	fault := b.newFault()
	o.fault = func() error {
		if i := kernels.BelowZeroPoint(viewAs[int8](in), zeroPoint); i >= 0 {
			fault.setf("%s of a negative value: element %d of %v", name, i, in)
		}
		return fault.take()
	}
}

func buildExp(b *builder) (*op, error) {
	in, out, err := b.unary(tflite.TypeFloat32, tflite.TypeInt8)
	if err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeFloat32 {
		return elementwise(in, out, kernels.ExpF32), nil
	}
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	return elementwise8(in, out, func(src, dst []int8) { kernels.ExpQ(qi, qo, src, dst) }), nil
}
