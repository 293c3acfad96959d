//go:build arm && !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/percept-robotics/percept/quant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireNeon skips the test on a CPU without NEON (such as an ARM11).
func requireNeon(t *testing.T) {
	t.Helper()
	if !hasNeon {
		t.Skip("this CPU has no NEON")
	}
	require.Contains(t, Targets(), Neon)
}

// TestNeonTargetsWithoutNeon checks that a CPU without NEON is offered only
// the portable kernels and that forcing neon there is an error.
func TestNeonTargetsWithoutNeon(t *testing.T) {
	if hasNeon {
		t.Skip("this CPU has NEON")
	}
	assert.Equal(t, []string{Generic}, Targets())
	_, err := ResolveTarget(Neon)
	require.ErrorContains(t, err, `"neon" is not available`)
}

// TestNeonPacks checks that the Neon target really runs the NEON kernels,
// so that the Targets() tests exercise them, and that a filter offset
// outside int16's reach falls back to the reference.
func TestNeonPacks(t *testing.T) {
	requireNeon(t)
	r := &Requant{Multiplier: []int32{1 << 30}, Shift: []int{0}, ActMin: 0, ActMax: 255}
	k := NewPointwiseQ(Neon, r, 5, 1, make([]uint8, 5), nil)
	assert.NotNil(t, k.packed16)
	assert.Nil(t, NewPointwiseQ(Generic, r, 5, 1, make([]uint8, 5), nil).packed16)
	huge := *r
	huge.FilterOffset = math.MaxInt16 - 254 // w + iw passes int16 for w = 255
	assert.Nil(t, NewPointwiseQ(Neon, &huge, 5, 1, make([]uint8, 5), nil).packed16)

	p := &ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
	shape := Shape4{N: 1, H: 3, W: 3, C: 1}
	d := NewDepthwiseQ(Neon, p, r, shape, Shape4{N: 1, H: 3, W: 3, C: 1}, Shape4{N: 1, H: 1, W: 1, C: 1}, make([]uint8, 9), nil)
	assert.NotNil(t, d.cfg)
}

// TestRequantNeon compares the NEON requantization of one group of 8
// channels with quant.MultiplyByQuantizedMultiplier on accumulators,
// multipliers and shifts at and beyond the edges: shifts of ±31, ±32 and
// ±40, the multiplier MinInt32, accumulators at the int32 limits and on
// rounding ties.
func TestRequantNeon(t *testing.T) {
	requireNeon(t)
	rng := rand.New(rand.NewPCG(5, 7))
	shifts := []int{-40, -32, -31, -30, -17, -1, 0, 1, 7, 30, 31, 32, 40}
	accs := []int32{0, 1, -1, math.MaxInt32, math.MinInt32, 1 << 20, -(1 << 20), 3 << 15, -(3 << 15)}
	mults := []int32{math.MinInt32, math.MaxInt32, 1 << 30, -(1 << 30), 1}
	for trial := range 3000 {
		const neonGroup = 8
		r := &Requant{Multiplier: make([]int32, neonGroup), Shift: make([]int, neonGroup)}
		r.OutputOffset = rng.Int32N(256) - 128
		r.ActMin, r.ActMax = -128, 127
		if trial%2 == 0 {
			r.ActMin, r.ActMax = 0, 255
		}
		var acc [neonGroup]int32
		bias := make([]int32, neonGroup)
		table := make([]int32, requantRows*neonGroup)
		for c := range neonGroup {
			acc[c] = int32(rng.Uint32())
			if rng.IntN(2) == 0 {
				acc[c] = accs[rng.IntN(len(accs))]
			}
			bias[c] = int32(rng.Uint32()) >> rng.IntN(32)
			r.Multiplier[c] = int32(rng.Uint32())
			if rng.IntN(4) == 0 {
				r.Multiplier[c] = mults[rng.IntN(len(mults))]
			}
			r.Shift[c] = shifts[rng.IntN(len(shifts))]
			qgemm4x8Neon.fillColumn(table, c, r, bias[c])
		}
		var got [neonGroup]uint8
		qgemmRequantNeon(&acc[0], &table[0], r.OutputOffset, r.ActMin, r.ActMax, &got[0])
		for c := range neonGroup {
			v := quant.MultiplyByQuantizedMultiplier(acc[c]+bias[c], r.Multiplier[c], r.Shift[c]) + r.OutputOffset
			want := uint8(quant.Clamp(v, r.ActMin, r.ActMax))
			require.Equal(t, want, got[c], "acc %d bias %d mult %d shift %d", acc[c], bias[c], r.Multiplier[c], r.Shift[c])
		}
	}
}
