package tflitetest

import (
	"unsafe"

	"github.com/percept-robotics/percept/tflite"
)

// WeightBytes reports, for a model parsed from data, which bytes of data
// are constant buffer contents: the rest is the flatbuffer structure and
// metadata, where a corrupting test flips bits to exercise the parser
// rather than the weights.
func WeightBytes(m *tflite.Model, data []byte) []bool {
	isWeight := make([]bool, len(data))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	for _, b := range m.Buffers {
		if len(b.Data) == 0 {
			continue
		}
		start := int(uintptr(unsafe.Pointer(unsafe.SliceData(b.Data))) - base)
		for i := range b.Data {
			isWeight[start+i] = true
		}
	}
	return isWeight
}
