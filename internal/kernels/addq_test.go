package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// addLanesModel is the row kernels' arithmetic on one element (h the half
// input's value, o the other's), in Go: the lanes' formulas (see addLanes)
// checked against addSub on every input pair without the assembly.
func addLanesModel(l *addLanes, h, o int32) int32 {
	u := (o*l[1][0] + l[2][0]) >> 11
	s := o*l[0][0] + u + l[3][0]
	if o > l[4][0] {
		s++
	}
	s >>= l[5][0]
	r := l[addLaneSign][0]*s + (h*l[addLaneHalfSign][0]+l[addLaneHalfOff][0])<<19
	round := int64(uint32(l[addLaneOutRound][0])) | int64(l[addLaneOutRound][1])<<32
	y := int32((int64(r)*int64(l[addLaneOutMult][0]) + round) >> 31)
	y -= int32(uint32(r) >> l[addLaneNegShift][0]) // 0 for a shift of 32
	return y>>l[addLaneOutShift][0] + l[addLaneOutZero][0]
}

// addTestParams returns random ADD parameters for type range [lo, hi]:
// scales over several decades, equal scales, zero points at the edges.
func addTestParams(rng *rand.Rand, lo, hi int32) (q1, q2, qo Affine, actMin, actMax int32) {
	scale := func() float32 { return float32(math.Exp(rng.Float64()*12 - 8)) }
	zero := func() int32 {
		switch rng.IntN(4) {
		case 0:
			return lo
		case 1:
			return hi
		}
		return lo + rng.Int32N(hi-lo+1)
	}
	q1, q2, qo = Affine{scale(), zero()}, Affine{scale(), zero()}, Affine{scale(), zero()}
	switch rng.IntN(8) {
	case 0, 1:
		q2.Scale = q1.Scale
	case 2:
		q2.Scale = q1.Scale * float32(1+rng.IntN(4))
	case 3: // input 2's multiplier rounds to 0
		q2.Scale = q1.Scale * 0x1p-34
	case 4: // output shift 0 or 1
		qo.Scale = 2 * max(q1.Scale, q2.Scale) * 0x1p-20 * float32(1+rng.Float64()*3)
	case 5: // output multiplier near 2^-31
		qo.Scale = 2 * max(q1.Scale, q2.Scale) * 0x1p11 * float32(1+rng.Float64())
	}
	actMin, actMax = lo, hi
	if rng.IntN(3) == 0 {
		actMin, actMax = lo+rng.Int32N(60), hi-rng.Int32N(60)
	}
	return
}

func TestAddLanesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 20))
	trials := 400
	if testing.Short() {
		trials = 40 // the emulated ARM runs: the model is the same Go there
	}
	for _, r := range [][2]int32{{0, 255}, {-128, 127}} {
		for trial := 0; trial < trials; {
			q1, q2, qo, actMin, actMax := addTestParams(rng, r[0], r[1])
			p, err := NewAddParams(q1, q2, qo, actMin, actMax)
			if err != nil {
				continue
			}
			trial++
			require.True(t, p.fitsLanes(r[0], r[1]))
			for _, sub := range []bool{false, true} {
				l := p.lanes(sub)
				for a := r[0]; a <= r[1]; a++ {
					for b := r[0]; b <= r[1]; b++ {
						want := p.addSub(a, b, sub)
						h, o := a, b
						if !p.halfInput1() {
							h, o = b, a
						}
						got := min(max(addLanesModel(&l, h, o), r[0]), r[1])
						got = min(max(got, actMin), actMax)
						if want != got {
							t.Fatalf("%+v sub %v: %d, %d → %d, want %d", *p, sub, a, b, got, want)
						}
					}
				}
			}
		}
	}
}

func TestAddRows8(t *testing.T) {
	t.Run("uint8", func(t *testing.T) { testAddRows8[uint8](t) })
	t.Run("int8", func(t *testing.T) { testAddRows8[int8](t) })
}

// testAddRows8 compares AddRows8 on every target with AddQ and SubQ: every
// input pair for random parameters, then random lengths (the 32- and
// 8-element steps and the Go tail) with the output written over an input.
func testAddRows8[T int8 | uint8](t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 21))
	lo, hi := typeRange[T]()
	var pa, pb []T
	for a := lo; a <= hi; a++ {
		for b := lo; b <= hi; b++ {
			pa, pb = append(pa, T(a)), append(pb, T(b))
		}
	}
	trials := 60
	if testing.Short() {
		trials = 15 // the emulated ARM runs
	}
	for trial := 0; trial < trials; {
		q1, q2, qo, actMin, actMax := addTestParams(rng, lo, hi)
		p, err := NewAddParams(q1, q2, qo, actMin, actMax)
		if err != nil {
			continue
		}
		trial++
		for _, sub := range []bool{false, true} {
			ref := AddQ[T]
			if sub {
				ref = SubQ[T]
			}
			s := Shape4{N: 1, H: 1, W: 1, C: len(pa)}
			want := make([]T, len(pa))
			ref(p, s, pa, s, pb, want)
			for _, target := range Targets() {
				k := NewAddRows[T](target, p, sub)
				require.Equal(t, target != Generic && addRowsSIMD(lookupTarget(target)), k.SIMD(), target)
				got := make([]T, len(pa))
				AddRows8(k, pa, pb, got)
				requireSameBytes(t, want, got, "%s %+v sub %v", target, *p, sub)

				n := rng.IntN(300)
				a, b := make([]T, n), make([]T, n)
				for i := range a {
					a[i], b[i] = T(lo+rng.Int32N(hi-lo+1)), T(lo+rng.Int32N(hi-lo+1))
					if rng.IntN(8) == 0 {
						a[i] = T(hi)
					}
				}
				s = Shape4{N: 1, H: 1, W: 1, C: n}
				w := make([]T, n)
				ref(p, s, a, s, b, w)
				AddRows8(k, a, b, a)
				requireSameBytes(t, w, a, "%s %+v sub %v, %d elements", target, *p, sub, n)
			}
		}
	}
}

// requireSameBytes fails at the first element where got differs from want.
func requireSameBytes[T int8 | uint8](t *testing.T, want, got []T, format string, args ...any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %d, want %d; "+format, append([]any{i, got[i], want[i]}, args...)...)
		}
	}
}

// BenchmarkAddRows8 is MobileNet v2's first residual ADD, [1 56 56 24]
// uint8, on the best target.
func BenchmarkAddRows8(b *testing.B) {
	p, err := NewAddParams(Affine{0.05, 120}, Affine{0.03, 130}, Affine{0.06, 125}, 0, 255)
	require.NoError(b, err)
	k := NewAddRows[uint8](Targets()[0], p, false)
	n := 56 * 56 * 24
	x, y, d := make([]uint8, n), make([]uint8, n), make([]uint8, n)
	for i := range x {
		x[i], y[i] = uint8(i*7), uint8(i*13+i/7)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		AddRows8(k, x, y, d)
	}
}
