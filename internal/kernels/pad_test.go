package kernels

import (
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
