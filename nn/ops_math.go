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
	return elementwise8(in, out, func(src, dst []int8) { kernels.SqrtQ(p, src, dst) }), nil
}
