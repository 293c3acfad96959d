package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	// [2 3] cut along the columns into widths 1 and 2.
	a, b := make([]int16, 2), make([]int16, 4)
	Split(2, []int16{1, 2, 3, 4, 5, 6}, []int{1, 2}, [][]int16{a, b})
	assert.Equal(t, []int16{1, 4}, a)
	assert.Equal(t, []int16{2, 3, 5, 6}, b)
}

// TestSplitUndoesConcat: random outer sizes and widths, some empty.
func TestSplitUndoesConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	for range 100 {
		outer, k := 1+rng.IntN(5), 1+rng.IntN(4)
		inner := make([]int, k)
		parts := make([][]byte, k)
		total := 0
		for i := range parts {
			inner[i] = rng.IntN(7)
			parts[i] = make([]byte, outer*inner[i])
			for j := range parts[i] {
				parts[i][j] = byte(rng.Uint32())
			}
			total += outer * inner[i]
		}
		joined := make([]byte, total)
		Concat(outer, parts, inner, joined)
		back := make([][]byte, k)
		for i := range back {
			back[i] = make([]byte, outer*inner[i])
		}
		Split(outer, joined, inner, back)
		require.Equal(t, parts, back)
	}
}
