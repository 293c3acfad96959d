package main

import (
	"encoding/binary"
	"math"

	"github.com/percept-robotics/percept/tflite"
)

// This file writes tiny TFLite models by hand for tests, so that a test
// states exactly the operators and outputs it needs: a minimal flatbuffer
// encoder and a one-subgraph model on top of it.

// fbTable is a flatbuffer table: entry i is the field of slot i, nil when
// absent. Scalars are int8, uint8, int32 and uint32; references are string,
// []int32, fbTable and []fbTable.
type fbTable []any

// fbEncoder lays a flatbuffer out forwards: every object is written before
// the objects it refers to, so that every (unsigned) offset points forwards.
type fbEncoder struct{ buf []byte }

func (e *fbEncoder) align4() {
	for len(e.buf)%4 != 0 {
		e.buf = append(e.buf, 0)
	}
}

// patch stores at p the forward offset from p to target.
func (e *fbEncoder) patch(p, target int) {
	binary.LittleEndian.PutUint32(e.buf[p:], uint32(target-p))
}

// table writes t's vtable, then t with one 4-byte cell per present field,
// then the objects t refers to, and returns t's position.
func (e *fbEncoder) table(t fbTable) int {
	e.align4()
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
		case int8:
			cell = uint32(uint8(v))
		case uint8:
			cell = uint32(v)
		case int32:
			cell = uint32(v)
		case uint32:
			cell = v
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
	e.align4()
	pos := len(e.buf)
	switch v := v.(type) {
	case fbTable:
		return e.table(v)
	case []fbTable:
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		slots := len(e.buf)
		e.buf = append(e.buf, make([]byte, 4*len(v))...)
		for i, t := range v {
			e.patch(slots+4*i, e.table(t))
		}
	case string:
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		e.buf = append(append(e.buf, v...), 0)
	case []int32:
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(v)))
		for _, x := range v {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(x))
		}
	default:
		panic("handmodel: cannot encode a field of this type")
	}
	return pos
}

// handOp is one operator of a hand-made model: a builtin, or a custom
// operator when custom is not empty. It reads the previous operator's
// output (the model input for the first) and writes a new FLOAT32 tensor of
// the input's shape.
type handOp struct {
	builtin tflite.BuiltinOperator
	custom  string
	// optionsType and options are its builtin options (0, nil: none).
	optionsType uint8
	options     fbTable
}

// The BuiltinOptions union tags the hand-made models use.
const (
	optionsAdd     uint8 = 11
	optionsSoftmax uint8 = 9
)

// handModel encodes a chain of ops over one FLOAT32 input of shape, whose
// last op's output is the model's one output.
func handModel(shape []int32, ops ...handOp) []byte {
	tensors := []fbTable{{shape, int8(tflite.TypeFloat32), uint32(0), "input"}}
	var opcodes, operators []fbTable
	codes := map[string]uint32{}
	for i, op := range ops {
		key := op.custom
		if key == "" {
			key = op.builtin.String()
		}
		index, ok := codes[key]
		if !ok {
			index = uint32(len(opcodes))
			codes[key] = index
			code := op.builtin
			if op.custom != "" {
				code = tflite.OpCustom
			}
			c := fbTable{int8(min(code, 127)), nil, int32(1), int32(code)}
			if op.custom != "" {
				c[1] = op.custom
			}
			opcodes = append(opcodes, c)
		}
		tensors = append(tensors, fbTable{shape, int8(tflite.TypeFloat32), uint32(0), "t" + string(rune('a'+i))})
		in := int32(i)
		inputs := []int32{in}
		if op.builtin == tflite.OpAdd && op.custom == "" {
			inputs = []int32{in, in}
		}
		o := fbTable{index, inputs, []int32{int32(i + 1)}, nil, nil}
		if op.optionsType != 0 {
			o[3], o[4] = op.optionsType, op.options
		}
		operators = append(operators, o)
	}
	subgraph := fbTable{tensors, []int32{0}, []int32{int32(len(ops))}, operators, "main"}
	model := fbTable{uint32(3), opcodes, []fbTable{subgraph}, "hand-made test model", []fbTable{{}}}
	e := &fbEncoder{buf: make([]byte, 8)}
	copy(e.buf[4:], "TFL3")
	binary.LittleEndian.PutUint32(e.buf, uint32(e.table(model)))
	return e.buf
}

// Hand-made classifiers of a 1×1 RGB image into three classes: their
// scores are the input's three channels doubled (logits), or their
// softmax (probabilities).
var (
	logitClassifier = handModel([]int32{1, 1, 1, 3},
		handOp{builtin: tflite.OpAdd, optionsType: optionsAdd, options: fbTable{int8(0)}})
	softmaxClassifier = handModel([]int32{1, 1, 1, 3},
		handOp{builtin: tflite.OpSoftmax, optionsType: optionsSoftmax, options: fbTable{float32Bits(1)}})
)

// float32Bits is a float32 table field, as its bits.
func float32Bits(f float32) uint32 { return math.Float32bits(f) }
