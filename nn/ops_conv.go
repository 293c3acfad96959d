package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// convGeometry is what CONV_2D and DEPTHWISE_CONV_2D share once their
// options are read.
type convGeometry struct {
	padding              tflite.Padding
	strideH, strideW     int32
	dilationH, dilationW int32
	depthMultiplier      int32
	activation           tflite.Activation
}

func buildConv2D(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.Conv2DOptions)
	if !ok {
		return nil, b.errorf("missing Conv2DOptions")
	}
	return b.buildConvolution(false, convGeometry{
		padding: o.Padding, strideH: o.StrideH, strideW: o.StrideW,
		dilationH: o.DilationHFactor, dilationW: o.DilationWFactor,
		activation: o.FusedActivationFunction,
	})
}

func buildDepthwiseConv2D(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.DepthwiseConv2DOptions)
	if !ok {
		return nil, b.errorf("missing DepthwiseConv2DOptions")
	}
	return b.buildConvolution(true, convGeometry{
		padding: o.Padding, strideH: o.StrideH, strideW: o.StrideW,
		dilationH: o.DilationHFactor, dilationW: o.DilationWFactor,
		depthMultiplier: o.DepthMultiplier, activation: o.FusedActivationFunction,
	})
}

// buildConvolution validates and prepares a regular or depthwise 2-D
// convolution.
func (b *builder) buildConvolution(depthwise bool, geo convGeometry) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	filter := b.weightInput(1)
	if filter == nil {
		return nil, b.errorf("missing filter")
	}
	bias := b.optionalInput(2)
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{in, filter} {
		if err := b.expectRank(t, 4); err != nil {
			return nil, err
		}
	}
	if !filter.constant {
		return nil, b.unsupportedf("filter %v is not constant", filter)
	}
	if geo.strideH < 1 || geo.strideW < 1 || geo.dilationH < 1 || geo.dilationW < 1 {
		return nil, b.errorf("strides %d×%d and dilations %d×%d must be positive", geo.strideH, geo.strideW, geo.dilationH, geo.dilationW)
	}
	is, fs := shape4(in.Shape), shape4(filter.Shape)
	p := kernels.ConvGeometry{
		StrideH: int(geo.strideH), StrideW: int(geo.strideW),
		DilationH: int(geo.dilationH), DilationW: int(geo.dilationW),
	}
	same := geo.padding == tflite.PaddingSame
	outH, padTop := kernels.OutputSize(is.H, fs.H, p.StrideH, p.DilationH, same)
	outW, padLeft := kernels.OutputSize(is.W, fs.W, p.StrideW, p.DilationW, same)
	p.PadTop, p.PadLeft = padTop, padLeft
	var outC int
	if depthwise {
		if fs.N != 1 {
			return nil, b.errorf("depthwise filter %v must have a leading dimension of 1", filter)
		}
		outC = fs.C
		if is.C == 0 || outC%is.C != 0 {
			return nil, b.errorf("filter %v has %d channels, not a multiple of the input's %d", filter, outC, is.C)
		}
		p.DepthMultiplier = outC / is.C
		if geo.depthMultiplier != 0 && int(geo.depthMultiplier) != p.DepthMultiplier {
			return nil, b.errorf("depth multiplier %d disagrees with filter %v over input %v", geo.depthMultiplier, filter, in)
		}
	} else {
		outC = fs.N
		if fs.C != is.C {
			return nil, b.unsupportedf("filter %v over input %v (grouped convolution)", filter, in)
		}
	}
	if outH <= 0 || outW <= 0 {
		return nil, b.errorf("filter %v does not fit input %v", filter, in)
	}
	os := kernels.Shape4{N: is.N, H: outH, W: outW, C: outC}
	if err := b.setShape(out, []int{os.N, os.H, os.W, os.C}); err != nil {
		return nil, err
	}
	if bias != nil && (len(bias.Shape) != 1 || bias.Shape[0] != outC) {
		return nil, b.errorf("bias %v must have shape [%d]", bias, outC)
	}
	taps := fs.H * fs.W
	if !depthwise {
		taps *= fs.C
	}
	macs := int64(os.Size()) * int64(taps)
	b.describeLayer(in, filter, bias, out, &p, macs)

	switch in.Type {
	case tflite.TypeFloat32:
		if filter.Type == tflite.TypeInt8 {
			return convHybrid(b, depthwise, &p, geo.activation, in, filter, bias, out, is, fs, os, macs)
		}
		act, biasData, err := b.floatLayer(geo.activation, bias, out)
		if err != nil {
			return nil, err
		}
		if half := b.g.halfOf[filter.Index]; half != nil {
			return convFloat(b, depthwise, &p, act, in, out, is, fs, os, viewAs[kernels.Half](half), biasData, macs), nil
		}
		if err := b.expectType(filter, tflite.TypeFloat32); err != nil {
			return nil, err
		}
		return convFloat(b, depthwise, &p, act, in, out, is, fs, os, filter.Float32s(), biasData, macs), nil
	case tflite.TypeUint8:
		return convQuantized[uint8](b, depthwise, &p, geo.activation, in, filter, bias, out, is, fs, os, macs)
	case tflite.TypeInt8:
		return convQuantized[int8](b, depthwise, &p, geo.activation, in, filter, bias, out, is, fs, os, macs)
	}
	return nil, b.unsupportedf("input %v has type %s", in, in.Type)
}

// convFloat prepares the float convolution with weights of type W (float32,
// or float16 kept as such) for the interpreter's kernel target.
func convFloat[W float32 | kernels.Half](b *builder, depthwise bool, p *kernels.ConvGeometry, act kernels.FloatRange,
	in, out *Tensor, is, fs, os kernels.Shape4, w []W, bias []float32, macs int64) *op {
	var l *kernels.Layer[float32]
	if depthwise {
		l = kernels.NewDepthwiseConvF32(b.g.it.target, b.g.it.threads, p, act, is, fs, os, w, bias)
	} else {
		l = kernels.NewConvF32(b.g.it.target, b.g.it.threads, p, act, is, fs, os, w, bias)
	}
	return layerOp(l, in, out, macs)
}

// convQuantized prepares the integer convolution for element type T.
func convQuantized[T int8 | uint8](b *builder, depthwise bool, p *kernels.ConvGeometry, act tflite.Activation,
	in, filter, bias, out *Tensor, is, fs, os kernels.Shape4, macs int64) (*op, error) {
	channelDim := 0
	if depthwise {
		channelDim = 3
	}
	r, err := b.requant(in, filter, bias, out, act, os.C, channelDim, in.Type == tflite.TypeUint8)
	if err != nil {
		return nil, err
	}
	biasData, err := b.int32Bias(bias)
	if err != nil {
		return nil, err
	}
	var l *kernels.Layer[T]
	if depthwise {
		l = kernels.NewDepthwiseConvQ(b.g.it.target, b.g.it.threads, p, r, is, fs, os, viewAs[T](filter), biasData)
	} else {
		l = kernels.NewConvQ(b.g.it.target, b.g.it.threads, p, r, is, fs, os, viewAs[T](filter), biasData)
	}
	return layerOp(l, in, out, macs), nil
}

// layerOp is the op running prepared layer l from tensor in to tensor out,
// whose data it reads when it runs (the arena is laid out after the op is
// built).
func layerOp[T int8 | uint8 | float32](l *kernels.Layer[T], in, out *Tensor, macs int64) *op {
	return &op{rows: l.Rows(), macs: macs, minSplitMACs: l.MinSplitMACs(),
		runRows: func(worker, lo, hi int) { l.Run(worker, viewAs[T](in), viewAs[T](out), lo, hi) }}
}
