package nn_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// loadInterpreter builds an interpreter for a shared model and fills its
// input with the first reference input tensor.
func loadInterpreter(tb testing.TB, rm referenceModel, threads int) *nn.Interpreter {
	return loadInterpreterFor(tb, rm, threads, "")
}

// loadInterpreterFor is loadInterpreter on a given kernel target.
func loadInterpreterFor(tb testing.TB, rm referenceModel, threads int, target string) *nn.Interpreter {
	tb.Helper()
	m, err := tflite.Open(testmodels.Path(tb, rm.file))
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	it, err := nn.New(m, &nn.Options{Threads: threads, Kernels: target})
	require.NoError(tb, err)
	tb.Cleanup(func() { it.Close() })
	inputs, err := filepath.Glob(filepath.Join(testmodels.Path(tb, "reference", "armnn", rm.ref), "*.input.npy"))
	require.NoError(tb, err)
	require.NotEmpty(tb, inputs)
	in, err := npy.ReadFile(inputs[0])
	require.NoError(tb, err)
	copy(it.Input(0).Bytes(), in.Data)
	return it
}

// BenchmarkModels times one inference of every real model on every kernel
// target with 1 and 2 threads, and reports the multiply-accumulate rate.
func BenchmarkModels(b *testing.B) {
	for _, rm := range referenceModels {
		for _, target := range kernels.Targets() {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("%s/kernels=%s/threads=%d", strings.ReplaceAll(rm.ref, "_", "-"), target, threads)
				b.Run(name, func(b *testing.B) {
					it := loadInterpreterFor(b, rm, threads, target)
					b.ReportAllocs()
					for b.Loop() {
						if err := it.Invoke(); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(it.MACs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
				})
			}
		}
	}
}

// TestInvokeAllocatesNothing checks that after New, Invoke performs no heap
// allocation on any real model.
func TestInvokeAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are for the full run (the race detector allocates)")
	}
	for _, rm := range referenceModels {
		t.Run(rm.ref, func(t *testing.T) {
			for _, threads := range []int{1, 2} {
				it := loadInterpreter(t, rm, threads)
				allocs := testing.AllocsPerRun(3, func() {
					if err := it.Invoke(); err != nil {
						t.Fatal(err)
					}
				})
				require.Zero(t, allocs, "allocations per Invoke with %d threads", threads)
			}
		})
	}
}
