// Package gorgonia exposes the tensors of a percept interpreter
// (nn.Interpreter) as gorgonia.org/tensor dense tensors, for programs that
// post-process a model's outputs, or prepare its inputs, with gorgonia.
//
// It lives in a module of its own, so that percept's library packages never
// import gorgonia and a program that does not use this package has no
// gorgonia in its go.sum.
//
// # Views and copies
//
// View, Interpreter.Input and Interpreter.Output return a *tensor.Dense
// whose backing array is the tensor's own memory in the interpreter's
// arena: nothing is copied, writing to an input's view sets the input, and
// an output's view shows the results of the last Invoke. This works for
// FLOAT32, INT32, INT64, UINT8 and INT8 tensors; other types have no view
// (Dequantize gives a float32 copy of FLOAT16 ones). A quantized tensor's
// view holds its integers; Quantization gives the scale and zero point that
// map them to real values, and Dequantize applies them.
//
// A view aliases memory the interpreter rewrites: its contents are those of
// the last Invoke, and change with the next one. Clone it to keep it.
// Operations that return a new tensor (Add, Materialize, ...) read it and
// are not views. Operations in place (with tensor.UseUnsafe) write into the
// interpreter's tensor: on an output that is harmless until the next
// Invoke, on an input it changes what the model sees.
//
// After Close, Input, Output, SetInput and Invoke return an error wrapping
// nn.ErrClosed. Views made before Close stay readable and writable, never
// a crash: the arena is ordinary Go memory, kept alive by the views, that
// no interpreter uses any more. The same holds when the nn.Interpreter is
// closed directly (or with the models.Detector or models.Classifier that
// owns it): then only Invoke reports the error.
//
// # Start-up
//
// gorgonia.org/tensor v0.9.24 imports go4.org/unsafe/assume-no-moving-gc,
// whose version of June 2022 (the one it asks for) stops every program at
// start on Go 1.26 with a panic.
// This module's go.mod requires the version of November 2023, which asks
// the runtime whether its garbage collector moves objects; a program using
// this package gets that version through minimal version selection.
package gorgonia

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
	"gorgonia.org/tensor"
)

// Dtype returns the gorgonia element type of a TFLite tensor type, and
// false for the types that have no view (FLOAT16, STRING, ...).
func Dtype(t tflite.TensorType) (tensor.Dtype, bool) {
	switch t {
	case tflite.TypeFloat32:
		return tensor.Float32, true
	case tflite.TypeInt32:
		return tensor.Int32, true
	case tflite.TypeInt64:
		return tensor.Int64, true
	case tflite.TypeUint8:
		return tensor.Uint8, true
	case tflite.TypeInt8:
		return tensor.Int8, true
	}
	return tensor.Dtype{}, false
}

// Shape returns the gorgonia shape of a percept shape: the same
// dimensions, ScalarShape for a tensor of rank 0.
func Shape(shape []int) tensor.Shape {
	if len(shape) == 0 {
		return tensor.ScalarShape()
	}
	return tensor.Shape(append([]int(nil), shape...))
}

// Quantization is the affine mapping of a quantized tensor: real value =
// Scale × (integer − ZeroPoint), one pair for the whole tensor, or one per
// index of dimension Axis.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64 // as long as Scale
	Axis      int
}

// QuantizationOf returns t's quantization, nil when t is not quantized.
func QuantizationOf(t *nn.Tensor) *Quantization {
	q := t.Quantization
	if q == nil || len(q.Scale) == 0 {
		return nil
	}
	zp := make([]int64, len(q.Scale))
	copy(zp, q.ZeroPoint) // an absent zero point is 0
	return &Quantization{Scale: append([]float32(nil), q.Scale...), ZeroPoint: zp, Axis: int(q.QuantizedDimension)}
}

// View returns a *tensor.Dense over t's own memory, of t's shape and
// element type (see the package documentation for what it aliases and for
// how long). It fails for a nil tensor, a type without a view, and a
// tensor without data (a constant after its interpreter's Close).
func View(t *nn.Tensor) (*tensor.Dense, error) {
	if t == nil {
		return nil, errors.New("gorgonia: nil tensor")
	}
	var backing any
	var n int
	switch t.Type {
	case tflite.TypeFloat32:
		backing, n = backingOf(t.Float32s())
	case tflite.TypeInt32:
		backing, n = backingOf(t.Int32s())
	case tflite.TypeInt64:
		backing, n = backingOf(t.Int64s())
	case tflite.TypeUint8:
		backing, n = backingOf(t.Uint8s())
	case tflite.TypeInt8:
		backing, n = backingOf(t.Int8s())
	default:
		return nil, fmt.Errorf("gorgonia: %v: no gorgonia view of %s elements (Dequantize gives a float32 copy of FLOAT16)", t, t.Type)
	}
	if n == 0 {
		return nil, fmt.Errorf("gorgonia: %v has no data", t)
	}
	if n != t.NumElements() {
		return nil, fmt.Errorf("gorgonia: %v: %d elements of data for its shape's %d", t, n, t.NumElements())
	}
	if len(t.Shape) == 0 {
		return tensor.New(tensor.WithShape(), tensor.WithBacking(backing)), nil
	}
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(backing)), nil
}

// backingOf returns s as a tensor.WithBacking argument, with its length.
func backingOf[T any](s []T) (any, int) { return s, len(s) }

// Fill copies src into t, which must have src's shape. src has t's
// element type, or is FLOAT32 for a quantized UINT8 or INT8 t with one
// scale: its values are then quantized (rounded half away from zero,
// clamped to the type's range). A non-contiguous src (a transposed or
// sliced view) is read in its logical order.
func Fill(t *nn.Tensor, src *tensor.Dense) error {
	if t == nil || src == nil {
		return errors.New("gorgonia: Fill: nil tensor")
	}
	if !src.Shape().Eq(Shape(t.Shape)) {
		return fmt.Errorf("gorgonia: Fill %v from a %v tensor of shape %v", t, src.Dtype(), src.Shape())
	}
	if src.RequiresIterator() || src.IsMaterializable() {
		m, ok := src.Materialize().(*tensor.Dense)
		if !ok {
			return fmt.Errorf("gorgonia: Fill %v: cannot read %v", t, src.Shape())
		}
		src = m
	}
	data := src.Data()
	if src.IsScalar() {
		switch v := data.(type) {
		case float32:
			data = []float32{v}
		case int32:
			data = []int32{v}
		case int64:
			data = []int64{v}
		case uint8:
			data = []uint8{v}
		case int8:
			data = []int8{v}
		}
	}
	n := t.NumElements()
	copied := 0
	switch d := data.(type) {
	case []float32:
		switch t.Type {
		case tflite.TypeFloat32:
			copied = copy(t.Float32s(), d[:min(n, len(d))])
		case tflite.TypeUint8, tflite.TypeInt8:
			q := QuantizationOf(t)
			if q == nil || len(q.Scale) != 1 || q.Scale[0] == 0 {
				return fmt.Errorf("gorgonia: Fill %v from FLOAT32: the tensor has no single quantization scale", t)
			}
			copied = quantize(t, d[:min(n, len(d))], q.Scale[0], q.ZeroPoint[0])
		}
	case []int32:
		if t.Type == tflite.TypeInt32 {
			copied = copy(t.Int32s(), d)
		}
	case []int64:
		if t.Type == tflite.TypeInt64 {
			copied = copy(t.Int64s(), d)
		}
	case []uint8:
		if t.Type == tflite.TypeUint8 {
			copied = copy(t.Uint8s(), d)
		}
	case []int8:
		if t.Type == tflite.TypeInt8 {
			copied = copy(t.Int8s(), d)
		}
	}
	if copied == 0 && n > 0 {
		return fmt.Errorf("gorgonia: Fill %v from %v elements: the types do not match", t, src.Dtype())
	}
	if copied != n {
		return fmt.Errorf("gorgonia: Fill %v: %d of %d elements", t, copied, n)
	}
	return nil
}

// quantize writes the quantized values of src into the UINT8 or INT8
// tensor t and returns their number.
func quantize(t *nn.Tensor, src []float32, scale float32, zeroPoint int64) int {
	lo, hi := 0.0, 255.0
	if t.Type == tflite.TypeInt8 {
		lo, hi = -128, 127
	}
	q := func(v float32) float64 {
		x := math.Round(float64(v)/float64(scale)) + float64(zeroPoint)
		if math.IsNaN(x) {
			return float64(zeroPoint)
		}
		return min(max(x, lo), hi)
	}
	if t.Type == tflite.TypeInt8 {
		dst := t.Int8s()
		for i, v := range src {
			dst[i] = int8(q(v))
		}
		return len(src)
	}
	dst := t.Uint8s()
	for i, v := range src {
		dst[i] = uint8(q(v))
	}
	return len(src)
}

// Dequantize returns a new FLOAT32 tensor of t's real values: a quantized
// UINT8, INT8, INT16 or INT32 tensor through its scale and zero point (per
// channel along its axis when it has several), a FLOAT16 tensor converted,
// a FLOAT32 tensor copied.
func Dequantize(t *nn.Tensor) (*tensor.Dense, error) {
	if t == nil {
		return nil, errors.New("gorgonia: nil tensor")
	}
	n := t.NumElements()
	out := make([]float32, n)
	data := t.Bytes()
	if len(data) != n*t.Type.Size() || n == 0 {
		return nil, fmt.Errorf("gorgonia: %v has no data", t)
	}
	switch t.Type {
	case tflite.TypeFloat32:
		copy(out, t.Float32s())
	case tflite.TypeFloat16:
		for i, h := range t.Halves() {
			out[i] = halfToFloat32(uint16(h))
		}
	case tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt16, tflite.TypeInt32:
		q := QuantizationOf(t)
		if q == nil {
			return nil, fmt.Errorf("gorgonia: %v is not quantized", t)
		}
		channels, inner := 1, n
		if len(q.Scale) > 1 {
			if q.Axis < 0 || q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale) {
				return nil, fmt.Errorf("gorgonia: %v: %d scales along dimension %d", t, len(q.Scale), q.Axis)
			}
			channels, inner = len(q.Scale), 1
			for _, d := range t.Shape[q.Axis+1:] {
				inner *= d
			}
		}
		for i := range out {
			c := i / inner % channels
			out[i] = q.Scale[c] * float32(integer(t, data, i)-q.ZeroPoint[c])
		}
	default:
		return nil, fmt.Errorf("gorgonia: %v: cannot dequantize %s elements", t, t.Type)
	}
	if len(t.Shape) == 0 {
		return tensor.New(tensor.WithShape(), tensor.WithBacking(out)), nil
	}
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(out)), nil
}

// integer returns element i of an integer tensor whose little-endian data
// is data.
func integer(t *nn.Tensor, data []byte, i int) int64 {
	switch t.Type {
	case tflite.TypeUint8:
		return int64(data[i])
	case tflite.TypeInt8:
		return int64(int8(data[i]))
	case tflite.TypeInt16:
		return int64(int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8))
	}
	return int64(int32(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24))
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac × 2^−24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// Interpreter runs an nn.Interpreter with its inputs and outputs as
// gorgonia tensors. Like the nn.Interpreter, it is not safe for concurrent
// use, except Close.
type Interpreter struct {
	it     *nn.Interpreter
	mu     sync.Mutex
	closed bool
}

// New wraps it. Closing the result closes it.
func New(it *nn.Interpreter) (*Interpreter, error) {
	if it == nil {
		return nil, errors.New("gorgonia: nil interpreter")
	}
	return &Interpreter{it: it}, nil
}

// Input returns a view of input i (see View).
func (g *Interpreter) Input(i int) (*tensor.Dense, error) {
	t, err := g.tensor(i, true)
	if err != nil {
		return nil, err
	}
	return View(t)
}

// Output returns a view of output i (see View): the results of the last
// Invoke, until the next.
func (g *Interpreter) Output(i int) (*tensor.Dense, error) {
	t, err := g.tensor(i, false)
	if err != nil {
		return nil, err
	}
	return View(t)
}

// SetInput copies src into input i (see Fill).
func (g *Interpreter) SetInput(i int, src *tensor.Dense) error {
	t, err := g.tensor(i, true)
	if err != nil {
		return err
	}
	return Fill(t, src)
}

// Invoke runs the model once (see nn.Interpreter.InvokeContext).
func (g *Interpreter) Invoke(ctx context.Context) error {
	if err := g.check(); err != nil {
		return err
	}
	return g.it.InvokeContext(ctx)
}

// Close closes the interpreter. Views made before stay readable.
func (g *Interpreter) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return g.it.Close()
}

// check fails after Close.
func (g *Interpreter) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("gorgonia: interpreter %w", nn.ErrClosed)
	}
	return nil
}

// tensor returns input or output i.
func (g *Interpreter) tensor(i int, input bool) (*nn.Tensor, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	what, t := "output", g.it.Output(i)
	if input {
		what, t = "input", g.it.Input(i)
	}
	if t == nil {
		return nil, fmt.Errorf("gorgonia: no %s %d", what, i)
	}
	return t, nil
}
