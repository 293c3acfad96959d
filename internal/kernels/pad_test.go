package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPad(t *testing.T) {
	in := Shape4{1, 2, 2, 1}
	before, after := [4]int{0, 1, 0, 0}, [4]int{0, 0, 1, 1}
	out, err := PadShape(in, before, after)
	require.NoError(t, err)
	assert.Equal(t, Shape4{1, 3, 3, 2}, out)
	dst := make([]uint8, out.Size())
	Pad(in, []uint8{1, 2, 3, 4}, before, after, 9, dst)
	// One row on top, a column on the right, a second channel of 9s.
	assert.Equal(t, []uint8{
		9, 9, 9, 9, 9, 9,
		1, 9, 2, 9, 9, 9,
		3, 9, 4, 9, 9, 9,
	}, dst)

	_, err = PadShape(in, [4]int{0, -1, 0, 0}, after)
	assert.ErrorContains(t, err, "dimension 1")
}

// TestPadMatchesPlacement: random shapes and paddings on every dimension,
// against dst filled with the value and src copied to its place pixel by
// pixel.
func TestPadMatchesPlacement(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 300 {
		in := Shape4{1 + rng.IntN(2), 1 + rng.IntN(5), 1 + rng.IntN(5), 1 + rng.IntN(6)}
		var before, after [4]int
		for d := range 4 {
			if rng.IntN(2) == 0 {
				before[d], after[d] = rng.IntN(3), rng.IntN(3)
			}
		}
		out, err := PadShape(in, before, after)
		require.NoError(t, err)
		src := make([]int16, in.Size())
		for i := range src {
			src[i] = int16(1 + i)
		}
		want := make([]int16, out.Size())
		for i := range want {
			want[i] = -7
		}
		for n := range in.N {
			for y := range in.H {
				for x := range in.W {
					for c := range in.C {
						want[(((n+before[0])*out.H+y+before[1])*out.W+x+before[2])*out.C+c+before[3]] = src[((n*in.H+y)*in.W+x)*in.C+c]
					}
				}
			}
		}
		got := make([]int16, out.Size()+3)
		Pad(in, src, before, after, -7, got)
		require.Equal(t, want, got[:out.Size()], "%v padded by %v, %v", in, before, after)
		require.Equal(t, []int16{0, 0, 0}, got[out.Size():], "%v padded by %v, %v: wrote past the output", in, before, after)
	}
}
