package optimize

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestClusterValues checks k-means on small sets whose answer is known.
func TestClusterValues(t *testing.T) {
	// Two tight groups and N = 2: each value goes to its group's mean.
	v := []float32{1, 1.5, 2, 10, 10.5, 11}
	assert.Empty(t, clusterValues(v, 2))
	assert.Equal(t, []float32{1.5, 1.5, 1.5, 10.5, 10.5, 10.5}, v)

	// Linear initialisation: three centroids start at -3, 0, 3 and stay.
	v = []float32{-3, -3, 0.5, -0.5, 3, 3}
	assert.Empty(t, clusterValues(v, 3))
	assert.Equal(t, []float32{-3, -3, 0, 0, 3, 3}, v)

	// Zeros stay zero and count as one of the N values.
	v = []float32{0, 0, 1, 1.2, 5, 5.2, 0}
	assert.Empty(t, clusterValues(v, 3))
	assert.Equal(t, []float32{0, 0, 1.1, 1.1, 5.1, 5.1, 0}, v)

	// N = 2 with zeros: one centroid for the rest, their mean.
	v = []float32{0, 2, 4, 6}
	assert.Empty(t, clusterValues(v, 2))
	assert.Equal(t, []float32{0, 4, 4, 4}, v)

	// Already few enough values, or not finite: unchanged.
	v = []float32{1, 2, 1, 2}
	assert.Contains(t, clusterValues(v, 2), "already 2 distinct values")
	assert.Equal(t, []float32{1, 2, 1, 2}, v)
	nan := []float32{1, 2, 3, float32(nan())}
	assert.Contains(t, clusterValues(nan, 2), "NaN")
}

// TestPruneHelpers checks the two pruning patterns on small tensors.
func TestPruneHelpers(t *testing.T) {
	v := []float32{0.1, -5, 3, -0.2, 4, 0.05}
	pruneSmallest(v, 0.5)
	assert.Equal(t, []float32{0, -5, 3, 0, 4, 0}, v)
	v = []float32{1, 2, 3}
	pruneSmallest(v, 0.99) // at least one weight stays
	assert.Equal(t, []float32{0, 0, 3}, v)

	v = []float32{1, -4, 2, 3, -8, 7, 0.5, 0.1}
	assert.Empty(t, pruneTwoFour([]int32{1, 1, 2, 4}, v))
	assert.Equal(t, []float32{0, -4, 0, 3, -8, 7, 0, 0}, v)
	assert.Contains(t, pruneTwoFour([]int32{8, 3, 3, 3}, make([]float32, 216)), "not a multiple of 4")
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}
