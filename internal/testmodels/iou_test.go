package testmodels

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIoU(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b [4]float64
		want float64
	}{
		{"same box", [4]float64{1, 2, 3, 5}, [4]float64{1, 2, 3, 5}, 1},
		{"half of one", [4]float64{0, 0, 2, 2}, [4]float64{1, 0, 3, 2}, 2.0 / 6},
		{"inside", [4]float64{0, 0, 4, 4}, [4]float64{1, 1, 2, 2}, 1.0 / 16},
		{"touching", [4]float64{0, 0, 1, 1}, [4]float64{1, 0, 2, 1}, 0},
		{"apart on the second axis", [4]float64{0, 0, 1, 1}, [4]float64{0, 3, 1, 4}, 0},
		{"corners of unit squares", [4]float64{0, 0, 0.5, 0.5}, [4]float64{0.25, 0.25, 0.75, 0.75}, 0.0625 / 0.4375},
	} {
		assert.InDelta(t, tc.want, IoU(tc.a, tc.b), 1e-12, tc.name)
		assert.InDelta(t, tc.want, IoU(tc.b, tc.a), 1e-12, "%s, swapped", tc.name)
	}
}
