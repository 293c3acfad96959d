package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The int16 primitives are checked against the int32 ones of fixedpoint.go
// where a scaling makes them the same function, and against float64
// oracles (every product and quotient here is exact in a float64).

// int16Samples is every int16 whose high byte is 0x00, 0x7f, 0x80 or 0xff
// (the values around zero and the extremes), plus 256 random ones.
func int16Samples() []int16 {
	var s []int16
	for _, hi := range []int{0x00, 0x7f, 0x80, 0xff} {
		for lo := range 256 {
			s = append(s, int16(uint16(hi<<8|lo)))
		}
	}
	r := rand.New(rand.NewPCG(16, 16))
	for range 256 {
		s = append(s, int16(r.Uint32()))
	}
	return s
}

func clamp16(v float64) int16 {
	return int16(min(max(v, math.MinInt16), math.MaxInt16))
}

func TestSaturatingRoundingDoublingHighMul16(t *testing.T) {
	assert.Equal(t, int16(math.MaxInt16), SaturatingRoundingDoublingHighMul16(math.MinInt16, math.MinInt16))
	samples := int16Samples()
	for _, a := range samples {
		for _, b := range samples {
			got := SaturatingRoundingDoublingHighMul16(a, b)
			// 2·a·b / 2^16, ties toward +∞.
			want := clamp16(math.Floor(float64(a)*float64(b)/(1<<15) + 0.5))
			if got != want {
				require.Equal(t, want, got, "a=%d b=%d", a, b)
			}
			// The int32 primitive on a·2^16 and b computes the same quotient.
			if a != math.MinInt16 || b != math.MinInt16 {
				if w32 := SaturatingRoundingDoublingHighMul(int32(a)<<16, int32(b)); int32(got) != w32 {
					require.Equal(t, w32, int32(got), "a=%d b=%d against the int32 version", a, b)
				}
			}
		}
	}
}

func TestSaturatingDoublingHighMul16(t *testing.T) {
	assert.Equal(t, int16(math.MaxInt16), SaturatingDoublingHighMul16(math.MinInt16, math.MinInt16))
	assert.Equal(t, int16(0), SaturatingDoublingHighMul16(-1, 1<<14))  // −0.5 → 0
	assert.Equal(t, int16(-1), SaturatingDoublingHighMul16(-3, 1<<14)) // −1.5 → −1
	assert.Equal(t, int16(1), SaturatingDoublingHighMul16(3, 1<<14))   // 1.5 → 1
	samples := int16Samples()
	for _, a := range samples {
		for _, b := range samples {
			got := SaturatingDoublingHighMul16(a, b)
			want := clamp16(math.Trunc(float64(a) * float64(b) / (1 << 15)))
			if got != want {
				require.Equal(t, want, got, "a=%d b=%d", a, b)
			}
		}
	}
}

func TestSaturatingLeftShift16(t *testing.T) {
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		for _, amount := range []int{0, 1, 2, 7, 14, 15, 16, 29, 47} {
			got := SaturatingLeftShift16(int16(v), amount)
			if want := clamp16(math.Ldexp(float64(v), amount)); got != want {
				require.Equal(t, want, got, "v=%d amount=%d", v, amount)
			}
		}
	}
}

func TestRoundingDivideByPOT16(t *testing.T) {
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		for exponent := range 16 {
			got := RoundingDivideByPOT16(int16(x), exponent)
			// Ties away from zero.
			if want := int16(math.Round(math.Ldexp(float64(x), -exponent))); got != want {
				require.Equal(t, want, got, "x=%d exponent=%d", x, exponent)
			}
			if w32 := RoundingDivideByPOT(int32(x), exponent); int32(got) != w32 {
				require.Equal(t, w32, int32(got), "x=%d exponent=%d against the int32 version", x, exponent)
			}
		}
	}
}

func TestDownScaleInt32ToInt16Multiplier(t *testing.T) {
	assert.Equal(t, int16(1<<14), DownScaleInt32ToInt16Multiplier(1<<30))
	assert.Equal(t, int16(math.MaxInt16), DownScaleInt32ToInt16Multiplier(math.MaxInt32))
	assert.Equal(t, int16(0), DownScaleInt32ToInt16Multiplier(0))
	r := rand.New(rand.NewPCG(16, 31))
	ms := []int32{1<<15 - 1, 1 << 15, 3 << 15, math.MaxInt32 - 1<<15, math.MaxInt32 - 1<<15 - 1}
	for range 10000 {
		ms = append(ms, r.Int32())
	}
	for _, m := range ms {
		// m / 2^16, ties toward +∞, saturated.
		want := int16(min(math.Floor(float64(m)/(1<<16)+0.5), math.MaxInt16))
		assert.Equal(t, want, DownScaleInt32ToInt16Multiplier(m), "m=%d", m)
	}
}
