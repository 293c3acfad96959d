package nn

import (
	"math"
	"slices"

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
	p := kernels.ConvParams{StrideH: int(o.StrideH), StrideW: int(o.StrideW), DilationH: 1, DilationW: 1}
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
		f := kernels.MaxPoolFloat
		if average {
			f = kernels.AveragePoolFloat
		}
		return &op{run: func() { _ = f(&p, fh, fw, is, in.Float32s(), os, out.Float32s(), r) }}, nil
	case tflite.TypeUint8:
		return poolQuantized[uint8](b, average, o.FusedActivationFunction, &p, fh, fw, in, out, is, os)
	}
	return poolQuantized[int8](b, average, o.FusedActivationFunction, &p, fh, fw, in, out, is, os)
}

func poolQuantized[T int8 | uint8](b *builder, average bool, act tflite.Activation, p *kernels.ConvParams, fh, fw int,
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
	f := kernels.MaxPool[T]
	if average {
		f = kernels.AveragePool[T]
	}
	return &op{run: func() { _ = f(p, fh, fw, is, viewAs[T](in), os, viewAs[T](out), lo, hi) }}, nil
}

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

func concatRequant[T int8 | uint8](p *kernels.ConcatParams, outer int, ins []*Tensor, inner []int, out *Tensor) *op {
	tables := kernels.ConcatTables[T](p)
	data := make([][]T, len(ins))
	return &op{
		bind: func() {
			for i, t := range ins {
				data[i] = viewAs[T](t)
			}
		},
		rows: len(ins),
		runRows: func(_, lo, hi int) {
			kernels.ConcatLookup(tables, outer, data, inner, viewAs[T](out), lo, hi)
		},
	}
}

func buildPad(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	paddings, err := b.input(1)
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
	rank := len(in.Shape)
	if !paddings.constant || !slices.Equal(paddings.Shape, []int{rank, 2}) ||
		(paddings.Type != tflite.TypeInt32 && paddings.Type != tflite.TypeInt64) {
		return nil, b.unsupportedf("paddings %v must be a constant int32 or int64 [%d, 2] tensor", paddings, rank)
	}
	is, err := b.padded4(in)
	if err != nil {
		return nil, err
	}
	var before, after [4]int
	for d := range rank {
		var lo, hi int64
		if paddings.Type == tflite.TypeInt32 {
			lo, hi = int64(paddings.Int32s()[2*d]), int64(paddings.Int32s()[2*d+1])
		} else {
			lo, hi = paddings.Int64s()[2*d], paddings.Int64s()[2*d+1]
		}
		// Checked as int64, before the conversion to int (32 bits on
		// 32-bit ARM) could wrap them.
		if lo > math.MaxInt32 || hi > math.MaxInt32 {
			return nil, b.errorf("paddings %v: %d, %d on dimension %d are too large", paddings, lo, hi, d)
		}
		if lo < math.MinInt32 || hi < math.MinInt32 {
			return nil, b.errorf("paddings %v: %d, %d on dimension %d are negative", paddings, lo, hi, d)
		}
		before[4-rank+d], after[4-rank+d] = int(lo), int(hi)
	}
	os, err := kernels.PadShape(is, before, after)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	full := []int{os.N, os.H, os.W, os.C}
	if err := b.setShape(out, full[4-rank:]); err != nil {
		return nil, err
	}
	value := b.optionalInput(2) // PADV2's constant
	if value != nil && (!value.constant || value.NumElements() != 1 || value.Type != in.Type) {
		return nil, b.errorf("pad value %v must be one constant %s", value, in.Type)
	}
	switch in.Type {
	case tflite.TypeFloat32:
		v := float32(0)
		if value != nil {
			v = value.Float32s()[0]
		}
		return &op{run: func() { kernels.Pad(is, in.Float32s(), before, after, v, out.Float32s()) }}, nil
	case tflite.TypeUint8, tflite.TypeInt8:
		qi, qo, err := b.affinePair(in, out)
		if err != nil {
			return nil, err
		}
		if qi != qo {
			return nil, b.unsupportedf("input %v and output %v are quantized differently", in, out)
		}
		// PAD fills with the zero point; PADV2 with its constant.
		v := byte(qo.ZeroPoint)
		if value != nil {
			v = value.data[0]
		}
		return &op{run: func() { kernels.Pad(is, in.data, before, after, v, out.data) }}, nil
	case tflite.TypeInt32:
		v := int32(0)
		if value != nil {
			v = value.Int32s()[0]
		}
		return &op{run: func() { kernels.Pad(is, in.Int32s(), before, after, v, out.Int32s()) }}, nil
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}

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
		return &op{run: func() { kernels.MeanFloat(is, in.Float32s(), ra, out.Float32s()) }}, nil
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
	return &op{run: func() { kernels.Mean(p, is, viewAs[T](in), viewAs[T](out)) }}, nil
}

func buildQuantize(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.setShape(out, in.Shape); err != nil {
		return nil, err
	}
	if err := b.expectType(out, tflite.TypeUint8, tflite.TypeInt8); err != nil {
		return nil, err
	}
	qo, err := b.affine(out)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Type == tflite.TypeFloat32 && out.Type == tflite.TypeUint8:
		return elementwise(in, out, func(src []float32, dst []uint8) { kernels.Quantize(src, dst, qo) }), nil
	case in.Type == tflite.TypeFloat32:
		return elementwise(in, out, func(src []float32, dst []int8) { kernels.Quantize(src, dst, qo) }), nil
	case in.Type == tflite.TypeUint8 || in.Type == tflite.TypeInt8:
		qi, err := b.affine(in)
		if err != nil {
			return nil, err
		}
		p, err := kernels.NewRequantizeParams(qi, qo)
		if err != nil {
			return nil, b.errorf("%v", err)
		}
		switch {
		case in.Type == tflite.TypeUint8 && out.Type == tflite.TypeUint8:
			return elementwise8(in, out, func(src, dst []uint8) { kernels.Requantize(p, src, dst) }), nil
		case in.Type == tflite.TypeUint8:
			return elementwise8(in, out, func(src []uint8, dst []int8) { kernels.Requantize(p, src, dst) }), nil
		case out.Type == tflite.TypeUint8:
			return elementwise8(in, out, func(src []int8, dst []uint8) { kernels.Requantize(p, src, dst) }), nil
		}
		return elementwise8(in, out, func(src, dst []int8) { kernels.Requantize(p, src, dst) }), nil
	}
	return nil, b.unsupportedf("QUANTIZE from %s to %s", in.Type, out.Type)
}

// buildDequantize prepares DEQUANTIZE. On a constant input it runs once, at
// build time: a FLOAT16 constant stays float16 in memory (see
// graph.halfOf), others become a float32 constant.
func buildDequantize(b *builder) (*op, error) {
	in := b.weightInput(0)
	if in == nil {
		return nil, b.errorf("missing input 0")
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(out, tflite.TypeFloat32); err != nil {
		return nil, err
	}
	if err := b.setShape(out, in.Shape); err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeFloat16 {
		if in.constant {
			b.g.halfOf[out.Index] = in
			out.constant = true
			return nil, nil
		}
		return elementwise(in, out, func(src []kernels.Half, dst []float32) { kernels.WidenHalves(dst, src) }), nil
	}
	if err := b.expectType(in, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt16); err != nil {
		return nil, err
	}
	q, err := b.affine(in)
	if err != nil {
		return nil, err
	}
	run := func() {
		switch in.Type {
		case tflite.TypeUint8:
			kernels.Dequantize(in.Uint8s(), out.Float32s(), q)
		case tflite.TypeInt8:
			kernels.Dequantize(in.Int8s(), out.Float32s(), q)
		default:
			kernels.Dequantize(viewAs[int16](in), out.Float32s(), q)
		}
	}
	if in.constant {
		out.data, out.constant = floatBytes(make([]float32, in.NumElements())), true
		run()
		return nil, nil
	}
	return &op{run: run}, nil
}

func buildResizeBilinear(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.ResizeBilinearOptions)
	if !ok {
		return nil, b.errorf("missing ResizeBilinearOptions")
	}
	return b.buildResize(true, kernels.ResizeOptions{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters})
}

func buildResizeNearestNeighbor(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.ResizeNearestNeighborOptions)
	if !ok {
		return nil, b.errorf("missing ResizeNearestNeighborOptions")
	}
	return b.buildResize(false, kernels.ResizeOptions{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters})
}

// buildResize prepares RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR to the
// constant size of input 1.
func (b *builder) buildResize(bilinear bool, opt kernels.ResizeOptions) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	size, err := b.input(1)
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
	if !size.constant || size.Type != tflite.TypeInt32 || size.NumElements() != 2 {
		return nil, b.unsupportedf("size %v must be a constant int32 pair", size)
	}
	if err := b.expectType(out, in.Type); err != nil {
		return nil, err
	}
	h, w := int(size.Int32s()[0]), int(size.Int32s()[1])
	if h <= 0 || w <= 0 {
		return nil, b.errorf("size %d×%d must be positive", h, w)
	}
	is := shape4(in.Shape)
	if is.H == 0 || is.W == 0 {
		return nil, b.errorf("cannot resize %v, which has no pixels", in)
	}
	os := kernels.Shape4{N: is.N, H: h, W: w, C: is.C}
	if err := b.setShape(out, []int{os.N, h, w, os.C}); err != nil {
		return nil, err
	}
	if in.Type == tflite.TypeUint8 || in.Type == tflite.TypeInt8 {
		qi, qo, err := b.affinePair(in, out)
		if err != nil {
			return nil, err
		}
		if qi != qo {
			return nil, b.unsupportedf("input %v and output %v are quantized differently", in, out)
		}
	}
	switch {
	case in.Type == tflite.TypeFloat32 && bilinear:
		return &op{run: func() { kernels.ResizeBilinearFloat(opt, is, in.Float32s(), os, out.Float32s()) }}, nil
	case in.Type == tflite.TypeUint8 && bilinear:
		return &op{run: func() { kernels.ResizeBilinear(opt, is, in.Uint8s(), os, out.Uint8s()) }}, nil
	case in.Type == tflite.TypeInt8 && bilinear:
		return &op{run: func() { kernels.ResizeBilinear(opt, is, in.Int8s(), os, out.Int8s()) }}, nil
	case in.Type == tflite.TypeFloat32:
		return &op{run: func() { kernels.ResizeNearestNeighbor(opt, is, in.Float32s(), os, out.Float32s()) }}, nil
	case in.Type == tflite.TypeUint8 || in.Type == tflite.TypeInt8:
		return &op{run: func() { kernels.ResizeNearestNeighbor(opt, is, in.data, os, out.data) }}, nil
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}
