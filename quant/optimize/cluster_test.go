package optimize_test

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/quant/optimize"
)

// distinct counts the distinct values of v.
func distinct(v []float32) int {
	seen := map[float32]bool{}
	for _, x := range v {
		seen[x] = true
	}
	return len(seen)
}

// TestCluster clusters every float model and checks that each weight
// tensor takes at most N values, each weight its nearest, that nothing
// else changed, and that the model runs.
func TestCluster(t *testing.T) {
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := fm.open(t)
			inputs := fm.inputs(t)
			want := run(t, f, inputs)
			weights := weightTensors(f)
			for _, n := range []int{16, 32, 256} {
				c, rep, err := optimize.Cluster(f, n)
				require.NoError(t, err)
				requireSameStructure(t, f, c)
				assert.Len(t, rep.Tensors, len(weights)-len(rep.Skipped))
				for _, s := range rep.Skipped {
					assert.Contains(t, s.Reason, "already")
				}
				for _, tc := range rep.Tensors {
					orig, v := floatValues(t, f, tc.Index), floatValues(t, c, tc.Index)
					require.LessOrEqual(t, distinct(v), n, tc.Name)
					require.Equal(t, distinct(v), tc.Distinct)
					// Each weight sits on its nearest centroid.
					centroids := slices.Compact(slices.Sorted(slices.Values(v)))
					for j := range v {
						d := math.Abs(float64(orig[j] - v[j]))
						k, _ := slices.BinarySearch(centroids, orig[j])
						for _, x := range centroids[max(k-1, 0):min(k+1, len(centroids))] {
							require.LessOrEqual(t, d, math.Abs(float64(orig[j]-x)), "%s element %d", tc.Name, j)
						}
					}
				}
				dev := relativeDeviation(want, run(t, c, inputs))
				t.Logf("%s %d clusters: %d tensors clustered; outputs deviate by %.2g of their largest value", fm.name, n, len(rep.Tensors), dev)
				if fm.name == mobilenet.name {
					agree, total := sameTopOnes(t, f, c)
					t.Logf("top-1 agreement with the float model: %d/%d photos", agree, total)
				}
			}
		})
	}
}

// TestClusterArguments checks the range of N.
func TestClusterArguments(t *testing.T) {
	f := mobilenet.open(t)
	for _, n := range []int{-1, 0, 1, 257} {
		_, _, err := optimize.Cluster(f, n)
		assert.ErrorContains(t, err, "outside [2, 256]", n)
	}
}

// TestCompose prunes, clusters and narrows to float16 in turn: the zeros
// survive clustering and float16, each weight tensor keeps at most N
// values, the float16 layout is TFLite's, and MobileNet still runs and
// finds its labels.
func TestCompose(t *testing.T) {
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := fm.open(t)
			p, prep, err := optimize.Prune(f, 0.5, optimize.Unstructured)
			require.NoError(t, err)
			c, crep, err := optimize.Cluster(p, 16)
			require.NoError(t, err)
			q, _, err := optimize.Float16(c)
			require.NoError(t, err)
			requireFloat16Layout(t, c, q, true)
			w, _, err := optimize.Widen(q)
			require.NoError(t, err)
			require.Len(t, crep.Tensors, len(prep.Tensors))
			for k, pc := range prep.Tensors {
				v := floatValues(t, w, pc.Index)
				assert.GreaterOrEqual(t, zeros(v), pc.Zeros, "%s keeps its zeros", pc.Name)
				assert.LessOrEqual(t, distinct(v), 16, pc.Name)
				assert.Equal(t, crep.Tensors[k].Zeros, pc.Zeros, "clustering keeps %s's zeros", pc.Name)
			}
			inputs := fm.inputs(t)
			dev := relativeDeviation(run(t, f, inputs), run(t, q, inputs))
			t.Logf("%s pruned 50%%, 16 clusters, float16: outputs deviate by %.2g of their largest value", fm.name, dev)
			if fm.name == mobilenet.name {
				agree, total := sameTopOnes(t, f, q)
				t.Logf("top-1 agreement with the float model: %d/%d photos", agree, total)
			}
		})
	}
}
