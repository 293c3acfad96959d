package nn

import (
	"encoding/binary"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// maxTransposeStride bounds a transposed convolution's strides.
const maxTransposeStride = 1 << 16

// transposeConvMinSplitMACs is the least work for which a transposed
// convolution splits across threads: about 20 µs of the portable kernel's.
const transposeConvMinSplitMACs = 30_000

func buildTransposeConv(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.TransposeConvOptions)
	if !ok {
		return nil, b.errorf("missing TransposeConvOptions")
	}
	shapeT, err := b.input(0)
	if err != nil {
		return nil, err
	}
	filter, err := b.input(1)
	if err != nil {
		return nil, err
	}
	in, err := b.input(2)
	if err != nil {
		return nil, err
	}
	bias := b.optionalInput(3)
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if !shapeT.constant || shapeT.Type != tflite.TypeInt32 || len(shapeT.Shape) != 1 || shapeT.NumElements() != 4 {
		return nil, b.unsupportedf("output shape %v must be a constant INT32[4] tensor", shapeT)
	}
	// The bound keeps the kernel's index arithmetic within a 32-bit int (a
	// stride near 2^31 overflowed it on 32-bit ARM); no model strides by
	// more than its output.
	if o.StrideH < 1 || o.StrideW < 1 || o.StrideH > maxTransposeStride || o.StrideW > maxTransposeStride {
		return nil, b.errorf("strides %d×%d must be in [1, %d]", o.StrideH, o.StrideW, maxTransposeStride)
	}
	var shape [4]int
	for i, d := range shapeT.Int32s() {
		if d < 1 {
			return nil, b.errorf("output shape %v has dimension %d", shapeT.Int32s(), d)
		}
		shape[i] = int(d)
	}
	t, err := b.transposeConvShapes(in, filter, bias, shape)
	if err != nil {
		return nil, err
	}
	t.StrideH, t.StrideW = int(o.StrideH), int(o.StrideW)
	same := o.Padding == tflite.PaddingSame
	if !same && o.Padding != tflite.PaddingValid {
		return nil, b.errorf("padding %d", o.Padding)
	}
	// TFLite pads as a convolution from the output back to the input would.
	_, t.PadTop = kernels.OutputSize(t.Out.H, t.Filter.H, t.StrideH, 1, same)
	_, t.PadLeft = kernels.OutputSize(t.Out.W, t.Filter.W, t.StrideW, 1, same)
	if err := b.setShape(out, shape[:]); err != nil {
		return nil, err
	}
	switch in.Type {
	case tflite.TypeFloat32:
		return b.transposeConvFloat(t, o.FusedActivationFunction, in, filter, bias, out)
	case tflite.TypeUint8:
		if q := filter.Quantization; q != nil && len(q.Scale) > 1 {
			return nil, b.unsupportedf("uint8 filter %v is quantized per channel", filter)
		}
		return transposeConvQuantized[uint8](b, t, o.FusedActivationFunction, in, filter, bias, out)
	case tflite.TypeInt8:
		return transposeConvQuantized[int8](b, t, o.FusedActivationFunction, in, filter, bias, out)
	}
	return nil, b.unsupportedf("input %v has type %s, want FLOAT32, UINT8 or INT8", in, in.Type)
}

// transposeConvShapes checks the shapes of a transposed convolution's input,
// constant OHWI filter and optional bias against the output shape, and
// returns its geometry without strides and padding.
func (b *builder) transposeConvShapes(in, filter, bias *Tensor, out [4]int) (*kernels.TransposeConv, error) {
	for _, t := range []*Tensor{in, filter} {
		if err := b.expectRank(t, 4); err != nil {
			return nil, err
		}
	}
	if !filter.constant {
		return nil, b.unsupportedf("filter %v is not constant", filter)
	}
	is, fs := shape4(in.Shape), shape4(filter.Shape)
	if is.C != fs.C {
		return nil, b.errorf("filter %v does not take the %d channels of input %v", filter, is.C, in)
	}
	if out[0] != is.N || out[3] != fs.N {
		return nil, b.errorf("output shape %v: want batch %d and %d channels from input %v and filter %v", out, is.N, fs.N, in, filter)
	}
	if is.Size() == 0 || fs.Size() == 0 {
		return nil, b.errorf("input %v or filter %v has no elements", in, filter)
	}
	if bias != nil && bias.NumElements() != fs.N {
		return nil, b.errorf("bias %v must have %d elements", bias, fs.N)
	}
	if !boundedShape(out[:]) {
		return nil, b.errorf("output shape %v has too many elements", out)
	}
	return &kernels.TransposeConv{In: is, Filter: fs, Out: shape4(out[:])}, nil
}

// transposeConvFloat prepares a float transposed convolution.
func (b *builder) transposeConvFloat(t *kernels.TransposeConv, a tflite.Activation, in, filter, bias, out *Tensor) (*op, error) {
	act, err := b.floatActivation(a)
	if err != nil {
		return nil, err
	}
	for _, x := range []*Tensor{filter, out} {
		if err := b.expectType(x, tflite.TypeFloat32); err != nil {
			return nil, err
		}
	}
	biasData, err := b.floatBias(bias)
	if err != nil {
		return nil, err
	}
	w := filter.Float32s()
	return &op{rows: t.Rows(), macs: t.MACs(), minSplitMACs: transposeConvMinSplitMACs,
		runRows: func(_, lo, hi int) {
			kernels.TransposeConvF32(t, in.Float32s(), w, biasData, act, out.Float32s(), lo, hi)
		}}, nil
}

// transposeConvQuantized prepares a quantized transposed convolution: uint8
// quantized per tensor, int8 per output channel (the filter's dimension 0).
func transposeConvQuantized[T int8 | uint8](b *builder, t *kernels.TransposeConv, a tflite.Activation, in, filter, bias, out *Tensor) (*op, error) {
	r, err := b.requant(in, filter, bias, out, a, t.Filter.N, 0, in.Type == tflite.TypeUint8)
	if err != nil {
		return nil, err
	}
	biasData, err := b.int32Bias(bias)
	if err != nil {
		return nil, err
	}
	w := viewAs[T](filter)
	return &op{rows: t.Rows(), macs: t.MACs(), minSplitMACs: transposeConvMinSplitMACs,
		runRows: func(_, lo, hi int) {
			kernels.TransposeConvQ(t, r, viewAs[T](in), w, biasData, viewAs[T](out), lo, hi)
		}}, nil
}

// MediaPipe's TfLitePadding values in Convolution2DTransposeBias's options.
const (
	mediaPipePaddingSame  = 1
	mediaPipePaddingValid = 2
)

// buildConvolution2DTransposeBias prepares MediaPipe's custom transposed
// convolution with bias (its segmentation models' upsampling): inputs
// input, OHWI filter and bias, all float32; its custom options are the raw
// bytes of a TfLiteTransposeConvParams, three little-endian int32 (padding
// as TfLitePadding: 1 SAME, 2 VALID; stride width; stride height). The
// output size and padding follow MediaPipe's kernel.
func buildConvolution2DTransposeBias(b *builder) (*op, error) {
	raw := b.op.CustomOptions
	if len(raw) < 12 {
		return nil, b.errorf("custom options hold %d bytes, want 12 (padding, stride width, stride height)", len(raw))
	}
	padding := int32(binary.LittleEndian.Uint32(raw[0:]))
	strideW := int32(binary.LittleEndian.Uint32(raw[4:]))
	strideH := int32(binary.LittleEndian.Uint32(raw[8:]))
	if padding != mediaPipePaddingSame && padding != mediaPipePaddingValid {
		return nil, b.errorf("padding %d, want 1 (SAME) or 2 (VALID)", padding)
	}
	if strideH < 1 || strideW < 1 || strideH > maxTransposeStride || strideW > maxTransposeStride {
		return nil, b.errorf("strides %d×%d must be in [1, %d]", strideH, strideW, maxTransposeStride)
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	filter, err := b.input(1)
	if err != nil {
		return nil, err
	}
	bias, err := b.input(2)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(in, tflite.TypeFloat32); err != nil {
		return nil, err
	}
	for _, x := range []*Tensor{in, filter} {
		if err := b.expectRank(x, 4); err != nil {
			return nil, err
		}
	}
	is, fs := shape4(in.Shape), shape4(filter.Shape)
	// MediaPipe's output: stride·(in − 1) + filter, less the SAME padding
	// filter − (in − 1) mod stride − 1 (at least 0), half of it before.
	size := func(in, f, stride int) (out, pad int) {
		total := 0
		if padding == mediaPipePaddingSame && in > 0 {
			total = max(0, f-(in-1)%stride-1)
		}
		return stride*(in-1) + f - total, total / 2
	}
	outH, padTop := size(is.H, fs.H, int(strideH))
	outW, padLeft := size(is.W, fs.W, int(strideW))
	if outH < 1 || outW < 1 {
		return nil, b.errorf("input %v and filter %v give an empty output", in, filter)
	}
	t, err := b.transposeConvShapes(in, filter, bias, [4]int{is.N, outH, outW, fs.N})
	if err != nil {
		return nil, err
	}
	t.StrideH, t.StrideW, t.PadTop, t.PadLeft, t.BiasFirst = int(strideH), int(strideW), padTop, padLeft, true
	if err := b.setShape(out, []int{is.N, outH, outW, fs.N}); err != nil {
		return nil, err
	}
	return b.transposeConvFloat(t, tflite.ActNone, in, filter, bias, out)
}
