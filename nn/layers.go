package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// ConvLayer is what New prepared a CONV_2D, DEPTHWISE_CONV_2D or
// FULLY_CONNECTED operator with, for tools that rebuild the layer in
// another engine (percept bench -compare xnnpack) and must agree with
// percept's geometry and arithmetic rather than derive them again.
type ConvLayer struct {
	Index  int // position in the subgraph's operator list
	Op     tflite.BuiltinOperator
	Input  *Tensor
	Filter *Tensor // constant; a float16 filter has no Bytes (it is kept as float16)
	Bias   *Tensor // nil when the operator has none
	Output *Tensor
	// Geometry is the window of a convolution; zero for FULLY_CONNECTED.
	Geometry ConvGeometry
	// Requant is the integer arithmetic of a quantized layer, nil for a
	// float one.
	Requant *Requantization
	// Min and Max clamp a float layer's outputs (its fused activation).
	Min, Max float32
	MACs     int64 // multiply-accumulates per invocation
}

// ConvGeometry is the window of a prepared convolution over its NHWC input.
type ConvGeometry struct {
	StrideH, StrideW     int
	DilationH, DilationW int // 1 for no dilation
	// The padding at each edge: TFLite's SAME padding puts the smaller half
	// before, VALID none.
	PadTop, PadBottom, PadLeft, PadRight int
	DepthMultiplier                      int // DEPTHWISE_CONV_2D only
}

// Requantization is the integer arithmetic of a quantized convolution or
// fully connected layer, exactly as its kernels run it: the offsets that
// undo the zero points, a fixed-point multiplier and shift per output
// channel (see quant.MultiplyByQuantizedMultiplier) and the clamp of the
// fused activation in the output's quantized domain.
type Requantization struct {
	InputOffset  int32   // minus the input zero point
	FilterOffset int32   // minus the filter zero point (0 for int8)
	OutputOffset int32   // the output zero point
	Multiplier   []int32 // one per output channel
	Shift        []int   // one per output channel; positive shifts left
	ActMin       int32
	ActMax       int32
}

// ConvLayers lists the CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// operators of the interpreter in execution order, as New prepared them.
// The Requantization values are the kernels' own: they must not be changed.
func (it *Interpreter) ConvLayers() []ConvLayer {
	var layers []ConvLayer
	for _, o := range it.ops {
		if o.layer != nil {
			layers = append(layers, *o.layer)
		}
	}
	return layers
}

// describeLayer records what the convolution or fully connected operator
// being built is prepared with (see ConvLayer); b.requant and
// b.describeClamp fill in its arithmetic. p is nil for FULLY_CONNECTED.
func (b *builder) describeLayer(in, filter, bias, out *Tensor, p *kernels.ConvGeometry, macs int64) {
	l := &ConvLayer{Index: b.index, Op: b.g.it.model.OperatorCodes[b.op.OpcodeIndex].Builtin,
		Input: in, Filter: filter, Bias: bias, Output: out, MACs: macs}
	if p != nil {
		is, fs, os := shape4(in.Shape), shape4(filter.Shape), shape4(out.Shape)
		l.Geometry = ConvGeometry{
			StrideH: p.StrideH, StrideW: p.StrideW, DilationH: p.DilationH, DilationW: p.DilationW,
			PadTop: p.PadTop, PadLeft: p.PadLeft, DepthMultiplier: p.DepthMultiplier,
			PadBottom: padAfter(is.H, fs.H, os.H, p.StrideH, p.DilationH, p.PadTop),
			PadRight:  padAfter(is.W, fs.W, os.W, p.StrideW, p.DilationW, p.PadLeft),
		}
	}
	b.layer = l
}

// describeClamp records a float layer's clamp range (see describeLayer).
func (b *builder) describeClamp(act kernels.FloatRange) {
	if b.layer != nil {
		b.layer.Min, b.layer.Max = act.Min, act.Max
	}
}

// padAfter is the padding after the last input element that a window of
// size filter needs to make out outputs with the given stride, dilation
// and padding before: none when the windows end inside the input.
func padAfter(in, filter, out, stride, dilation, before int) int {
	return max((out-1)*stride+(filter-1)*dilation+1-in-before, 0)
}
