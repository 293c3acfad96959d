package quant

import "math"

// FusedActivation is an activation function that TFLite fuses into the
// preceding operator as a clamp of its output.
type FusedActivation int

// The fused activations that reduce to a clamp.
const (
	ActNone      FusedActivation = iota // no clamp beyond the type's range
	ActRelu                             // max(x, 0)
	ActRelu6                            // min(max(x, 0), 6)
	ActReluN1To1                        // min(max(x, -1), 1)
)

// ConvMultipliers returns the fixed-point multipliers of a convolution, depthwise
// convolution or fully connected layer, one (mult, shift) pair per output channel
// for the effective scale inputScale·filterScale[c]/outputScale, as TFLite's
// PopulateConvolutionQuantizationParams and GetQuantizedConvolutionMultipler
// compute them.
//
// filterScales holds either one scale (per-tensor quantization), which is
// repeated for all n channels, or n scales (per-channel quantization); callers
// check that. Scales are multiplied in float64, as TFLite's
// PopulateConvolutionQuantizationParams does, except that with legacy set a
// single per-tensor scale is multiplied in float32 and only then widened, as
// TFLite's GetQuantizedConvolutionMultipler does for uint8 convolutions and
// for fully connected layers.
func ConvMultipliers(inputScale float32, filterScales []float32, outputScale float32, n int, legacy bool) (mult []int32, shift []int) {
	mult, shift = make([]int32, n), make([]int, n)
	for c := range n {
		var effective float64
		if len(filterScales) == 1 && legacy {
			effective = float64(inputScale*filterScales[0]) / float64(outputScale)
		} else {
			effective = float64(inputScale) * float64(filterScales[min(c, len(filterScales)-1)]) / float64(outputScale)
		}
		mult[c], shift[c] = QuantizeMultiplier(effective)
	}
	return mult, shift
}

// ActivationRange returns the clamp range [lo, hi] of a fused activation in the
// quantized domain of (scale, zeroPoint), restricted to the type's limits
// [qmin, qmax], as TFLite's CalculateActivationRangeQuantized: a bound is
// zeroPoint + round(bound/scale), the division done in float32. A bound beyond
// the int32 range saturates to the type's limit instead of overflowing.
func ActivationRange(kind FusedActivation, scale float32, zeroPoint int32, qmin, qmax int32) (lo, hi int32) {
	bound := func(real float32) int32 {
		q := math.Round(float64(real/scale)) + float64(zeroPoint)
		return int32(math.Max(float64(qmin), math.Min(float64(qmax), q)))
	}
	switch kind {
	case ActRelu:
		return bound(0), qmax
	case ActRelu6:
		return bound(0), bound(6)
	case ActReluN1To1:
		return bound(-1), bound(1)
	}
	return qmin, qmax
}

// FloatActivationRange returns the clamp range of a fused activation on float
// data: ±MaxFloat32 for ActNone, [0, MaxFloat32] for ActRelu, [0, 6] for
// ActRelu6 and [-1, 1] for ActReluN1To1.
func FloatActivationRange(kind FusedActivation) (lo, hi float32) {
	switch kind {
	case ActRelu:
		return 0, math.MaxFloat32
	case ActRelu6:
		return 0, 6
	case ActReluN1To1:
		return -1, 1
	}
	return -math.MaxFloat32, math.MaxFloat32
}
