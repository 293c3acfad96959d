package nn

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/tflite"
)

// This file writes small TFLite models by hand for tests: a minimal
// flatbuffer encoder and a model description on top of it, so that each
// test states exactly the tensors and operators it needs.

// fbTable is a flatbuffer table to encode: entry i is the field of slot i,
// nil when absent. Scalars are bool, int8, uint8, int32, uint32 and float32;
// references are string, []byte, []int32, []int64, []float32, fbTable and
// []fbTable.
type fbTable []any

// fbEncoder lays a flatbuffer out forwards: every object is written before
// the objects it refers to, so that every offset points forwards, as
// unsigned flatbuffer offsets must.
type fbEncoder struct{ buf []byte }

// encodeModel encodes root as a file with the TFLite identifier.
func encodeModel(root fbTable) []byte {
	e := &fbEncoder{buf: make([]byte, 8)}
	copy(e.buf[4:], "TFL3")
	binary.LittleEndian.PutUint32(e.buf, uint32(e.table(root)))
	return e.buf
}

// alignFor pads so that the next write, skipping `before` bytes, starts at
// a multiple of align.
func (e *fbEncoder) alignFor(before, align int) {
	for (len(e.buf)+before)%align != 0 {
		e.buf = append(e.buf, 0)
	}
}

// patch stores at p the forward offset from p to target.
func (e *fbEncoder) patch(p, target int) {
	binary.LittleEndian.PutUint32(e.buf[p:], uint32(target-p))
}

// table writes t's vtable, then t with one 4-byte cell per present field,
// then the objects t refers to. It returns t's position.
func (e *fbEncoder) table(t fbTable) int {
	e.alignFor(0, 4)
	vt := len(e.buf)
	vtSize := 4 + 2*len(t)
	vtable := make([]byte, vtSize+(4-vtSize%4)%4)
	binary.LittleEndian.PutUint16(vtable, uint16(vtSize))
	cells := 0
	for i, f := range t {
		if f != nil {
			cells++
			binary.LittleEndian.PutUint16(vtable[4+2*i:], uint16(4*cells))
		}
	}
	binary.LittleEndian.PutUint16(vtable[2:], uint16(4+4*cells))
	e.buf = append(e.buf, vtable...)
	pos := len(e.buf)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(pos-vt)) // soffset to the vtable
	type reference struct {
		at    int
		value any
	}
	var refs []reference
	for _, f := range t {
		var cell uint32
		switch v := f.(type) {
		case nil:
			continue
		case bool:
			if v {
				cell = 1
			}
		case int8:
			cell = uint32(uint8(v))
		case uint8:
			cell = uint32(v)
		case int32:
			cell = uint32(v)
		case uint32:
			cell = v
		case float32:
			cell = math.Float32bits(v)
		default:
			refs = append(refs, reference{len(e.buf), v})
		}
		e.buf = binary.LittleEndian.AppendUint32(e.buf, cell)
	}
	for _, r := range refs {
		e.patch(r.at, e.object(r.value))
	}
	return pos
}

// object writes a referenced object and returns its position.
func (e *fbEncoder) object(v any) int {
	switch v := v.(type) {
	case fbTable:
		return e.table(v)
	case []fbTable:
		e.alignFor(0, 4)
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		slots := len(e.buf)
		e.buf = append(e.buf, make([]byte, 4*len(v))...)
		for i, t := range v {
			e.patch(slots+4*i, e.table(t))
		}
		return pos
	case string:
		e.alignFor(0, 4)
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		e.buf = append(append(e.buf, v...), 0)
		return pos
	case []byte:
		e.alignFor(4, 16) // constant data starts 16-byte aligned
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		e.buf = append(e.buf, v...)
		return pos
	case []int32:
		e.alignFor(0, 4)
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		for _, x := range v {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(x))
		}
		return pos
	case []float32:
		e.alignFor(0, 4)
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		for _, x := range v {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(x))
		}
		return pos
	case []int64:
		e.alignFor(4, 8)
		pos := len(e.buf)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		for _, x := range v {
			e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(x))
		}
		return pos
	}
	panic("modelbuilder: cannot encode a field of this type")
}

// testModel describes a one-subgraph model to encode.
type testModel struct {
	tensors []fbTable
	buffers []fbTable // buffer 0 is the empty sentinel
	opcodes []fbTable
	codes   map[[2]int32]uint32 // (builtin, version) → opcode index
	ops     []fbTable
	inputs  []int32
	outputs []int32
}

func newTestModel() *testModel {
	return &testModel{buffers: []fbTable{{}}, codes: map[[2]int32]uint32{}}
}

// affine is per-tensor quantization for tensor.
type affine struct {
	scale float32
	zero  int64
}

// tensor adds a tensor and returns its index. data, when not nil, is its
// constant content; q, when not nil, its quantization.
func (m *testModel) tensor(name string, typ tflite.TensorType, shape []int32, data []byte, q *affine) int32 {
	buffer := uint32(0)
	if data != nil {
		buffer = uint32(len(m.buffers))
		m.buffers = append(m.buffers, fbTable{data})
	}
	t := fbTable{shape, int8(typ), buffer, name, nil}
	if q != nil {
		t[4] = fbTable{nil, nil, []float32{q.scale}, []int64{q.zero}}
	}
	m.tensors = append(m.tensors, t)
	return int32(len(m.tensors) - 1)
}

// floats is a float32 constant's data.
func floats(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// int32s is an int32 constant's data.
func int32s(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

// op adds an operator; optionsType and options are its builtin options
// (0 and nil for none).
func (m *testModel) op(code tflite.BuiltinOperator, version int32, inputs, outputs []int32, optionsType uint8, options fbTable) {
	key := [2]int32{int32(code), version}
	index, ok := m.codes[key]
	if !ok {
		index = uint32(len(m.opcodes))
		m.codes[key] = index
		m.opcodes = append(m.opcodes, fbTable{int8(min(code, 127)), nil, version, int32(code)})
	}
	o := fbTable{index, inputs, outputs, nil, nil}
	if optionsType != 0 {
		o[3], o[4] = optionsType, options
	}
	m.ops = append(m.ops, o)
}

// The BuiltinOptions union tags of the options the tests use.
const (
	optionsConv2D         uint8 = 1
	optionsAdd            uint8 = 11
	optionsResizeBilinear uint8 = 15
	optionsReshape        uint8 = 17
	optionsReducer        uint8 = 27
	optionsSqueeze        uint8 = 30
	optionsDequantize     uint8 = 38
)

// encode writes the model as a TFLite file.
func (m *testModel) encode() []byte {
	subgraph := fbTable{m.tensors, m.inputs, m.outputs, m.ops, "main"}
	return encodeModel(fbTable{uint32(3), m.opcodes, []fbTable{subgraph}, "test model", m.buffers})
}

// parse encodes and parses the model.
func (m *testModel) parse(t *testing.T) *tflite.Model {
	t.Helper()
	parsed, err := tflite.Parse(m.encode())
	require.NoError(t, err)
	return parsed
}

// customOp adds a custom operator with the given code and no options.
func (m *testModel) customOp(code string, inputs, outputs []int32) {
	m.opcodes = append(m.opcodes, fbTable{int8(tflite.OpCustom), code, int32(1), int32(tflite.OpCustom)})
	m.ops = append(m.ops, fbTable{uint32(len(m.opcodes) - 1), inputs, outputs, nil, nil})
}
