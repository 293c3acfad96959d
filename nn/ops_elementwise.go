package nn

import (
	"math"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/quant"
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

// buildArithmetic prepares ADD, SUB or MUL with broadcasting, on float32,
// int32 or per-tensor quantized 8-bit data.
func (b *builder) buildArithmetic(kind arithmetic, act tflite.Activation) (*op, error) {
	x, y, out, sx, sy, err := b.broadcastOperands()
	if err != nil {
		return nil, err
	}
	switch x.Type {
	case tflite.TypeFloat32:
		r, err := b.floatActivation(act)
		if err != nil {
			return nil, err
		}
		op := map[arithmetic]kernels.FloatOp{arithAdd: kernels.FloatAdd, arithSub: kernels.FloatSub, arithMul: kernels.FloatMul}[kind]
		return binaryOp(x, y, out, sx, sy, kernels.NewFloatArith(b.g.it.target, op, r).Apply), nil
	case tflite.TypeInt32:
		r, err := b.int32Activation(act)
		if err != nil {
			return nil, err
		}
		f := map[arithmetic]func(kernels.Shape4, []int32, kernels.Shape4, []int32, []int32, kernels.IntRange){
			arithAdd: kernels.AddI32, arithSub: kernels.SubI32, arithMul: kernels.MulI32,
		}[kind]
		return binaryOp(x, y, out, sx, sy, func(sa kernels.Shape4, a []int32, sb kernels.Shape4, b []int32, dst []int32) {
			f(sa, a, sb, b, dst, r)
		}), nil
	case tflite.TypeUint8:
		return arithmeticQuantized[uint8](b, kind, act, x, y, out, sx, sy)
	case tflite.TypeInt8:
		return arithmeticQuantized[int8](b, kind, act, x, y, out, sx, sy)
	}
	return nil, b.unsupportedf("%v has type %s", x, x.Type)
}

func arithmeticQuantized[T int8 | uint8](b *builder, kind arithmetic, act tflite.Activation, x, y, out *Tensor, sx, sy kernels.Shape4) (*op, error) {
	qx, qy, qo, lo, hi, err := b.binaryQuantization(x, y, out, act)
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
		if k := kernels.NewAddRows[T](b.g.it.target, p, kind == arithSub); sx == sy && k.SIMD() {
			// Operands of one shape: the SIMD arithmetic beats the table.
			return elementwise2(x, y, out, func(a, b, dst []T) { kernels.AddRows8(k, a, b, dst) }), nil
		}
		f := kernels.AddQ[T]
		if kind == arithSub {
			f = kernels.SubQ[T]
		}
		kernel = func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T) { f(p, sa, a, sb, b, dst) }
	}
	return lookupBinary8(x, y, out, sx, sy, kernel), nil
}

// parallelAddElements is the size from which AddRows8 is split across the
// worker pool: about 1.5 µs of one thread's work on AVX2, where handing a
// share to a spinning worker costs under 1 µs.
const parallelAddElements = 1 << 12

// elementwise2 prepares an operator that sets element i of out from
// element i of x and of y (operands of one shape), split across the worker
// pool from parallelAddElements elements.
func elementwise2[T any](x, y, out *Tensor, f func(a, b, dst []T)) *op {
	run := func(_, lo, hi int) { f(viewAs[T](x)[lo:hi], viewAs[T](y)[lo:hi], viewAs[T](out)[lo:hi]) }
	if n := x.NumElements(); n >= parallelAddElements {
		return &op{rows: n, runRows: run}
	}
	return &op{run: func() { run(0, 0, x.NumElements()) }}
}

// broadcastOperands fetches the two inputs and the output of a binary
// operator whose operands and result share one element type, and gives the
// output the NumPy broadcast of the input shapes (rank at most 4).
func (b *builder) broadcastOperands() (x, y, out *Tensor, sx, sy kernels.Shape4, err error) {
	if x, err = b.input(0); err != nil {
		return
	}
	if y, err = b.input(1); err != nil {
		return
	}
	if out, err = b.output(0); err != nil {
		return
	}
	for _, t := range []*Tensor{y, out} {
		if err = b.expectType(t, x.Type); err != nil {
			return
		}
	}
	if sx, err = b.padded4(x); err != nil {
		return
	}
	if sy, err = b.padded4(y); err != nil {
		return
	}
	so, berr := kernels.BroadcastShape(sx, sy)
	if berr != nil {
		err = b.errorf("%v and %v: %v", x, y, berr)
		return
	}
	rank := max(len(x.Shape), len(y.Shape))
	full := []int{so.N, so.H, so.W, so.C}
	err = b.setShape(out, full[4-rank:])
	return
}

// binaryOp prepares a broadcasting binary kernel f from x and y into out,
// split across the worker pool when the operands have one shape and are
// large enough.
func binaryOp[T any](x, y, out *Tensor, sx, sy kernels.Shape4, f func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T)) *op {
	if n := sx.Size(); sx == sy && n >= parallelElements {
		return &op{rows: n, runRows: func(_, lo, hi int) {
			s := kernels.Shape4{N: 1, H: 1, W: 1, C: hi - lo}
			f(s, viewAs[T](x)[lo:hi], s, viewAs[T](y)[lo:hi], viewAs[T](out)[lo:hi])
		}}
	}
	return &op{run: func() { f(sx, viewAs[T](x), sy, viewAs[T](y), viewAs[T](out)) }}
}

// int32Activation is the clamp of a fused activation on int32 data, as
// TFLite's CalculateActivationRange<int32_t>.
func (b *builder) int32Activation(a tflite.Activation) (kernels.IntRange, error) {
	kind, err := b.fusedActivation(a)
	if err != nil {
		return kernels.IntRange{}, err
	}
	switch kind {
	case quant.ActRelu:
		return kernels.IntRange{Min: 0, Max: math.MaxInt32}, nil
	case quant.ActRelu6:
		return kernels.IntRange{Min: 0, Max: 6}, nil
	case quant.ActReluN1To1:
		return kernels.IntRange{Min: -1, Max: 1}, nil
	}
	return kernels.IntRange{Min: math.MinInt32, Max: math.MaxInt32}, nil
}

func buildDiv(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.DivOptions)
	if !ok {
		return nil, b.errorf("missing DivOptions")
	}
	x, y, out, sx, sy, err := b.broadcastOperands()
	if err != nil {
		return nil, err
	}
	switch x.Type {
	case tflite.TypeFloat32:
		r, err := b.floatActivation(o.FusedActivationFunction)
		if err != nil {
			return nil, err
		}
		return binaryOp(x, y, out, sx, sy, kernels.NewFloatArith(b.g.it.target, kernels.FloatDiv, r).Apply), nil
	case tflite.TypeInt32:
		r, err := b.int32Activation(o.FusedActivationFunction)
		if err != nil {
			return nil, err
		}
		return binaryOp(x, y, out, sx, sy, func(sa kernels.Shape4, a []int32, sb kernels.Shape4, b []int32, dst []int32) {
			kernels.DivI32(sa, a, sb, b, dst, r)
		}), nil
	case tflite.TypeUint8:
		qx, qy, qo, lo, hi, err := b.binaryQuantization(x, y, out, o.FusedActivationFunction)
		if err != nil {
			return nil, err
		}
		p, err := kernels.NewDivParams(qx, qy, qo, lo, hi)
		if err != nil {
			return nil, b.errorf("%v", err)
		}
		return lookupBinary8(x, y, out, sx, sy, func(sa kernels.Shape4, a []uint8, sb kernels.Shape4, b []uint8, dst []uint8) {
			kernels.DivQ(p, sa, a, sb, b, dst)
		}), nil
	}
	return nil, b.unsupportedf("%v has type %s, want FLOAT32, INT32 or UINT8", x, x.Type)
}

// buildFloorDiv prepares FLOOR_DIV. A zero divisor fails the Invoke, as in
// TFLite ("Division by 0"), or New when the divisor is a constant; the
// kernels' defined result is left in the output.
func buildFloorDiv(b *builder) (*op, error) {
	x, y, out, sx, sy, err := b.broadcastOperands()
	if err != nil {
		return nil, err
	}
	var o *op
	switch x.Type {
	case tflite.TypeFloat32:
		o, err = binaryOp(x, y, out, sx, sy, kernels.FloorDivF32), b.checkDivisor(y, zeroAt[float32])
	case tflite.TypeInt32:
		o, err = binaryOp(x, y, out, sx, sy, kernels.FloorDivI32), b.checkDivisor(y, zeroAt[int32])
	default:
		return nil, b.unsupportedf("%v has type %s, want FLOAT32 or INT32", x, x.Type)
	}
	if err != nil {
		return nil, err
	}
	if !y.constant {
		fault := b.newFault()
		zero := zeroAt[int32]
		if y.Type == tflite.TypeFloat32 {
			zero = zeroAt[float32]
		}
		o.fault = func() error {
			if i := zero(y); i >= 0 {
				fault.setf("division by 0: element %d of divisor %v", i, y)
			}
			return fault.take()
		}
	}
	return o, nil
}

// checkDivisor fails when a constant divisor holds a zero, which would fail
// every Invoke.
func (b *builder) checkDivisor(y *Tensor, zero func(*Tensor) int) error {
	if y.constant {
		if i := zero(y); i >= 0 {
			return b.errorf("division by 0: element %d of constant divisor %v", i, y)
		}
	}
	return nil
}

// zeroAt is the index of the first zero (either sign for floats) in t, or
// −1.
func zeroAt[T float32 | int32](t *Tensor) int {
	for i, v := range viewAs[T](t) {
		if v == 0 {
			return i
		}
	}
	return -1
}

// binaryQuantization reads the per-tensor quantization of a quantized
// binary operator's operands and output, and its fused activation's clamp in
// the output's domain.
func (b *builder) binaryQuantization(x, y, out *Tensor, act tflite.Activation) (qx, qy, qo kernels.Affine, lo, hi int32, err error) {
	if qx, err = b.affine(x); err != nil {
		return
	}
	if qy, err = b.affine(y); err != nil {
		return
	}
	if qo, err = b.affine(out); err != nil {
		return
	}
	lo, hi, err = b.quantizedActivation(act, out)
	return
}

// lookupBinary8 prepares a quantized binary kernel tabulated over all 65536
// input pairs: exact by construction, one load per element, split across
// the worker pool when large enough and the operands have one shape or a
// broadcast LookupBroadcast8 walks.
func lookupBinary8[T int8 | uint8](x, y, out *Tensor, sx, sy kernels.Shape4, kernel func(sa kernels.Shape4, a []T, sb kernels.Shape4, b []T, dst []T)) *op {
	table := kernels.TabulateBinary8(kernel)
	run := func(_, lo, hi int) {
		kernels.LookupBinary8(table, sx, viewAs[T](x), sy, viewAs[T](y), viewAs[T](out), lo, hi)
	}
	n := sx.Size()
	if sx != sy {
		w, ok := kernels.NewBroadcast8(sx, sy)
		if !ok {
			return &op{run: func() { run(0, 0, out.NumElements()) }}
		}
		// A scalar, one value per channel, a column against a row: walked
		// in runs, and split like operands of one shape.
		n = out.NumElements()
		run = func(_, lo, hi int) {
			kernels.LookupBroadcast8(table, w, viewAs[T](x), viewAs[T](y), viewAs[T](out), lo, hi)
		}
	}
	if n >= parallelElements {
		return &op{rows: n, runRows: run}
	}
	return &op{run: func() { run(0, 0, n) }}
}

func buildMaximum(b *builder) (*op, error) { return b.buildMaximumMinimum(true) }

func buildMinimum(b *builder) (*op, error) { return b.buildMaximumMinimum(false) }

// buildMaximumMinimum prepares MAXIMUM or MINIMUM, which compare raw values
// as TFLite does: quantized operands as stored.
func (b *builder) buildMaximumMinimum(maximum bool) (*op, error) {
	x, y, out, sx, sy, err := b.broadcastOperands()
	if err != nil {
		return nil, err
	}
	switch x.Type {
	case tflite.TypeFloat32:
		return binaryOp(x, y, out, sx, sy, pick(maximum, kernels.Maximum[float32], kernels.Minimum[float32])), nil
	case tflite.TypeInt32:
		return binaryOp(x, y, out, sx, sy, pick(maximum, kernels.Maximum[int32], kernels.Minimum[int32])), nil
	case tflite.TypeUint8:
		return binaryOp(x, y, out, sx, sy, pick(maximum, kernels.Maximum[uint8], kernels.Minimum[uint8])), nil
	case tflite.TypeInt8:
		return binaryOp(x, y, out, sx, sy, pick(maximum, kernels.Maximum[int8], kernels.Minimum[int8])), nil
	}
	return nil, b.unsupportedf("%v has type %s, want FLOAT32, INT32, UINT8 or INT8", x, x.Type)
}

// pick returns a when first is true, else b.
func pick[F any](first bool, a, b F) F {
	if first {
		return a
	}
	return b
}

func buildSquaredDifference(b *builder) (*op, error) {
	x, y, out, sx, sy, err := b.broadcastOperands()
	if err != nil {
		return nil, err
	}
	switch x.Type {
	case tflite.TypeFloat32:
		return binaryOp(x, y, out, sx, sy, kernels.SquaredDifferenceF32), nil
	case tflite.TypeInt32:
		return binaryOp(x, y, out, sx, sy, kernels.SquaredDifferenceI32), nil
	case tflite.TypeInt8:
		qx, qy, qo, _, _, err := b.binaryQuantization(x, y, out, tflite.ActNone)
		if err != nil {
			return nil, err
		}
		p, err := kernels.NewSquaredDifferenceParams(qx, qy, qo)
		if err != nil {
			return nil, b.unsupportedf("%v", err)
		}
		return lookupBinary8(x, y, out, sx, sy, func(sa kernels.Shape4, a []int8, sb kernels.Shape4, b []int8, dst []int8) {
			kernels.SquaredDifferenceQ(p, sa, a, sb, b, dst)
		}), nil
	}
	return nil, b.unsupportedf("%v has type %s, want FLOAT32, INT32 or INT8", x, x.Type)
}
