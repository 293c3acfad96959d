package kernels

// Shape4 is the shape of an NHWC tensor: batch, height, width, channels.
type Shape4 struct{ N, H, W, C int }

// Size is the number of elements of a tensor of this shape.
func (s Shape4) Size() int { return s.N * s.H * s.W * s.C }

// ConvGeometry is the geometry of a 2-D convolution, depthwise convolution or
// pooling window.
type ConvGeometry struct {
	StrideH, StrideW     int
	DilationH, DilationW int // 1 for no dilation
	PadTop, PadLeft      int // padding before the first row and column
	DepthMultiplier      int // depthwise convolution only
}

// Requant carries the integer parameters of a quantized convolution or fully
// connected layer: the offsets that undo the zero points, the per output
// channel fixed-point multipliers (see quant.QuantizeMultiplier) and the
// clamp range of the fused activation, in the output's quantized domain. A
// per-tensor layer repeats the same multiplier for every channel.
type Requant struct {
	InputOffset  int32   // minus the input zero point
	FilterOffset int32   // minus the filter zero point (0 for symmetric int8)
	OutputOffset int32   // the output zero point
	Multiplier   []int32 // one per output channel
	Shift        []int   // one per output channel; positive shifts left
	ActMin       int32
	ActMax       int32
}

// FloatRange is the clamp range of a fused activation on float outputs.
type FloatRange struct{ Min, Max float32 }

// OutputSize returns the output extent of a window of size filter with the
// given stride and dilation over an input extent, and the padding before the
// first element, using TFLite's SAME (same=true) or VALID rule.
func OutputSize(in, filter, stride, dilation int, same bool) (out, padBefore int) {
	eff := (filter-1)*dilation + 1
	if same {
		out = (in + stride - 1) / stride
	} else {
		out = (in + stride - eff) / stride
	}
	total := (out-1)*stride + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}
