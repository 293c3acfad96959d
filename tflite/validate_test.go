package tflite_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/tflite"
)

// TestValidate breaks a parsed model in memory, one index at a time: each
// break is an error naming what is out of range.
func TestValidate(t *testing.T) {
	for name, c := range map[string]struct {
		breakIt func(m *tflite.Model)
		want    string
	}{
		"opcode index":   {func(m *tflite.Model) { m.Subgraphs[0].Operators[0].OpcodeIndex = 999 }, "operator 0: opcode index 999 out of range"},
		"operator input": {func(m *tflite.Model) { m.Subgraphs[0].Operators[1].Inputs[0] = 10_000 }, "operator 1: inputs: tensor index 10000"},
		"tensor buffer":  {func(m *tflite.Model) { m.Subgraphs[0].Tensors[2].Buffer = 1 << 30 }, "tensor 2"},
		"negative dim":   {func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Shape[1] = -5 }, "negative dimension"},
		"subgraph input": {func(m *tflite.Model) { m.Subgraphs[0].Inputs = []int32{-1} }, "inputs: tensor index -1"},
		"metadata":       {func(m *tflite.Model) { m.Metadata[0].Buffer = 1 << 30 }, "metadata 0"},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := tflite.Parse(assets.ClassifierModel)
			require.NoError(t, err)
			require.NoError(t, m.Validate())
			c.breakIt(m)
			require.ErrorContains(t, m.Validate(), c.want)
			_, err = tflite.Write(m)
			require.ErrorContains(t, err, c.want)
		})
	}
}
