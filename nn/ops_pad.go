package nn

import (
	"math"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

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
