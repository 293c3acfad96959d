package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/percept-robotics/percept/quant"
)

// SqrtF32 is SQRT on floats (NaN for negative inputs, as C's sqrtf).
func SqrtF32(src, dst []float32) {
	for i, v := range src {
		dst[i] = float32(math.Sqrt(float64(v)))
	}
}

// SqrtParams holds a quantized SQRT: TFLite computes it in float, from the
// dequantized input to an output truncated toward zero.
type SqrtParams struct {
	in, out Affine
}

// NewSqrtParams prepares a quantized SQRT from in to out.
func NewSqrtParams(in, out Affine) (*SqrtParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: sqrt: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	return &SqrtParams{in: in, out: out}, nil
}

// SqrtQ is TFLite's quantized SQRT (elementwise.cc's SqrtEvalQuantized):
// sqrt of the dequantized input, divided by the output scale, truncated and
// offset. TFLite fails Invoke on a negative input (nn does too, see
// BelowZeroPoint); the value here is the output's zero point (real 0),
// clamped.
func SqrtQ[T int8 | uint8](p *SqrtParams, src, dst []T) {
	lo, hi := typeRange[T]()
	for i, v := range src {
		x := p.in.Scale * float32(int32(v)-p.in.ZeroPoint)
		q := int32(0)
		if x >= 0 {
			q = truncToInt32(float32(math.Sqrt(float64(x))) / p.out.Scale)
		}
		dst[i] = T(min(max(int64(q)+int64(p.out.ZeroPoint), int64(lo)), int64(hi)))
	}
}

// RsqrtF32 is RSQRT on floats: 1/sqrt(x), as TFLite's 1.f / std::sqrt(f)
// (+Inf for 0, NaN below).
func RsqrtF32(src, dst []float32) {
	for i, v := range src {
		dst[i] = 1 / float32(math.Sqrt(float64(v)))
	}
}

// RsqrtParams holds a quantized int8 RSQRT as TFLite's Prepare computes it:
// the output multiplier 1/(sqrt(in)·out).
type RsqrtParams struct {
	inZero, outZero int32
	mult            int32
	shift           int
}

// rsqrtShift is TFLite's kShift: the fixed-point 1/sqrt is first scaled up
// by 2^20 to keep it an integer.
const rsqrtShift = 20

// NewRsqrtParams prepares a quantized RSQRT from in to out.
func NewRsqrtParams(in, out Affine) (*RsqrtParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: rsqrt: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	// In float32 as TFLite, then 1/x in float64.
	mult, shift := quant.QuantizeMultiplier(1 / float64(float32(math.Sqrt(float64(in.Scale)))*out.Scale))
	return &RsqrtParams{inZero: in.ZeroPoint, outZero: out.ZeroPoint, mult: mult, shift: shift}, nil
}

// RsqrtQ is TFLite's int8 RSQRT (elementwise.cc's RsqrtEvalQuantizedInt8):
// the offset input's inverse square root in fixed point (Newton–Raphson,
// GetInvSqrtQuantizedMultiplierExp), scaled by 2^20, then rescaled to the
// output. An input at the zero point gives the type's maximum. TFLite fails
// Invoke below the zero point (nn does too, see BelowZeroPoint); the value
// here is the maximum as well.
func RsqrtQ(p *RsqrtParams, src, dst []int8) {
	for i, v := range src {
		x := int32(v) - p.inZero
		if x <= 0 {
			dst[i] = math.MaxInt8
			continue
		}
		invMult, invShift := invSqrtMultiplier(x)
		data := quant.MultiplyByQuantizedMultiplier(1, invMult, invShift+rsqrtShift)
		out := quant.MultiplyByQuantizedMultiplier(data, p.mult, p.shift-rsqrtShift) + p.outZero
		dst[i] = int8(quant.Clamp(out, math.MinInt8, math.MaxInt8))
	}
}

// invSqrtMultiplier is TFLite's GetInvSqrtQuantizedMultiplierExp with
// reverse_shift −1: 1/sqrt(x) for x ≥ 1 as a Q0.31 multiplier and a left
// shift, by five Newton–Raphson steps in gemmlowp's fixed point with three
// integer bits.
func invSqrtMultiplier(x int32) (mult int32, leftShift int) {
	if x <= 1 {
		return math.MaxInt32, 0
	}
	shift := 11
	for x >= 1<<29 {
		x /= 4
		shift++
	}
	pairs := (bits.LeadingZeros32(uint32(x))-1)/2 - 1
	shift -= pairs
	x <<= 2 * pairs
	// Q3.28 values: the input in [1/2, 2), 1.5, and the iterate from 1.
	const one, threeHalves = 1 << 28, 1<<28 + 1<<27
	in := x >> 1
	halfIn := quant.RoundingDivideByPOT(in, 1)
	srdhm := quant.SaturatingRoundingDoublingHighMul
	r := int32(one)
	for range 5 {
		// x³ is in Q9.22 and the products in Q6.25: back to Q3.28.
		cube := quant.SaturatingRoundingMultiplyByPOT(srdhm(srdhm(r, r), r), 6)
		r = quant.SaturatingRoundingMultiplyByPOT(srdhm(threeHalves, r)-srdhm(halfIn, cube), 3)
	}
	const halfSqrt2 = 1518500250 // √2/2 in Q0.31
	mult = srdhm(r, halfSqrt2)
	if shift < 0 {
		mult <<= -shift
		shift = 0
	}
	return mult, -shift
}

// BelowZeroPoint returns the index of the first element of src below
// zeroPoint (a negative real value), or −1: TFLite fails the Invoke of a
// quantized SQRT or RSQRT there.
func BelowZeroPoint[T int8 | uint8](src []T, zeroPoint int32) int {
	for i, v := range src {
		if int32(v) < zeroPoint {
			return i
		}
	}
	return -1
}

// ExpF32 is EXP on floats.
func ExpF32(src, dst []float32) {
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// ExpQ is TFLite's quantized EXP, a lookup table filled as its LUTPopulate
// does: exp of the dequantized input (float32), times 1/out.Scale, rounded
// half away from zero, offset and clamped. Where the float result does not
// fit an int32 (TFLite's cast is undefined there) it saturates: +Inf to the
// type's maximum.
func ExpQ[T int8 | uint8](in, out Affine, src, dst []T) {
	lo, hi := typeRange[T]()
	inv := 1 / out.Scale
	for i, v := range src {
		x := in.Scale * float32(int32(v)-in.ZeroPoint)
		y := float32(math.Exp(float64(x)))
		r := float32(math.Round(float64(y * inv)))
		q := int64(roundToInt32(r + float32(out.ZeroPoint)))
		dst[i] = T(min(max(q, int64(lo)), int64(hi)))
	}
}
