package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// arithmetic is the operation of an elementwise binary operator.
type arithmetic int

const (
	arithAdd arithmetic = iota
	arithSub
	arithMul
)

func buildAdd(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.AddOptions)
	if !ok {
		return nil, b.errorf("missing AddOptions")
	}
	return b.buildArithmetic(arithAdd, o.FusedActivationFunction)
}

func buildSub(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.SubOptions)
	if !ok {
		return nil, b.errorf("missing SubOptions")
	}
	return b.buildArithmetic(arithSub, o.FusedActivationFunction)
}

func buildMul(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.MulOptions)
	if !ok {
		return nil, b.errorf("missing MulOptions")
	}
	return b.buildArithmetic(arithMul, o.FusedActivationFunction)
}

// buildArithmetic prepares ADD, SUB or MUL with broadcasting.
func (b *builder) buildArithmetic(kind arithmetic, act tflite.Activation) (*op, error) {
	x, err := b.input(0)
	if err != nil {
		return nil, err
	}
	y, err := b.input(1)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{y, out} {
		if err := b.expectType(t, x.Type); err != nil {
			return nil, err
		}
	}
	sx, err := b.padded4(x)
	if err != nil {
		return nil, err
	}
	sy, err := b.padded4(y)
	if err != nil {
		return nil, err
	}
	so, err := kernels.BroadcastShape(sx, sy)
	if err != nil {
		return nil, b.errorf("%v and %v: %v", x, y, err)
	}
	rank := max(len(x.Shape), len(y.Shape))
	full := []int{so.N, so.H, so.W, so.C}
	if err := b.setShape(out, full[4-rank:]); err != nil {
		return nil, err
	}
	switch x.Type {
	case tflite.TypeFloat32:
		r, err := b.floatActivation(act)
		if err != nil {
			return nil, err
		}
		f := map[arithmetic]func(kernels.Shape4, []float32, kernels.Shape4, []float32, []float32, kernels.FloatRange){
			arithAdd: kernels.AddF32, arithSub: kernels.SubF32, arithMul: kernels.MulF32,
		}[kind]
		return &op{run: func() { f(sx, x.Float32s(), sy, y.Float32s(), out.Float32s(), r) }}, nil
	case tflite.TypeUint8:
		return arithmeticQuantized[uint8](b, kind, act, x, y, out, sx, sy)
	case tflite.TypeInt8:
		return arithmeticQuantized[int8](b, kind, act, x, y, out, sx, sy)
	}
	return nil, b.unsupportedf("%v has type %s", x, x.Type)
}

func arithmeticQuantized[T int8 | uint8](b *builder, kind arithmetic, act tflite.Activation, x, y, out *Tensor, sx, sy kernels.Shape4) (*op, error) {
	qx, err := b.affine(x)
	if err != nil {
		return nil, err
	}
	qy, err := b.affine(y)
	if err != nil {
		return nil, err
	}
	qo, err := b.affine(out)
	if err != nil {
		return nil, err
	}
	lo, hi, err := b.quantizedActivation(act, out)
	if err != nil {
		return nil, err
	}
	var kernel func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T)
	if kind == arithMul {
		p, err := kernels.NewMulParams(qx, qy, qo, lo, hi)
		if err != nil {
			return nil, b.errorf("%v", err)
		}
		kernel = func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T) { kernels.MulQ(p, sa, a, sb, b, dst) }
	} else {
		p, err := kernels.NewAddParams(qx, qy, qo, lo, hi)
		if err != nil {
			return nil, b.errorf("%v", err)
		}
		f := kernels.AddQ[T]
		if kind == arithSub {
			f = kernels.SubQ[T]
		}
		kernel = func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T) { f(p, sa, a, sb, b, dst) }
	}
	// The reference kernel tabulated over all 65536 input pairs: exact by
	// construction, one load per element.
	table := kernels.TabulateBinary8(kernel)
	run := func(_, lo, hi int) {
		kernels.LookupBinary8(table, sx, viewAs[T](x), sy, viewAs[T](y), viewAs[T](out), lo, hi)
	}
	if n := sx.Size(); sx == sy && n >= parallelElements {
		return &op{rows: n, runRows: run}, nil
	}
	return &op{run: func() { run(0, 0, sx.Size()) }}, nil
}
