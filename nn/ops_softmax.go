package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildSoftmax(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.SoftmaxOptions)
	if !ok {
		return nil, b.errorf("missing SoftmaxOptions")
	}
	in, out, err := b.unary(quantizedTypes...)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) == 0 {
		return nil, b.errorf("%v has no dimensions", in)
	}
	depth := in.Shape[len(in.Shape)-1]
	outer := 0
	if depth > 0 {
		outer = in.NumElements() / depth
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return &op{run: func() { kernels.SoftmaxF32(outer, depth, in.Float32s(), out.Float32s(), o.Beta) }}, nil
	case tflite.TypeUint8:
		return softmaxQuantized[uint8](b, in, out, o.Beta, outer, depth)
	}
	return softmaxQuantized[int8](b, in, out, o.Beta, outer, depth)
}

func softmaxQuantized[T int8 | uint8](b *builder, in, out *Tensor, beta float32, outer, depth int) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewSoftmaxParams[T](qi, qo, beta)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return &op{run: func() { kernels.SoftmaxQ(p, outer, depth, viewAs[T](in), viewAs[T](out)) }}, nil
}
