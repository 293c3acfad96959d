package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// reduction is what MEAN, SUM and REDUCE_MAX share once their operands are
// read: the input, its NHWC shape and original rank, the axes as given and
// as the NHWC dimensions they collapse, and the output.
type reduction struct {
	in, out  *Tensor
	shape    kernels.Shape4
	rank     int
	axes     []int32
	collapse kernels.ReduceAxes
	keepDims bool
}

// reduction reads a reduction's input, constant INT32 axes and output (of
// the input's type) and gives the output its shape: the reduced dimensions
// dropped, or kept as 1 with keep_dims. Repeated and negative axes are
// allowed, as in TFLite.
func (b *builder) reduction() (*reduction, error) {
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
	if in.NumElements() == 0 {
		return nil, b.unsupportedf("%v has no elements", in)
	}
	is, err := b.padded4(in)
	if err != nil {
		return nil, err
	}
	r := &reduction{in: in, out: out, shape: is, rank: len(in.Shape), axes: axesT.Int32s(), keepDims: o.KeepDims}
	if r.collapse, err = kernels.NewReduceAxes(r.rank, r.axes); err != nil {
		return nil, b.errorf("%v", err)
	}
	shape := []int{}
	for d := range r.rank {
		if !r.collapse[4-r.rank+d] {
			shape = append(shape, in.Shape[d])
		} else if o.KeepDims {
			shape = append(shape, 1)
		}
	}
	return r, b.setShape(out, shape)
}

func buildMean(b *builder) (*op, error) {
	r, err := b.reduction()
	if err != nil {
		return nil, err
	}
	in, out := r.in, r.out
	switch in.Type {
	case tflite.TypeFloat32:
		return &op{run: func() { kernels.MeanF32(r.shape, in.Float32s(), r.collapse, out.Float32s()) }}, nil
	case tflite.TypeUint8:
		return meanQuantized[uint8](b, r)
	case tflite.TypeInt8:
		return meanQuantized[int8](b, r)
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}

func meanQuantized[T int8 | uint8](b *builder, r *reduction) (*op, error) {
	qi, qo, err := b.affinePair(r.in, r.out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewMeanParams[T](r.shape, r.rank, r.axes, r.keepDims, qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return &op{run: func() { kernels.MeanQ(p, r.shape, viewAs[T](r.in), viewAs[T](r.out)) }}, nil
}

func buildSum(b *builder) (*op, error) {
	r, err := b.reduction()
	if err != nil {
		return nil, err
	}
	in, out := r.in, r.out
	switch in.Type {
	case tflite.TypeFloat32:
		return &op{run: func() { kernels.SumF32(r.shape, in.Float32s(), r.collapse, out.Float32s()) }}, nil
	case tflite.TypeInt32:
		return &op{run: func() { kernels.SumI32(r.shape, in.Int32s(), r.collapse, out.Int32s()) }}, nil
	case tflite.TypeUint8:
		return sumQuantized[uint8](b, r)
	case tflite.TypeInt8:
		return sumQuantized[int8](b, r)
	}
	return nil, b.unsupportedf("%v has type %s, want FLOAT32, INT32, UINT8 or INT8", in, in.Type)
}

func sumQuantized[T int8 | uint8](b *builder, r *reduction) (*op, error) {
	qi, qo, err := b.affinePair(r.in, r.out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewSumParams(r.shape, r.collapse, qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return &op{run: func() { kernels.SumQ(p, r.shape, viewAs[T](r.in), viewAs[T](r.out)) }}, nil
}

// buildReduceMax prepares REDUCE_MAX, which compares raw values as TFLite
// does; a quantized output must share the input's quantization.
func buildReduceMax(b *builder) (*op, error) {
	r, err := b.reduction()
	if err != nil {
		return nil, err
	}
	switch r.in.Type {
	case tflite.TypeFloat32:
		return reduceMaxOp[float32](r), nil
	case tflite.TypeInt32:
		return reduceMaxOp[int32](r), nil
	case tflite.TypeUint8, tflite.TypeInt8:
		qi, qo, err := b.affinePair(r.in, r.out)
		if err != nil {
			return nil, err
		}
		if qi != qo {
			return nil, b.unsupportedf("%v and %v are quantized differently", r.in, r.out)
		}
		if r.in.Type == tflite.TypeUint8 {
			return reduceMaxOp[uint8](r), nil
		}
		return reduceMaxOp[int8](r), nil
	}
	return nil, b.unsupportedf("%v has type %s, want FLOAT32, INT32, UINT8 or INT8", r.in, r.in.Type)
}

func reduceMaxOp[T float32 | int32 | int8 | uint8](r *reduction) *op {
	return &op{run: func() { kernels.ReduceMax(r.shape, viewAs[T](r.in), r.collapse, viewAs[T](r.out)) }}
}
