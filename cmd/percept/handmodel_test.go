package main

import (
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// handOp is one operator of a hand-made model: a builtin (version 1), or a
// custom operator when custom is not empty. It reads the previous
// operator's output (the model input for the first; ADD reads it twice) and
// writes a new FLOAT32 tensor of the input's shape.
type handOp struct {
	builtin tflite.BuiltinOperator
	custom  string
	// optionsType and options are its builtin options (0, nil: none).
	optionsType uint8
	options     tflitetest.Table
}

// handModel encodes a chain of ops over one FLOAT32 input of shape, whose
// last op's output is the model's one output.
func handModel(shape []int32, ops ...handOp) []byte {
	m := tflitetest.NewModel()
	m.Description = "hand-made test model"
	in := m.Tensor("input", tflite.TypeFloat32, shape, nil, nil)
	m.Inputs = []int32{in}
	for i, op := range ops {
		out := m.Tensor("t"+string(rune('a'+i)), tflite.TypeFloat32, shape, nil, nil)
		switch {
		case op.custom != "":
			m.CustomOp(op.custom, []int32{in}, []int32{out})
		case op.builtin == tflite.OpAdd:
			m.Op(op.builtin, 1, []int32{in, in}, []int32{out}, op.optionsType, op.options)
		default:
			m.Op(op.builtin, 1, []int32{in}, []int32{out}, op.optionsType, op.options)
		}
		in = out
	}
	m.Outputs = []int32{in}
	return m.Encode()
}

// Hand-made classifiers of a 1×1 RGB image into three classes: their
// scores are the input's three channels doubled (logits), or their
// softmax (probabilities).
var (
	logitClassifier = handModel([]int32{1, 1, 1, 3},
		handOp{builtin: tflite.OpAdd, optionsType: tflitetest.OptionsAdd, options: tflitetest.Table{int8(0)}})
	softmaxClassifier = handModel([]int32{1, 1, 1, 3},
		handOp{builtin: tflite.OpSoftmax, optionsType: tflitetest.OptionsSoftmax, options: tflitetest.Table{float32(1)}})
)
