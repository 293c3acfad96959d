package nn

import (
	"math"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/quant"
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
	p := kernels.ConvParams{
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

	switch in.Type {
	case tflite.TypeFloat32:
		act, err := b.floatActivation(geo.activation)
		if err != nil {
			return nil, err
		}
		biasData, err := b.floatBias(bias)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(out, tflite.TypeFloat32); err != nil {
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
// or float16 kept as such): the reference kernels for the generic target,
// else kernels prepared once, here, for the interpreter's target, which
// widen float16 weights as they pack them (or, on the fp16 target, narrow
// float32 weights: it computes in half precision).
func convFloat[W float32 | kernels.Half](b *builder, depthwise bool, p *kernels.ConvParams, act kernels.FloatRange,
	in, out *Tensor, is, fs, os kernels.Shape4, w []W, bias []float32, macs int64) *op {
	target := b.g.it.target
	switch {
	case target == kernels.Generic:
		// For float16 weights: the whole depthwise filter, or four filters
		// of a regular convolution, widened at a time.
		scratchLen := fs.H * fs.W * fs.C
		if !depthwise {
			scratchLen *= 4
		}
		scratch := perWorker[float32](b, scratchLen)
		run := func(worker, lo, hi int) {
			if depthwise {
				kernels.DepthwiseConvF32(p, act, is, in.Float32s(), fs, w, bias, os, out.Float32s(), lo, hi, scratch[worker])
			} else {
				kernels.ConvF32(p, act, is, in.Float32s(), fs, w, bias, os, out.Float32s(), lo, hi, scratch[worker])
			}
		}
		return &op{rows: os.N * os.H, runRows: run, macs: macs}
	case depthwise && target == kernels.FP16:
		// Half precision: the input rows each worker reads are narrowed
		// into its scratch.
		k := kernels.NewDepthwiseF16(p, act, is, fs, os, w, bias)
		scratch := perWorker[kernels.Half](b, k.ScratchLen())
		run := func(worker, lo, hi int) { k.Run(in.Float32s(), out.Float32s(), lo, hi, scratch[worker]) }
		return &op{rows: os.N * os.H, runRows: run, macs: macs}
	case depthwise:
		k := kernels.NewDepthwiseF32(target, p, act, is, fs, os, w, bias)
		run := func(_, lo, hi int) { k.Run(in.Float32s(), out.Float32s(), lo, hi) }
		return &op{rows: os.N * os.H, runRows: run, macs: macs}
	case fs.H == 1 && fs.W == 1 && p.StrideH == 1 && p.StrideW == 1:
		// A GEMM over pixels.
		k := newPointwiseFloat(target, act, fs.C, fs.N, w, bias)
		run := func(_, lo, hi int) { k.Run(in.Float32s(), out.Float32s(), lo, hi) }
		return &op{rows: os.N * os.H * os.W, runRows: run, macs: macs}
	}
	// Other convolutions gather each output row's windows into per-worker
	// scratch and reuse the GEMM.
	var k interface {
		ScratchLen() int
		Run(in, out []float32, y0, y1 int, scratch []float32)
	}
	if target == kernels.FP16 {
		k = kernels.NewConvGemmF16(p, act, is, fs, os, w, bias)
	} else {
		k = kernels.NewConvGemmF32(target, p, act, is, fs, os, w, bias)
	}
	scratch := perWorker[float32](b, k.ScratchLen())
	run := func(worker, lo, hi int) { k.Run(in.Float32s(), out.Float32s(), lo, hi, scratch[worker]) }
	return &op{rows: os.N * os.H, runRows: run, macs: macs}
}

// pointwiseFloat is a prepared float GEMM over pixels: a
// kernels.PointwiseF32 or PointwiseF16.
type pointwiseFloat interface {
	Run(in, out []float32, p0, p1 int)
}

// newPointwiseFloat prepares a float GEMM over pixels (or batch rows) for
// target: in half precision for the fp16 target, else exactly.
func newPointwiseFloat[W float32 | kernels.Half](target string, act kernels.FloatRange, inDepth, outDepth int,
	w []W, bias []float32) pointwiseFloat {
	if target == kernels.FP16 {
		return kernels.NewPointwiseF16(act, inDepth, outDepth, w, bias)
	}
	return kernels.NewPointwiseF32(target, act, inDepth, outDepth, w, bias)
}

// convQuantized prepares the integer convolution for element type T.
func convQuantized[T int8 | uint8](b *builder, depthwise bool, p *kernels.ConvParams, act tflite.Activation,
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
	w := viewAs[T](filter)
	if !depthwise && fs.H == 1 && fs.W == 1 && p.StrideH == 1 && p.StrideW == 1 {
		// A 1×1 stride-1 convolution is a GEMM over pixels: weights are
		// packed once, here, for the interpreter's kernel target.
		k := kernels.NewPointwiseQ(b.g.it.target, r, fs.C, fs.N, w, biasData)
		run := func(_, lo, hi int) { k.Run(viewAs[T](in), viewAs[T](out), lo, hi) }
		return &op{rows: os.N * os.H * os.W, runRows: run, macs: macs}, nil
	}
	if depthwise && b.g.it.target != kernels.Generic {
		k := kernels.NewDepthwiseQ(b.g.it.target, p, r, is, fs, os, w, biasData)
		scratch := perWorker[T](b, k.ScratchLen())
		run := func(worker, lo, hi int) { k.Run(viewAs[T](in), viewAs[T](out), lo, hi, scratch[worker]) }
		return &op{rows: os.N * os.H, runRows: run, macs: macs}, nil
	}
	if !depthwise && b.g.it.target != kernels.Generic {
		// Other convolutions gather each output row's windows (im2col,
		// one row at a time into per-worker scratch) and reuse the GEMM.
		k := kernels.NewConvGemmQ(b.g.it.target, p, r, is, fs, os, w, biasData)
		scratch := perWorker[T](b, k.ScratchLen())
		run := func(worker, lo, hi int) { k.Run(viewAs[T](in), viewAs[T](out), lo, hi, scratch[worker]) }
		return &op{rows: os.N * os.H, runRows: run, macs: macs}, nil
	}
	run := func(_, lo, hi int) {
		if depthwise {
			kernels.DepthwiseConvQ(p, r, is, viewAs[T](in), fs, w, biasData, os, viewAs[T](out), lo, hi)
		} else {
			kernels.ConvQ(p, r, is, viewAs[T](in), fs, w, biasData, os, viewAs[T](out), lo, hi)
		}
	}
	return &op{rows: os.N * os.H, runRows: run, macs: macs}, nil
}

func buildFullyConnected(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.FullyConnectedOptions)
	if !ok {
		return nil, b.errorf("missing FullyConnectedOptions")
	}
	if o.WeightsFormat != tflite.FullyConnectedWeightsDefault {
		return nil, b.unsupportedf("weights format %d", o.WeightsFormat)
	}
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
	if err := b.expectRank(filter, 2); err != nil {
		return nil, err
	}
	if !filter.constant {
		return nil, b.unsupportedf("weights %v are not constant", filter)
	}
	outDepth, inDepth := filter.Shape[0], filter.Shape[1]
	n := in.NumElements()
	if inDepth == 0 || n%inDepth != 0 {
		return nil, b.errorf("input %v does not divide into rows of %d", in, inDepth)
	}
	batches := n / inDepth
	shape := []int{batches, outDepth}
	if o.KeepNumDims {
		if len(in.Shape) == 0 || in.Shape[len(in.Shape)-1] != inDepth {
			return nil, b.errorf("keep_num_dims needs input %v to end in %d", in, inDepth)
		}
		shape = append(append([]int{}, in.Shape[:len(in.Shape)-1]...), outDepth)
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	if bias != nil && (len(bias.Shape) != 1 || bias.Shape[0] != outDepth) {
		return nil, b.errorf("bias %v must have shape [%d]", bias, outDepth)
	}
	macs := int64(batches) * int64(inDepth) * int64(outDepth)
	switch in.Type {
	case tflite.TypeFloat32:
		act, err := b.floatActivation(o.FusedActivationFunction)
		if err != nil {
			return nil, err
		}
		biasData, err := b.floatBias(bias)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(out, tflite.TypeFloat32); err != nil {
			return nil, err
		}
		if half := b.g.halfOf[filter.Index]; half != nil {
			return fullyConnectedFloat(b, act, in, out, batches, inDepth, outDepth, viewAs[kernels.Half](half), biasData, macs), nil
		}
		if err := b.expectType(filter, tflite.TypeFloat32); err != nil {
			return nil, err
		}
		return fullyConnectedFloat(b, act, in, out, batches, inDepth, outDepth, filter.Float32s(), biasData, macs), nil
	case tflite.TypeUint8:
		return fullyConnectedQuantized[uint8](b, o.FusedActivationFunction, in, filter, bias, out, batches, inDepth, outDepth, macs)
	case tflite.TypeInt8:
		return fullyConnectedQuantized[int8](b, o.FusedActivationFunction, in, filter, bias, out, batches, inDepth, outDepth, macs)
	}
	return nil, b.unsupportedf("input %v has type %s", in, in.Type)
}

// fullyConnectedFloat prepares the float fully connected layer with weights
// of type W: the reference kernel, split by output unit, for the generic
// target, else a PointwiseF32 (PointwiseF16 on fp16) prepared for the
// interpreter's target, split by batch row.
func fullyConnectedFloat[W float32 | kernels.Half](b *builder, act kernels.FloatRange, in, out *Tensor,
	batches, inDepth, outDepth int, w []W, bias []float32, macs int64) *op {
	if b.g.it.target == kernels.Generic {
		scratch := perWorker[float32](b, 4*inDepth) // four float16 rows widened at a time
		run := func(worker, lo, hi int) {
			kernels.FullyConnectedF32(act, batches, inDepth, outDepth, in.Float32s(), w, bias, out.Float32s(), lo, hi, scratch[worker])
		}
		return &op{rows: outDepth, runRows: run, macs: macs}
	}
	k := newPointwiseFloat(b.g.it.target, act, inDepth, outDepth, w, bias)
	run := func(_, lo, hi int) { k.Run(in.Float32s(), out.Float32s(), lo, hi) }
	return &op{rows: batches, runRows: run, macs: macs}
}

func fullyConnectedQuantized[T int8 | uint8](b *builder, act tflite.Activation, in, filter, bias, out *Tensor,
	batches, inDepth, outDepth int, macs int64) (*op, error) {
	r, err := b.requant(in, filter, bias, out, act, outDepth, 0, true)
	if err != nil {
		return nil, err
	}
	biasData, err := b.int32Bias(bias)
	if err != nil {
		return nil, err
	}
	w := viewAs[T](filter)
	if b.g.it.target != kernels.Generic {
		// The SIMD kernels compute a batch row's units in one pass, split
		// by batch rows: one row of a typical classifier head takes
		// microseconds.
		k := kernels.NewPointwiseQ(b.g.it.target, r, inDepth, outDepth, w, biasData)
		run := func(_, lo, hi int) { k.Run(viewAs[T](in), viewAs[T](out), lo, hi) }
		return &op{rows: batches, runRows: run, macs: macs}, nil
	}
	run := func(_, lo, hi int) {
		kernels.FullyConnectedQ(r, batches, inDepth, outDepth, viewAs[T](in), w, biasData, viewAs[T](out), lo, hi)
	}
	return &op{rows: outDepth, runRows: run, macs: macs}, nil
}

// requant computes the integer parameters of a quantized convolution or
// fully connected layer whose filter is quantized per tensor or per channel
// along channelDim, exactly as TFLite's Prepare does.
//
// legacyMultiplier selects TFLite's float32 product of per-tensor scales
// (uint8 convolutions and fully connected layers) over its float64 one.
func (b *builder) requant(in, filter, bias, out *Tensor, act tflite.Activation, channels, channelDim int, legacyMultiplier bool) (*kernels.Requant, error) {
	for _, t := range []*Tensor{filter, out} {
		if err := b.expectType(t, in.Type); err != nil {
			return nil, err
		}
	}
	if bias != nil {
		if err := b.expectType(bias, tflite.TypeInt32); err != nil {
			return nil, err
		}
	}
	qmin, qmax := typeLimits(in.Type)
	inScale, inZero, err := b.quantizedIn(in, qmin, qmax)
	if err != nil {
		return nil, err
	}
	outScale, outZero, err := b.quantizedIn(out, qmin, qmax)
	if err != nil {
		return nil, err
	}
	fq := filter.Quantization
	if fq == nil || len(fq.Scale) == 0 {
		return nil, b.errorf("filter %v has no quantization parameters", filter)
	}
	if len(fq.Scale) != 1 && (len(fq.Scale) != channels || int(fq.QuantizedDimension) != channelDim) {
		return nil, b.errorf("filter %v has %d scales along dimension %d, want 1 or %d along %d",
			filter, len(fq.Scale), fq.QuantizedDimension, channels, channelDim)
	}
	for _, s := range fq.Scale {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return nil, b.errorf("filter %v has scale %g", filter, s)
		}
	}
	filterZero := int32(0)
	if len(fq.ZeroPoint) > 0 {
		filterZero = int32(fq.ZeroPoint[0])
		for _, z := range fq.ZeroPoint {
			if int32(z) != filterZero {
				return nil, b.unsupportedf("filter %v has different zero points per channel", filter)
			}
		}
	}
	if filterZero < qmin || filterZero > qmax {
		return nil, b.errorf("filter %v has zero point %d outside [%d, %d]", filter, filterZero, qmin, qmax)
	}
	if in.Type == tflite.TypeInt8 && filterZero != 0 {
		return nil, b.unsupportedf("int8 filter %v has zero point %d, TFLite requires 0", filter, filterZero)
	}
	kind, err := b.fusedActivation(act)
	if err != nil {
		return nil, err
	}
	mult, shift := quant.ConvMultipliers(inScale, fq.Scale, outScale, channels, legacyMultiplier)
	lo, hi := quant.ActivationRange(kind, outScale, outZero, qmin, qmax)
	return &kernels.Requant{
		InputOffset: -inZero, FilterOffset: -filterZero, OutputOffset: outZero,
		Multiplier: mult, Shift: shift, ActMin: lo, ActMax: hi,
	}, nil
}

// floatBias returns the float32 data of an optional bias (nil when absent).
func (b *builder) floatBias(bias *Tensor) ([]float32, error) {
	if bias == nil {
		return nil, nil
	}
	return b.constFloats(bias)
}

// int32Bias returns the data of an optional quantized bias (nil when
// absent), which must be constant: the kernels keep the slice.
func (b *builder) int32Bias(bias *Tensor) ([]int32, error) {
	if bias == nil {
		return nil, nil
	}
	if !bias.constant {
		return nil, b.unsupportedf("bias %v is not constant", bias)
	}
	return bias.Int32s(), nil
}

// perWorker allocates, at build time, one scratch slice of n elements per
// worker thread.
func perWorker[T any](b *builder, n int) [][]T {
	s := make([][]T, b.g.it.threads)
	for i := range s {
		s[i] = make([]T, n)
	}
	return s
}

// shape4 reads a rank-4 NHWC shape.
func shape4(s []int) kernels.Shape4 {
	return kernels.Shape4{N: s[0], H: s[1], W: s[2], C: s[3]}
}
