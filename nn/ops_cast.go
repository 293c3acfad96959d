package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// castTypes are the element types CAST converts between.
var castTypes = []tflite.TensorType{
	tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt16, tflite.TypeInt32, tflite.TypeInt64, tflite.TypeBool,
}

// buildCast prepares CAST: each element converted to the output's type by
// value, ignoring any quantization (see kernels.CastInt and
// kernels.CastFloat).
func buildCast(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{in, out} {
		if err := b.expectType(t, castTypes...); err != nil {
			return nil, err
		}
	}
	if err := b.setShape(out, in.Shape); err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return castFromFloat(in, out), nil
	case tflite.TypeBool:
		if out.Type == tflite.TypeBool {
			return elementwise(in, out, kernels.CastFromBool[uint8]), nil
		}
		return castFrom(in, out, kernels.CastFromBool[float32], kernels.CastFromBool[uint8], kernels.CastFromBool[int8],
			kernels.CastFromBool[int16], kernels.CastFromBool[int32], kernels.CastFromBool[int64]), nil
	case tflite.TypeUint8:
		return castFromInt[uint8](in, out), nil
	case tflite.TypeInt8:
		return castFromInt[int8](in, out), nil
	case tflite.TypeInt16:
		return castFromInt[int16](in, out), nil
	case tflite.TypeInt32:
		return castFromInt[int32](in, out), nil
	}
	return castFromInt[int64](in, out), nil
}

// castFromInt prepares CAST from the integer type S.
func castFromInt[S kernels.Integer](in, out *Tensor) *op {
	if out.Type == tflite.TypeBool {
		return elementwise(in, out, kernels.CastToBool[S])
	}
	return castFrom(in, out, kernels.CastInt[S, float32], kernels.CastInt[S, uint8], kernels.CastInt[S, int8],
		kernels.CastInt[S, int16], kernels.CastInt[S, int32], kernels.CastInt[S, int64])
}

// castFromFloat prepares CAST from FLOAT32.
func castFromFloat(in, out *Tensor) *op {
	switch out.Type {
	case tflite.TypeBool:
		return elementwise(in, out, kernels.CastToBool[float32])
	case tflite.TypeFloat32:
		return elementwise(in, out, func(src, dst []float32) { copy(dst, src) })
	}
	return castFrom(in, out, nil, kernels.CastFloat[uint8], kernels.CastFloat[int8],
		kernels.CastFloat[int16], kernels.CastFloat[int32], kernels.CastFloat[int64])
}

// castFrom prepares CAST from the element type S to out's numeric type,
// given the kernel for each.
func castFrom[S any](in, out *Tensor, toF32 func([]S, []float32), toU8 func([]S, []uint8), toI8 func([]S, []int8),
	toI16 func([]S, []int16), toI32 func([]S, []int32), toI64 func([]S, []int64)) *op {
	switch out.Type {
	case tflite.TypeFloat32:
		return elementwise(in, out, toF32)
	case tflite.TypeUint8:
		return elementwise(in, out, toU8)
	case tflite.TypeInt8:
		return elementwise(in, out, toI8)
	case tflite.TypeInt16:
		return elementwise(in, out, toI16)
	case tflite.TypeInt32:
		return elementwise(in, out, toI32)
	}
	return elementwise(in, out, toI64)
}
