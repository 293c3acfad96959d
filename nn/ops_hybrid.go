package nn

import (
	"math"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// Hybrid ("dynamic-range") layers: CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED with a float32 input and output and int8 weights, as
// TFLite's dynamic-range quantization writes them. The input is quantized
// on the fly, once per invocation, before the layer's rows split across
// the workers (see kernels.Hybrid); the quantized input lives in memory the
// layer allocates when it is built, so invocations allocate nothing.

// hybridScales returns the scales of a hybrid layer's int8 weights, which
// must be symmetric (zero points 0) with one positive finite scale, or one
// per output channel along channelDim.
func (b *builder) hybridScales(filter *Tensor, channels, channelDim int) ([]float32, error) {
	fq := filter.Quantization
	if fq == nil || len(fq.Scale) == 0 {
		return nil, b.errorf("int8 weights %v have no quantization parameters", filter)
	}
	if len(fq.Scale) != 1 && (len(fq.Scale) != channels || int(fq.QuantizedDimension) != channelDim) {
		return nil, b.errorf("int8 weights %v have %d scales along dimension %d, want 1 or %d along %d",
			filter, len(fq.Scale), fq.QuantizedDimension, channels, channelDim)
	}
	for _, s := range fq.Scale {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return nil, b.errorf("int8 weights %v have scale %g", filter, s)
		}
	}
	for _, z := range fq.ZeroPoint {
		if z != 0 {
			return nil, b.unsupportedf("int8 weights %v of a float layer have zero point %d, TFLite's hybrid kernels require 0", filter, z)
		}
	}
	return fq.Scale, nil
}

// convHybrid prepares a hybrid convolution (depthwise when depthwise is
// set) of float input in with int8 filter.
func convHybrid(b *builder, depthwise bool, p *kernels.ConvGeometry, act tflite.Activation,
	in, filter, bias, out *Tensor, is, fs, os kernels.Shape4, macs int64) (*op, error) {
	channelDim := 0
	if depthwise {
		channelDim = 3
	}
	scales, err := b.hybridScales(filter, os.C, channelDim)
	if err != nil {
		return nil, err
	}
	rng, biasData, err := b.floatLayer(act, bias, out)
	if err != nil {
		return nil, err
	}
	it := b.g.it
	var h *kernels.Hybrid
	if depthwise {
		h = kernels.NewDepthwiseConvHybrid(it.target, it.threads, p, rng, is, fs, os, filter.Int8s(), scales, biasData)
	} else {
		h = kernels.NewConvHybrid(it.target, it.threads, p, rng, is, fs, os, filter.Int8s(), scales, biasData)
	}
	return hybridOp(it, h, in, out, macs), nil
}

// fullyConnectedHybrid prepares a hybrid fully connected layer of float
// input in with int8 weights filter [outDepth, inDepth]; each batch row is
// quantized asymmetrically when asymmetric is set (the options'
// asymmetric_quantize_inputs), else symmetrically, as TFLite does.
func fullyConnectedHybrid(b *builder, act tflite.Activation, asymmetric bool, in, filter, bias, out *Tensor,
	batches, inDepth, outDepth int, macs int64) (*op, error) {
	scales, err := b.hybridScales(filter, outDepth, 0)
	if err != nil {
		return nil, err
	}
	rng, biasData, err := b.floatLayer(act, bias, out)
	if err != nil {
		return nil, err
	}
	it := b.g.it
	h := kernels.NewFullyConnectedHybrid(it.target, it.threads, rng, batches, inDepth, outDepth, filter.Int8s(), scales, biasData, !asymmetric)
	return hybridOp(it, h, in, out, macs), nil
}

// hybridOp is the op running hybrid layer h from tensor in to tensor out:
// it quantizes the input on the calling goroutine, then runs the output's
// rows across the interpreter's workers when the layer is worth splitting.
func hybridOp(it *Interpreter, h *kernels.Hybrid, in, out *Tensor, macs int64) *op {
	rows := func(worker, lo, hi int) { h.Run(worker, viewAs[float32](out), lo, hi) }
	return &op{macs: macs, run: func() {
		h.Quantize(viewAs[float32](in))
		if macs < h.MinSplitMACs() {
			rows(0, 0, h.Rows())
			return
		}
		it.pool.parallel(h.Rows(), rows)
	}}
}
