package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// builtinOps maps each supported builtin operator to its builder.
var builtinOps map[tflite.BuiltinOperator]builderFunc

// customOps maps each supported custom operator code to its builder.
var customOps map[string]builderFunc

func init() {
	builtinOps = map[tflite.BuiltinOperator]builderFunc{
		tflite.OpConv2D:                buildConv2D,
		tflite.OpDepthwiseConv2D:       buildDepthwiseConv2D,
		tflite.OpFullyConnected:        buildFullyConnected,
		tflite.OpAdd:                   buildAdd,
		tflite.OpSub:                   buildSub,
		tflite.OpMul:                   buildMul,
		tflite.OpConcatenation:         buildConcatenation,
		tflite.OpReshape:               buildReshape,
		tflite.OpSqueeze:               buildSqueeze,
		tflite.OpSoftmax:               buildSoftmax,
		tflite.OpLogistic:              buildLogistic,
		tflite.OpTanh:                  buildTanh,
		tflite.OpAveragePool2D:         buildAveragePool,
		tflite.OpMaxPool2D:             buildMaxPool,
		tflite.OpRelu:                  buildRelu,
		tflite.OpRelu6:                 buildRelu6,
		tflite.OpReluN1To1:             buildReluN1To1,
		tflite.OpLeakyRelu:             buildLeakyRelu,
		tflite.OpPrelu:                 buildPrelu,
		tflite.OpHardSwish:             buildHardSwish,
		tflite.OpPad:                   buildPad,
		tflite.OpPadV2:                 buildPad,
		tflite.OpMean:                  buildMean,
		tflite.OpQuantize:              buildQuantize,
		tflite.OpDequantize:            buildDequantize,
		tflite.OpResizeBilinear:        buildResizeBilinear,
		tflite.OpResizeNearestNeighbor: buildResizeNearestNeighbor,
	}
	customOps = map[string]builderFunc{
		"TFLite_Detection_PostProcess": buildDetectionPostProcess,
	}
}

// shape4 reads an NHWC shape of rank at most 4, padding it at the front
// with ones.
func (b *builder) padded4(t *Tensor) (kernels.Shape4, error) {
	if len(t.Shape) > 4 {
		return kernels.Shape4{}, b.unsupportedf("%v has rank %d, above 4", t, len(t.Shape))
	}
	d := [4]int{1, 1, 1, 1}
	copy(d[4-len(t.Shape):], t.Shape)
	return kernels.Shape4{N: d[0], H: d[1], W: d[2], C: d[3]}, nil
}

// affine is the per-tensor quantization of t as kernels take it, with the
// zero point checked against t's type.
func (b *builder) affine(t *Tensor) (kernels.Affine, error) {
	qmin, qmax := typeLimits(t.Type)
	scale, zero, err := b.quantizedIn(t, qmin, qmax)
	return kernels.Affine{Scale: scale, ZeroPoint: zero}, err
}

// unary fetches the input and output of a one-in one-out operator that
// keeps shape and type.
func (b *builder) unary(types ...tflite.TensorType) (in, out *Tensor, err error) {
	if in, err = b.input(0); err != nil {
		return nil, nil, err
	}
	if out, err = b.output(0); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(in, types...); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(out, in.Type); err != nil {
		return nil, nil, err
	}
	return in, out, b.setShape(out, in.Shape)
}
