package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// exactFMA32 computes x·y + acc exactly with math/big and rounds it once to
// float32, ties to even; signed zeros and non-finite values follow IEEE 754.
func exactFMA32(x, y, acc float32) float32 {
	p64 := float64(x) * float64(y) // exact: used only for its class and sign
	if math.IsNaN(p64) || math.IsInf(p64, 0) || math.IsInf(float64(acc), 0) || math.IsNaN(float64(acc)) {
		return float32(p64 + float64(acc)) // no rounding involved
	}
	bx, by, bz := big.NewFloat(float64(x)), big.NewFloat(float64(y)), big.NewFloat(float64(acc))
	sum := new(big.Float).SetPrec(2000).Mul(bx, by)
	sum.Add(sum, bz)
	if sum.Sign() == 0 {
		// An exact zero: −0 only when both terms are −0.
		if math.Signbit(p64) && math.Signbit(float64(acc)) && p64 == 0 && acc == 0 {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	f, _ := sum.Float32()
	return f
}

// f32FromParts builds a float32 from a sign, a biased exponent and a
// mantissa field.
func f32FromParts(neg bool, exp, mant uint32) float32 {
	b := exp<<23 | mant&0x7fffff
	if neg {
		b |= 1 << 31
	}
	return math.Float32frombits(b)
}

// checkFMA32 compares fma32 with the exact computation, NaN-ness only for NaNs.
func checkFMA32(t *testing.T, x, y, acc float32) {
	t.Helper()
	want, got := exactFMA32(x, y, acc), fma32(x, y, acc)
	if math.IsNaN(float64(want)) {
		require.Truef(t, math.IsNaN(float64(got)), "fma32(%g, %g, %g) = %g, want NaN", x, y, acc, got)
		return
	}
	require.Equalf(t, math.Float32bits(want), math.Float32bits(got), "fma32(%g, %g, %g) = %g, want %g", x, y, acc, got, want)
}

func TestFma32Special(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	values := []float32{0, negZero, 1, -1, 0.5, 3, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0x1p-126, 0x1p-127, inf, -inf, nan}
	for _, x := range values {
		for _, y := range values {
			for _, z := range values {
				checkFMA32(t, x, y, z)
			}
		}
	}
}

func TestFma32Adversarial(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for range n {
		switch rng.IntN(5) {
		case 0:
			// A float32 midpoint plus a tiny tail of either sign: the float64
			// sum lands on the midpoint while the exact sum does not.
			base := f32FromParts(rng.IntN(2) == 0, 100+rng.Uint32N(50), rng.Uint32())
			ulp := math.Nextafter32(base, float32(math.Inf(1))) - base
			half := ulp / 2
			// x·y = half·(1 + 2^-k) style products are hard to hit with
			// float32 factors; use (half + tiny) split into a product.
			tiny := f32FromParts(rng.IntN(2) == 0, 10+rng.Uint32N(30), rng.Uint32())
			checkFMA32(t, half, 1, base)
			checkFMA32(t, 1, half+tiny, base)
			checkFMA32(t, tiny, 1, base+half)
			checkFMA32(t, base, 1+0x1p-24, tiny)
		case 1:
			// Products of 24-bit mantissas with long exact tails cancelling
			// against acc.
			x := f32FromParts(rng.IntN(2) == 0, 120+rng.Uint32N(15), rng.Uint32())
			y := f32FromParts(rng.IntN(2) == 0, 120+rng.Uint32N(15), rng.Uint32())
			p := float32(float64(x) * float64(y))
			checkFMA32(t, x, y, -p)
			checkFMA32(t, x, y, -math.Nextafter32(p, 0))
			checkFMA32(t, x, y, p)
		case 2:
			// Results in and around the subnormal range.
			x := f32FromParts(rng.IntN(2) == 0, 1+rng.Uint32N(80), rng.Uint32())
			y := f32FromParts(rng.IntN(2) == 0, 40+rng.Uint32N(40), rng.Uint32())
			z := f32FromParts(rng.IntN(2) == 0, rng.Uint32N(3), rng.Uint32())
			checkFMA32(t, x, y, z)
		case 3:
			// Around overflow.
			x := f32FromParts(rng.IntN(2) == 0, 200+rng.Uint32N(54), rng.Uint32())
			y := f32FromParts(false, 127+rng.Uint32N(60), rng.Uint32())
			z := f32FromParts(rng.IntN(2) == 0, 250+rng.Uint32N(5), rng.Uint32())
			checkFMA32(t, x, y, z)
		default:
			// Anything, with the bit patterns of any finite float32.
			x := f32FromParts(rng.IntN(2) == 0, rng.Uint32N(255), rng.Uint32())
			y := f32FromParts(rng.IntN(2) == 0, rng.Uint32N(255), rng.Uint32())
			z := f32FromParts(rng.IntN(2) == 0, rng.Uint32N(255), rng.Uint32())
			checkFMA32(t, x, y, z)
		}
	}
}

// TestFma32DoubleRoundingCases checks sums whose float64 rounding lands
// exactly on a float32 midpoint although the exact sum lies just below or
// above it: x·y = u/2·(1 − 2^-2k) or u/2·(1 + 2^-k)(1 + 2^-k) for u the
// ulp of acc, whose tails float64 drops.
func TestFma32DoubleRoundingCases(t *testing.T) {
	// By hand: 2^-24(1+2^-20)·(1−2^-20) + (1+2^-23) = 1 + 3·2^-24 − 2^-64.
	// Narrowing the float64 sum 1 + 3·2^-24 ties to even, 1 + 2^-22; the
	// exact sum is below the midpoint, so the answer is 1 + 2^-23.
	require.Equal(t, float32(1+0x1p-23), fma32(0x1p-24*(1+0x1p-20), 1-0x1p-20, 1+0x1p-23))
	require.Equal(t, float32(1+0x1p-22), float32(float64(float32(0x1p-24*(1+0x1p-20)))*float64(float32(1-0x1p-20))+(1+0x1p-23)),
		"the naive narrowing should round twice here, or the case tests nothing")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		acc := f32FromParts(rng.IntN(2) == 0, 30+rng.Uint32N(200), rng.Uint32())
		ulp := math.Nextafter32(acc, float32(math.Inf(1))) - acc
		if acc < 0 {
			ulp = acc - math.Nextafter32(acc, float32(math.Inf(-1)))
		}
		k := 15 + rng.IntN(9) // 2^-k fits y's mantissa; 2^-2k falls past float64's
		e := float32(math.Ldexp(1, -k))
		sign := float32(1)
		if rng.IntN(2) == 0 {
			sign = -1
		}
		checkFMA32(t, sign*ulp/2*(1+e), 1-e, acc)
		checkFMA32(t, sign*ulp/2*(1-e), 1+e, acc)
		checkFMA32(t, sign*ulp/2*(1+e), 1+e, acc)
	}
}

func FuzzFma32(f *testing.F) {
	f.Add(uint32(0x33800000), uint32(0x3f800001), uint32(0x3f800000))
	f.Add(uint32(0x1a000000), uint32(0x1a000000), uint32(0x00000001))
	f.Fuzz(func(t *testing.T, x, y, z uint32) {
		checkFMA32(t, math.Float32frombits(x), math.Float32frombits(y), math.Float32frombits(z))
	})
}
