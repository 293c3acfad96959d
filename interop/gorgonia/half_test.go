package gorgonia

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHalfToFloat32(t *testing.T) {
	for h, want := range map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x3555: 0.333251953125, 0x7bff: 65504,
		0x0400: 1.0 / (1 << 14), 0x0001: 1.0 / (1 << 24), 0x83ff: -1023.0 / (1 << 24),
		0x7c00: float32(math.Inf(1)), 0xfc00: float32(math.Inf(-1)),
	} {
		assert.Equal(t, want, halfToFloat32(h), "%#04x", h)
	}
	assert.True(t, math.Signbit(float64(halfToFloat32(0x8000))))
	assert.True(t, math.IsNaN(float64(halfToFloat32(0x7e00))))
}
