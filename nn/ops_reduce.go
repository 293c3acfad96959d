package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildMean(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.ReducerOptions)
	if !ok {
		return nil, b.errorf("missing ReducerOptions")
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	axesT, err := b.input(1)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(out, in.Type); err != nil {
		return nil, err
	}
	if !axesT.constant || axesT.Type != tflite.TypeInt32 {
		return nil, b.unsupportedf("axes %v must be a constant int32 tensor", axesT)
	}
	axes := axesT.Int32s()
	if in.NumElements() == 0 {
		return nil, b.unsupportedf("%v has no elements", in)
	}
	is, err := b.padded4(in)
	if err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	ra, err := kernels.NewReduceAxes(rank, axes)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	var shape []int
	for d := range rank {
		if !ra[4-rank+d] {
			shape = append(shape, in.Shape[d])
		} else if o.KeepDims {
			shape = append(shape, 1)
		}
	}
	if shape == nil {
		shape = []int{}
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return &op{run: func() { kernels.MeanF32(is, in.Float32s(), ra, out.Float32s()) }}, nil
	case tflite.TypeUint8:
		return meanQuantized[uint8](b, in, out, is, rank, axes, o.KeepDims)
	case tflite.TypeInt8:
		return meanQuantized[int8](b, in, out, is, rank, axes, o.KeepDims)
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}

func meanQuantized[T int8 | uint8](b *builder, in, out *Tensor, is kernels.Shape4, rank int, axes []int32, keepDims bool) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewMeanParams[T](is, rank, axes, keepDims, qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return &op{run: func() { kernels.MeanQ(p, is, viewAs[T](in), viewAs[T](out)) }}, nil
}
