package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

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
		return resizeBilinearOp[float32](b, opt, is, os, in, out), nil
	case in.Type == tflite.TypeUint8 && bilinear:
		return resizeBilinearOp[uint8](b, opt, is, os, in, out), nil
	case in.Type == tflite.TypeInt8 && bilinear:
		return resizeBilinearOp[int8](b, opt, is, os, in, out), nil
	case in.Type == tflite.TypeFloat32:
		return &op{run: func() { kernels.ResizeNearestNeighbor(opt, is, in.Float32s(), os, out.Float32s()) }}, nil
	case in.Type == tflite.TypeUint8 || in.Type == tflite.TypeInt8:
		return &op{run: func() { kernels.ResizeNearestNeighbor(opt, is, in.data, os, out.data) }}, nil
	}
	return nil, b.unsupportedf("%v has type %s", in, in.Type)
}

// resizeBilinearOp prepares RESIZE_BILINEAR on T from in (shape is) to out
// (shape os), split by output rows across the workers when large; each row
// is computed alike whatever the split.
func resizeBilinearOp[T int8 | uint8 | float32](b *builder, opt kernels.ResizeOptions, is, os kernels.Shape4, in, out *Tensor) *op {
	k := kernels.NewResizeBilinear[T](b.g.it.target, b.g.it.threads, opt, is, os)
	rows := func(worker, lo, hi int) { k.Run(worker, viewAs[T](in), viewAs[T](out), lo, hi) }
	if os.Size() < parallelElements || k.Rows() < 2 {
		return &op{run: func() { rows(0, 0, k.Rows()) }}
	}
	return &op{rows: k.Rows(), runRows: rows}
}
