package nn

import (
	"math"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildRelu(b *builder) (*op, error) { return b.buildReluRange(0, float32(math.Inf(1))) }

func buildRelu6(b *builder) (*op, error) { return b.buildReluRange(0, 6) }

func buildReluN1To1(b *builder) (*op, error) { return b.buildReluRange(-1, 1) }

// buildReluRange prepares a clamp of the input to [lower, upper].
func (b *builder) buildReluRange(lower, upper float32) (*op, error) {
	in, out, err := b.unary(quantizedTypes...)
	if err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return elementwise(in, out, kernels.NewFloatClamp(b.g.it.target, kernels.FloatRange{Min: lower, Max: upper}).Apply), nil
	case tflite.TypeUint8:
		return reluQuantized[uint8](b, in, out, lower, upper)
	}
	return reluQuantized[int8](b, in, out, lower, upper)
}

func reluQuantized[T int8 | uint8](b *builder, in, out *Tensor, lower, upper float32) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewReluParams[T](qi, qo, lower, upper)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return elementwise8(in, out, func(src, dst []T) { kernels.ReluQ(p, src, dst) }), nil
}

func buildLeakyRelu(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.LeakyReluOptions)
	if !ok {
		return nil, b.errorf("missing LeakyReluOptions")
	}
	in, out, err := b.unary(quantizedTypes...)
	if err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return elementwise(in, out, func(src, dst []float32) { kernels.LeakyReluF32(src, dst, o.Alpha) }), nil
	case tflite.TypeUint8:
		return leakyReluQuantized[uint8](b, in, out, o.Alpha)
	}
	return leakyReluQuantized[int8](b, in, out, o.Alpha)
}

func leakyReluQuantized[T int8 | uint8](b *builder, in, out *Tensor, alpha float32) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewLeakyReluParams(qi, qo, alpha)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return elementwise8(in, out, func(src, dst []T) { kernels.LeakyReluQ(p, src, dst) }), nil
}

func buildPrelu(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	alpha, err := b.input(1)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{alpha, out} {
		if err := b.expectType(t, in.Type); err != nil {
			return nil, err
		}
	}
	si, err := b.padded4(in)
	if err != nil {
		return nil, err
	}
	sa, err := b.padded4(alpha)
	if err != nil {
		return nil, err
	}
	if so, err := kernels.BroadcastShape(si, sa); err != nil || so != si {
		return nil, b.unsupportedf("alpha %v does not broadcast onto %v", alpha, in)
	}
	if err := b.setShape(out, in.Shape); err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return &op{run: func() { kernels.PreluF32(si, in.Float32s(), sa, alpha.Float32s(), out.Float32s()) }}, nil
	case tflite.TypeUint8:
		return preluQuantized[uint8](b, in, alpha, out, si, sa)
	case tflite.TypeInt8:
		return preluQuantized[int8](b, in, alpha, out, si, sa)
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}

func preluQuantized[T int8 | uint8](b *builder, in, alpha, out *Tensor, si, sa kernels.Shape4) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	qa, err := b.affine(alpha)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewPreluParams(qi, qa, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return &op{run: func() { kernels.PreluQ(p, si, viewAs[T](in), sa, viewAs[T](alpha), viewAs[T](out)) }}, nil
}

func buildHardSwish(b *builder) (*op, error) {
	in, out, err := b.unary(quantizedTypes...)
	if err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return elementwise(in, out, kernels.HardSwishF32), nil
	case tflite.TypeUint8:
		return hardSwishQuantized[uint8](b, in, out)
	}
	return hardSwishQuantized[int8](b, in, out)
}

func hardSwishQuantized[T int8 | uint8](b *builder, in, out *Tensor) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	p, err := kernels.NewHardSwishParams(qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	return elementwise8(in, out, func(src, dst []T) { kernels.HardSwishQ(p, src, dst) }), nil
}

func buildLogistic(b *builder) (*op, error) {
	return b.buildSigmoidTanh(kernels.LogisticF32, kernels.NewLogisticParams[uint8], kernels.NewLogisticParams[int8],
		kernels.LogisticQ[uint8], kernels.LogisticQ[int8])
}

func buildTanh(b *builder) (*op, error) {
	return b.buildSigmoidTanh(kernels.TanhF32, kernels.NewTanhParams[uint8], kernels.NewTanhParams[int8],
		kernels.TanhQ[uint8], kernels.TanhQ[int8])
}

// buildSigmoidTanh prepares LOGISTIC or TANH, which share their quantized
// parameters.
func (b *builder) buildSigmoidTanh(float func(src, dst []float32),
	newU8, newI8 func(in, out kernels.Affine) (*kernels.SigmoidTanhParams, error),
	u8 func(*kernels.SigmoidTanhParams, []uint8, []uint8), i8 func(*kernels.SigmoidTanhParams, []int8, []int8)) (*op, error) {
	in, out, err := b.unary(quantizedTypes...)
	if err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeFloat32 {
		return elementwise(in, out, float), nil
	}
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	newParams := newU8
	if in.Type == tflite.TypeInt8 {
		newParams = newI8
	}
	p, err := newParams(qi, qo)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	if in.Type == tflite.TypeInt8 {
		return elementwise8(in, out, func(src, dst []int8) { i8(p, src, dst) }), nil
	}
	return elementwise8(in, out, func(src, dst []uint8) { u8(p, src, dst) }), nil
}
