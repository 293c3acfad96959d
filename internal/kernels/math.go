package kernels

import (
	"fmt"
	"math"
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
// offset. TFLite fails Invoke on a negative input; here its result is the
// output's zero point (real 0), clamped.
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
