package kernels

import (
	"fmt"
	"math"

	"github.com/percept-robotics/percept/quant"
)

// Quantize is QUANTIZE from float: each value becomes round(x/scale) + zero
// point, rounding half away from zero with the division in float32, clamped
// to T's range (TFLite's AffineQuantize). NaN maps to the zero point.
func Quantize[T int8 | uint8](src []float32, dst []T, q Affine) {
	lo, hi := typeRange[T]()
	for i, v := range src {
		r := math.Round(float64(v / q.Scale))
		switch {
		case r != r:
			dst[i] = T(quant.Clamp(q.ZeroPoint, lo, hi))
		case r+float64(q.ZeroPoint) <= float64(lo):
			dst[i] = T(lo)
		case r+float64(q.ZeroPoint) >= float64(hi):
			dst[i] = T(hi)
		default:
			dst[i] = T(int32(r) + q.ZeroPoint)
		}
	}
}

// FloatQuantizer is QUANTIZE from float32 prepared for a kernel target: it
// stores Quantize's results, bit for bit, computed eight floats at a time
// by the target's assembly where it has some (AVX2 on the x86-64 targets,
// NEON on the arm64 ones) and by Quantize elsewhere and for the last few.
type FloatQuantizer struct {
	q    Affine
	simd bool
}

// NewFloatQuantizer prepares QUANTIZE from float32 to q on target.
func NewFloatQuantizer(target string, q Affine) FloatQuantizer {
	return FloatQuantizer{q: q, simd: quantizeSIMD(lookupTarget(target)) && quantizeZeroFits(q.ZeroPoint)}
}

// quantizeZeroFits reports whether the assembly covers zero point z: it
// clamps the rounded quotient to int16 (or ±2^30) before adding z, which
// leaves every clamped result as it is while |z| ≤ 2^14 (every zero point
// of an 8-bit tensor is).
func quantizeZeroFits(z int32) bool { return -1<<14 <= z && z <= 1<<14 }

// Int8 stores into dst, as long as src, the int8 quantization of src.
func (z FloatQuantizer) Int8(src []float32, dst []int8) {
	dst = dst[:len(src)]
	n := 0
	if z.simd {
		n = quantizeInt8SIMD(src, dst, z.q)
	}
	Quantize(src[n:], dst[n:], z.q)
}

// Uint8 stores into dst, as long as src, the uint8 quantization of src.
func (z FloatQuantizer) Uint8(src []float32, dst []uint8) {
	dst = dst[:len(src)]
	n := 0
	if z.simd {
		n = quantizeUint8SIMD(src, dst, z.q)
	}
	Quantize(src[n:], dst[n:], z.q)
}

// RequantizeParams holds the effective multiplier in/out of a QUANTIZE
// between two quantized types.
type RequantizeParams struct {
	inZero, outZero int32
	mult            int32
	shift           int
}

// NewRequantizeParams prepares a QUANTIZE from a tensor quantized as in to
// one quantized as out, as TFLite's quantize.cc Prepare does.
func NewRequantizeParams(in, out Affine) (*RequantizeParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: requantize: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	mult, shift := quant.QuantizeMultiplier(float64(in.Scale) / float64(out.Scale))
	return &RequantizeParams{inZero: in.ZeroPoint, outZero: out.ZeroPoint, mult: mult, shift: shift}, nil
}

// Requantize is TFLite's Requantize: (q − in zero point) scaled by the
// effective multiplier, plus the out zero point, clamped to O's range. It
// covers uint8↔int8 and same-type rescaling.
func Requantize[I, O int8 | uint8](p *RequantizeParams, src []I, dst []O) {
	lo, hi := typeRange[O]()
	for i, v := range src {
		out := quant.MultiplyByQuantizedMultiplier(int32(v)-p.inZero, p.mult, p.shift) + p.outZero
		dst[i] = O(quant.Clamp(out, lo, hi))
	}
}

// Dequantize is DEQUANTIZE: (q − zero point)·scale, computed as TFLite does
// (a double product rounded once to float32). FLOAT16 inputs widen with
// WidenHalves instead.
func Dequantize[T int8 | uint8 | int16](src []T, dst []float32, q Affine) {
	scale := float64(q.Scale)
	for i, v := range src {
		dst[i] = float32(scale * float64(int32(v)-q.ZeroPoint))
	}
}

// DequantTable maps each 8-bit value to its dequantized float32.
type DequantTable [256]float32

// NewDequantTable tabulates Dequantize for the 256 values of T under q.
func NewDequantTable[T int8 | uint8](q Affine) *DequantTable {
	var src [256]T
	var dst [256]float32
	for i := range src {
		src[i] = T(i)
	}
	Dequantize(src[:], dst[:], q)
	var t DequantTable
	for i, v := range src {
		t[uint8(v)] = dst[i]
	}
	return &t
}

// DequantizeLookup is Dequantize through t: one load per element, the same
// values.
func DequantizeLookup[T int8 | uint8](t *DequantTable, src []T, dst []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = t[uint8(v)]
	}
}
