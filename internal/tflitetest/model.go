// Package tflitetest builds small TFLite models by hand for tests, so that
// each test states exactly the tensors and operators it needs: a minimal
// flatbuffer encoder ([Table]) and a one-subgraph model description on top
// of it ([Model]). Tests that need a malformed file change the tables
// themselves ([Model.Root]) and encode them with [Encode]. It also holds
// what tests of a model file's bytes and mapping share: [OpenFile] maps a
// model, [Mapped] tells whether a file is still mapped, and [WeightBytes]
// tells constant data from structure.
//
// It imports tflite, so the tests of package tflite use it from the
// external test package tflite_test.
package tflitetest

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/tflite"
)

// Model describes a one-subgraph model to encode. Add its tensors with
// [Model.Tensor], its operators with [Model.Op] and [Model.CustomOp], set
// Inputs and Outputs, then call [Model.Encode] or [Model.Parse].
type Model struct {
	// Inputs and Outputs are the subgraph's input and output tensor
	// indices, as [Model.Tensor] returns them.
	Inputs, Outputs []int32
	// Description is the model's description; NewModel sets it to
	// "test model".
	Description string

	tensors []Table
	buffers []Table // buffer 0 is the empty sentinel
	opcodes []Table
	codes   map[opcode]uint32 // operator code → opcode index
	ops     []Table
}

// opcode identifies an operator code of a model: a builtin and its
// version, or a custom operator's code.
type opcode struct {
	builtin tflite.BuiltinOperator
	version int32
	custom  string
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{Description: "test model", buffers: []Table{{}}, codes: map[opcode]uint32{}}
}

// Affine is per-tensor affine quantization: real = Scale·(q − Zero).
type Affine struct {
	Scale float32
	Zero  int64
}

// Tensor adds a tensor and returns its index. data, when not nil, is its
// constant content (see [Floats] and [Int32s]); q, when not nil, its
// quantization.
func (m *Model) Tensor(name string, typ tflite.TensorType, shape []int32, data []byte, q *Affine) int32 {
	buffer := uint32(0)
	if data != nil {
		buffer = uint32(len(m.buffers))
		m.buffers = append(m.buffers, Table{data})
	}
	t := Table{shape, int8(typ), buffer, name, nil}
	if q != nil {
		t[4] = Table{nil, nil, []float32{q.Scale}, []int64{q.Zero}}
	}
	m.tensors = append(m.tensors, t)
	return int32(len(m.tensors) - 1)
}

// Floats is a float32 constant's data, little-endian.
func Floats(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// Int32s is an int32 constant's data, little-endian.
func Int32s(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

// Op adds a builtin operator of the given version; optionsType and options
// are its builtin options (0 and nil for none), optionsType one of the
// Options constants.
func (m *Model) Op(code tflite.BuiltinOperator, version int32, inputs, outputs []int32, optionsType uint8, options Table) {
	index := m.opcode(opcode{builtin: code, version: version},
		Table{int8(min(code, 127)), nil, version, int32(code)})
	o := Table{index, inputs, outputs, nil, nil}
	if optionsType != 0 {
		o[3], o[4] = optionsType, options
	}
	m.ops = append(m.ops, o)
}

// CustomOp adds a custom operator (version 1) with the given code and no
// options.
func (m *Model) CustomOp(code string, inputs, outputs []int32) {
	index := m.opcode(opcode{builtin: tflite.OpCustom, version: 1, custom: code},
		Table{int8(tflite.OpCustom), code, int32(1), int32(tflite.OpCustom)})
	m.ops = append(m.ops, Table{index, inputs, outputs, nil, nil})
}

// opcode returns the index of key's operator code, adding table as a new
// one the first time.
func (m *Model) opcode(key opcode, table Table) uint32 {
	index, ok := m.codes[key]
	if !ok {
		index = uint32(len(m.opcodes))
		m.codes[key] = index
		m.opcodes = append(m.opcodes, table)
	}
	return index
}

// The BuiltinOptions union tags of the options tables tests pass to
// [Model.Op]: the position of each options type in the schema's union,
// counting from 1.
const (
	// OptionsConv2D tags Conv2DOptions.
	OptionsConv2D uint8 = 1
	// OptionsFullyConnected tags FullyConnectedOptions.
	OptionsFullyConnected uint8 = 8
	// OptionsSoftmax tags SoftmaxOptions.
	OptionsSoftmax uint8 = 9
	// OptionsAdd tags AddOptions.
	OptionsAdd uint8 = 11
	// OptionsResizeBilinear tags ResizeBilinearOptions.
	OptionsResizeBilinear uint8 = 15
	// OptionsReshape tags ReshapeOptions.
	OptionsReshape uint8 = 17
	// OptionsReducer tags ReducerOptions (MEAN, SUM and the other
	// reductions).
	OptionsReducer uint8 = 27
	// OptionsSqueeze tags SqueezeOptions.
	OptionsSqueeze uint8 = 30
)

// Root returns the model's root table as [Model.Encode] writes it (schema
// version 3, one subgraph named "main"), for tests that change a field the
// builder does not reach and then call [Encode]. The tables and vectors in
// it are the model's own: changing one in place changes the model.
func (m *Model) Root() Table {
	subgraph := Table{m.tensors, m.Inputs, m.Outputs, m.ops, "main"}
	return Table{uint32(3), m.opcodes, []Table{subgraph}, m.Description, m.buffers}
}

// Encode writes the model as a TFLite file.
func (m *Model) Encode() []byte {
	return Encode(m.Root(), "TFL3")
}

// Parse encodes the model and parses it with [tflite.Parse], failing t if
// that fails.
func (m *Model) Parse(t testing.TB) *tflite.Model {
	t.Helper()
	parsed, err := tflite.Parse(m.Encode())
	require.NoError(t, err)
	return parsed
}
