package kernels

import (
	"fmt"
	"math"

	"github.com/percept-robotics/percept/quant"
)

// FloatClamp is RELU, RELU6 or RELU_N1_TO_1 on floats: x clamped to a
// range as TFLite does it, C++'s std::max with the lower bound then
// std::min with the upper (RELU's upper bound is +Inf), so NaN passes
// through. Prepared for a kernel target: AVX2 on the x86 SIMD targets,
// with the portable code's results bit for bit.
type FloatClamp struct {
	r    FloatRange
	simd bool
}

// NewFloatClamp prepares the clamp to r for the named kernel target.
func NewFloatClamp(target string, r FloatRange) *FloatClamp {
	return &FloatClamp{r: r, simd: floatSIMD(lookupTarget(target))}
}

// Apply sets dst[i] to src[i] clamped; dst is at least as long as src.
func (k *FloatClamp) Apply(src, dst []float32) {
	dst = dst[:len(src)]
	if k.simd {
		floatClampSIMD(src, dst, k.r)
		return
	}
	floatClampGo(src, dst, k.r)
}

// floatClampGo is FloatClamp's portable code; dst is as long as src.
func floatClampGo(src, dst []float32, r FloatRange) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = clampFloat(v, r)
	}
}

// ReluParams holds a quantized RELU, RELU6 or RELU_N1_TO_1: the input is
// requantized to the output scale by input/output, then clamped to the
// activation's range in the output's domain.
type ReluParams struct {
	inZero, outZero int32
	mult            int32
	shift           int
	actMin, actMax  int32
}

// NewReluParams prepares a quantized RELU-family activation whose real
// output range is [lower, upper] (0, +Inf for RELU; 0, 6 for RELU6; −1, 1
// for RELU_N1_TO_1), as TFLite's ReluPrepare and QuantizedReluX do.
func NewReluParams[T int8 | uint8](in, out Affine, lower, upper float32) (*ReluParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: relu: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	lo, hi := typeRange[T]()
	mult, shift := quant.QuantizeMultiplier(float64(in.Scale / out.Scale))
	p := &ReluParams{inZero: in.ZeroPoint, outZero: out.ZeroPoint, mult: mult, shift: shift, actMin: lo, actMax: hi}
	p.actMin = max(lo, out.ZeroPoint+roundToInt32(lower/out.Scale))
	if !math.IsInf(float64(upper), 1) {
		p.actMax = min(hi, out.ZeroPoint+roundToInt32(upper/out.Scale))
	}
	return p, nil
}

// roundToInt32 rounds v half away from zero (C's roundf) and converts it,
// saturating at the int32 limits instead of overflowing.
func roundToInt32(v float32) int32 {
	r := math.Round(float64(v))
	switch {
	case r >= math.MaxInt32:
		return math.MaxInt32
	case r <= math.MinInt32:
		return math.MinInt32
	case r != r: // NaN
		return 0
	}
	return int32(r)
}

// ReluQ is TFLite's quantized ReluX, used for RELU, RELU6 and RELU_N1_TO_1.
func ReluQ[T int8 | uint8](p *ReluParams, src, dst []T) {
	for i, v := range src {
		out := p.outZero + quant.MultiplyByQuantizedMultiplier(int32(v)-p.inZero, p.mult, p.shift)
		dst[i] = T(quant.Clamp(out, p.actMin, p.actMax))
	}
}

// LeakyReluF32 is LEAKY_RELU on floats: x if x > 0, else alpha·x.
func LeakyReluF32(src, dst []float32, alpha float32) {
	for i, v := range src {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = v * alpha
		}
	}
}

// LeakyReluParams holds a quantized LEAKY_RELU: two requantizations, by
// in/out for non-negative inputs and by in·alpha/out for negative ones.
type LeakyReluParams struct {
	inZero, outZero int32
	identityMult    int32
	identityShift   int
	alphaMult       int32
	alphaShift      int
}

// NewLeakyReluParams prepares a quantized LEAKY_RELU with slope alpha, with
// TFLite's float32 multiplier arithmetic.
func NewLeakyReluParams(in, out Affine, alpha float32) (*LeakyReluParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: leaky relu: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return nil, fmt.Errorf("kernels: leaky relu: alpha %g is not finite", alpha)
	}
	p := &LeakyReluParams{inZero: in.ZeroPoint, outZero: out.ZeroPoint}
	p.alphaMult, p.alphaShift = quant.QuantizeMultiplier(float64(in.Scale * alpha / out.Scale))
	p.identityMult, p.identityShift = quant.QuantizeMultiplier(float64(in.Scale / out.Scale))
	return p, nil
}

// LeakyReluQ is TFLite's quantized LEAKY_RELU (QuantizeLeakyRelu).
func LeakyReluQ[T int8 | uint8](p *LeakyReluParams, src, dst []T) {
	lo, hi := typeRange[T]()
	for i, v := range src {
		x := int32(v) - p.inZero
		var out int32
		if x >= 0 {
			out = quant.MultiplyByQuantizedMultiplier(x, p.identityMult, p.identityShift)
		} else {
			out = quant.MultiplyByQuantizedMultiplier(x, p.alphaMult, p.alphaShift)
		}
		dst[i] = T(quant.Clamp(p.outZero+out, lo, hi))
	}
}

// PreluF32 is PRELU on floats: x if x ≥ 0, else alpha·x, with alpha
// broadcast against the input (typically one slope per channel).
func PreluF32(sIn Shape4, in []float32, sAlpha Shape4, alpha []float32, dst []float32) {
	binary(sIn, in, sAlpha, alpha, dst, func(x, a float32) float32 {
		if x >= 0 {
			return x
		}
		return x * a
	})
}

// PreluParams holds a quantized PRELU: non-negative inputs are requantized
// by in/out, negative ones multiplied by the offset alpha and requantized by
// in·alpha/out.
type PreluParams struct {
	inOffset, alphaOffset, outOffset int32
	mult1, mult2                     int32
	shift1, shift2                   int
}

// NewPreluParams prepares a quantized PRELU of an input quantized as in by
// an alpha tensor quantized as alpha, with TFLite's float32 multiplier
// arithmetic.
func NewPreluParams(in, alpha, out Affine) (*PreluParams, error) {
	if !validScale(in.Scale) || !validScale(alpha.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: prelu: scales %g, %g → %g must be positive and finite", in.Scale, alpha.Scale, out.Scale)
	}
	p := &PreluParams{inOffset: -in.ZeroPoint, alphaOffset: -alpha.ZeroPoint, outOffset: out.ZeroPoint}
	p.mult1, p.shift1 = quant.QuantizeMultiplier(float64(in.Scale / out.Scale))
	p.mult2, p.shift2 = quant.QuantizeMultiplier(float64(in.Scale * alpha.Scale / out.Scale))
	return p, nil
}

// PreluQ is TFLite's quantized PRELU (BroadcastPrelu4DSlow) with alpha
// broadcast against the input.
func PreluQ[T int8 | uint8](p *PreluParams, sIn Shape4, in []T, sAlpha Shape4, alpha []T, dst []T) {
	lo, hi := typeRange[T]()
	binary(sIn, in, sAlpha, alpha, dst, func(x, a T) T {
		v := p.inOffset + int32(x)
		var out int32
		if v >= 0 {
			out = quant.MultiplyByQuantizedMultiplier(v, p.mult1, p.shift1)
		} else {
			out = quant.MultiplyByQuantizedMultiplier(v*(p.alphaOffset+int32(a)), p.mult2, p.shift2)
		}
		return T(quant.Clamp(out+p.outOffset, lo, hi))
	})
}

// HardSwishF32 is HARD_SWISH on floats: x·relu6(x+3)/6, evaluated in
// float32 in TFLite's order.
func HardSwishF32(src, dst []float32) {
	for i, v := range src {
		dst[i] = float32(v*stdMin(6, stdMax(0, v+3))) / 6
	}
}

// HardSwishParams holds TFLite's quantized HARD_SWISH parameters: 16-bit
// fixed-point multipliers for the output rescale and for the "relu-ish"
// factor that maps [−3, 3] onto [−1, 1].
type HardSwishParams struct {
	inZero, outZero int16
	outMult         int16
	outExponent     int // ≤ 0
	reluishMult     int16
	reluishExponent int
}

// NewHardSwishParams prepares a quantized HARD_SWISH as TFLite's
// HardSwishPrepare does.
func NewHardSwishParams(in, out Affine) (*HardSwishParams, error) {
	if !validScale(in.Scale) || !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: hard swish: scales %g → %g must be positive and finite", in.Scale, out.Scale)
	}
	if in.ZeroPoint < math.MinInt16 || in.ZeroPoint > math.MaxInt16 || out.ZeroPoint < math.MinInt16 || out.ZeroPoint > math.MaxInt16 {
		return nil, fmt.Errorf("kernels: hard swish: zero points %d → %d out of int16 range", in.ZeroPoint, out.ZeroPoint)
	}
	hiresInputScale := (1.0 / 128.0) * in.Scale
	const reluishScale = float32(3.0 / 32768.0)
	p := &HardSwishParams{inZero: int16(in.ZeroPoint), outZero: int16(out.ZeroPoint)}
	m, e := quant.QuantizeMultiplier(float64(hiresInputScale / out.Scale))
	if e > 0 {
		return nil, fmt.Errorf("kernels: hard swish: input scale %g is too large for output scale %g", in.Scale, out.Scale)
	}
	p.outMult, p.outExponent = quant.DownScaleInt32ToInt16Multiplier(m), e
	m, e = quant.QuantizeMultiplier(float64(hiresInputScale / reluishScale))
	p.reluishMult, p.reluishExponent = quant.DownScaleInt32ToInt16Multiplier(m), e
	return p, nil
}

// HardSwishQ is TFLite's quantized reference HARD_SWISH, with its int16
// intermediate steps (and their wrap-around) reproduced exactly.
func HardSwishQ[T int8 | uint8](p *HardSwishParams, src, dst []T) {
	lo, hi := typeRange[T]()
	for i, v := range src {
		x := int16(v) - p.inZero
		hires := x * (1 << 7)
		preshiftOut := quant.SaturatingRoundingDoublingHighMul16(hires, p.outMult)
		reluish := hires
		if p.reluishExponent > 0 {
			reluish = quant.SaturatingLeftShift16(reluish, p.reluishExponent-1)
		}
		reluish = quant.SaturatingRoundingDoublingHighMul16(reluish, p.reluishMult)
		if p.reluishExponent > 0 {
			reluish = quant.SaturatingLeftShift16(reluish, 1)
		}
		if p.reluishExponent < 0 {
			reluish = quant.RoundingDivideByPOT16(reluish, -p.reluishExponent)
		}
		// From [−1, 1] to [0, 1].
		reluish = int16((int32(reluish) + 1<<15) >> 1)
		out := quant.RoundingDivideByPOT16(quant.SaturatingDoublingHighMul16(reluish, preshiftOut), -p.outExponent)
		out += p.outZero
		dst[i] = T(min(max(int32(out), lo), hi))
	}
}

// LogisticF32 is LOGISTIC on floats with TFLite's cut-offs: 1 above
// 16.619047, exp(x) below −9, else 1/(1+exp(−x)).
func LogisticF32(src, dst []float32) {
	const upper, lower = 16.619047164916992188, -9
	for i, v := range src {
		switch {
		case v > upper:
			dst[i] = 1
		case v < lower:
			dst[i] = expf(v)
		default:
			dst[i] = 1 / (1 + expf(-v))
		}
	}
}

// expf is exp in float32. Go has no float32 exp; this rounds the float64
// result, which can differ from a C library's expf in the last bit.
func expf(v float32) float32 { return float32(math.Exp(float64(v))) }

// TanhF32 is TANH on floats.
func TanhF32(src, dst []float32) {
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// fixedInputIntegerBits is the Q4.27 format TFLite's integer LOGISTIC and
// TANH rescale their input to (kInputIntegerBits).
const fixedInputIntegerBits = 4

// SigmoidTanhParams holds the input rescaling of TFLite's reference integer
// LOGISTIC or TANH: inputs within Radius steps of the zero point are scaled
// to Q4.27 by Mult·2^Shift; beyond it the output saturates.
type SigmoidTanhParams struct {
	inZero int32
	radius int32
	mult   int32
	shift  int // ≥ 0
}

// newSigmoidTanhParams does the Prepare math shared by LOGISTIC and TANH.
func newSigmoidTanhParams(op string, in Affine) (*SigmoidTanhParams, error) {
	if !validScale(in.Scale) {
		return nil, fmt.Errorf("kernels: %s: input scale %g must be positive and finite", op, in.Scale)
	}
	multiplier := float64(in.Scale) * float64(int64(1)<<(31-fixedInputIntegerBits))
	mult, shift, err := quant.QuantizeMultiplierGreaterThanOne(multiplier)
	if err != nil {
		return nil, fmt.Errorf("kernels: %s: input scale %g too small: %w", op, in.Scale, err)
	}
	return &SigmoidTanhParams{
		inZero: in.ZeroPoint,
		radius: quant.CalculateInputRadius(fixedInputIntegerBits, shift, 31),
		mult:   mult,
		shift:  shift,
	}, nil
}

// NewLogisticParams prepares a quantized LOGISTIC. The output must be
// quantized with scale 1/256 and zero point 0 (uint8) or −128 (int8), as
// TFLite requires.
func NewLogisticParams[T int8 | uint8](in, out Affine) (*SigmoidTanhParams, error) {
	lo, _ := typeRange[T]()
	if out.Scale != 1.0/256 || out.ZeroPoint != lo {
		return nil, fmt.Errorf("kernels: logistic: output quantization (%g, %d) must be (1/256, %d)", out.Scale, out.ZeroPoint, lo)
	}
	return newSigmoidTanhParams("logistic", in)
}

// LogisticQ is TFLite's reference integer LOGISTIC (gemmlowp's fixed-point
// logistic on a Q4.27 input, rounded to 1/256 steps). TFLite's built-in
// kernel evaluates uint8 and int8 LOGISTIC through a 256-entry table
// computed in float instead, which can differ from this by one step.
func LogisticQ[T int8 | uint8](p *SigmoidTanhParams, src, dst []T) {
	lo, hi := typeRange[T]()
	for i, v := range src {
		x := int32(v) - p.inZero
		switch {
		case x <= -p.radius:
			dst[i] = T(lo)
		case x >= p.radius:
			dst[i] = T(hi)
		default:
			q4 := quant.MultiplyByQuantizedMultiplier(x, p.mult, p.shift)
			out := quant.RoundingDivideByPOT(quant.Logistic(q4, fixedInputIntegerBits), 23) // Q0.31 → 1/256 steps
			dst[i] = T(quant.Clamp(out+lo, lo, hi))
		}
	}
}

// NewTanhParams prepares a quantized TANH. The output must be quantized
// with scale 1/128 and zero point 128 (uint8) or 0 (int8), as TFLite
// requires.
func NewTanhParams[T int8 | uint8](in, out Affine) (*SigmoidTanhParams, error) {
	lo, _ := typeRange[T]()
	if out.Scale != 1.0/128 || out.ZeroPoint != lo+128 {
		return nil, fmt.Errorf("kernels: tanh: output quantization (%g, %d) must be (1/128, %d)", out.Scale, out.ZeroPoint, lo+128)
	}
	return newSigmoidTanhParams("tanh", in)
}

// TanhQ is TFLite's reference integer TANH (gemmlowp's fixed-point tanh on a
// Q4.27 input, rounded to 1/128 steps). As with LOGISTIC, TFLite's built-in
// kernel uses a float-computed table for uint8 and int8 instead.
func TanhQ[T int8 | uint8](p *SigmoidTanhParams, src, dst []T) {
	lo, hi := typeRange[T]()
	outZero := lo + 128
	for i, v := range src {
		x := int32(v) - p.inZero
		switch {
		case x <= -p.radius:
			dst[i] = T(lo)
		case x >= p.radius:
			dst[i] = T(hi)
		default:
			q4 := quant.MultiplyByQuantizedMultiplier(x, p.mult, p.shift)
			out := quant.RoundingDivideByPOT(quant.Tanh(q4, fixedInputIntegerBits), 24) // Q0.31 → 1/128 steps
			dst[i] = T(quant.Clamp(out+outZero, lo, hi))
		}
	}
}
