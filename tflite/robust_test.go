package tflite_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/require"
)

// walk touches everything a parsed model hands out, as a user would: every
// index Parse validated, the options, the flex maps of custom options, the
// metadata and the associated files. A validation gap shows as a panic.
func walk(m *tflite.Model) {
	for _, sg := range m.Subgraphs {
		for _, x := range sg.Tensors {
			_ = len(m.Buffers[x.Buffer].Data)
			if q := x.Quantization; q != nil && len(q.Scale) > 1 {
				_ = x.Shape[q.QuantizedDimension]
			}
		}
		for _, i := range append(append([]int32{}, sg.Inputs...), sg.Outputs...) {
			_ = sg.Tensors[i].Name
		}
		for _, op := range sg.Operators {
			_ = m.OperatorCodes[op.OpcodeIndex].Builtin.String()
			for _, list := range [][]int32{op.Inputs, op.Outputs, op.Intermediates} {
				for _, i := range list {
					if i >= 0 {
						_ = sg.Tensors[i].Type.String()
					}
				}
			}
			_ = fmt.Sprint(op.Options)
			if len(op.CustomOptions) > 0 {
				if fm, err := tflite.ParseFlexMap(op.CustomOptions); err == nil {
					for _, k := range fm.Keys() {
						fm.Int(k)
						fm.Float(k)
						fm.Bool(k)
					}
				}
			}
		}
	}
	for _, e := range m.Metadata {
		_ = m.Buffers[e.Buffer].Data
	}
	if md, err := m.ReadMetadata(); err == nil && md != nil {
		_ = fmt.Sprint(md)
	}
	_, _ = m.AssociatedFiles()
}

// parseAndWalk parses data and walks the result, turning a panic into an
// error that names the case.
func parseAndWalk(data []byte, what string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: panic: %v", what, r)
		}
	}()
	if m, perr := tflite.Parse(data); perr == nil {
		walk(m)
	}
	return nil
}

func TestCorruptRealModelsNeverPanic(t *testing.T) {
	for _, path := range modelFiles(t) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		m, err := tflite.Parse(data)
		require.NoError(t, err)
		name := filepath.Base(path)
		rng := rand.New(rand.NewPCG(uint64(len(data)), 7))

		// Truncations: the short prefixes byte by byte, then a spread.
		var cuts []int
		for n := range min(len(data), 64) {
			cuts = append(cuts, n)
		}
		for range 40 {
			cuts = append(cuts, rng.IntN(len(data)))
		}
		for _, n := range cuts {
			require.NoError(t, parseAndWalk(data[:n:n], fmt.Sprintf("%s cut at %d", name, n)))
		}

		// Bit flips in the flatbuffer structure and the metadata, 1 to 4
		// at a time, on a copy. The file identifier is left alone: Parse
		// rejects a file without it before reading anything else, and the
		// flips are there to reach the deeper checks.
		var offsets []int
		for at, weight := range tflitetest.WeightBytes(m, data) {
			if !weight && (at < 4 || at >= 8) {
				offsets = append(offsets, at)
			}
		}
		mutated := make([]byte, len(data))
		for trial := range 150 {
			copy(mutated, data)
			var flipped []int
			for range 1 + rng.IntN(4) {
				at := offsets[rng.IntN(len(offsets))]
				mutated[at] ^= 1 << rng.IntN(8)
				flipped = append(flipped, at)
			}
			require.NoError(t, parseAndWalk(mutated, fmt.Sprintf("%s trial %d flips at %v", name, trial, flipped)))
		}
	}
}

func FuzzParse(f *testing.F) {
	model, _, _ := testModel()
	f.Add(tflitetest.Encode(model, "TFL3"))
	f.Add(flexSmallMap)
	if root := testmodels.Root(); root != "" {
		files, err := filepath.Glob(filepath.Join(root, "*", "*.tflite"))
		require.NoError(f, err)
		for _, path := range files {
			data, err := os.ReadFile(path)
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := tflite.Parse(data); err == nil {
			walk(m)
		}
		// The input also serves as a flex map, the format of custom
		// options.
		if fm, err := tflite.ParseFlexMap(data); err == nil {
			for _, k := range fm.Keys() {
				fm.Int(k)
				fm.Float(k)
				fm.Bool(k)
			}
		}
	})
}
