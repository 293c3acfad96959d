package tflite

import "strconv"

// TensorType is the element type of a tensor, as the schema's TensorType
// enum.
type TensorType int8

// The tensor element types of schema v3.
const (
	TypeFloat32      TensorType = 0
	TypeFloat16      TensorType = 1
	TypeInt32        TensorType = 2
	TypeUint8        TensorType = 3
	TypeInt64        TensorType = 4
	TypeString       TensorType = 5
	TypeBool         TensorType = 6
	TypeInt16        TensorType = 7
	TypeComplex64    TensorType = 8
	TypeInt8         TensorType = 9
	TypeFloat64      TensorType = 10
	TypeComplex128   TensorType = 11
	TypeUint64       TensorType = 12
	TypeResource     TensorType = 13
	TypeVariant      TensorType = 14
	TypeUint32       TensorType = 15
	TypeUint16       TensorType = 16
	TypeInt4         TensorType = 17
	TypeBFloat16     TensorType = 18
	TypeInt2         TensorType = 19
	TypeUint4        TensorType = 20
	TypeFloat8E4M3FN TensorType = 21
	TypeFloat8E5M2   TensorType = 22
)

// tensorTypeInfo holds the schema name and the element size in bytes of
// each tensor type, by value.
var tensorTypeInfo = [...]struct {
	name string
	size int
}{
	TypeFloat32:      {"FLOAT32", 4},
	TypeFloat16:      {"FLOAT16", 2},
	TypeInt32:        {"INT32", 4},
	TypeUint8:        {"UINT8", 1},
	TypeInt64:        {"INT64", 8},
	TypeString:       {"STRING", 0},
	TypeBool:         {"BOOL", 1},
	TypeInt16:        {"INT16", 2},
	TypeComplex64:    {"COMPLEX64", 8},
	TypeInt8:         {"INT8", 1},
	TypeFloat64:      {"FLOAT64", 8},
	TypeComplex128:   {"COMPLEX128", 16},
	TypeUint64:       {"UINT64", 8},
	TypeResource:     {"RESOURCE", 0},
	TypeVariant:      {"VARIANT", 0},
	TypeUint32:       {"UINT32", 4},
	TypeUint16:       {"UINT16", 2},
	TypeInt4:         {"INT4", 0},
	TypeBFloat16:     {"BFLOAT16", 2},
	TypeInt2:         {"INT2", 0},
	TypeUint4:        {"UINT4", 0},
	TypeFloat8E4M3FN: {"FLOAT8_E4M3FN", 1},
	TypeFloat8E5M2:   {"FLOAT8_E5M2", 1},
}

// String returns the schema name of t, e.g. "FLOAT32", or "TENSOR_TYPE_<n>"
// for a value the schema does not name.
func (t TensorType) String() string {
	if t >= 0 && int(t) < len(tensorTypeInfo) {
		return tensorTypeInfo[t].name
	}
	return "TENSOR_TYPE_" + strconv.Itoa(int(t))
}

// Size returns the bytes one element of type t occupies: 0 for STRING,
// RESOURCE and VARIANT (no fixed size), for the packed sub-byte types INT2,
// INT4 and UINT4, and for values the schema does not name.
func (t TensorType) Size() int {
	if t >= 0 && int(t) < len(tensorTypeInfo) {
		return tensorTypeInfo[t].size
	}
	return 0
}

// Padding is the padding scheme of convolutions and pools, as the schema's
// Padding enum.
type Padding int8

// The padding schemes.
const (
	PaddingSame  Padding = 0
	PaddingValid Padding = 1
)

// String returns the schema name of p.
func (p Padding) String() string {
	switch p {
	case PaddingSame:
		return "SAME"
	case PaddingValid:
		return "VALID"
	}
	return "PADDING_" + strconv.Itoa(int(p))
}

// Activation is a fused activation function, as the schema's
// ActivationFunctionType enum.
type Activation int8

// The fused activation functions.
const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

var activationNames = [...]string{
	ActNone: "NONE", ActRelu: "RELU", ActReluN1To1: "RELU_N1_TO_1",
	ActRelu6: "RELU6", ActTanh: "TANH", ActSignBit: "SIGN_BIT",
}

// String returns the schema name of a, e.g. "RELU6".
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return "ACTIVATION_" + strconv.Itoa(int(a))
}

// FullyConnectedWeightsFormat is the layout of FULLY_CONNECTED weights, as
// the schema's FullyConnectedOptionsWeightsFormat enum.
type FullyConnectedWeightsFormat int8

// The weight layouts of FULLY_CONNECTED.
const (
	FullyConnectedWeightsDefault          FullyConnectedWeightsFormat = 0
	FullyConnectedWeightsShuffled4x16Int8 FullyConnectedWeightsFormat = 1
)

// String returns the schema name of f.
func (f FullyConnectedWeightsFormat) String() string {
	switch f {
	case FullyConnectedWeightsDefault:
		return "DEFAULT"
	case FullyConnectedWeightsShuffled4x16Int8:
		return "SHUFFLED4x16INT8"
	}
	return "WEIGHTS_FORMAT_" + strconv.Itoa(int(f))
}

// MirrorPadMode is how MIRROR_PAD reflects, as the schema's MirrorPadMode
// enum.
type MirrorPadMode int8

// The modes of MIRROR_PAD.
const (
	MirrorPadReflect   MirrorPadMode = 0
	MirrorPadSymmetric MirrorPadMode = 1
)
