package optimize

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/percept-robotics/percept/tflite"
)

// Cluster limits: N clusters, from 2 to 256 (an index of one byte).
const (
	MinClusters = 2
	MaxClusters = 256
)

// clusterIterations caps the k-means iterations per tensor; 1-D k-means
// from a linear start settles in far fewer on real weights.
const clusterIterations = 100

// Cluster returns m with the weights of its CONV_2D, TRANSPOSE_CONV and
// FULLY_CONNECTED operators clustered, as TF-MOT's weight clustering
// leaves a model after strip_clustering (without its fine-tuning): each
// weight tensor takes at most clusters distinct values.
//
// Per tensor, clusters centroids start evenly spaced between the smallest
// and largest weight (TF-MOT's LINEAR initialisation), Lloyd's k-means
// moves them to the mean of the weights nearest to each (at most 100
// iterations, until no weight changes cluster), and every weight becomes
// its centroid. Exact zeros stay zero, so that a pruned model stays as
// sparse (TF-MOT's sparsity-preserving clustering): zero is then one of
// the values and the other weights share clusters − 1 centroids. Tensors
// that already have at most clusters distinct values are left unchanged.
func Cluster(m *tflite.Model, clusters int) (*tflite.Model, *Report, error) {
	if clusters < MinClusters || clusters > MaxClusters {
		return nil, nil, fmt.Errorf("optimize: %d clusters is outside [%d, %d]", clusters, MinClusters, MaxClusters)
	}
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	for _, w := range e.weights(rep) {
		e.rewrite(rep, w, func(_ *tflite.Tensor, v []float32) string {
			return clusterValues(v, clusters)
		})
	}
	return e.finish(), rep, nil
}

// clusterValues replaces each value of v by its k-means centroid, or
// returns why it leaves v alone.
func clusterValues(v []float32, clusters int) string {
	distinct := map[float32]struct{}{}
	for _, x := range v {
		if x != x || math.IsInf(float64(x), 0) {
			return "it holds NaN or infinite weights"
		}
		distinct[x] = struct{}{}
	}
	if len(distinct) <= clusters {
		return fmt.Sprintf("already %d distinct values", len(distinct))
	}
	k := clusters
	sorted := make([]float64, 0, len(v))
	for _, x := range v {
		if x != 0 {
			sorted = append(sorted, float64(x))
		}
	}
	if len(sorted) < len(v) {
		k-- // zero is one of the values
	}
	slices.Sort(sorted)
	centroids := kmeans1D(sorted, k)
	bounds := make([]float64, len(centroids)-1)
	for j := range bounds {
		bounds[j] = (centroids[j] + centroids[j+1]) / 2
	}
	for i, x := range v {
		if x != 0 {
			// The number of midpoints at or below x is x's cluster.
			j := sort.Search(len(bounds), func(j int) bool { return bounds[j] > float64(x) })
			v[i] = float32(centroids[j])
		}
	}
	return ""
}

// kmeans1D clusters the sorted values into k groups by Lloyd's algorithm
// from centroids evenly spaced between the smallest and largest value,
// and returns the centroids in increasing order. A value goes to the
// nearest centroid, the upper one on a tie. A centroid left without
// values (linear starts put many in the sparse tails of a weight
// distribution) moves to split the cluster of largest squared error, as
// common k-means implementations do, so that all k serve.
func kmeans1D(sorted []float64, k int) []float64 {
	n := len(sorted)
	prefix := make([]float64, n+1)  // sums of sorted[:i]
	squares := make([]float64, n+1) // sums of their squares
	for i, x := range sorted {
		prefix[i+1] = prefix[i] + x
		squares[i+1] = squares[i] + x*x
	}
	mean := func(a, b int) float64 { return (prefix[b] - prefix[a]) / float64(b-a) }
	if k == 1 {
		return []float64{mean(0, n)}
	}
	lo, hi := sorted[0], sorted[n-1]
	c := make([]float64, k)
	for j := range c {
		c[j] = lo + (hi-lo)*float64(j)/float64(k-1)
	}
	starts := make([]int, k+1)
	prev := make([]int, k+1)
	byError := make([]int, 0, k)
	moved := false
	for it := 0; it < clusterIterations; it++ {
		// Cluster j holds sorted[starts[j]:starts[j+1]]: the values below
		// the midpoint to the next centroid and not below the previous one.
		starts[0], starts[k] = 0, n
		for j := 1; j < k; j++ {
			mid := (c[j-1] + c[j]) / 2
			starts[j] = sort.Search(n, func(i int) bool { return sorted[i] >= mid })
		}
		if it > 0 && !moved && slices.Equal(starts, prev) {
			break
		}
		copy(prev, starts)
		byError = byError[:0]
		for j := range c {
			if a, b := starts[j], starts[j+1]; b > a {
				c[j] = mean(a, b)
				if sorted[a] != sorted[b-1] {
					byError = append(byError, j)
				}
			}
		}
		sse := func(j int) float64 {
			a, b := starts[j], starts[j+1]
			s := prefix[b] - prefix[a]
			return squares[b] - squares[a] - s*s/float64(b-a)
		}
		slices.SortFunc(byError, func(x, y int) int { return cmp.Compare(sse(y), sse(x)) })
		moved = false
		for j := range c {
			if starts[j] < starts[j+1] || len(byError) == 0 {
				continue
			}
			// Split the worst cluster at its median: it keeps the lower
			// half's mean, the empty centroid takes the upper half's.
			w := byError[0]
			byError = byError[1:]
			a, b := starts[w], starts[w+1]
			m := (a + b) / 2
			c[w], c[j] = mean(a, m), mean(m, b)
			moved = true
		}
		slices.Sort(c)
	}
	return c
}
