package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/percept-robotics/percept/quant"
)

// Affine is the per-tensor quantization of a tensor:
// real = Scale × (q − ZeroPoint).
type Affine struct {
	Scale     float32
	ZeroPoint int32
}

// validScale reports whether s is usable as a quantization scale.
func validScale(s float32) bool {
	return s > 0 && !math.IsInf(float64(s), 1)
}

// typeRange returns the smallest and largest value of T.
func typeRange[T int8 | uint8]() (lo, hi int32) {
	var zero T
	if _, signed := any(zero).(int8); signed {
		return math.MinInt8, math.MaxInt8
	}
	return 0, math.MaxUint8
}

// BroadcastShape returns the shape of an elementwise result of operands of
// shapes a and b under NumPy broadcasting (each dimension equal, or 1 in
// one of them), or an error naming the first incompatible dimension.
func BroadcastShape(a, b Shape4) (Shape4, error) {
	da := [4]int{a.N, a.H, a.W, a.C}
	db := [4]int{b.N, b.H, b.W, b.C}
	var out [4]int
	for i := range da {
		switch {
		case da[i] == db[i] || db[i] == 1:
			out[i] = da[i]
		case da[i] == 1:
			out[i] = db[i]
		default:
			return Shape4{}, fmt.Errorf("kernels: cannot broadcast dimension %d: %d against %d", i, da[i], db[i])
		}
	}
	return Shape4{out[0], out[1], out[2], out[3]}, nil
}

// broadcastStrides returns the element strides of s for walking a tensor of
// shape out, with stride 0 along the dimensions s broadcasts.
func broadcastStrides(s, out Shape4) (n, h, w, c int) {
	c, w, h, n = 1, s.C, s.C*s.W, s.C*s.W*s.H
	if s.C == 1 && out.C != 1 {
		c = 0
	}
	if s.W == 1 && out.W != 1 {
		w = 0
	}
	if s.H == 1 && out.H != 1 {
		h = 0
	}
	if s.N == 1 && out.N != 1 {
		n = 0
	}
	return n, h, w, c
}

// binary applies f elementwise to a (shape sa) and b (shape sb), writing
// the broadcast result to dst. It walks the output in NHWC order, as
// TFLite's 4-D broadcasting kernels do.
func binary[A, B, O any](sa Shape4, a []A, sb Shape4, b []B, dst []O, f func(A, B) O) {
	if sa == sb {
		for i := range dst[:sa.Size()] {
			dst[i] = f(a[i], b[i])
		}
		return
	}
	out := Shape4{max(sa.N, sb.N), max(sa.H, sb.H), max(sa.W, sb.W), max(sa.C, sb.C)}
	an, ah, aw, ac := broadcastStrides(sa, out)
	bn, bh, bw, bc := broadcastStrides(sb, out)
	i := 0
	for n := range out.N {
		for y := range out.H {
			for x := range out.W {
				ai := n*an + y*ah + x*aw
				bi := n*bn + y*bh + x*bw
				for c := range out.C {
					dst[i] = f(a[ai+c*ac], b[bi+c*bc])
					i++
				}
			}
		}
	}
}

// clampFloat applies a fused activation range the way TFLite's
// ActivationFunctionWithMinMax does (std::min of std::max), so that NaN and
// signed zeros come out as they do there.
func clampFloat(v float32, r FloatRange) float32 {
	return stdMin(stdMax(v, r.Min), r.Max)
}

// stdMax is C++'s std::max(a, b): b only if a < b. Unlike Go's max it keeps
// a when b is NaN and does not order −0 below +0.
func stdMax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

// stdMin is C++'s std::min(a, b): b only if b < a.
func stdMin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}

// AddParams holds the integer parameters of a quantized ADD or SUB, computed
// as TFLite's Prepare does: both inputs are shifted left by 20 bits and
// rescaled to twice the larger input scale, summed, then rescaled to the
// output.
type AddParams struct {
	in1Offset, in2Offset int32 // minus the input zero points
	outOffset            int32 // the output zero point
	leftShift            int
	in1Mult, in2Mult     int32
	in1Shift, in2Shift   int // ≤ 0
	outMult              int32
	outShift             int // ≤ 0
	actMin, actMax       int32
}

// NewAddParams prepares a quantized ADD or SUB of tensors quantized as in1
// and in2 into out, clamping the result to [actMin, actMax] in the output's
// quantized domain.
func NewAddParams(in1, in2, out Affine, actMin, actMax int32) (*AddParams, error) {
	if !validScale(in1.Scale) || !validScale(in2.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: add: scales %g, %g → %g must be positive and finite", in1.Scale, in2.Scale, out.Scale)
	}
	const leftShift = 20
	twiceMaxInputScale := float64(2 * max(in1.Scale, in2.Scale))
	p := &AddParams{
		in1Offset: -in1.ZeroPoint,
		in2Offset: -in2.ZeroPoint,
		outOffset: out.ZeroPoint,
		leftShift: leftShift,
		actMin:    actMin,
		actMax:    actMax,
	}
	var err error
	if p.in1Mult, p.in1Shift, err = quant.QuantizeMultiplierSmallerThanOneExp(float64(in1.Scale) / twiceMaxInputScale); err != nil {
		return nil, fmt.Errorf("kernels: add: input 1 multiplier: %w", err)
	}
	if p.in2Mult, p.in2Shift, err = quant.QuantizeMultiplierSmallerThanOneExp(float64(in2.Scale) / twiceMaxInputScale); err != nil {
		return nil, fmt.Errorf("kernels: add: input 2 multiplier: %w", err)
	}
	realOut := twiceMaxInputScale / float64(float32(1<<leftShift)*out.Scale)
	if p.outMult, p.outShift, err = quant.QuantizeMultiplierSmallerThanOneExp(realOut); err != nil {
		return nil, fmt.Errorf("kernels: add: output multiplier: %w", err)
	}
	return p, nil
}

// addSub computes one quantized ADD (sign 1) or SUB (sign −1) element.
func (p *AddParams) addSub(a, b int32, subtract bool) int32 {
	sa := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp((a+p.in1Offset)<<p.leftShift, p.in1Mult, p.in1Shift)
	sb := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp((b+p.in2Offset)<<p.leftShift, p.in2Mult, p.in2Shift)
	raw := sa + sb
	if subtract {
		raw = sa - sb
	}
	out := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp(raw, p.outMult, p.outShift) + p.outOffset
	return quant.Clamp(out, p.actMin, p.actMax)
}

// AddQ is TFLite's quantized ADD: dst = a + b with NHWC broadcasting of the
// operand shapes sa and sb; dst has their broadcast shape.
func AddQ[T int8 | uint8](p *AddParams, sa Shape4, a []T, sb Shape4, b []T, dst []T) {
	binary(sa, a, sb, b, dst, func(x, y T) T { return T(p.addSub(int32(x), int32(y), false)) })
}

// SubQ is TFLite's quantized SUB: dst = a − b with NHWC broadcasting, using
// the parameters NewAddParams prepares (TFLite's SUB Prepare is the same).
func SubQ[T int8 | uint8](p *AddParams, sa Shape4, a []T, sb Shape4, b []T, dst []T) {
	binary(sa, a, sb, b, dst, func(x, y T) T { return T(p.addSub(int32(x), int32(y), true)) })
}

// MulParams holds the integer parameters of a quantized MUL: the product of
// the offset inputs is rescaled by in1·in2/out.
type MulParams struct {
	in1Offset, in2Offset int32
	outOffset            int32
	mult                 int32
	shift                int
	actMin, actMax       int32
}

// NewMulParams prepares a quantized MUL of tensors quantized as in1 and in2
// into out, clamping to [actMin, actMax].
func NewMulParams(in1, in2, out Affine, actMin, actMax int32) (*MulParams, error) {
	if !validScale(in1.Scale) || !validScale(in2.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: mul: scales %g, %g → %g must be positive and finite", in1.Scale, in2.Scale, out.Scale)
	}
	multiplier := float64(in1.Scale) * float64(in2.Scale) / float64(out.Scale)
	mult, shift := quant.QuantizeMultiplier(multiplier)
	return &MulParams{
		in1Offset: -in1.ZeroPoint, in2Offset: -in2.ZeroPoint, outOffset: out.ZeroPoint,
		mult: mult, shift: shift, actMin: actMin, actMax: actMax,
	}, nil
}

// MulQ is TFLite's quantized MUL with NHWC broadcasting.
func MulQ[T int8 | uint8](p *MulParams, sa Shape4, a []T, sb Shape4, b []T, dst []T) {
	binary(sa, a, sb, b, dst, func(x, y T) T {
		prod := (int32(x) + p.in1Offset) * (int32(y) + p.in2Offset)
		out := quant.MultiplyByQuantizedMultiplier(prod, p.mult, p.shift) + p.outOffset
		return T(quant.Clamp(out, p.actMin, p.actMax))
	})
}

// IntRange is the clamp of a fused activation on int32 data, as TFLite's
// CalculateActivationRange computes it for int32 operators.
type IntRange struct {
	Min, Max int32
}

// DivI32 is int32 DIV with broadcasting: the quotient truncated toward zero
// (C++'s integer division), clamped to act. Where TFLite's behaviour is
// undefined (it crashes), the result is defined here: x/0 saturates to the
// int32 limit of x's sign (0/0 is 0), and MinInt32/−1 saturates to
// MaxInt32.
func DivI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32, act IntRange) {
	binary(sa, a, sb, b, dst, func(x, y int32) int32 { return quant.Clamp(divTrunc(x, y), act.Min, act.Max) })
}

// divTrunc is x/y truncated toward zero, saturating where the quotient
// does not fit (see DivI32).
func divTrunc(x, y int32) int32 {
	switch {
	case y == 0:
		return divByZero(x)
	case y == -1 && x == math.MinInt32:
		return math.MaxInt32
	}
	return x / y
}

// divByZero is the defined result of an integer x/0: the int32 limit of
// x's sign, or 0 for 0/0.
func divByZero(x int32) int32 {
	switch {
	case x > 0:
		return math.MaxInt32
	case x < 0:
		return math.MinInt32
	}
	return 0
}

// FloorDivF32 is FLOOR_DIV on floats with broadcasting: floor(x/y), the
// division done in float64 as TFLite's reference does. TFLite fails Invoke
// on a zero divisor (so does nn); the value here follows IEEE (±Inf, or NaN
// for 0/0).
func FloorDivF32(sa Shape4, a []float32, sb Shape4, b []float32, dst []float32) {
	binary(sa, a, sb, b, dst, func(x, y float32) float32 { return float32(math.Floor(float64(x) / float64(y))) })
}

// FloorDivI32 is FLOOR_DIV on int32 with broadcasting: the quotient rounded
// toward −∞ (−7 floordiv 2 = −4), equal to TFLite's floor of the float64
// quotient for every pair of int32 values. TFLite fails Invoke on a zero
// divisor (so does nn); the value here saturates as in DivI32, as does
// MinInt32 floordiv −1.
func FloorDivI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32) {
	binary(sa, a, sb, b, dst, floorDiv)
}

// floorDiv is x/y rounded toward −∞, saturating where it does not fit.
func floorDiv(x, y int32) int32 {
	q := divTrunc(x, y)
	if y != 0 && q != math.MaxInt32 && x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

// DivParams holds a quantized uint8 DIV as TFLite's Prepare computes it:
// the quotient of the offset inputs, through a fixed-point reciprocal of the
// divisor, rescaled by in1/(in2·out).
type DivParams struct {
	in1Offset, in2Offset int32
	outOffset            int32
	mult                 int32
	shift                int
	actMin, actMax       int32
}

// maxDivShift bounds the exponent of DIV's output multiplier: the shift of
// each quotient is that minus at least 21 (the headroom of a 9-bit
// operand), so it stays a right shift, which TFLite's arithmetic needs.
const maxDivShift = 21

// NewDivParams prepares a quantized DIV of tensors quantized as in1 and in2
// into out, clamping to [actMin, actMax]. The multiplier is computed in
// float32 as TFLite's div.cc does.
func NewDivParams(in1, in2, out Affine, actMin, actMax int32) (*DivParams, error) {
	if !validScale(in1.Scale) || !validScale(in2.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: div: scales %g, %g → %g must be positive and finite", in1.Scale, in2.Scale, out.Scale)
	}
	real := in1.Scale / (in2.Scale * out.Scale)
	if !validScale(real) {
		return nil, fmt.Errorf("kernels: div: scales %g / (%g × %g) give multiplier %g", in1.Scale, in2.Scale, out.Scale, real)
	}
	mult, shift := quant.QuantizeMultiplier(float64(real))
	if shift > maxDivShift {
		return nil, fmt.Errorf("kernels: div: multiplier %g above 2^%d", real, maxDivShift)
	}
	return &DivParams{
		in1Offset: -in1.ZeroPoint, in2Offset: -in2.ZeroPoint, outOffset: out.ZeroPoint,
		mult: mult, shift: shift, actMin: actMin, actMax: actMax,
	}, nil
}

// div computes one quantized DIV element as TFLite's DivElementwise does.
// A divisor equal to its zero point (TFLite's behaviour is undefined) gives
// the activation limit of the dividend's sign, or the output zero point
// for 0/0, clamped.
func (p *DivParams) div(a, b int32) int32 {
	x, y := a+p.in1Offset, b+p.in2Offset
	if y == 0 {
		switch {
		case x > 0:
			return p.actMax
		case x < 0:
			return p.actMin
		}
		return quant.Clamp(p.outOffset, p.actMin, p.actMax)
	}
	if y < 0 {
		x, y = -x, -y
	}
	inv, recipShift := quant.Reciprocal(y, 31)
	headroom := leadingSignBits(x)
	unscaled := quant.MultiplyByQuantizedMultiplierGreaterThanOne(x, inv, headroom)
	q := roundingShiftRight(quant.SaturatingRoundingDoublingHighMul(unscaled, p.mult), recipShift+headroom-p.shift)
	return quant.Clamp(p.outOffset+q, p.actMin, p.actMax)
}

// leadingSignBits counts the bits below the sign bit of x that equal it
// (C's __builtin_clrsb; 31 for 0 and −1), as TFLite's CountLeadingSignBits.
func leadingSignBits(x int32) int {
	if x < 0 {
		x = ^x
	}
	return bits.LeadingZeros32(uint32(x)) - 1
}

// roundingShiftRight is gemmlowp's RoundingDivideByPOT as TFLite runs it
// for any exponent n ≥ 0. From n = 32 on, which DIV reaches for small
// dividends over large divisors, its arithmetic is undefined in C++ and
// every platform TFLite runs on (x86, ARM, WebAssembly) masks the shift
// counts: the rounding mask (1ll << n) − 1 keeps its low 32 bits and x is
// shifted by n mod 32. Reproduced here, so that such quotients come out as
// TFLite's do (often saturated) rather than as the real quotient.
func roundingShiftRight(x int32, n int) int32 {
	if n <= 31 {
		return quant.RoundingDivideByPOT(x, n)
	}
	mask := int32(int64(1)<<(n&63) - 1)
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> (n & 31)
	if x&mask > threshold {
		r++
	}
	return r
}

// DivQ is TFLite's quantized uint8 DIV with NHWC broadcasting.
func DivQ(p *DivParams, sa Shape4, a []uint8, sb Shape4, b []uint8, dst []uint8) {
	binary(sa, a, sb, b, dst, func(x, y uint8) uint8 { return uint8(p.div(int32(x), int32(y))) })
}

// AddI32 is int32 ADD with broadcasting, clamped to act; a sum that
// overflows wraps, as TFLite's int32 arithmetic does in practice.
func AddI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32, act IntRange) {
	binary(sa, a, sb, b, dst, func(x, y int32) int32 { return quant.Clamp(x+y, act.Min, act.Max) })
}

// SubI32 is int32 SUB with broadcasting, clamped to act (wrapping as
// AddI32).
func SubI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32, act IntRange) {
	binary(sa, a, sb, b, dst, func(x, y int32) int32 { return quant.Clamp(x-y, act.Min, act.Max) })
}

// MulI32 is int32 MUL with broadcasting, clamped to act (wrapping as
// AddI32).
func MulI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32, act IntRange) {
	binary(sa, a, sb, b, dst, func(x, y int32) int32 { return quant.Clamp(x*y, act.Min, act.Max) })
}

// Maximum is MAXIMUM with broadcasting on raw values, as TFLite's reference
// compares them (x > y ? x : y: a NaN in x yields y, a NaN in y yields NaN;
// quantized values are compared as stored, whatever their quantization).
func Maximum[T float32 | int32 | int8 | uint8](sa Shape4, a []T, sb Shape4, b []T, dst []T) {
	binary(sa, a, sb, b, dst, func(x, y T) T {
		if x > y {
			return x
		}
		return y
	})
}

// Minimum is MINIMUM with broadcasting (x < y ? x : y), as Maximum.
func Minimum[T float32 | int32 | int8 | uint8](sa Shape4, a []T, sb Shape4, b []T, dst []T) {
	binary(sa, a, sb, b, dst, func(x, y T) T {
		if x < y {
			return x
		}
		return y
	})
}

// SquaredDifferenceF32 is SQUARED_DIFFERENCE on floats with broadcasting:
// (x − y)², the difference rounded to float32 first.
func SquaredDifferenceF32(sa Shape4, a []float32, sb Shape4, b []float32, dst []float32) {
	binary(sa, a, sb, b, dst, func(x, y float32) float32 {
		d := x - y
		return d * d
	})
}

// SquaredDifferenceI32 is SQUARED_DIFFERENCE on int32 with broadcasting,
// wrapping on overflow as TFLite's int32 arithmetic does in practice.
func SquaredDifferenceI32(sa Shape4, a []int32, sb Shape4, b []int32, dst []int32) {
	binary(sa, a, sb, b, dst, func(x, y int32) int32 {
		d := x - y
		return d * d
	})
}

// SquaredDifferenceParams holds a quantized int8 SQUARED_DIFFERENCE as
// TFLite's Prepare computes it: both inputs shifted left by 7 bits and
// rescaled to twice the larger input scale, the difference squared, then
// rescaled by (2·max scale)²/(2^14·out).
type SquaredDifferenceParams struct {
	in1Offset, in2Offset int32
	outOffset            int32
	in1Mult, in2Mult     int32
	in1Shift, in2Shift   int
	outMult              int32
	outShift             int
}

// squaredDifferenceLeftShift is TFLite's left_shift for SQUARED_DIFFERENCE.
const squaredDifferenceLeftShift = 7

// NewSquaredDifferenceParams prepares a quantized int8 SQUARED_DIFFERENCE of
// tensors quantized as in1 and in2 into out.
func NewSquaredDifferenceParams(in1, in2, out Affine) (*SquaredDifferenceParams, error) {
	if !validScale(in1.Scale) || !validScale(in2.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: squared difference: scales %g, %g → %g must be positive and finite", in1.Scale, in2.Scale, out.Scale)
	}
	twiceMax := float64(2 * max(in1.Scale, in2.Scale))
	p := &SquaredDifferenceParams{in1Offset: -in1.ZeroPoint, in2Offset: -in2.ZeroPoint, outOffset: out.ZeroPoint}
	var err error
	if p.in1Mult, p.in1Shift, err = quant.QuantizeMultiplierSmallerThanOneExp(float64(in1.Scale) / twiceMax); err != nil {
		return nil, fmt.Errorf("kernels: squared difference: input 1 multiplier: %w", err)
	}
	if p.in2Mult, p.in2Shift, err = quant.QuantizeMultiplierSmallerThanOneExp(float64(in2.Scale) / twiceMax); err != nil {
		return nil, fmt.Errorf("kernels: squared difference: input 2 multiplier: %w", err)
	}
	realOut := twiceMax * twiceMax / float64(float32(1<<(2*squaredDifferenceLeftShift))*out.Scale)
	if p.outMult, p.outShift, err = quant.QuantizeMultiplierSmallerThanOneExp(realOut); err != nil {
		return nil, fmt.Errorf("kernels: squared difference: output multiplier: %w", err)
	}
	return p, nil
}

// SquaredDifferenceQ is TFLite's int8 SQUARED_DIFFERENCE with broadcasting.
func SquaredDifferenceQ(p *SquaredDifferenceParams, sa Shape4, a []int8, sb Shape4, b []int8, dst []int8) {
	binary(sa, a, sb, b, dst, func(x, y int8) int8 {
		sx := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp((int32(x)+p.in1Offset)<<squaredDifferenceLeftShift, p.in1Mult, p.in1Shift)
		sy := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp((int32(y)+p.in2Offset)<<squaredDifferenceLeftShift, p.in2Mult, p.in2Shift)
		d := sx - sy
		out := quant.MultiplyByQuantizedMultiplierSmallerThanOneExp(d*d, p.outMult, p.outShift) + p.outOffset
		return int8(quant.Clamp(out, math.MinInt8, math.MaxInt8))
	})
}

// FloatOp is the operation of a float binary operator.
type FloatOp int

// The float binary operators FloatArith runs.
const (
	FloatAdd FloatOp = iota
	FloatSub
	FloatMul
	// FloatDiv follows TFLite: a zero divisor gives ±Inf or NaN before the
	// clamp, so with no activation x/0 comes out as ±MaxFloat32 (and 0/0 as
	// NaN).
	FloatDiv
)

// FloatArith is a float ADD, SUB, MUL or DIV with NHWC broadcasting and a
// fused activation range, prepared for a kernel target. On the x86 SIMD
// targets, operands of one shape, a single value and one value per
// channel run in AVX2, with the portable code's results bit for bit (the
// IEEE operations are exact in both, and the clamp is C++'s std::max then
// std::min, which VMAXPS and VMINPS compute with the same operand order).
type FloatArith struct {
	op   FloatOp
	act  FloatRange
	simd bool
}

// NewFloatArith prepares op clamped to act for the named kernel target.
func NewFloatArith(target string, op FloatOp, act FloatRange) *FloatArith {
	return &FloatArith{op: op, act: act, simd: floatSIMD(lookupTarget(target))}
}

// Apply sets dst, of the broadcast shape of sa and sb, to a op b.
func (k *FloatArith) Apply(sa Shape4, a []float32, sb Shape4, b []float32, dst []float32) {
	if floatBinaryFast(k, sa, a, sb, b, dst) {
		return
	}
	act := k.act
	switch k.op {
	case FloatAdd:
		binary(sa, a, sb, b, dst, func(x, y float32) float32 { return clampFloat(x+y, act) })
	case FloatSub:
		binary(sa, a, sb, b, dst, func(x, y float32) float32 { return clampFloat(x-y, act) })
	case FloatMul:
		binary(sa, a, sb, b, dst, func(x, y float32) float32 { return clampFloat(x*y, act) })
	case FloatDiv:
		binary(sa, a, sb, b, dst, func(x, y float32) float32 { return clampFloat(x/y, act) })
	}
}

// floatBinaryFast runs k over operands of one shape, or over b holding one
// value per channel (or a single value) repeated along every row of a, in
// loops free of calls; it reports false for the other broadcasts, which
// binary's general walk handles. The results are binary's, element for
// element.
func floatBinaryFast(k *FloatArith, sa Shape4, a []float32, sb Shape4, b []float32, dst []float32) bool {
	n := sa.Size()
	switch {
	case sa == sb:
		floatRow(k, a[:n], b[:n], dst[:n])
	case sb.N == 1 && sb.H == 1 && sb.W == 1 && sb.C == 1:
		floatScalar(k, a[:n], b[0], dst[:n])
	case sb.N == 1 && sb.H == 1 && sb.W == 1 && sb.C == sa.C && sa.C > 0:
		c := sa.C
		for off := 0; off < n; off += c {
			floatRow(k, a[off:off+c], b[:c], dst[off:off+c])
		}
	default:
		return false
	}
	return true
}

// floatRow sets d[i] = x[i] op y[i], clamped; the three have one length.
func floatRow(k *FloatArith, x, y, d []float32) {
	y, d = y[:len(x)], d[:len(x)]
	if k.simd {
		floatRowSIMD(k.op, x, y, d, k.act)
		return
	}
	floatRowGo(k.op, x, y, d, k.act)
}

// floatRowGo is floatRow's portable code.
func floatRowGo(op FloatOp, x, y, d []float32, act FloatRange) {
	y, d = y[:len(x)], d[:len(x)]
	switch op {
	case FloatAdd:
		for i, v := range x {
			d[i] = clampFloat(v+y[i], act)
		}
	case FloatSub:
		for i, v := range x {
			d[i] = clampFloat(v-y[i], act)
		}
	case FloatMul:
		for i, v := range x {
			d[i] = clampFloat(v*y[i], act)
		}
	case FloatDiv:
		for i, v := range x {
			d[i] = clampFloat(v/y[i], act)
		}
	}
}

// floatScalar sets d[i] = x[i] op y, clamped.
func floatScalar(k *FloatArith, x []float32, y float32, d []float32) {
	d = d[:len(x)]
	if k.simd {
		floatScalarSIMD(k.op, x, y, d, k.act)
		return
	}
	floatScalarGo(k.op, x, y, d, k.act)
}

// floatScalarGo is floatScalar's portable code.
func floatScalarGo(op FloatOp, x []float32, y float32, d []float32, act FloatRange) {
	d = d[:len(x)]
	switch op {
	case FloatAdd:
		for i, v := range x {
			d[i] = clampFloat(v+y, act)
		}
	case FloatSub:
		for i, v := range x {
			d[i] = clampFloat(v-y, act)
		}
	case FloatMul:
		for i, v := range x {
			d[i] = clampFloat(v*y, act)
		}
	case FloatDiv:
		for i, v := range x {
			d[i] = clampFloat(v/y, act)
		}
	}
}
