package tflite

import "math"

// The typed builtin options below mirror the schema tables of the same
// names field by field, with the schema's defaults applied to absent
// fields. Fields the schema marks deprecated are left out.

// Conv2DOptions are the options of CONV_2D.
type Conv2DOptions struct {
	Padding                 Padding
	StrideW, StrideH        int32
	FusedActivationFunction Activation
	DilationWFactor         int32 // default 1
	DilationHFactor         int32 // default 1
	QuantizedBiasType       TensorType
}

// DepthwiseConv2DOptions are the options of DEPTHWISE_CONV_2D.
type DepthwiseConv2DOptions struct {
	Padding                 Padding
	StrideW, StrideH        int32
	DepthMultiplier         int32
	FusedActivationFunction Activation
	DilationWFactor         int32 // default 1
	DilationHFactor         int32 // default 1
}

// Pool2DOptions are the options of AVERAGE_POOL_2D, MAX_POOL_2D and
// L2_POOL_2D.
type Pool2DOptions struct {
	Padding                   Padding
	StrideW, StrideH          int32
	FilterWidth, FilterHeight int32
	FusedActivationFunction   Activation
}

// FullyConnectedOptions are the options of FULLY_CONNECTED.
type FullyConnectedOptions struct {
	FusedActivationFunction  Activation
	WeightsFormat            FullyConnectedWeightsFormat
	KeepNumDims              bool
	AsymmetricQuantizeInputs bool
	QuantizedBiasType        TensorType
}

// SoftmaxOptions are the options of SOFTMAX.
type SoftmaxOptions struct {
	Beta float32
}

// ConcatenationOptions are the options of CONCATENATION.
type ConcatenationOptions struct {
	Axis                    int32
	FusedActivationFunction Activation
}

// AddOptions are the options of ADD.
type AddOptions struct {
	FusedActivationFunction Activation
	PotScaleInt16           bool // default true
}

// SubOptions are the options of SUB.
type SubOptions struct {
	FusedActivationFunction Activation
	PotScaleInt16           bool // default true
}

// MulOptions are the options of MUL.
type MulOptions struct {
	FusedActivationFunction Activation
}

// DivOptions are the options of DIV.
type DivOptions struct {
	FusedActivationFunction Activation
}

// L2NormOptions are the options of L2_NORMALIZATION.
type L2NormOptions struct {
	FusedActivationFunction Activation
}

// ResizeBilinearOptions are the options of RESIZE_BILINEAR.
type ResizeBilinearOptions struct {
	AlignCorners     bool
	HalfPixelCenters bool
}

// ResizeNearestNeighborOptions are the options of RESIZE_NEAREST_NEIGHBOR.
type ResizeNearestNeighborOptions struct {
	AlignCorners     bool
	HalfPixelCenters bool
}

// ReshapeOptions are the options of RESHAPE.
type ReshapeOptions struct {
	NewShape []int32
}

// SqueezeOptions are the options of SQUEEZE.
type SqueezeOptions struct {
	SqueezeDims []int32
}

// SpaceToDepthOptions are the options of SPACE_TO_DEPTH.
type SpaceToDepthOptions struct {
	BlockSize int32
}

// DepthToSpaceOptions are the options of DEPTH_TO_SPACE.
type DepthToSpaceOptions struct {
	BlockSize int32
}

// PadOptions are the (empty) options of PAD.
type PadOptions struct{}

// PadV2Options are the (empty) options of PADV2.
type PadV2Options struct{}

// MirrorPadOptions are the options of MIRROR_PAD.
type MirrorPadOptions struct {
	Mode MirrorPadMode
}

// GatherOptions are the options of GATHER.
type GatherOptions struct {
	Axis      int32
	BatchDims int32
}

// TransposeOptions are the (empty) options of TRANSPOSE.
type TransposeOptions struct{}

// ReducerOptions are the options of MEAN, SUM, REDUCE_MAX and the other
// reductions.
type ReducerOptions struct {
	KeepDims bool
}

// StridedSliceOptions are the options of STRIDED_SLICE.
type StridedSliceOptions struct {
	BeginMask      int32
	EndMask        int32
	EllipsisMask   int32
	NewAxisMask    int32
	ShrinkAxisMask int32
	Offset         bool
}

// SplitOptions are the options of SPLIT.
type SplitOptions struct {
	NumSplits int32
}

// SplitVOptions are the options of SPLIT_V.
type SplitVOptions struct {
	NumSplits int32
}

// CastOptions are the options of CAST.
type CastOptions struct {
	InDataType  TensorType
	OutDataType TensorType
}

// DequantizeOptions are the (empty) options of DEQUANTIZE.
type DequantizeOptions struct{}

// QuantizeOptions are the (empty) options of QUANTIZE.
type QuantizeOptions struct{}

// MaximumMinimumOptions are the (empty) options of MAXIMUM and MINIMUM.
type MaximumMinimumOptions struct{}

// ArgMaxOptions are the options of ARG_MAX.
type ArgMaxOptions struct {
	OutputType TensorType
}

// ArgMinOptions are the options of ARG_MIN.
type ArgMinOptions struct {
	OutputType TensorType
}

// TransposeConvOptions are the options of TRANSPOSE_CONV.
type TransposeConvOptions struct {
	Padding                 Padding
	StrideW, StrideH        int32
	FusedActivationFunction Activation
	QuantizedBiasType       TensorType
}

// ShapeOptions are the options of SHAPE.
type ShapeOptions struct {
	OutType TensorType
}

// PackOptions are the options of PACK.
type PackOptions struct {
	ValuesCount int32
	Axis        int32
}

// UnpackOptions are the options of UNPACK.
type UnpackOptions struct {
	Num  int32
	Axis int32
}

// LeakyReluOptions are the options of LEAKY_RELU.
type LeakyReluOptions struct {
	Alpha float32
}

// HardSwishOptions are the (empty) options of HARD_SWISH.
type HardSwishOptions struct{}

// BatchMatMulOptions are the options of BATCH_MATMUL.
type BatchMatMulOptions struct {
	AdjX, AdjY               bool
	AsymmetricQuantizeInputs bool
}

// ConcatEmbeddingsOptions are the options of CONCAT_EMBEDDINGS.
type ConcatEmbeddingsOptions struct {
	NumChannels            int32
	NumColumnsPerChannel   []int32
	EmbeddingDimPerChannel []int32
}

// VarHandleOptions are the options of VAR_HANDLE.
type VarHandleOptions struct {
	Container  string
	SharedName string
}

// BucketizeOptions are the options of BUCKETIZE.
type BucketizeOptions struct {
	Boundaries []float32
}

// RawOptions are builtin options of a type this package does not decode
// into a struct of its own, kept as the file holds them so that Write
// reproduces them. The schema gives every such type only scalar fields
// (numbers, booleans and enums), at most 8 bytes each.
type RawOptions struct {
	// Fields holds, by field slot, 8 bytes for each present field, nil for
	// an absent one. The field's value is a little-endian scalar at their
	// start (its schema type says how many bytes); the bytes after it are
	// those that followed it in the file up to the next field or the
	// alignment of its position, then zeros.
	Fields [][]byte
}

// builtinOptionsCount is the number of types of the schema's BuiltinOptions
// union, which is closed: new types go into BuiltinOptions2.
const builtinOptionsCount = 129

// offsetOptions are the BuiltinOptions tags whose tables hold vectors or
// strings, which RawOptions cannot keep; this package decodes all of them.
var offsetOptions = map[uint8]bool{3: true, 17: true, 30: true, 111: true, 115: true}

// scalarOptions2 are the BuiltinOptions2 tags whose tables hold only
// scalars: StablehloConcatenate, StablehloCompare, StablehloIota,
// StablehloSort, StablehloWhile, Dilate, StablehloRngBitGenerator,
// ReduceWindow and StablehloShiftLeft.
var scalarOptions2 = map[uint8]bool{1: true, 8: true, 11: true, 14: true, 15: true, 18: true, 19: true, 20: true, 22: true}

// readRawOptions keeps the scalar fields of the options table in field
// slot of operator table t; an absent table reads as one with no fields.
func readRawOptions(d *decoder, t table, slot int, what string) *RawOptions {
	o, ok := d.subTable(t, slot, what)
	if !ok {
		return &RawOptions{}
	}
	if !d.spend(o.slots, what) {
		return nil
	}
	offsets := make([]int, o.slots)
	for i := range offsets {
		offsets[i] = int(d.u16(o.vtable + 4 + 2*i))
	}
	r := &RawOptions{Fields: make([][]byte, o.slots)}
	for i, off := range offsets {
		if off == 0 {
			continue
		}
		// A scalar of size n lies at a multiple of n and ends at or before
		// the next field: take the most bytes that could be one.
		next := math.MaxInt
		for _, other := range offsets {
			if other > off {
				next = min(next, other)
			}
		}
		size := 8
		for size > 1 && (off+size > next || (o.pos+off)%size != 0 || !d.within(o.pos+off, uint64(size))) {
			size /= 2
		}
		p, ok := d.field(o, i, size, what)
		if !ok {
			return nil
		}
		r.Fields[i] = make([]byte, 8)
		copy(r.Fields[i], d.buf[p:p+size])
	}
	// A vtable may list absent fields at its end; writers drop them.
	for len(r.Fields) > 0 && r.Fields[len(r.Fields)-1] == nil {
		r.Fields = r.Fields[:len(r.Fields)-1]
	}
	return r
}

// optionsReader reads one typed options table.
type optionsReader func(d *decoder, t table) any

// builtinOptionsReaders maps the BuiltinOptions union tags this package
// decodes to their readers; the tags are the positions of the types in the
// schema's union, counting from 1.
var builtinOptionsReaders = map[uint8]optionsReader{
	1: func(d *decoder, t table) any {
		return &Conv2DOptions{
			Padding:                 Padding(d.int8Field(t, 0, 0, "Conv2DOptions.padding")),
			StrideW:                 d.int32Field(t, 1, 0, "Conv2DOptions.stride_w"),
			StrideH:                 d.int32Field(t, 2, 0, "Conv2DOptions.stride_h"),
			FusedActivationFunction: Activation(d.int8Field(t, 3, 0, "Conv2DOptions.fused_activation_function")),
			DilationWFactor:         d.int32Field(t, 4, 1, "Conv2DOptions.dilation_w_factor"),
			DilationHFactor:         d.int32Field(t, 5, 1, "Conv2DOptions.dilation_h_factor"),
			QuantizedBiasType:       TensorType(d.int8Field(t, 6, 0, "Conv2DOptions.quantized_bias_type")),
		}
	},
	2: func(d *decoder, t table) any {
		return &DepthwiseConv2DOptions{
			Padding:                 Padding(d.int8Field(t, 0, 0, "DepthwiseConv2DOptions.padding")),
			StrideW:                 d.int32Field(t, 1, 0, "DepthwiseConv2DOptions.stride_w"),
			StrideH:                 d.int32Field(t, 2, 0, "DepthwiseConv2DOptions.stride_h"),
			DepthMultiplier:         d.int32Field(t, 3, 0, "DepthwiseConv2DOptions.depth_multiplier"),
			FusedActivationFunction: Activation(d.int8Field(t, 4, 0, "DepthwiseConv2DOptions.fused_activation_function")),
			DilationWFactor:         d.int32Field(t, 5, 1, "DepthwiseConv2DOptions.dilation_w_factor"),
			DilationHFactor:         d.int32Field(t, 6, 1, "DepthwiseConv2DOptions.dilation_h_factor"),
		}
	},
	3: func(d *decoder, t table) any {
		return &ConcatEmbeddingsOptions{
			NumChannels:            d.int32Field(t, 0, 0, "ConcatEmbeddingsOptions.num_channels"),
			NumColumnsPerChannel:   d.int32s(t, 1, "ConcatEmbeddingsOptions.num_columns_per_channel"),
			EmbeddingDimPerChannel: d.int32s(t, 2, "ConcatEmbeddingsOptions.embedding_dim_per_channel"),
		}
	},
	5: func(d *decoder, t table) any {
		return &Pool2DOptions{
			Padding:                 Padding(d.int8Field(t, 0, 0, "Pool2DOptions.padding")),
			StrideW:                 d.int32Field(t, 1, 0, "Pool2DOptions.stride_w"),
			StrideH:                 d.int32Field(t, 2, 0, "Pool2DOptions.stride_h"),
			FilterWidth:             d.int32Field(t, 3, 0, "Pool2DOptions.filter_width"),
			FilterHeight:            d.int32Field(t, 4, 0, "Pool2DOptions.filter_height"),
			FusedActivationFunction: Activation(d.int8Field(t, 5, 0, "Pool2DOptions.fused_activation_function")),
		}
	},
	8: func(d *decoder, t table) any {
		return &FullyConnectedOptions{
			FusedActivationFunction:  Activation(d.int8Field(t, 0, 0, "FullyConnectedOptions.fused_activation_function")),
			WeightsFormat:            FullyConnectedWeightsFormat(d.int8Field(t, 1, 0, "FullyConnectedOptions.weights_format")),
			KeepNumDims:              d.boolField(t, 2, false, "FullyConnectedOptions.keep_num_dims"),
			AsymmetricQuantizeInputs: d.boolField(t, 3, false, "FullyConnectedOptions.asymmetric_quantize_inputs"),
			QuantizedBiasType:        TensorType(d.int8Field(t, 4, 0, "FullyConnectedOptions.quantized_bias_type")),
		}
	},
	9: func(d *decoder, t table) any {
		return &SoftmaxOptions{Beta: d.float32Field(t, 0, 0, "SoftmaxOptions.beta")}
	},
	10: func(d *decoder, t table) any {
		return &ConcatenationOptions{
			Axis:                    d.int32Field(t, 0, 0, "ConcatenationOptions.axis"),
			FusedActivationFunction: Activation(d.int8Field(t, 1, 0, "ConcatenationOptions.fused_activation_function")),
		}
	},
	11: func(d *decoder, t table) any {
		return &AddOptions{
			FusedActivationFunction: Activation(d.int8Field(t, 0, 0, "AddOptions.fused_activation_function")),
			PotScaleInt16:           d.boolField(t, 1, true, "AddOptions.pot_scale_int16"),
		}
	},
	12: func(d *decoder, t table) any {
		return &L2NormOptions{FusedActivationFunction: Activation(d.int8Field(t, 0, 0, "L2NormOptions.fused_activation_function"))}
	},
	15: func(d *decoder, t table) any {
		// Slots 0 and 1 hold the deprecated new_height and new_width.
		return &ResizeBilinearOptions{
			AlignCorners:     d.boolField(t, 2, false, "ResizeBilinearOptions.align_corners"),
			HalfPixelCenters: d.boolField(t, 3, false, "ResizeBilinearOptions.half_pixel_centers"),
		}
	},
	17: func(d *decoder, t table) any {
		return &ReshapeOptions{NewShape: d.int32s(t, 0, "ReshapeOptions.new_shape")}
	},
	19: func(d *decoder, t table) any {
		return &SpaceToDepthOptions{BlockSize: d.int32Field(t, 0, 0, "SpaceToDepthOptions.block_size")}
	},
	21: func(d *decoder, t table) any {
		return &MulOptions{FusedActivationFunction: Activation(d.int8Field(t, 0, 0, "MulOptions.fused_activation_function"))}
	},
	22: func(*decoder, table) any { return &PadOptions{} },
	23: func(d *decoder, t table) any {
		return &GatherOptions{
			Axis:      d.int32Field(t, 0, 0, "GatherOptions.axis"),
			BatchDims: d.int32Field(t, 1, 0, "GatherOptions.batch_dims"),
		}
	},
	26: func(*decoder, table) any { return &TransposeOptions{} },
	27: func(d *decoder, t table) any {
		return &ReducerOptions{KeepDims: d.boolField(t, 0, false, "ReducerOptions.keep_dims")}
	},
	28: func(d *decoder, t table) any {
		return &SubOptions{
			FusedActivationFunction: Activation(d.int8Field(t, 0, 0, "SubOptions.fused_activation_function")),
			PotScaleInt16:           d.boolField(t, 1, true, "SubOptions.pot_scale_int16"),
		}
	},
	29: func(d *decoder, t table) any {
		return &DivOptions{FusedActivationFunction: Activation(d.int8Field(t, 0, 0, "DivOptions.fused_activation_function"))}
	},
	30: func(d *decoder, t table) any {
		return &SqueezeOptions{SqueezeDims: d.int32s(t, 0, "SqueezeOptions.squeeze_dims")}
	},
	32: func(d *decoder, t table) any {
		return &StridedSliceOptions{
			BeginMask:      d.int32Field(t, 0, 0, "StridedSliceOptions.begin_mask"),
			EndMask:        d.int32Field(t, 1, 0, "StridedSliceOptions.end_mask"),
			EllipsisMask:   d.int32Field(t, 2, 0, "StridedSliceOptions.ellipsis_mask"),
			NewAxisMask:    d.int32Field(t, 3, 0, "StridedSliceOptions.new_axis_mask"),
			ShrinkAxisMask: d.int32Field(t, 4, 0, "StridedSliceOptions.shrink_axis_mask"),
			Offset:         d.boolField(t, 5, false, "StridedSliceOptions.offset"),
		}
	},
	35: func(d *decoder, t table) any {
		return &SplitOptions{NumSplits: d.int32Field(t, 0, 0, "SplitOptions.num_splits")}
	},
	37: func(d *decoder, t table) any {
		return &CastOptions{
			InDataType:  TensorType(d.int8Field(t, 0, 0, "CastOptions.in_data_type")),
			OutDataType: TensorType(d.int8Field(t, 1, 0, "CastOptions.out_data_type")),
		}
	},
	38: func(*decoder, table) any { return &DequantizeOptions{} },
	39: func(*decoder, table) any { return &MaximumMinimumOptions{} },
	40: func(d *decoder, t table) any {
		return &ArgMaxOptions{OutputType: TensorType(d.int8Field(t, 0, 0, "ArgMaxOptions.output_type"))}
	},
	43: func(*decoder, table) any { return &PadV2Options{} },
	49: func(d *decoder, t table) any {
		return &TransposeConvOptions{
			Padding:                 Padding(d.int8Field(t, 0, 0, "TransposeConvOptions.padding")),
			StrideW:                 d.int32Field(t, 1, 0, "TransposeConvOptions.stride_w"),
			StrideH:                 d.int32Field(t, 2, 0, "TransposeConvOptions.stride_h"),
			FusedActivationFunction: Activation(d.int8Field(t, 3, 0, "TransposeConvOptions.fused_activation_function")),
			QuantizedBiasType:       TensorType(d.int8Field(t, 4, 0, "TransposeConvOptions.quantized_bias_type")),
		}
	},
	55: func(d *decoder, t table) any {
		return &ShapeOptions{OutType: TensorType(d.int8Field(t, 0, 0, "ShapeOptions.out_type"))}
	},
	57: func(d *decoder, t table) any {
		return &ArgMinOptions{OutputType: TensorType(d.int8Field(t, 0, 0, "ArgMinOptions.output_type"))}
	},
	59: func(d *decoder, t table) any {
		return &PackOptions{
			ValuesCount: d.int32Field(t, 0, 0, "PackOptions.values_count"),
			Axis:        d.int32Field(t, 1, 0, "PackOptions.axis"),
		}
	},
	64: func(d *decoder, t table) any {
		return &UnpackOptions{
			Num:  d.int32Field(t, 0, 0, "UnpackOptions.num"),
			Axis: d.int32Field(t, 1, 0, "UnpackOptions.axis"),
		}
	},
	74: func(d *decoder, t table) any {
		return &ResizeNearestNeighborOptions{
			AlignCorners:     d.boolField(t, 0, false, "ResizeNearestNeighborOptions.align_corners"),
			HalfPixelCenters: d.boolField(t, 1, false, "ResizeNearestNeighborOptions.half_pixel_centers"),
		}
	},
	75: func(d *decoder, t table) any {
		return &LeakyReluOptions{Alpha: d.float32Field(t, 0, 0, "LeakyReluOptions.alpha")}
	},
	77: func(d *decoder, t table) any {
		return &MirrorPadOptions{Mode: MirrorPadMode(d.int8Field(t, 0, 0, "MirrorPadOptions.mode"))}
	},
	79: func(d *decoder, t table) any {
		return &SplitVOptions{NumSplits: d.int32Field(t, 0, 0, "SplitVOptions.num_splits")}
	},
	89: func(*decoder, table) any { return &QuantizeOptions{} },
	91: func(*decoder, table) any { return &HardSwishOptions{} },
	94: func(d *decoder, t table) any {
		return &DepthToSpaceOptions{BlockSize: d.int32Field(t, 0, 0, "DepthToSpaceOptions.block_size")}
	},
	101: func(d *decoder, t table) any {
		return &BatchMatMulOptions{
			AdjX:                     d.boolField(t, 0, false, "BatchMatMulOptions.adj_x"),
			AdjY:                     d.boolField(t, 1, false, "BatchMatMulOptions.adj_y"),
			AsymmetricQuantizeInputs: d.boolField(t, 2, false, "BatchMatMulOptions.asymmetric_quantize_inputs"),
		}
	},
	111: func(d *decoder, t table) any {
		return &VarHandleOptions{
			Container:  d.stringField(t, 0, "VarHandleOptions.container"),
			SharedName: d.stringField(t, 1, "VarHandleOptions.shared_name"),
		}
	},
	115: func(d *decoder, t table) any {
		return &BucketizeOptions{Boundaries: d.float32s(t, 0, "BucketizeOptions.boundaries")}
	},
}
