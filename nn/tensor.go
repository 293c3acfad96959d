package nn

import (
	"fmt"
	"unsafe"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// Tensor is a view of one tensor of a model: its metadata and, once the
// interpreter is built, its data in the arena (or in the model's buffers for
// constants). The typed accessors return slices that alias that memory, so
// writing to an input's slice sets the input. A constant tensor has no data
// after its Interpreter's Close (see Interpreter.Close).
type Tensor struct {
	Index        int                  // position in the subgraph's tensor list
	Name         string               // the name the model gives it
	Type         tflite.TensorType    // element type
	Shape        []int                // static shape
	Quantization *tflite.Quantization // nil for tensors that are not quantized

	data     []byte
	constant bool
	// owner keeps the Interpreter, and so its hold on the model's memory,
	// alive while the caller keeps one of its tensors.
	owner *Interpreter
}

// NumElements is the product of the shape's dimensions.
func (t *Tensor) NumElements() int { return numElements(t.Shape) }

// IsConstant reports whether the tensor's data comes from the model.
func (t *Tensor) IsConstant() bool { return t.constant }

// Bytes returns the tensor's raw little-endian data.
func (t *Tensor) Bytes() []byte { return t.data }

// Scale returns the per-tensor quantization scale, or 0 when there is none.
func (t *Tensor) Scale() float32 {
	if t.Quantization == nil || len(t.Quantization.Scale) == 0 {
		return 0
	}
	return t.Quantization.Scale[0]
}

// ZeroPoint returns the per-tensor quantization zero point, or 0.
func (t *Tensor) ZeroPoint() int32 {
	if t.Quantization == nil || len(t.Quantization.ZeroPoint) == 0 {
		return 0
	}
	return int32(t.Quantization.ZeroPoint[0])
}

// Float32s returns the data of a FLOAT32 tensor (nil for other types).
func (t *Tensor) Float32s() []float32 { return view[float32](t, tflite.TypeFloat32) }

// Uint8s returns the data of a UINT8 tensor (nil for other types).
func (t *Tensor) Uint8s() []uint8 { return view[uint8](t, tflite.TypeUint8) }

// Int8s returns the data of an INT8 tensor (nil for other types).
func (t *Tensor) Int8s() []int8 { return view[int8](t, tflite.TypeInt8) }

// Int32s returns the data of an INT32 tensor (nil for other types).
func (t *Tensor) Int32s() []int32 { return view[int32](t, tflite.TypeInt32) }

// Int64s returns the data of an INT64 tensor (nil for other types).
func (t *Tensor) Int64s() []int64 { return view[int64](t, tflite.TypeInt64) }

// Halves returns the data of a FLOAT16 tensor (nil for other types).
func (t *Tensor) Halves() []kernels.Half { return view[kernels.Half](t, tflite.TypeFloat16) }

// String describes the tensor for error messages and listings.
func (t *Tensor) String() string {
	return fmt.Sprintf("tensor %d %q %s%v", t.Index, t.Name, t.Type, t.Shape)
}

// view reinterprets the tensor's bytes as elements of E. The interpreter
// guarantees that data is aligned for E and a whole number of elements.
func view[E any](t *Tensor, want tflite.TensorType) []E {
	if t.Type != want {
		return nil
	}
	return viewAs[E](t)
}

// viewAs is view without the type check, for kernels that read a tensor
// through a type of the same width (kernels.Half over FLOAT16, for one).
func viewAs[E any](t *Tensor) []E {
	if len(t.data) == 0 {
		return nil
	}
	var zero E
	n := len(t.data) / int(unsafe.Sizeof(zero))
	return unsafe.Slice((*E)(unsafe.Pointer(unsafe.SliceData(t.data))), n)
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// floatBytes reinterprets float32 data as the bytes of a tensor.
func floatBytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), len(f)*4)
}
