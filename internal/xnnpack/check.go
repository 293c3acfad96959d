//go:build xnnpack

package xnnpack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/percept-robotics/percept/tflite"
)

// Agreement compares XNNPACK's output of a layer with that of percept's
// portable reference kernel on the same input.
type Agreement struct {
	Elements  int // output elements compared
	Differing int // elements whose values differ at all
	// MaxDiff is the largest difference, in quantization steps for
	// quantized layers and relative to the largest reference magnitude of
	// the layer for float layers.
	MaxDiff float64
	// Clamped counts reference outputs at a bound of the fused activation
	// (or of the type), where agreement says little.
	Clamped int
}

// Check runs every layer once through XNNPACK and through percept's
// portable reference kernel on the same input, and compares the outputs.
// Inputs follow the model: a layer whose input is an earlier layer's output
// gets the reference output of that layer, other inputs (the model's input,
// outputs of operators outside the network) get seeded random values over
// the type's range (float inputs in [−1, 1]). It returns one Agreement per
// layer.
func (n *Network) Check(seed uint64) ([]Agreement, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	activations := map[int32][]byte{}
	out := make([]Agreement, len(n.layers))
	for i, l := range n.layers {
		in := activations[l.input]
		if in == nil {
			in = randomTensor(rng, l.element, l.inBytes)
			activations[l.input] = in
		}
		want := alignedBytes(l.outBytes)
		l.reference(in, want)
		activations[l.output] = want
		copy(l.in.bytes(), in)
		if err := l.op.run(n.pool); err != nil {
			return nil, fmt.Errorf("xnnpack: operator %d: %w", l.Index, err)
		}
		got := l.out.bytes()
		switch l.element {
		case tflite.TypeUint8:
			out[i] = compareQuantized(got, want, l.clampLo, l.clampHi)
		case tflite.TypeInt8:
			out[i] = compareQuantized(viewAs[int8](got), viewAs[int8](want), l.clampLo, l.clampHi)
		default:
			out[i] = compareFloats(viewAs[float32](got), viewAs[float32](want), l.clampLo, l.clampHi)
		}
	}
	return out, nil
}

// randomTensor returns size bytes of random elements of type typ.
func randomTensor(rng *rand.Rand, typ tflite.TensorType, size int) []byte {
	b := alignedBytes(size)
	if typ == tflite.TypeFloat32 {
		f := viewAs[float32](b)
		for i := range f {
			f[i] = float32(2*rng.Float64() - 1)
		}
		return b
	}
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// alignedBytes returns n zeroed bytes aligned for any element type.
func alignedBytes(n int) []byte {
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(words)*8)[:n:n]
}

// compareQuantized compares quantized outputs element by element.
func compareQuantized[T int8 | uint8](got, want []T, lo, hi float64) Agreement {
	a := Agreement{Elements: len(want)}
	for i, w := range want {
		d := math.Abs(float64(got[i]) - float64(w))
		if d > 0 {
			a.Differing++
			a.MaxDiff = max(a.MaxDiff, d)
		}
		if float64(w) == lo || float64(w) == hi {
			a.Clamped++
		}
	}
	return a
}

// compareFloats compares float outputs element by element, the largest
// difference relative to the largest reference magnitude.
func compareFloats(got, want []float32, lo, hi float64) Agreement {
	a := Agreement{Elements: len(want)}
	var magnitude, diff float64
	for i, w := range want {
		magnitude = max(magnitude, math.Abs(float64(w)))
		if got[i] != w {
			a.Differing++
			diff = max(diff, math.Abs(float64(got[i])-float64(w)))
		}
		if float64(w) == lo || float64(w) == hi {
			a.Clamped++
		}
	}
	if magnitude > 0 {
		a.MaxDiff = diff / magnitude
	}
	return a
}
