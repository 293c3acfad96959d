package nn_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// TestObserve checks that an observer sees every operator that runs, in
// order, with its outputs' values right after it ran (the last one is the
// model's output), and that removing it leaves Invoke allocation-free.
func TestObserve(t *testing.T) {
	m, err := tflite.Open(testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"))
	require.NoError(t, err)
	defer m.Close()
	it, err := nn.New(m, &nn.Options{Threads: 1})
	require.NoError(t, err)
	defer it.Close()
	in := it.Input(0).Float32s()
	for i := range in {
		in[i] = float32(i%255)/127.5 - 1
	}
	var ops []int
	var last []float32
	it.Observe(func(op int, outputs []*nn.Tensor) {
		ops = append(ops, op)
		require.NotEmpty(t, outputs)
		last = slices.Clone(outputs[0].Float32s())
	})
	require.NoError(t, it.Invoke())
	sg := &m.Subgraphs[0]
	require.Greater(t, len(ops), len(sg.Operators)/2)
	require.True(t, slices.IsSorted(ops), "operators reported in order: %v", ops)
	// The last operator that ran (SOFTMAX) wrote the model's output.
	require.Equal(t, it.Output(0).Float32s(), last)

	it.Observe(nil)
	ops = ops[:0]
	require.NoError(t, it.Invoke())
	require.Empty(t, ops)
	if !testing.Short() {
		allocs := testing.AllocsPerRun(2, func() { _ = it.Invoke() })
		require.Zero(t, allocs)
	}
}
