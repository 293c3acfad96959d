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
		if average {
			return &op{run: func() { _ = kernels.AveragePoolF32(&p, fh, fw, is, in.Float32s(), os, out.Float32s(), r) }}, nil
		}
		k := kernels.NewMaxPool(b.g.it.target, &p, fh, fw, is, os)
		return poolRows(is, os, func(_, lo, hi int) { _ = kernels.MaxPoolF32Rows(k, in.Float32s(), out.Float32s(), r, lo, hi) }), nil
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
		k := kernels.NewMaxPool(b.g.it.target, p, fh, fw, is, os)
		return poolRows(is, os, func(_, r0, r1 int) { _ = kernels.MaxPool8Rows(k, viewAs[T](in), viewAs[T](out), lo, hi, r0, r1) }), nil
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

// poolRows prepares a max pooling that computes output rows (over batches
// and heights) with run, split by rows across the worker pool when its
// input has at least parallelPoolElements elements and it has two rows
// (BlazeFace's 2×2 pools with AVX2: 64×64×28 goes from about 80 to 55 µs
// on two threads, 16×16×88, 5 µs alone, takes longer split).
func poolRows(is, os kernels.Shape4, run func(worker, lo, hi int)) *op {
	rows := os.N * os.H
	if is.Size() < parallelPoolElements || rows < 2 {
		return &op{run: func() { run(0, 0, rows) }}
	}
	return &op{rows: rows, runRows: run}
}
