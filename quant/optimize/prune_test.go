package optimize_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// weightTensors returns the indices of the float weights (input 1) of the
// CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED operators of subgraph 0.
func weightTensors(m *tflite.Model) []int {
	seen := map[int32]bool{}
	var out []int
	for _, op := range m.Subgraphs[0].Operators {
		switch m.OperatorCodes[op.OpcodeIndex].Builtin {
		case tflite.OpConv2D, tflite.OpTransposeConv, tflite.OpFullyConnected:
			if i := op.Inputs[1]; !seen[i] {
				seen[i] = true
				out = append(out, int(i))
			}
		}
	}
	return out
}

// zeros counts the zero values of v.
func zeros(v []float32) int {
	n := 0
	for _, x := range v {
		if x == 0 {
			n++
		}
	}
	return n
}

// TestPrune prunes every float model unstructured and 2:4 and checks each
// weight tensor's sparsity, the 2:4 pattern, that only the smallest
// weights went, that nothing else changed, and that the model runs.
func TestPrune(t *testing.T) {
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := fm.open(t)
			inputs := fm.inputs(t)
			want := run(t, f, inputs)
			weights := weightTensors(f)
			require.NotEmpty(t, weights)
			for _, c := range []struct {
				sparsity float64
				pattern  optimize.Pattern
			}{{0.5, optimize.Unstructured}, {0.8, optimize.Unstructured}, {0.5, optimize.TwoFour}} {
				p, rep, err := optimize.Prune(f, c.sparsity, c.pattern)
				require.NoError(t, err)
				requireSameStructure(t, f, p)
				changed := map[int]bool{}
				for _, tc := range rep.Tensors {
					changed[tc.Index] = true
				}
				for _, s := range rep.Skipped {
					assert.Equal(t, optimize.TwoFour, c.pattern, "only 2:4 skips weights here: %+v", s)
					changed[s.Index] = true
				}
				assert.Len(t, changed, len(weights), "every weight tensor pruned or skipped")
				for _, tc := range rep.Tensors {
					orig, v := floatValues(t, f, tc.Index), floatValues(t, p, tc.Index)
					n := len(v)
					wantZeros := n - max(int(math.Round(float64(n)*(1-c.sparsity))), 1)
					require.GreaterOrEqual(t, zeros(v), wantZeros, "%s zeros", tc.Name)
					require.Equal(t, zeros(v), tc.Zeros)
					// Kept weights are unchanged, and none is smaller than a pruned one.
					smallestKept := math.Inf(1)
					for j := range v {
						if v[j] != 0 {
							require.Equal(t, orig[j], v[j])
							smallestKept = min(smallestKept, math.Abs(float64(v[j])))
						}
					}
					if c.pattern == optimize.TwoFour {
						require.Zero(t, len(v)%4)
						for g := 0; g < len(v); g += 4 {
							require.GreaterOrEqual(t, zeros(v[g:g+4]), 2, "%s group %d", tc.Name, g/4)
						}
						continue
					}
					for j := range v {
						if v[j] == 0 {
							require.LessOrEqual(t, math.Abs(float64(orig[j])), smallestKept, "%s element %d pruned before a smaller one", tc.Name, j)
						}
					}
				}
				// Other tensors are untouched.
				for i, tt := range f.Subgraphs[0].Tensors {
					if !changed[i] {
						require.Equal(t, f.Buffers[tt.Buffer].Data, p.Buffers[p.Subgraphs[0].Tensors[i].Buffer].Data, "tensor %q", tt.Name)
					}
				}
				dev := relativeDeviation(want, run(t, p, inputs))
				t.Logf("%s %s %.0f%%: %d tensors pruned, %d skipped; outputs deviate by %.2g of their largest value",
					fm.name, c.pattern, 100*c.sparsity, len(rep.Tensors), len(rep.Skipped), dev)
				if fm.name == mobilenet.name {
					agree, total := sameTopOnes(t, f, p)
					t.Logf("top-1 agreement with the float model: %d/%d photos", agree, total)
				}
			}
		})
	}
}

// TestPruneArguments checks the range checks.
func TestPruneArguments(t *testing.T) {
	f := mobilenet.open(t)
	for _, c := range []struct {
		sparsity float64
		pattern  optimize.Pattern
		want     string
	}{
		{-0.1, optimize.Unstructured, "outside [0, 1)"},
		{1, optimize.Unstructured, "outside [0, 1)"},
		{math.NaN(), optimize.Unstructured, "outside [0, 1)"},
		{0.6, optimize.TwoFour, "means sparsity 0.5"},
		{0.5, optimize.Pattern(7), "unknown pruning pattern"},
	} {
		_, _, err := optimize.Prune(f, c.sparsity, c.pattern)
		assert.ErrorContains(t, err, c.want)
	}
	p, rep, err := optimize.Prune(f, 0, optimize.Unstructured)
	require.NoError(t, err)
	for _, tc := range rep.Tensors {
		assert.Equal(t, floatValues(t, f, tc.Index), floatValues(t, p, tc.Index), "sparsity 0 changes nothing")
	}
}
