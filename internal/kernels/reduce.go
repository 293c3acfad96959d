package kernels

import (
	"fmt"
	"math"

	"github.com/percept-robotics/percept/quant"
)

// ReduceAxes marks the NHWC dimensions a reduction collapses.
type ReduceAxes [4]bool

// NewReduceAxes resolves TFLite axis values for a tensor of the given rank
// (at most 4, its shape padded at the front to NHWC). Negative axes count
// from the last dimension; repeated axes are allowed.
func NewReduceAxes(rank int, axes []int32) (ReduceAxes, error) {
	var r ReduceAxes
	if rank < 0 || rank > 4 {
		return r, fmt.Errorf("kernels: reduce: rank %d is not in [0, 4]", rank)
	}
	for _, a := range axes {
		d := int(a)
		if d < 0 {
			d += rank
		}
		if d < 0 || d >= rank {
			return r, fmt.Errorf("kernels: reduce: axis %d out of range for rank %d", a, rank)
		}
		r[d+4-rank] = true
	}
	return r, nil
}

// Shape returns the shape of the reduction of in: the reduced dimensions
// become 1. Dropping them (keep_dims false) leaves the data order unchanged.
func (a ReduceAxes) Shape(in Shape4) Shape4 {
	d := [4]int{in.N, in.H, in.W, in.C}
	for i, reduced := range a {
		if reduced {
			d[i] = 1
		}
	}
	return Shape4{d[0], d[1], d[2], d[3]}
}

// count returns how many input elements each output of the reduction of in
// aggregates.
func (a ReduceAxes) count(in Shape4) int {
	return in.Size() / a.Shape(in).Size()
}

// reduceWalk visits the outputs of a reduction of an NHWC tensor: for
// output i, the input elements it aggregates start at base(i) and span the
// reduced extents. The kernels loop over it without closures, which would
// escape to the heap on every call.
type reduceWalk struct {
	out     Shape4
	strides [4]int // the input's element strides
	extent  [4]int // the reduced extents, 1 where a dimension is kept
}

// newReduceWalk prepares the walk over the reduction of in along axes.
func newReduceWalk(in Shape4, axes ReduceAxes) reduceWalk {
	w := reduceWalk{out: axes.Shape(in), strides: [4]int{in.H * in.W * in.C, in.W * in.C, in.C, 1}}
	dims := [4]int{in.N, in.H, in.W, in.C}
	for d := range dims {
		w.extent[d] = 1
		if axes[d] {
			w.extent[d] = dims[d]
		}
	}
	return w
}

// base is the input index of the first element output i aggregates.
func (w *reduceWalk) base(i int) int {
	c := i % w.out.C
	i /= w.out.C
	x := i % w.out.W
	i /= w.out.W
	y := i % w.out.H
	n := i / w.out.H
	return n*w.strides[0] + y*w.strides[1] + x*w.strides[2] + c
}

// reduceSum is the sum, in A, of the elements output i aggregates, added
// in row-major input order, the order of TFLite's reference reductions.
func reduceSum[A int32 | float32, T int8 | uint8 | int32 | float32](w *reduceWalk, src []T, i int) A {
	base := w.base(i)
	var sum A
	for rn := range w.extent[0] {
		for ry := range w.extent[1] {
			for rx := range w.extent[2] {
				row := base + rn*w.strides[0] + ry*w.strides[1] + rx*w.strides[2]
				for _, v := range src[row : row+w.extent[3]] {
					sum += A(v)
				}
			}
		}
	}
	return sum
}

// MeanF32 is MEAN on floats over the given axes; dst has axes.Shape(in).
func MeanF32(in Shape4, src []float32, axes ReduceAxes, dst []float32) {
	count := float32(axes.count(in))
	w := newReduceWalk(in, axes)
	for i := range w.out.Size() {
		dst[i] = reduceSum[float32](&w, src, i) / count
	}
}

// SumF32 is SUM on floats over the given axes; dst has axes.Shape(in).
func SumF32(in Shape4, src []float32, axes ReduceAxes, dst []float32) {
	w := newReduceWalk(in, axes)
	for i := range w.out.Size() {
		dst[i] = reduceSum[float32](&w, src, i)
	}
}

// meanMethod is the arithmetic TFLite's reference MEAN picks for a
// quantized tensor.
type meanMethod int

const (
	// meanSpatialUint8: uint8, 4-D, keep_dims, axes {1, 2}: the raw sum
	// times a float-derived multiplier plus a float-derived bias.
	meanSpatialUint8 meanMethod = iota
	// meanSpatialInt: int8, 4-D, keep_dims, axes {1, 2}: the offset sum
	// rescaled by in/out, then divided by the count with rounding.
	meanSpatialInt
	// meanSameQuant: equal input and output quantization: the raw sum
	// divided by the count, truncating.
	meanSameQuant
	// meanRequant: TFLite's QuantizedMeanOrSum, in float.
	meanRequant
)

// MeanParams holds a quantized MEAN prepared for one input shape.
type MeanParams struct {
	Axes    ReduceAxes // the reduced NHWC dimensions
	method  meanMethod
	count   int32
	inZero  int32
	outZero int32
	mult    int32
	shift   int
	bias    int32   // meanSpatialUint8
	scale   float32 // meanRequant: in/out
	biasF   float32 // meanRequant
}

// NewMeanParams prepares a quantized MEAN of a tensor of shape in (its
// original rank given, at most 4) over the TFLite axis values axes, choosing
// the arithmetic TFLite's reference kernel chooses (reduce.cc's
// EvalMeanReferenceOps).
func NewMeanParams[T int8 | uint8](in Shape4, rank int, axes []int32, keepDims bool, inQ, outQ Affine) (*MeanParams, error) {
	if !validScale(inQ.Scale) || !validScale(outQ.Scale) {
		return nil, fmt.Errorf("kernels: mean: scales %g → %g must be positive and finite", inQ.Scale, outQ.Scale)
	}
	mask, err := NewReduceAxes(rank, axes)
	if err != nil {
		return nil, err
	}
	p := &MeanParams{
		Axes: mask, count: int32(mask.count(in)),
		inZero: inQ.ZeroPoint, outZero: outQ.ZeroPoint,
	}
	_, signed := any(T(0)).(int8)
	spatial := keepDims && rank == 4 && len(axes) == 2 &&
		(axes[0] == 1 && axes[1] == 2 || axes[0] == 2 && axes[1] == 1)
	switch {
	case spatial && !signed:
		p.method = meanSpatialUint8
		// reference_ops::Mean for uint8, in float32 as there.
		num := float32(in.H * in.W)
		p.bias = outQ.ZeroPoint - truncToInt32(float32(inQ.ZeroPoint)*inQ.Scale/outQ.Scale)
		p.mult, p.shift = quant.QuantizeMultiplier(float64(inQ.Scale / (num * outQ.Scale)))
	case spatial:
		p.method = meanSpatialInt
		p.mult, p.shift = quant.QuantizeMultiplier(float64(inQ.Scale) / float64(outQ.Scale))
	case inQ == outQ:
		p.method = meanSameQuant
	default:
		p.method = meanRequant
		p.scale = inQ.Scale / outQ.Scale
		p.biasF = float32(float32(-inQ.ZeroPoint)*p.scale) + 0.5
	}
	return p, nil
}

// truncToInt32 converts v to int32 truncating toward zero, saturating
// instead of overflowing and mapping NaN to 0.
func truncToInt32(v float32) int32 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt32:
		return math.MaxInt32
	case v <= math.MinInt32:
		return math.MinInt32
	}
	return int32(v)
}

// MeanQ is TFLite's reference quantized MEAN; in is the shape p was prepared
// for and dst has p.Axes.Shape(in).
func MeanQ[T int8 | uint8](p *MeanParams, in Shape4, src []T, dst []T) {
	lo, hi := typeRange[T]()
	if p.count == 0 {
		clear(dst[:p.Axes.Shape(in).Size()])
		return
	}
	w := newReduceWalk(in, p.Axes)
	for i := range w.out.Size() {
		sum := reduceSum[int32](&w, src, i)
		var v int32
		switch p.method {
		case meanSpatialUint8:
			v = quant.Clamp(quant.MultiplyByQuantizedMultiplier(sum, p.mult, p.shift)+p.bias, lo, hi)
		case meanSpatialInt:
			acc := quant.MultiplyByQuantizedMultiplier(sum-p.count*p.inZero, p.mult, p.shift)
			if acc > 0 {
				acc = (acc + p.count/2) / p.count
			} else {
				acc = (acc - p.count/2) / p.count
			}
			v = quant.Clamp(acc+p.outZero, lo, hi)
		case meanSameQuant:
			v = sum / p.count
		case meanRequant:
			// TFLite adds 0.5 in its bias and then rounds as well, so
			// its results lean half a step upward; reproduced here.
			mean := float32(sum) / float32(p.count)
			r := float32(math.Round(float64(float32(mean*p.scale)+p.biasF))) + float32(p.outZero)
			r = max(min(r, float32(hi)), float32(lo))
			v = int32(r)
		}
		dst[i] = T(v)
	}
}

// SumI32 is SUM on int32 over the given axes, wrapping on overflow.
func SumI32(in Shape4, src []int32, axes ReduceAxes, dst []int32) {
	w := newReduceWalk(in, axes)
	for i := range w.out.Size() {
		dst[i] = reduceSum[int32](&w, src, i)
	}
}

// SumParams holds a quantized SUM prepared as TFLite's QuantizedMeanOrSum
// with compute_sum: in float32, sum·(in/out) − zero·(in/out)·count, rounded
// half away from zero, plus the output zero point.
type SumParams struct {
	Axes    ReduceAxes // the reduced NHWC dimensions
	scale   float32
	bias    float32
	outZero int32
}

// NewSumParams prepares a quantized SUM of a tensor of shape in over the
// NHWC dimensions axes marks.
func NewSumParams(in Shape4, axes ReduceAxes, inQ, outQ Affine) (*SumParams, error) {
	if !validScale(inQ.Scale) || !validScale(outQ.Scale) {
		return nil, fmt.Errorf("kernels: sum: scales %g → %g must be positive and finite", inQ.Scale, outQ.Scale)
	}
	scale := inQ.Scale / outQ.Scale
	return &SumParams{
		Axes: axes, scale: scale, outZero: outQ.ZeroPoint,
		bias: float32(float32(-inQ.ZeroPoint)*scale) * float32(axes.count(in)),
	}, nil
}

// SumQ is TFLite's quantized SUM; dst has p.Axes.Shape(in). The result is
// clamped to T's range where TFLite's cast would wrap.
func SumQ[T int8 | uint8](p *SumParams, in Shape4, src []T, dst []T) {
	lo, hi := typeRange[T]()
	w := newReduceWalk(in, p.Axes)
	for i := range w.out.Size() {
		sum := reduceSum[int32](&w, src, i)
		r := roundToInt32(float32(math.Round(float64(float32(float32(sum)*p.scale) + p.bias))))
		dst[i] = T(min(max(int64(r)+int64(p.outZero), int64(lo)), int64(hi)))
	}
}

// ReduceMax is REDUCE_MAX over the given axes on raw values, as TFLite's
// reference: each output starts at T's lowest value and takes an element
// when it is greater (so NaN is never taken); dst has axes.Shape(in).
func ReduceMax[T float32 | int32 | int8 | uint8](in Shape4, src []T, axes ReduceAxes, dst []T) {
	lowest := lowestOf[T]()
	w := newReduceWalk(in, axes)
	for i := range w.out.Size() {
		base, m := w.base(i), lowest
		for rn := range w.extent[0] {
			for ry := range w.extent[1] {
				for rx := range w.extent[2] {
					row := base + rn*w.strides[0] + ry*w.strides[1] + rx*w.strides[2]
					for _, v := range src[row : row+w.extent[3]] {
						if v > m {
							m = v
						}
					}
				}
			}
		}
		dst[i] = m
	}
}

// lowestOf is C++'s numeric_limits<T>::lowest().
func lowestOf[T float32 | int32 | int8 | uint8]() T {
	var v any
	switch any(T(0)).(type) {
	case float32:
		v = float32(-math.MaxFloat32)
	case int32:
		v = int32(math.MinInt32)
	case int8:
		v = int8(math.MinInt8)
	default:
		v = uint8(0)
	}
	return v.(T)
}
