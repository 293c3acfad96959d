package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

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
		return elementwise(in, out, kernels.NewFloatQuantizer(b.g.it.target, qo).Uint8), nil
	case in.Type == tflite.TypeFloat32:
		return elementwise(in, out, kernels.NewFloatQuantizer(b.g.it.target, qo).Int8), nil
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
	// At run time an 8-bit input goes through a table of Dequantize's 256
	// results: the same floats, one load each.
	switch in.Type {
	case tflite.TypeUint8:
		table := kernels.NewDequantTable[uint8](q)
		return elementwise(in, out, func(src []uint8, dst []float32) { kernels.DequantizeLookup(table, src, dst) }), nil
	case tflite.TypeInt8:
		table := kernels.NewDequantTable[int8](q)
		return elementwise(in, out, func(src []int8, dst []float32) { kernels.DequantizeLookup(table, src, dst) }), nil
	}
	return &op{run: run}, nil
}
