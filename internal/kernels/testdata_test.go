package kernels

import (
	"math"
	"math/rand/v2"

	"github.com/percept-robotics/percept/quant"
)

// The random parameters the kernel tests draw, once for the package.

// randValues returns n random values spanning all of T.
func randValues[T int8 | uint8](rng *rand.Rand, n int) []T {
	lo, hi := typeRange[T]()
	v := make([]T, n)
	for i := range v {
		v[i] = T(lo + rng.Int32N(hi-lo+1))
	}
	return v
}

// randZero picks a zero point of T: one of the extremes a third of the
// time, otherwise anywhere in T's range.
func randZero[T int8 | uint8](rng *rand.Rand) int32 {
	lo, hi := typeRange[T]()
	switch rng.IntN(6) {
	case 0:
		return lo
	case 1:
		return hi
	}
	return lo + rng.Int32N(hi-lo+1)
}

// randRequant draws the requantization of a layer of T with outC output
// channels, and its bias: zero points often at T's extremes, non-zero
// filter offsets a quarter of the time for int8, per-channel multipliers
// from 2^−20 to 8 (and rarely shifts no quantized multiplier has, which Go
// still defines), bias absent or spanning int32, and a clamp range that is
// T's whole range or a random part of it.
func randRequant[T int8 | uint8](rng *rand.Rand, outC int) (Requant, []int32) {
	lo, hi := typeRange[T]()
	var r Requant
	r.InputOffset = -randZero[T](rng)
	if lo == 0 || rng.IntN(4) == 0 {
		r.FilterOffset = -randZero[T](rng)
	}
	r.OutputOffset = randZero[T](rng)
	r.Multiplier = make([]int32, outC)
	r.Shift = make([]int, outC)
	for oc := range outC {
		r.Multiplier[oc], r.Shift[oc] = quant.QuantizeMultiplier(math.Exp2(-20 + 23*rng.Float64()))
		if rng.IntN(16) == 0 {
			r.Shift[oc] = []int{-40, -32, -31, 31, 32, 40}[rng.IntN(6)]
		}
	}
	var bias []int32
	if rng.IntN(4) != 0 {
		bias = make([]int32, outC)
		for oc := range bias {
			bias[oc] = int32(rng.Uint32())
			if rng.IntN(2) == 0 {
				bias[oc] >>= 12
			}
		}
	}
	r.ActMin, r.ActMax = lo, hi
	if rng.IntN(2) == 0 {
		a, b := lo+rng.Int32N(hi-lo+1), lo+rng.Int32N(hi-lo+1)
		r.ActMin, r.ActMax = min(a, b), max(a, b)
	}
	return r, bias
}
