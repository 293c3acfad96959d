package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/quant"
	"github.com/percept-robotics/percept/tflite"
)

// builder is the context in which one operator is validated and prepared.
type builder struct {
	g       *graph
	index   int
	op      *tflite.Operator
	name    string
	version int32
	// layer, set by convolutions and fully connected layers, is what the
	// operator is prepared with (see ConvLayer).
	layer *ConvLayer
}

// builderFunc validates one operator and prepares its kernel. It returns
// nil, nil when the operator was folded away at build time.
type builderFunc func(b *builder) (*op, error)

// errorf makes an error that names the operator.
func (b *builder) errorf(format string, args ...any) error {
	return fmt.Errorf("nn: op %d %s (v%d): %s", b.index, b.name, b.version, fmt.Sprintf(format, args...))
}

// unsupportedf makes an error for a valid but unimplemented case; New
// lists it in an UnsupportedError.
func (b *builder) unsupportedf(format string, args ...any) error {
	return &unsupportedCase{fmt.Sprintf(format, args...)}
}

// input returns input i, which must be present. An input folded from a
// float16 constant is widened to float32 here; kernels that read float16
// weights themselves take them through weightInput instead.
func (b *builder) input(i int) (*Tensor, error) {
	if t := b.optionalInput(i); t != nil {
		return t, nil
	}
	return nil, b.errorf("missing input %d", i)
}

// optionalInput is input for an input the model may leave out: it returns
// nil then.
func (b *builder) optionalInput(i int) *Tensor {
	t := b.weightInput(i)
	if t != nil && b.g.halfOf[t.Index] != nil && t.data == nil {
		w := kernels.WidenHalves(make([]float32, t.NumElements()), b.g.halfOf[t.Index].Halves())
		t.data = floatBytes(w)
	}
	return t
}

// weightInput returns input i, or nil when absent, leaving a tensor folded
// from a float16 constant as float16 (see graph.halfOf).
func (b *builder) weightInput(i int) *Tensor {
	if i >= len(b.op.Inputs) || b.op.Inputs[i] < 0 {
		return nil
	}
	return &b.g.it.tensors[b.op.Inputs[i]]
}

// output returns output i, which must be present and must not be constant.
func (b *builder) output(i int) (*Tensor, error) {
	if i >= len(b.op.Outputs) || b.op.Outputs[i] < 0 {
		return nil, b.errorf("missing output %d", i)
	}
	t := &b.g.it.tensors[b.op.Outputs[i]]
	if t.constant {
		return nil, b.errorf("output %v has constant data", t)
	}
	return t, nil
}

// numInputs is the number of inputs the operator lists.
func (b *builder) numInputs() int { return len(b.op.Inputs) }

// expectType checks that t has one of the given element types.
func (b *builder) expectType(t *Tensor, types ...tflite.TensorType) error {
	for _, want := range types {
		if t.Type == want {
			return nil
		}
	}
	return b.unsupportedf("%v has type %s, want one of %v", t, t.Type, types)
}

// expectRank checks the rank of t.
func (b *builder) expectRank(t *Tensor, rank int) error {
	if len(t.Shape) != rank {
		return b.errorf("%v has rank %d, want %d", t, len(t.Shape), rank)
	}
	return nil
}

// setShape gives out the shape the operator produces. A model may leave an
// output's shape empty; otherwise the declared shape must agree.
func (b *builder) setShape(out *Tensor, shape []int) error {
	if len(out.Shape) == 0 && len(shape) > 0 {
		if !boundedShape(shape) {
			return b.errorf("%v: the operator produces shape %v, too many elements", out, shape)
		}
		if bytes := int64(numElements(shape)) * int64(out.Type.Size()); bytes > maxArenaBytes {
			return b.errorf("%v: the operator produces shape %v, %d bytes, above the arena limit of %d", out, shape, bytes, maxArenaBytes)
		}
		out.Shape = shape
		return nil
	}
	if !slices.Equal(out.Shape, shape) {
		return b.errorf("%v: the operator produces shape %v", out, shape)
	}
	return nil
}

// alias makes out share in's memory: the operator only relabels its input.
func (b *builder) alias(out, in *Tensor) {
	if in.constant {
		out.data, out.constant = in.data, true
		return
	}
	b.g.aliasOf[out.Index] = in.Index
}

// quantized reports the per-tensor scale and zero point of t, failing when
// t has none.
func (b *builder) quantized(t *Tensor) (scale float32, zeroPoint int32, err error) {
	q := t.Quantization
	if q == nil || len(q.Scale) == 0 {
		return 0, 0, b.errorf("%v has no quantization parameters", t)
	}
	if len(q.Scale) != 1 {
		return 0, 0, b.unsupportedf("%v is quantized per channel here", t)
	}
	zp := int32(0)
	if len(q.ZeroPoint) > 0 {
		zp = int32(q.ZeroPoint[0])
	}
	if !(q.Scale[0] > 0) || math.IsInf(float64(q.Scale[0]), 1) {
		return 0, 0, b.errorf("%v has scale %g", t, q.Scale[0])
	}
	return q.Scale[0], zp, nil
}

// typeLimits is the range of a quantized element type.
func typeLimits(t tflite.TensorType) (lo, hi int32) {
	switch t {
	case tflite.TypeUint8:
		return 0, math.MaxUint8
	case tflite.TypeInt8:
		return math.MinInt8, math.MaxInt8
	case tflite.TypeInt16:
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt32, math.MaxInt32
}

// quantizedIn is quantized with a check that the zero point lies in
// [qmin, qmax].
func (b *builder) quantizedIn(t *Tensor, qmin, qmax int32) (scale float32, zeroPoint int32, err error) {
	scale, zeroPoint, err = b.quantized(t)
	if err == nil && (zeroPoint < qmin || zeroPoint > qmax) {
		err = b.errorf("%v has zero point %d outside [%d, %d]", t, zeroPoint, qmin, qmax)
	}
	return scale, zeroPoint, err
}

// fusedActivation maps the model's fused activation onto the ones percept
// implements.
func (b *builder) fusedActivation(a tflite.Activation) (quant.FusedActivation, error) {
	switch a {
	case tflite.ActNone:
		return quant.ActNone, nil
	case tflite.ActRelu:
		return quant.ActRelu, nil
	case tflite.ActRelu6:
		return quant.ActRelu6, nil
	case tflite.ActReluN1To1:
		return quant.ActReluN1To1, nil
	}
	return 0, b.unsupportedf("fused activation %d", a)
}

// floatActivation is the clamp range of a fused activation on float data.
func (b *builder) floatActivation(a tflite.Activation) (kernels.FloatRange, error) {
	kind, err := b.fusedActivation(a)
	if err != nil {
		return kernels.FloatRange{}, err
	}
	lo, hi := quant.FloatActivationRange(kind)
	return kernels.FloatRange{Min: lo, Max: hi}, nil
}

// quantizedActivation is the clamp range of a fused activation in out's
// quantized domain.
func (b *builder) quantizedActivation(a tflite.Activation, out *Tensor) (lo, hi int32, err error) {
	kind, err := b.fusedActivation(a)
	if err != nil {
		return 0, 0, err
	}
	qmin, qmax := typeLimits(out.Type)
	scale, zero, err := b.quantizedIn(out, qmin, qmax)
	if err != nil {
		return 0, 0, err
	}
	lo, hi = quant.ActivationRange(kind, scale, zero, qmin, qmax)
	return lo, hi, nil
}

// constFloats returns the float32 data of a constant tensor.
func (b *builder) constFloats(t *Tensor) ([]float32, error) {
	if !t.constant {
		return nil, b.unsupportedf("%v is not constant", t)
	}
	if err := b.expectType(t, tflite.TypeFloat32); err != nil {
		return nil, err
	}
	return t.Float32s(), nil
}

// padded4 reads t's NHWC shape of rank at most 4, padding it at the front
// with ones.
func (b *builder) padded4(t *Tensor) (kernels.Shape4, error) {
	if len(t.Shape) > 4 {
		return kernels.Shape4{}, b.unsupportedf("%v has rank %d, above 4", t, len(t.Shape))
	}
	d := [4]int{1, 1, 1, 1}
	copy(d[4-len(t.Shape):], t.Shape)
	return kernels.Shape4{N: d[0], H: d[1], W: d[2], C: d[3]}, nil
}

// affine is the per-tensor quantization of t as kernels take it, with the
// zero point checked against t's type.
func (b *builder) affine(t *Tensor) (kernels.Affine, error) {
	qmin, qmax := typeLimits(t.Type)
	scale, zero, err := b.quantizedIn(t, qmin, qmax)
	return kernels.Affine{Scale: scale, ZeroPoint: zero}, err
}

// unary fetches the input and output of a one-in one-out operator that
// keeps shape and type.
func (b *builder) unary(types ...tflite.TensorType) (in, out *Tensor, err error) {
	if in, err = b.input(0); err != nil {
		return nil, nil, err
	}
	if out, err = b.output(0); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(in, types...); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(out, in.Type); err != nil {
		return nil, nil, err
	}
	return in, out, b.setShape(out, in.Shape)
}

// floatLayer reads what a float convolution or fully connected layer
// takes besides its weights: the clamp of its fused activation (recorded
// for ConvLayers), its bias, and a FLOAT32 output.
func (b *builder) floatLayer(a tflite.Activation, bias, out *Tensor) (kernels.FloatRange, []float32, error) {
	act, err := b.floatActivation(a)
	if err != nil {
		return act, nil, err
	}
	b.describeClamp(act)
	biasData, err := b.floatBias(bias)
	if err != nil {
		return act, nil, err
	}
	return act, biasData, b.expectType(out, tflite.TypeFloat32)
}

// requant computes the integer parameters of a quantized convolution or
// fully connected layer whose filter is quantized per tensor or per channel
// along channelDim, exactly as TFLite's Prepare does. It records them as
// the layer's Requant (see describeLayer).
//
// legacyMultiplier selects TFLite's float32 product of per-tensor scales
// (uint8 convolutions and fully connected layers) over its float64 one.
func (b *builder) requant(in, filter, bias, out *Tensor, act tflite.Activation, channels, channelDim int, legacyMultiplier bool) (*kernels.Requant, error) {
	for _, t := range []*Tensor{filter, out} {
		if err := b.expectType(t, in.Type); err != nil {
			return nil, err
		}
	}
	if bias != nil {
		if err := b.expectType(bias, tflite.TypeInt32); err != nil {
			return nil, err
		}
	}
	qmin, qmax := typeLimits(in.Type)
	inScale, inZero, err := b.quantizedIn(in, qmin, qmax)
	if err != nil {
		return nil, err
	}
	outScale, outZero, err := b.quantizedIn(out, qmin, qmax)
	if err != nil {
		return nil, err
	}
	fq := filter.Quantization
	if fq == nil || len(fq.Scale) == 0 {
		return nil, b.errorf("filter %v has no quantization parameters", filter)
	}
	if len(fq.Scale) != 1 && (len(fq.Scale) != channels || int(fq.QuantizedDimension) != channelDim) {
		return nil, b.errorf("filter %v has %d scales along dimension %d, want 1 or %d along %d",
			filter, len(fq.Scale), fq.QuantizedDimension, channels, channelDim)
	}
	for _, s := range fq.Scale {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return nil, b.errorf("filter %v has scale %g", filter, s)
		}
	}
	filterZero := int32(0)
	if len(fq.ZeroPoint) > 0 {
		filterZero = int32(fq.ZeroPoint[0])
		for _, z := range fq.ZeroPoint {
			if int32(z) != filterZero {
				return nil, b.unsupportedf("filter %v has different zero points per channel", filter)
			}
		}
	}
	if filterZero < qmin || filterZero > qmax {
		return nil, b.errorf("filter %v has zero point %d outside [%d, %d]", filter, filterZero, qmin, qmax)
	}
	if in.Type == tflite.TypeInt8 && filterZero != 0 {
		return nil, b.unsupportedf("int8 filter %v has zero point %d, TFLite requires 0", filter, filterZero)
	}
	kind, err := b.fusedActivation(act)
	if err != nil {
		return nil, err
	}
	mult, shift := quant.ConvMultipliers(inScale, fq.Scale, outScale, channels, legacyMultiplier)
	lo, hi := quant.ActivationRange(kind, outScale, outZero, qmin, qmax)
	r := &kernels.Requant{
		InputOffset: -inZero, FilterOffset: -filterZero, OutputOffset: outZero,
		Multiplier: mult, Shift: shift, ActMin: lo, ActMax: hi,
	}
	if b.layer != nil {
		b.layer.Requant = (*Requantization)(r)
	}
	return r, nil
}

// floatBias returns the float32 data of an optional bias (nil when absent).
func (b *builder) floatBias(bias *Tensor) ([]float32, error) {
	if bias == nil {
		return nil, nil
	}
	return b.constFloats(bias)
}

// int32Bias returns the data of an optional quantized bias (nil when
// absent), which must be constant: the kernels keep the slice.
func (b *builder) int32Bias(bias *Tensor) ([]int32, error) {
	if bias == nil {
		return nil, nil
	}
	if !bias.constant {
		return nil, b.unsupportedf("bias %v is not constant", bias)
	}
	return bias.Int32s(), nil
}

// shape4 reads a rank-4 NHWC shape the caller has checked.
func shape4(s []int) kernels.Shape4 {
	return kernels.Shape4{N: s[0], H: s[1], W: s[2], C: s[3]}
}

// quantizedTypes are the element types of operators that take float32 or
// per-tensor quantized 8-bit data.
var quantizedTypes = []tflite.TensorType{tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8}

// affinePair is the quantization of an operator's input and output.
func (b *builder) affinePair(in, out *Tensor) (qi, qo kernels.Affine, err error) {
	if qi, err = b.affine(in); err != nil {
		return qi, qo, err
	}
	qo, err = b.affine(out)
	return qi, qo, err
}

// parallelElements is the size from which an elementwise operator is split
// across the worker pool: below it, handing out shares costs more than it
// saves.
const parallelElements = 1 << 14

// elementwise prepares an operator that maps element i of in to element i
// of out, split across the worker pool when it is large enough.
func elementwise[S, D any](in, out *Tensor, f func(src []S, dst []D)) *op {
	n := in.NumElements()
	if n < parallelElements {
		return &op{run: func() { f(viewAs[S](in), viewAs[D](out)) }}
	}
	return &op{rows: n, runRows: func(_, lo, hi int) { f(viewAs[S](in)[lo:hi], viewAs[D](out)[lo:hi]) }}
}

// elementwise8 prepares an elementwise operator between 8-bit types as a
// lookup table, built at build time by running the kernel f on all 256
// inputs: exact by construction, and one load per element.
func elementwise8[S, D int8 | uint8](in, out *Tensor, f func(src []S, dst []D)) *op {
	table := kernels.Tabulate8(f)
	return elementwise(in, out, func(src []S, dst []D) { kernels.Lookup8(table, src, dst) })
}
