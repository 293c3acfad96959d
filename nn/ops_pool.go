package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildAveragePool(b *builder) (*op, error) { return b.buildPool(true) }

func buildMaxPool(b *builder) (*op, error) { return b.buildPool(false) }

// buildPool prepares AVERAGE_POOL_2D or MAX_POOL_2D.
func (b *builder) buildPool(average bool) (*op, error) {
	o, ok := b.op.Options.(*tflite.Pool2DOptions)
	if !ok {
		return nil, b.errorf("missing Pool2DOptions")
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectRank(in, 4); err != nil {
		return nil, err
	}
	if err := b.expectType(in, quantizedTypes...); err != nil {
		return nil, err
	}
	if err := b.expectType(out, in.Type); err != nil {
		return nil, err
	}
	fh, fw := int(o.FilterHeight), int(o.FilterWidth)
	if o.StrideH < 1 || o.StrideW < 1 || fh < 1 || fw < 1 {
		return nil, b.errorf("filter %d×%d and strides %d×%d must be positive", fh, fw, o.StrideH, o.StrideW)
	}
	is := shape4(in.Shape)
	p := kernels.ConvGeometry{StrideH: int(o.StrideH), StrideW: int(o.StrideW), DilationH: 1, DilationW: 1}
	same := o.Padding == tflite.PaddingSame
	var oh, ow int
	oh, p.PadTop = kernels.OutputSize(is.H, fh, p.StrideH, 1, same)
	ow, p.PadLeft = kernels.OutputSize(is.W, fw, p.StrideW, 1, same)
	if oh <= 0 || ow <= 0 {
		return nil, b.errorf("window %d×%d does not fit %v", fh, fw, in)
	}
	os := kernels.Shape4{N: is.N, H: oh, W: ow, C: is.C}
	if err := b.setShape(out, []int{os.N, os.H, os.W, os.C}); err != nil {
		return nil, err
	}
	// Windows lie partly inside the input whenever the output size follows
	// TFLite's padding rules, so the kernels' error cannot occur here.
	switch in.Type {
	case tflite.TypeFloat32:
		r, err := b.floatActivation(o.FusedActivationFunction)
		if err != nil {
			return nil, err
		}
		f := kernels.MaxPoolF32
		if average {
			f = kernels.AveragePoolF32
		}
		return &op{run: func() { _ = f(&p, fh, fw, is, in.Float32s(), os, out.Float32s(), r) }}, nil
	case tflite.TypeUint8:
		return poolQuantized[uint8](b, average, o.FusedActivationFunction, &p, fh, fw, in, out, is, os)
	}
	return poolQuantized[int8](b, average, o.FusedActivationFunction, &p, fh, fw, in, out, is, os)
}

func poolQuantized[T int8 | uint8](b *builder, average bool, act tflite.Activation, p *kernels.ConvGeometry, fh, fw int,
	in, out *Tensor, is, os kernels.Shape4) (*op, error) {
	qi, qo, err := b.affinePair(in, out)
	if err != nil {
		return nil, err
	}
	if qi != qo {
		return nil, b.unsupportedf("input %v and output %v are quantized differently", in, out)
	}
	lo, hi, err := b.quantizedActivation(act, out)
	if err != nil {
		return nil, err
	}
	if !average {
		return &op{run: func() { _ = kernels.MaxPoolQ(p, fh, fw, is, viewAs[T](in), os, viewAs[T](out), lo, hi) }}, nil
	}
	k := kernels.NewAveragePool8(b.g.it.target, p, fh, fw, is, os, lo, hi)
	run := func(_, c0, c1 int) { _ = kernels.AveragePool8Channels(k, viewAs[T](in), viewAs[T](out), c0, c1) }
	if is.Size() < parallelPoolElements || os.C < 2 {
		return &op{run: func() { run(0, 0, os.C) }}, nil
	}
	return &op{rows: os.C, runRows: run}, nil
}

// parallelPoolElements is the input size from which a quantized average
// pool is split across the worker pool by channels: with the AVX2 sums,
// MobileNet v2's 7×7×1280 global pool (about 4 µs) is no faster split.
const parallelPoolElements = 1 << 16
