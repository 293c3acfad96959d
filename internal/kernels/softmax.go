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
	// exps[d] is exp(beta·inputScale·(−d)) in Q0.31 and terms[d] the
	// same in Q12.19, as the row sum adds it, for each difference −d from
	// the row maximum an 8-bit input can have; both zero where −d is
	// below diffMin. SoftmaxQ reads them instead of evaluating the
	// fixed-point exp twice per element: the same integers, so the same
	// outputs.
	exps, terms [256]int32
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
	p := &SoftmaxParams{
		betaMult:      mult,
		betaLeftShift: shift,
		diffMin:       -quant.CalculateInputRadius(softmaxDiffIntegerBits, shift, 31),
	}
	for d := range p.exps {
		if diff := -int32(d); diff >= p.diffMin {
			p.exps[d] = p.exp(diff)
			p.terms[d] = quant.RoundingDivideByPOT(p.exps[d], softmaxAccumIntegerBits)
		}
	}
	return p, nil
}

// SoftmaxQ is TFLite's reference quantized SOFTMAX over rows of depth values:
// gemmlowp's fixed-point exp of each scaled difference from the row
// maximum, a Q12.19 sum, its fixed-point reciprocal, and outputs in 1/256
// steps offset by the type's minimum. The exps come from p's tables of
// that fixed-point exp, one entry per possible difference, so the outputs
// are the reference's to the bit. TFLite's built-in uint8/int8 kernel
// tabulates a float exp instead, which can differ by a step.
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
			sum += p.terms[uint8(maxVal-int32(v))]
		}
		scale, bitsOverUnit := quant.Reciprocal(sum, softmaxAccumIntegerBits)
		exponent := bitsOverUnit + 31 - 8
		if exponent > 31 {
			// Over 2^28/2^19 = 512 maximal entries every output rounds
			// to zero; TFLite aborts.
			for c := range out {
				out[c] = T(lo)
			}
			continue
		}
		for c, v := range row {
			// An excluded difference (below diffMin) has exp 0: its
			// output is lo, as the reference's.
			e := p.exps[uint8(maxVal-int32(v))]
			prob := quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(scale, e), exponent)
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
