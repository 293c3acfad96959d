package nn

import (
	"math"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/quant"
	"github.com/percept-robotics/percept/tflite"
)

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
