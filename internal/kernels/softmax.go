package kernels

import (
	"fmt"
	"math"

	"github.com/percept-robotics/percept/quant"
)

// SoftmaxF32 is SOFTMAX on floats over the last dimension: src holds outer
// rows of depth values each. It follows TFLite's reference order: subtract
// the row maximum, exponentiate (x−max)·beta, then divide by the sum.
func SoftmaxF32(outer, depth int, src, dst []float32, beta float32) {
	for r := range outer {
		row := src[r*depth : (r+1)*depth]
		out := dst[r*depth : (r+1)*depth]
		maxVal := float32(-math.MaxFloat32)
		for _, v := range row {
			maxVal = stdMax(maxVal, v)
		}
		var sum float32
		for c, v := range row {
			e := expf((v - maxVal) * beta)
			out[c] = e
			sum += e
		}
		for c := range out {
			out[c] /= sum
		}
	}
}

// softmaxDiffIntegerBits is the Q5.26 format of the scaled input
// differences (TFLite's kScaledDiffIntegerBits), and
// softmaxAccumIntegerBits the Q12.19 format of the sum of exponentials
// (kAccumulationIntegerBits).
const (
	softmaxDiffIntegerBits  = 5
	softmaxAccumIntegerBits = 12
)

// SoftmaxParams holds TFLite's quantized SOFTMAX parameters: the multiplier
// that scales an input difference (in quantized steps) by beta·inputScale
// into Q5.26, and the smallest difference whose exponential still counts.
type SoftmaxParams struct {
	betaMult      int32
	betaLeftShift int
	diffMin       int32
}

// NewSoftmaxParams prepares a quantized SOFTMAX as TFLite's SoftmaxPrepare
// does (PreprocessSoftmaxScaling, CalculateInputRadius). The output must be
// quantized with scale 1/256 and zero point 0 (uint8) or −128 (int8).
func NewSoftmaxParams[T int8 | uint8](in, out Affine, beta float32) (*SoftmaxParams, error) {
	lo, _ := typeRange[T]()
	if out.Scale != 1.0/256 || out.ZeroPoint != lo {
		return nil, fmt.Errorf("kernels: softmax: output quantization (%g, %d) must be (1/256, %d)", out.Scale, out.ZeroPoint, lo)
	}
	if !validScale(in.Scale) {
		return nil, fmt.Errorf("kernels: softmax: input scale %g must be positive and finite", in.Scale)
	}
	mult, shift, err := quant.PreprocessSoftmaxScaling(float64(beta), float64(in.Scale), softmaxDiffIntegerBits)
	if err != nil {
		return nil, fmt.Errorf("kernels: softmax: %w", err)
	}
	return &SoftmaxParams{
		betaMult:      mult,
		betaLeftShift: shift,
		diffMin:       -quant.CalculateInputRadius(softmaxDiffIntegerBits, shift, 31),
	}, nil
}

// SoftmaxQ is TFLite's reference quantized SOFTMAX over rows of depth values:
// gemmlowp's fixed-point exp of each scaled difference from the row
// maximum, a Q12.19 sum, its fixed-point reciprocal, and outputs in 1/256
// steps offset by the type's minimum. TFLite's built-in uint8/int8 kernel
// uses a float-computed exp table instead, which can differ by a step.
func SoftmaxQ[T int8 | uint8](p *SoftmaxParams, outer, depth int, src, dst []T) {
	lo, hi := typeRange[T]()
	for r := range outer {
		row := src[r*depth : (r+1)*depth]
		out := dst[r*depth : (r+1)*depth]
		maxVal := lo
		for _, v := range row {
			maxVal = max(maxVal, int32(v))
		}
		var sum int32 // Q12.19
		for _, v := range row {
			if diff := int32(v) - maxVal; diff >= p.diffMin {
				sum += quant.RoundingDivideByPOT(p.exp(diff), softmaxAccumIntegerBits)
			}
		}
		scale, bitsOverUnit := quant.Reciprocal(sum, softmaxAccumIntegerBits)
		exponent := bitsOverUnit + 31 - 8
		for c, v := range row {
			diff := int32(v) - maxVal
			if diff < p.diffMin || exponent > 31 {
				// An exponent above 31 (over 2^28/2^19 = 512 maximal
				// entries) makes every output round to zero; TFLite aborts.
				out[c] = T(lo)
				continue
			}
			prob := quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(scale, p.exp(diff)), exponent)
			out[c] = T(quant.Clamp(prob+lo, lo, hi))
		}
	}
}

// exp returns exp(beta·inputScale·diff) in Q0.31 for a difference diff ≤ 0
// no smaller than diffMin.
func (p *SoftmaxParams) exp(diff int32) int32 {
	scaled := quant.MultiplyByQuantizedMultiplierGreaterThanOne(diff, p.betaMult, p.betaLeftShift)
	return quant.ExpOnNegativeValues(scaled, softmaxDiffIntegerBits)
}
