package kernels

// Layer is a convolution, depthwise convolution or fully connected layer
// prepared once for one kernel target: the constructors below (NewConvQ,
// NewDepthwiseConvQ, NewFullyConnectedQ and their F32 twins) pick the
// target's prepared kernel, or the portable reference, and how the work
// splits. Its output splits into Rows() rows; Run computes rows [lo, hi)
// as worker number worker, with that worker's scratch, allocated at
// construction. Distinct workers may run disjoint rows concurrently; Run
// allocates nothing.
type Layer[T int8 | uint8 | float32] struct {
	rows     int
	run      func(worker int, in, out []T, lo, hi int)
	minSplit int64
}

// newLayer returns the layer of target t with rows rows computed by run.
func newLayer[T int8 | uint8 | float32](t *target, rows int, run func(worker int, in, out []T, lo, hi int)) *Layer[T] {
	return &Layer[T]{rows: rows, run: run, minSplit: t.minSplitMACs()}
}

// Rows is the number of rows the layer's output splits into.
func (l *Layer[T]) Rows() int { return l.rows }

// MinSplitMACs is the least work, in multiply-accumulates, worth splitting
// the layer's rows across threads for: below it, handing a share to a
// worker costs more than it saves.
func (l *Layer[T]) MinSplitMACs() int64 { return l.minSplit }

// Run computes rows [lo, hi) of out from in as worker number worker, less
// than the constructor's workers.
func (l *Layer[T]) Run(worker int, in, out []T, lo, hi int) { l.run(worker, in, out, lo, hi) }

// perWorker returns workers scratch slices of n elements each.
func perWorker[T any](workers, n int) [][]T {
	s := make([][]T, max(workers, 1))
	for i := range s {
		s[i] = make([]T, n)
	}
	return s
}

// pointwise reports whether a convolution is 1×1 with stride 1: a GEMM
// over pixels.
func pointwise(p *ConvGeometry, fShape Shape4) bool {
	return fShape.H == 1 && fShape.W == 1 && p.StrideH == 1 && p.StrideW == 1
}

// NewConvQ prepares a quantized 2-D convolution with the arguments of ConvQ
// for target (a name from Targets()) and workers workers: a GEMM over
// pixels for 1×1, stride-1 filters (split by pixel), else, on targets
// with its kernels, ConvSmallDepthQ for inputs of few channels (stems),
// else the target's int8 GEMM on gathered windows, or ConvQ (split by
// output row). It keeps r, filter and bias, which the caller must not
// modify.
func NewConvQ[T int8 | uint8](target string, workers int, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *Layer[T] {
	t := lookupTarget(target)
	rows := outShape.N * outShape.H
	if pointwise(p, fShape) {
		k := NewPointwiseQ(target, r, fShape.C, fShape.N, filter, bias)
		return newLayer(t, rows*outShape.W, func(_ int, in, out []T, lo, hi int) { k.Run(in, out, lo, hi) })
	}
	if t.smallDepth != 0 && smallDepthFits(p, fShape, r.FilterOffset) {
		k := NewConvSmallDepthQ(target, p, r, inShape, fShape, outShape, filter, bias)
		scratch := perWorker[T](workers, k.ScratchLen())
		return newLayer(t, rows, func(w int, in, out []T, lo, hi int) { k.Run(in, out, lo, hi, scratch[w]) })
	}
	if t.qgemm == nil {
		geo := *p
		return newLayer(t, rows, func(_ int, in, out []T, lo, hi int) {
			ConvQ(&geo, r, inShape, in, fShape, filter, bias, outShape, out, lo, hi)
		})
	}
	k := NewConvGemmQ(target, p, r, inShape, fShape, outShape, filter, bias)
	scratch := perWorker[T](workers, k.ScratchLen())
	return newLayer(t, rows, func(w int, in, out []T, lo, hi int) { k.Run(in, out, lo, hi, scratch[w]) })
}

// NewDepthwiseConvQ prepares a quantized depthwise convolution with the
// arguments of DepthwiseConvQ for target and workers workers, split by
// output row: the target's DepthwiseQ, or DepthwiseConvQ. It keeps r,
// filter and bias, which the caller must not modify.
func NewDepthwiseConvQ[T int8 | uint8](target string, workers int, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *Layer[T] {
	t := lookupTarget(target)
	rows := outShape.N * outShape.H
	if t.qdw == nil {
		geo := *p
		return newLayer(t, rows, func(_ int, in, out []T, lo, hi int) {
			DepthwiseConvQ(&geo, r, inShape, in, fShape, filter, bias, outShape, out, lo, hi)
		})
	}
	k := NewDepthwiseQ(target, p, r, inShape, fShape, outShape, filter, bias)
	scratch := perWorker[T](workers, k.ScratchLen())
	return newLayer(t, rows, func(w int, in, out []T, lo, hi int) { k.Run(in, out, lo, hi, scratch[w]) })
}

// NewFullyConnectedQ prepares a quantized fully connected layer with the
// arguments of FullyConnectedQ for target: the target's int8 GEMM, which
// computes a batch row's units in one pass (split by batch row: one row of
// a typical classifier head takes microseconds), or FullyConnectedQ (split
// by output unit). It keeps r, filter and bias, which the caller must not
// modify.
func NewFullyConnectedQ[T int8 | uint8](target string, r *Requant, batches, inDepth, outDepth int, filter []T, bias []int32) *Layer[T] {
	t := lookupTarget(target)
	if t.qgemm == nil {
		return newLayer(t, outDepth, func(_ int, in, out []T, lo, hi int) {
			FullyConnectedQ(r, batches, inDepth, outDepth, in, filter, bias, out, lo, hi)
		})
	}
	k := NewPointwiseQ(target, r, inDepth, outDepth, filter, bias)
	return newLayer(t, batches, func(_ int, in, out []T, lo, hi int) { k.Run(in, out, lo, hi) })
}

// NewConvF32 prepares a float 2-D convolution with the arguments of ConvF32
// (float32 or float16 weights) for target and workers workers. The generic
// target runs ConvF32, widening float16 filters four output channels at a
// time; the others prepare their GEMM (in half precision on a target that
// computes float layers in float16) over pixels for 1×1, stride-1 filters
// (split by pixel), else over gathered windows (split by output row).
func NewConvF32[W float32 | Half](target string, workers int, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *Layer[float32] {
	t := lookupTarget(target)
	rows := outShape.N * outShape.H
	switch {
	case t == generic:
		geo := *p
		scratch := perWorker[float32](workers, 4*fShape.H*fShape.W*fShape.C)
		return newLayer(t, rows, func(w int, in, out []float32, lo, hi int) {
			ConvF32(&geo, act, inShape, in, fShape, filter, bias, outShape, out, lo, hi, scratch[w])
		})
	case pointwise(p, fShape):
		k := newPointwiseFloat(t, act, fShape.C, fShape.N, filter, bias)
		return newLayer(t, rows*outShape.W, func(_ int, in, out []float32, lo, hi int) { k.Run(in, out, lo, hi) })
	}
	var k interface {
		ScratchLen() int
		Run(in, out []float32, y0, y1 int, scratch []float32)
	}
	if t.f16 {
		k = NewConvGemmF16(p, act, inShape, fShape, outShape, filter, bias)
	} else {
		k = NewConvGemmF32(target, p, act, inShape, fShape, outShape, filter, bias)
	}
	scratch := perWorker[float32](workers, k.ScratchLen())
	return newLayer(t, rows, func(w int, in, out []float32, lo, hi int) { k.Run(in, out, lo, hi, scratch[w]) })
}

// NewDepthwiseConvF32 prepares a float depthwise convolution with the
// arguments of DepthwiseConvF32 for target and workers workers, split by
// output row: DepthwiseConvF32 for the generic target (widening a float16
// filter once per call), else the target's DepthwiseF32, or DepthwiseF16
// on a target that computes float layers in float16.
func NewDepthwiseConvF32[W float32 | Half](target string, workers int, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *Layer[float32] {
	t := lookupTarget(target)
	rows := outShape.N * outShape.H
	switch {
	case t == generic:
		geo := *p
		scratch := perWorker[float32](workers, fShape.H*fShape.W*fShape.C)
		return newLayer(t, rows, func(w int, in, out []float32, lo, hi int) {
			DepthwiseConvF32(&geo, act, inShape, in, fShape, filter, bias, outShape, out, lo, hi, scratch[w])
		})
	case t.f16:
		k := NewDepthwiseF16(p, act, inShape, fShape, outShape, filter, bias)
		scratch := perWorker[Half](workers, k.ScratchLen())
		return newLayer(t, rows, func(w int, in, out []float32, lo, hi int) { k.Run(in, out, lo, hi, scratch[w]) })
	}
	k := NewDepthwiseF32(target, p, act, inShape, fShape, outShape, filter, bias)
	return newLayer(t, rows, func(_ int, in, out []float32, lo, hi int) { k.Run(in, out, lo, hi) })
}

// NewFullyConnectedF32 prepares a float fully connected layer with the
// arguments of FullyConnectedF32 for target and workers workers: for the
// generic target FullyConnectedF32 (split by output unit, widening float16
// weights four units at a time), else the target's GEMM (in half precision
// on a target that computes float layers in float16), split by batch row.
func NewFullyConnectedF32[W float32 | Half](target string, workers int, act FloatRange, batches, inDepth, outDepth int, filter []W, bias []float32) *Layer[float32] {
	t := lookupTarget(target)
	if t == generic {
		scratch := perWorker[float32](workers, 4*inDepth)
		return newLayer(t, outDepth, func(w int, in, out []float32, lo, hi int) {
			FullyConnectedF32(act, batches, inDepth, outDepth, in, filter, bias, out, lo, hi, scratch[w])
		})
	}
	k := newPointwiseFloat(t, act, inDepth, outDepth, filter, bias)
	return newLayer(t, batches, func(_ int, in, out []float32, lo, hi int) { k.Run(in, out, lo, hi) })
}

// newPointwiseFloat prepares a float GEMM over pixels (or batch rows) for
// target t: in half precision on a target that computes float layers in
// float16, else exactly.
func newPointwiseFloat[W float32 | Half](t *target, act FloatRange, inDepth, outDepth int, filter []W, bias []float32) interface {
	Run(in, out []float32, p0, p1 int)
} {
	if t.f16 {
		return NewPointwiseF16(act, inDepth, outDepth, filter, bias)
	}
	return NewPointwiseF32(t.name, act, inDepth, outDepth, filter, bias)
}
