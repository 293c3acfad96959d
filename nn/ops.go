package nn

import "github.com/percept-robotics/percept/tflite"

// The operator table. Each builder lives in ops_<family>.go, beside the
// kernels of internal/kernels/<family>.go; builder.go holds what builders
// share. Adding an operator is a builder there, a line here and a row in
// README.md's "Supported operators" table.

// builtinOps maps each supported builtin operator to its builder.
var builtinOps = map[tflite.BuiltinOperator]builderFunc{
	tflite.OpConv2D:                buildConv2D,
	tflite.OpDepthwiseConv2D:       buildDepthwiseConv2D,
	tflite.OpFullyConnected:        buildFullyConnected,
	tflite.OpAdd:                   buildAdd,
	tflite.OpSub:                   buildSub,
	tflite.OpMul:                   buildMul,
	tflite.OpDiv:                   buildDiv,
	tflite.OpFloorDiv:              buildFloorDiv,
	tflite.OpSqrt:                  buildSqrt,
	tflite.OpTransposeConv:         buildTransposeConv,
	tflite.OpRsqrt:                 buildRsqrt,
	tflite.OpExp:                   buildExp,
	tflite.OpMaximum:               buildMaximum,
	tflite.OpMinimum:               buildMinimum,
	tflite.OpSquaredDifference:     buildSquaredDifference,
	tflite.OpSum:                   buildSum,
	tflite.OpReduceMax:             buildReduceMax,
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
	tflite.OpArgMax:                buildArgMax,
	tflite.OpArgMin:                buildArgMin,
	tflite.OpCast:                  buildCast,
	tflite.OpGatherND:              buildGatherND,
	tflite.OpPack:                  buildPack,
	tflite.OpUnpack:                buildUnpack,
	tflite.OpGather:                buildGather,
	tflite.OpSplit:                 buildSplit,
	tflite.OpSplitV:                buildSplitV,
	tflite.OpSlice:                 buildSlice,
	tflite.OpStridedSlice:          buildStridedSlice,
	tflite.OpTranspose:             buildTranspose,
	tflite.OpDepthToSpace:          buildDepthToSpace,
	tflite.OpSpaceToDepth:          buildSpaceToDepth,
}

// customOps maps each supported custom operator code to its builder.
var customOps = map[string]builderFunc{
	"TFLite_Detection_PostProcess": buildDetectionPostProcess,
	"Convolution2DTransposeBias":   buildConvolution2DTransposeBias,
}
