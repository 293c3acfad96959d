package kernels

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var noClamp = FloatRange{Min: -math.MaxFloat32, Max: math.MaxFloat32}

func TestDivFloatByHand(t *testing.T) {
	// [1,2,1,2] / [1,1,2,1]: each row divided by 2 then by −4.
	dst := make([]float32, 8)
	NewFloatArith(Generic, FloatDiv, noClamp).Apply(Shape4{1, 2, 1, 2}, []float32{1, 2, 3, 4}, Shape4{1, 1, 2, 1}, []float32{2, -4}, dst)
	assert.Equal(t, []float32{0.5, 1, -0.25, -0.5, 1.5, 2, -0.75, -1}, dst)

	// A zero divisor: TFLite's clamp to ±MaxFloat32 turns ±Inf into it;
	// NaN passes the clamp.
	dst = dst[:4]
	NewFloatArith(Generic, FloatDiv, noClamp).Apply(Shape4{1, 1, 1, 4}, []float32{1, -1, 0, 3}, Shape4{1, 1, 1, 4}, []float32{0, 0, 0, float32(math.Inf(1))}, dst)
	assert.Equal(t, float32(math.MaxFloat32), dst[0])
	assert.Equal(t, float32(-math.MaxFloat32), dst[1])
	assert.True(t, math.IsNaN(float64(dst[2])))
	assert.Equal(t, float32(0), dst[3])

	NewFloatArith(Generic, FloatDiv, FloatRange{Min: 0, Max: 6}).Apply(Shape4{1, 1, 1, 4}, []float32{12, -3, 5, 1}, Shape4{1, 1, 1, 1}, []float32{2}, dst)
	assert.Equal(t, []float32{6, 0, 2.5, 0.5}, dst)
}

func TestDivInt32ByHand(t *testing.T) {
	a := []int32{7, -7, 7, -7, 0, 5, -5, 0, math.MinInt32, math.MinInt32, math.MaxInt32}
	b := []int32{2, 2, -2, -2, 3, 0, 0, 0, -1, 1, -1}
	want := []int32{3, -3, -3, 3, 0, math.MaxInt32, math.MinInt32, 0, math.MaxInt32, math.MinInt32, -math.MaxInt32}
	s := Shape4{1, 1, 1, len(a)}
	dst := make([]int32, len(a))
	DivI32(s, a, s, b, dst, IntRange{Min: math.MinInt32, Max: math.MaxInt32})
	assert.Equal(t, want, dst)

	// Relu6 on int32, with a broadcast divisor.
	dst = dst[:4]
	DivI32(Shape4{1, 1, 1, 4}, []int32{100, -9, 9, 13}, Shape4{1, 1, 1, 1}, []int32{2}, dst, IntRange{Min: 0, Max: 6})
	assert.Equal(t, []int32{6, 0, 4, 6}, dst)
}

func TestFloorDivInt32ByHand(t *testing.T) {
	a := []int32{7, -7, 7, -7, 6, -6, 0, -1, 5, -5, 0, math.MinInt32, math.MinInt32, math.MaxInt32, math.MinInt32}
	b := []int32{2, 2, -2, -2, 3, 3, 5, 48, 0, 0, 0, -1, 1, -1, 2}
	want := []int32{3, -4, -4, 3, 2, -2, 0, -1, math.MaxInt32, math.MinInt32, 0, math.MaxInt32, math.MinInt32, -math.MaxInt32, -1 << 30}
	s := Shape4{1, 1, 1, len(a)}
	dst := make([]int32, len(a))
	FloorDivI32(s, a, s, b, dst)
	assert.Equal(t, want, dst)
}

// TestFloorDivInt32MatchesFloat64 checks the integer floor division against
// TFLite's formula, floor(float64(x)/float64(y)), on random pairs of every
// magnitude (the formula is exact for int32 operands).
func TestFloorDivInt32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	const n = 20000
	a, b := make([]int32, n), make([]int32, n)
	for i := range a {
		a[i] = int32(rng.Uint32()) >> rng.IntN(32)
		for b[i] == 0 {
			b[i] = int32(rng.Uint32()) >> rng.IntN(32)
		}
	}
	s := Shape4{1, 1, 1, n}
	dst := make([]int32, n)
	FloorDivI32(s, a, s, b, dst)
	for i := range a {
		want := math.Floor(float64(a[i]) / float64(b[i]))
		if want > math.MaxInt32 {
			want = math.MaxInt32
		}
		require.Equal(t, int32(want), dst[i], "%d floordiv %d", a[i], b[i])
	}
}

func TestFloorDivFloat(t *testing.T) {
	inf := float32(math.Inf(1))
	dst := make([]float32, 6)
	FloorDivF32(Shape4{1, 1, 1, 6}, []float32{7.5, -7.5, 7.5, 1, -1, 0}, Shape4{1, 1, 1, 6}, []float32{2, 2, -2, 0, 0, 0}, dst)
	assert.Equal(t, []float32{3, -4, -4, inf, -inf}, dst[:5])
	assert.True(t, math.IsNaN(float64(dst[5])))

	// Broadcast of a [1,1,2,1] divisor over W.
	dst = dst[:4]
	FloorDivF32(Shape4{1, 1, 2, 2}, []float32{-3, 3, 9, -9}, Shape4{1, 1, 2, 1}, []float32{2, 4}, dst)
	assert.Equal(t, []float32{-2, 1, 2, -3}, dst)

	// The quotient is taken in float64, as TFLite's: in float32 this one
	// rounds up to 9532459 (and would floor to it), in float64 it stays
	// below.
	x, y := math.Float32frombits(0x4c385859), math.Float32frombits(0x40a2397c)
	require.Equal(t, float32(9532459), x/y)
	FloorDivF32(Shape4{1, 1, 1, 1}, []float32{x}, Shape4{1, 1, 1, 1}, []float32{y}, dst)
	assert.Equal(t, float32(9532458), dst[0])
}

func TestDivQuantizedByHand(t *testing.T) {
	unit := Affine{Scale: 1}
	p, err := NewDivParams(unit, unit, unit, 0, 255)
	require.NoError(t, err)
	// 200/7 = 28.57: the reciprocal 1/7 is 0.5714·2^−2 in Q0.31, 200
	// shifted left by its 23 bits of headroom; the product rescaled by 1
	// (2^30·2^−31·2^1) and shifted right by 2 + 23 − 1 rounds to 29.
	dst := make([]uint8, 4)
	DivQ(p, Shape4{1, 1, 1, 4}, []uint8{200, 255, 0, 6}, Shape4{1, 1, 1, 4}, []uint8{7, 255, 9, 4}, dst)
	// 6/4 = 1.5 rounds up; 0/9 comes out as 1, as in TFLite: a zero
	// dividend has 31 bits of headroom, so the final shift exceeds 31
	// (see roundingShiftRight).
	assert.Equal(t, []uint8{29, 1, 1, 2}, dst)

	// Negative operands through the zero points (in1 at 128, in2 at 10,
	// out at 100 with scale 0.5), the signs flipped before the reciprocal
	// when the divisor is negative: −28/−7 = 4 → 100 + 8; 28/−7 = −4 →
	// 100 − 8; 0/−7 → 100.
	p, err = NewDivParams(Affine{Scale: 1, ZeroPoint: 128}, Affine{Scale: 1, ZeroPoint: 10}, Affine{Scale: 0.5, ZeroPoint: 100}, 0, 255)
	require.NoError(t, err)
	DivQ(p, Shape4{1, 1, 1, 3}, []uint8{100, 156, 128}, Shape4{1, 1, 1, 1}, []uint8{3}, dst[:3])
	assert.Equal(t, []uint8{108, 92, 100}, dst[:3])

	// A divisor at its zero point: the clamp limit of the dividend's sign,
	// the output zero point for 0/0.
	DivQ(p, Shape4{1, 1, 1, 3}, []uint8{200, 20, 128}, Shape4{1, 1, 1, 1}, []uint8{10}, dst[:3])
	assert.Equal(t, []uint8{255, 0, 100}, dst[:3])
}

// TestDivQuantizedNearReal compares the fixed-point quotient with the real
// one for random quantizations and values: within one step of it wherever
// it is inside the output's range.
func TestDivQuantizedNearReal(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	for range 200 {
		q1, q2 := randAffine[uint8](rng), randAffine[uint8](rng)
		qo := Affine{Scale: float32(0.05 + rng.Float64()), ZeroPoint: rng.Int32N(256)}
		p, err := NewDivParams(q1, q2, qo, 0, 255)
		require.NoError(t, err)
		a, b := make([]uint8, 64), make([]uint8, 64)
		for i := range a {
			a[i], b[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
			if int32(b[i]) == q2.ZeroPoint {
				b[i]++
			}
		}
		s := Shape4{1, 1, 1, 64}
		dst := make([]uint8, 64)
		DivQ(p, s, a, s, b, dst)
		want := make([]int32, 64)
		for i := range a {
			want[i] = refQuantize(refReal(int32(a[i]), q1)/refReal(int32(b[i]), q2), qo, 0, 255)
			// Where TFLite's final shift exceeds 31 its quotient is
			// not the real one (TestDivQuantizedLikeTFLite): skip.
			x, y := int32(a[i])-q1.ZeroPoint, int32(b[i])-q2.ZeroPoint
			if bits.Len32(uint32(max(y, -y)))+leadingSignBits(x)-p.shift > 31 {
				want[i] = int32(dst[i])
			}
		}
		requireWithin(t, want, dst, 1, "scales %v %v %v", q1, q2, qo)
	}
}

// TestDivQuantizedLikeTFLite: small dividends over large divisors, where
// TFLite's final rounding shift exceeds 31 bits, give what LiteRT.js gives
// (the first three measured with TestNewOperatorsMatchLiteRT), not the real
// quotient: in (0.05, 100), divisor (0.03, 20), out (0.25, 128). A zero
// dividend has 31 bits of headroom: over 20 (a reciprocal shift of 4) the
// shift is 32 and the rounding adds 1.
func TestDivQuantizedLikeTFLite(t *testing.T) {
	p, err := NewDivParams(Affine{Scale: 0.05, ZeroPoint: 100}, Affine{Scale: 0.03, ZeroPoint: 20}, Affine{Scale: 0.25, ZeroPoint: 128}, 0, 255)
	require.NoError(t, err)
	dst := make([]uint8, 4)
	DivQ(p, Shape4{1, 1, 1, 4}, []uint8{107, 92, 106, 100}, Shape4{1, 1, 1, 4}, []uint8{193, 215, 249, 40}, dst)
	// Real quotients 0.07, −0.07, 0.05 and 0 would all be 128.
	assert.Equal(t, []uint8{255, 0, 255, 129}, dst)
}

func TestDivParamsRejectBadScales(t *testing.T) {
	unit := Affine{Scale: 1}
	_, err := NewDivParams(unit, Affine{Scale: 0}, unit, 0, 255)
	assert.ErrorContains(t, err, "scales")
	_, err = NewDivParams(Affine{Scale: 1e6}, Affine{Scale: 1e-3}, unit, 0, 255)
	assert.ErrorContains(t, err, "above 2^21")
	_, err = NewDivParams(Affine{Scale: 3e38}, Affine{Scale: 1e-30}, Affine{Scale: 1e-30}, 0, 255)
	assert.ErrorContains(t, err, "multiplier")
}

func TestSqrtQuantizedByHand(t *testing.T) {
	p, err := NewSqrtParams(Affine{Scale: 0.25}, Affine{Scale: 0.5, ZeroPoint: -10})
	require.NoError(t, err)
	// 16·0.25 = 4 → 2 → 4 steps; 3.5 → 1.87 → 3.74 truncates to 3; 0 → 0;
	// a negative input gives real 0; 127·0.25 → 5.63 → 11.27 → 11.
	dst := make([]int8, 5)
	SqrtQ(p, []int8{16, 14, 0, -5, 127}, dst)
	assert.Equal(t, []int8{-6, -7, -10, -10, 1}, dst)

	// Saturation: a tiny output scale.
	p, err = NewSqrtParams(Affine{Scale: 1}, Affine{Scale: 1e-30, ZeroPoint: 100})
	require.NoError(t, err)
	SqrtQ(p, []int8{100, 0}, dst[:2])
	assert.Equal(t, []int8{127, 100}, dst[:2])
	_, err = NewSqrtParams(Affine{Scale: 1}, Affine{Scale: float32(math.NaN())})
	assert.Error(t, err)
}

func TestSqrtFloat(t *testing.T) {
	dst := make([]float32, 5)
	SqrtF32([]float32{4, 2, 0, -1, float32(math.Inf(1))}, dst)
	assert.Equal(t, []float32{2, float32(math.Sqrt2), 0}, dst[:3])
	assert.True(t, math.IsNaN(float64(dst[3])))
	assert.True(t, math.IsInf(float64(dst[4]), 1))
}

func TestInt32ArithmeticByHand(t *testing.T) {
	all := IntRange{Min: math.MinInt32, Max: math.MaxInt32}
	a := []int32{7, -7, math.MaxInt32, math.MinInt32}
	s := Shape4{1, 1, 1, 4}
	dst := make([]int32, 4)
	AddI32(s, a, Shape4{1, 1, 1, 1}, []int32{1}, dst, all)
	assert.Equal(t, []int32{8, -6, math.MinInt32, math.MinInt32 + 1}, dst) // wraps
	SubI32(s, a, Shape4{1, 1, 1, 1}, []int32{1}, dst, all)
	assert.Equal(t, []int32{6, -8, math.MaxInt32 - 1, math.MaxInt32}, dst)
	MulI32(s, a, Shape4{1, 1, 1, 1}, []int32{48}, dst, IntRange{Min: -1, Max: 1})
	assert.Equal(t, []int32{1, -1, -1, 0}, dst) // 2^31·48 wraps to 0; MaxInt32·48 to −48
	// MoveNet's row index: x − (x floordiv 48)·48, broadcast over [1, 3].
	q := make([]int32, 3)
	FloorDivI32(Shape4{1, 1, 1, 3}, []int32{100, 47, 2303}, Shape4{1, 1, 1, 1}, []int32{48}, q)
	MulI32(Shape4{1, 1, 1, 3}, q, Shape4{1, 1, 1, 1}, []int32{48}, q, all)
	SubI32(Shape4{1, 1, 1, 3}, []int32{100, 47, 2303}, Shape4{1, 1, 1, 3}, q, q, all)
	assert.Equal(t, []int32{4, 47, 47}, q)
}

// TestFloatArithMatchesBroadcastWalk: ADD, SUB, MUL and DIV on every
// target, on one shape, a per-channel row and a single value (either
// side), with infinities, NaN and zeros mixed in, with and without a
// clamp, channel counts on both sides of the SIMD widths: equal to
// binary's general walk of the portable arithmetic bit for bit.
func TestFloatArithMatchesBroadcastWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 10))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -1, 6}
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 4)
			if rng.IntN(10) == 0 {
				v[i] = special[rng.IntN(len(special))]
			}
		}
		return v
	}
	ops := map[FloatOp]func(x, y float32) float32{
		FloatAdd: func(x, y float32) float32 { return x + y },
		FloatSub: func(x, y float32) float32 { return x - y },
		FloatMul: func(x, y float32) float32 { return x * y },
		FloatDiv: func(x, y float32) float32 { return x / y },
	}
	rounds := 60
	if testing.Short() {
		rounds = 15
	}
	for range rounds {
		sa := Shape4{1 + rng.IntN(2), 1 + rng.IntN(5), 1 + rng.IntN(5), 1 + rng.IntN(9)}
		if rng.IntN(2) == 0 {
			sa.C = 1 + rng.IntN(70)
		}
		act := FloatRange{Min: -math.MaxFloat32, Max: math.MaxFloat32}
		switch rng.IntN(3) {
		case 0:
			act = FloatRange{Min: -1, Max: 6}
		case 1:
			act = FloatRange{Min: 0, Max: float32(math.Inf(1))}
		}
		for _, sb := range []Shape4{sa, {1, 1, 1, sa.C}, {1, 1, 1, 1}, {1, sa.H, 1, 1}} {
			for _, swap := range []bool{false, true} {
				s1, s2 := sa, sb
				if swap {
					s1, s2 = sb, sa
				}
				a, b := fill(s1.Size()), fill(s2.Size())
				for op, f := range ops {
					want := make([]float32, sa.Size())
					binary(s1, a, s2, b, want, func(x, y float32) float32 { return clampFloat(f(x, y), act) })
					for _, target := range Targets() {
						got := make([]float32, sa.Size())
						NewFloatArith(target, op, act).Apply(s1, a, s2, b, got)
						for i := range want {
							require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]),
								"%s: op %d %v %v element %d of %v op %v", target, op, s1, s2, i, a, b)
						}
					}
				}
			}
		}
	}
}
