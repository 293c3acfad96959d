package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refQuantize is the float64 model of quantizing real to q in T: round half
// away from zero, clamp to [lo, hi].
func refQuantize(real float64, q Affine, lo, hi int32) int32 {
	v := math.Round(real/float64(q.Scale)) + float64(q.ZeroPoint)
	return int32(math.Max(float64(lo), math.Min(float64(hi), v)))
}

// refReal is the float64 model of dequantizing v.
func refReal(v int32, q Affine) float64 {
	return float64(q.Scale) * float64(v-q.ZeroPoint)
}

// randAffine returns a random quantization for T with a scale in
// [0.01, 0.1) and a zero point anywhere in T's range.
func randAffine[T int8 | uint8](rng *rand.Rand) Affine {
	lo, hi := typeRange[T]()
	return Affine{Scale: float32(0.01 + 0.09*rng.Float64()), ZeroPoint: lo + rng.Int32N(hi-lo+1)}
}

// requireWithin asserts |got − want| ≤ tol for every element.
func requireWithin[T int8 | uint8](t *testing.T, want []int32, got []T, tol int32, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		d := int32(got[i]) - want[i]
		require.LessOrEqual(t, max(d, -d), tol, append([]any{"element %d: want %d got %d", i, want[i], got[i]}, msgAndArgs...)...)
	}
}

func TestBroadcastShape(t *testing.T) {
	s, err := BroadcastShape(Shape4{1, 4, 1, 3}, Shape4{2, 1, 5, 1})
	require.NoError(t, err)
	assert.Equal(t, Shape4{2, 4, 5, 3}, s)
	_, err = BroadcastShape(Shape4{1, 4, 1, 3}, Shape4{1, 2, 1, 3})
	assert.ErrorContains(t, err, "dimension 1")
}

func TestAddFloatBroadcast(t *testing.T) {
	// [1,2,2,3] + per-channel [1,1,1,3] bias, then a RELU6-like clamp.
	a := []float32{1, 2, 3, 4, 5, 6, -1, -2, -3, 0, 0, 0}
	b := []float32{10, 0.5, -1}
	dst := make([]float32, 12)
	NewFloatArith(Generic, FloatAdd, FloatRange{Min: 0, Max: 6}).Apply(Shape4{1, 2, 2, 3}, a, Shape4{1, 1, 1, 3}, b, dst)
	// 11→6, 2.5, 2; 14→6, 5.5, 5; 9→6, −1.5→0, −4→0; 10→6, 0.5, −1→0
	assert.Equal(t, []float32{6, 2.5, 2, 6, 5.5, 5, 6, 0, 0, 6, 0.5, 0}, dst)

	// Broadcasting on the left operand and along H and W: [1,2,1,1] − [1,1,2,1].
	dst = dst[:4]
	NewFloatArith(Generic, FloatSub, FloatRange{Min: -100, Max: 100}).Apply(Shape4{1, 2, 1, 1}, []float32{10, 20}, Shape4{1, 1, 2, 1}, []float32{1, 2}, dst)
	assert.Equal(t, []float32{9, 8, 19, 18}, dst)
	NewFloatArith(Generic, FloatMul, FloatRange{Min: -100, Max: 30}).Apply(Shape4{1, 2, 1, 1}, []float32{10, 20}, Shape4{1, 1, 2, 1}, []float32{1, 2}, dst)
	assert.Equal(t, []float32{10, 20, 20, 30}, dst)
}

func TestAddQuantizedByHand(t *testing.T) {
	q := Affine{Scale: 0.5, ZeroPoint: 128}
	p, err := NewAddParams(q, q, q, 0, 255)
	require.NoError(t, err)
	// Input multipliers are 0.5 = 2^30·2^−31, the output's 1/(2^20·0.5)
	// = 2^30·2^−31·2^−18. For 130 (1.0) + 132 (2.0): (2<<20)·½ = 2^20,
	// (4<<20)·½ = 2^21, sum 3·2^20, ·½ = 3·2^19, rounded >>18 = 6, +128.
	dst := make([]uint8, 1)
	AddQ(p, Shape4{1, 1, 1, 1}, []uint8{130}, Shape4{1, 1, 1, 1}, []uint8{132}, dst)
	assert.Equal(t, uint8(134), dst[0])
	SubQ(p, Shape4{1, 1, 1, 1}, []uint8{130}, Shape4{1, 1, 1, 1}, []uint8{132}, dst)
	assert.Equal(t, uint8(126), dst[0]) // 1.0 − 2.0 = −1.0

	// Saturation: int8 with zero points at the limits and a clamp range.
	qa := Affine{Scale: 1, ZeroPoint: -128}
	p, err = NewAddParams(qa, qa, qa, -128, 100)
	require.NoError(t, err)
	d8 := make([]int8, 2)
	AddQ(p, Shape4{1, 1, 1, 2}, []int8{127, -128}, Shape4{1, 1, 1, 2}, []int8{127, -128}, d8)
	assert.Equal(t, []int8{100, -128}, d8) // 255+255 clamps to 100; 0+0 = −128

	_, err = NewAddParams(q, q, Affine{Scale: 0}, 0, 255)
	assert.Error(t, err)
	// An output scale so small that twice_max/(2^20·out) ≥ 1 is rejected
	// like TFLite's check on QuantizeMultiplierSmallerThanOneExp.
	_, err = NewAddParams(q, q, Affine{Scale: 1e-7}, 0, 255)
	assert.Error(t, err)
}

func testAddSubRandom[T int8 | uint8](t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	lo, hi := typeRange[T]()
	for range 30 {
		q1, q2, qo := randAffine[T](rng), randAffine[T](rng), randAffine[T](rng)
		qo.Scale *= 2 // keep sums mostly in range
		p, err := NewAddParams(q1, q2, qo, lo, hi)
		require.NoError(t, err)
		sa, sb := Shape4{2, 3, 1, 4}, Shape4{1, 1, 5, 4}
		a, b := randValues[T](rng, sa.Size()), randValues[T](rng, sb.Size())
		out, err := BroadcastShape(sa, sb)
		require.NoError(t, err)
		wantAdd := make([]int32, 0, out.Size())
		wantSub := make([]int32, 0, out.Size())
		for n := range out.N {
			for y := range out.H {
				for x := range out.W {
					for c := range out.C {
						va := refReal(int32(a[((n*sa.H+y)*sa.W)*sa.C+c]), q1)
						vb := refReal(int32(b[x*sb.C+c]), q2)
						wantAdd = append(wantAdd, refQuantize(va+vb, qo, lo, hi))
						wantSub = append(wantSub, refQuantize(va-vb, qo, lo, hi))
					}
				}
			}
		}
		dst := make([]T, out.Size())
		AddQ(p, sa, a, sb, b, dst)
		requireWithin(t, wantAdd, dst, 1, "add")
		SubQ(p, sa, a, sb, b, dst)
		requireWithin(t, wantSub, dst, 1, "sub")
	}
}

func TestAddSubRandom(t *testing.T) {
	testAddSubRandom[uint8](t, 1)
	testAddSubRandom[int8](t, 2)
}

func TestMulQuantized(t *testing.T) {
	// 132 at (0.5, 128) is 2.0, 12 at (0.25, 0) is 3.0; 6.0 at
	// (0.125, 10) is 48 + 10 = 58. The multiplier 0.5·0.25/0.125 = 1 is
	// 2^30·2^−31·2^1, exact.
	p, err := NewMulParams(Affine{0.5, 128}, Affine{0.25, 0}, Affine{0.125, 10}, 0, 255)
	require.NoError(t, err)
	dst := make([]uint8, 1)
	MulQ(p, Shape4{1, 1, 1, 1}, []uint8{132}, Shape4{1, 1, 1, 1}, []uint8{12}, dst)
	assert.Equal(t, uint8(58), dst[0])

	rng := rand.New(rand.NewPCG(9, 9))
	for range 30 {
		q1, q2, qo := randAffine[int8](rng), randAffine[int8](rng), randAffine[int8](rng)
		qo.Scale *= 0.05 // products of two ~0.05-scaled values
		p, err := NewMulParams(q1, q2, qo, -128, 127)
		require.NoError(t, err)
		sa, sb := Shape4{1, 2, 3, 4}, Shape4{1, 2, 3, 1}
		a, b := randValues[int8](rng, sa.Size()), randValues[int8](rng, sb.Size())
		want := make([]int32, sa.Size())
		for i := range want {
			want[i] = refQuantize(refReal(int32(a[i]), q1)*refReal(int32(b[i/4]), q2), qo, -128, 127)
		}
		dst := make([]int8, sa.Size())
		MulQ(p, sa, a, sb, b, dst)
		requireWithin(t, want, dst, 1)
	}
}
