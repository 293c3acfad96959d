package optimize

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHistogramGrowth counts values, then larger ones that double the bin
// width several times: every value stays in the bin of its magnitude.
func TestHistogramGrowth(t *testing.T) {
	var h histogram
	first := []float32{0, 0, 0.001, 0.5, 1, -0.25, float32(math.NaN())}
	h.add(first, 1)
	assert.Equal(t, 1.0/1024, h.w, "the least power of two w with 2048·w > 1")
	second := []float32{3, -700, 0.75, float32(math.Inf(1))}
	h.add(second, 700)
	assert.Equal(t, 0.5, h.w)
	assert.Equal(t, uint64(2), h.zeros)
	assert.Equal(t, uint64(len(first)+len(second)-2), h.total(), "NaN and Inf are not counted")
	want := map[int]uint64{0: 1, 1: 2, 2: 1, 6: 1} // 0.001; 0.5, 0.75; 1; 3
	for i, n := range h.pos {
		assert.Equal(t, want[i], n, "positive bin %d", i)
	}
	assert.Equal(t, uint64(1), h.neg[0])
	assert.Equal(t, uint64(1), h.neg[1400])
}

// uniformWithOutlier is a million values spread evenly over [0, 1) and
// one at 100.
func uniformWithOutlier() (*histogram, []float32) {
	var h histogram
	const n = 1_000_000
	v := make([]float32, n+1)
	for i := range n {
		v[i] = float32(i) / n
	}
	v[n] = 100
	h.add(v, 100)
	return &h, v
}

// TestHistogramRanges: an outlier sets the min/max range; the percentile
// and MSE ranges leave it out, and keep a range without outliers.
func TestHistogramRanges(t *testing.T) {
	h, _ := uniformWithOutlier()
	lo, hi := h.percentile(0.9999, 0, 100)
	assert.Equal(t, 0.0, lo)
	assert.InDelta(t, 1, hi, 0.05, "99.99 %% of the values are below 1")
	lo, hi = h.percentile(0.99, 0, 100)
	assert.InDelta(t, 0.99, hi, 0.05)
	lo, hi = h.mse(0, 100)
	assert.Equal(t, 0.0, lo)
	// Clipping the outlier to hi costs (100−hi)², rounding a million
	// values at step hi/255 about 1e6·(hi/255)²/12: least near hi = 44.
	assert.InDelta(t, 44, hi, 1)
	assert.Less(t, h.quantError(lo, hi), h.quantError(0, 100))
	assert.Less(t, h.quantError(lo, hi), h.quantError(0, 1))

	var sym histogram
	v := make([]float32, 2000)
	for i := range v {
		v[i] = float32(i-1000) / 1000 * 6
	}
	sym.add(v, 6)
	lo, hi = sym.mse(-6, 5.994)
	assert.InDelta(t, -6, lo, 0.2, "an even spread keeps its range")
	assert.InDelta(t, 6, hi, 0.2)
	lo, hi = sym.percentile(0.99999, -6, 5.994)
	assert.Equal(t, -6.0, lo)
	assert.Equal(t, 5.994, hi)
}

// TestHistogramEntropy: an even spread over [0, 1) (or (−1, 1)) with an
// outlier at 4 gets the threshold 1, where the spread ends.
func TestHistogramEntropy(t *testing.T) {
	for _, signed := range []bool{false, true} {
		var h histogram
		const n = 1_000_000
		v := make([]float32, n+1)
		for i := range n {
			v[i] = float32(i) / n
			if signed && i%2 == 1 {
				v[i] = -v[i]
			}
		}
		v[n] = 4
		h.add(v, 4)
		assert.InDelta(t, 1, h.entropy(signed), 0.02, "signed %v", signed)
	}
}

// TestChoose picks ranges per method and refuses what it cannot do.
func TestChoose(t *testing.T) {
	h, _ := uniformWithOutlier()
	r := newRanges(2)
	r.Min[0], r.Max[0], r.Seen[0] = 0, 100, true
	r.hist = []*histogram{h, nil}
	same, err := r.Choose(RangeOptions{})
	require.NoError(t, err)
	assert.Same(t, r, same, "min/max keeps the recorded ranges")
	for _, m := range []RangeMethod{Percentile, MSE} {
		c, err := r.Choose(RangeOptions{Method: m})
		require.NoError(t, err)
		assert.Less(t, c.Max[0], float32(50), "%v", m)
		assert.Equal(t, float32(100), r.Max[0], "%v: r is unchanged", m)
		assert.False(t, c.Seen[1])
	}
	// Entropy starts at 255 bins, 16 here: the outlier stays.
	c, err := r.Choose(RangeOptions{Method: Entropy})
	require.NoError(t, err)
	assert.Equal(t, float32(100), c.Max[0])
	_, err = r.Choose(RangeOptions{Method: Percentile, Percentile: 40})
	assert.ErrorContains(t, err, "percentile 40")
	_, err = r.Choose(RangeOptions{Method: RangeMethod(9)})
	assert.ErrorContains(t, err, "unknown range method")
	_, err = newRanges(1).Choose(RangeOptions{Method: MSE})
	assert.ErrorContains(t, err, "histograms")
	assert.Equal(t, "mse", MSE.String())
	assert.Equal(t, "entropy", Entropy.String())
}

// TestHistogramAllocs: counting a tensor's values allocates nothing, even
// when the bins grow.
func TestHistogramAllocs(t *testing.T) {
	var h histogram
	v := make([]float32, 4096)
	for i := range v {
		v[i] = float32(i)/512 - 2
	}
	scale := float32(1)
	allocs := testing.AllocsPerRun(20, func() {
		for i := range v {
			v[i] *= scale
		}
		scale = 2
		h.add(v, float64(max(-v[0], v[len(v)-1])))
	})
	assert.Zero(t, allocs)
	assert.Equal(t, uint64(21*4096), h.total())
}
