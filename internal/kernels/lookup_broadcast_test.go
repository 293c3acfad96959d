package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLookupBroadcast8 compares LookupBroadcast8 with LookupBinary8 on
// random broadcasts of random shapes (each operand dimension the output's
// or 1), whole and in random ranges, for the walks NewBroadcast8 accepts,
// and checks which it accepts.
func TestLookupBroadcast8(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 30))
	var table Table88
	for i := range table {
		table[i] = uint8(rng.Uint32())
	}
	accepted := 0
	for trial := range 3000 {
		out := Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(7), W: 1 + rng.IntN(7), C: 1 + rng.IntN(20)}
		if trial%10 == 0 {
			out.C = 1 + rng.IntN(300)
		}
		shape := func() Shape4 {
			s := out
			for _, d := range []*int{&s.N, &s.H, &s.W, &s.C} {
				if rng.IntN(2) == 0 {
					*d = 1
				}
			}
			return s
		}
		sa, sb := shape(), shape()
		switch trial % 8 {
		case 0, 1:
			sa = out
		case 2: // an RGB image against one value per channel
			out.C = 3
			sa, sb = out, Shape4{N: 1, H: 1, W: 1, C: 3}
		}
		if got, _ := BroadcastShape(sa, sb); got != out {
			continue // the operands do not span the output
		}
		a, b := make([]int8, sa.Size()), make([]int8, sb.Size())
		for i := range a {
			a[i] = int8(rng.Uint32())
		}
		for i := range b {
			b[i] = int8(rng.Uint32())
		}
		want := make([]int8, out.Size())
		LookupBinary8(&table, sa, a, sb, b, want, 0, len(want))
		k, ok := NewBroadcast8(sa, sb)
		require.Equal(t, ok, periodicWalks(sa, sb, out), "%v against %v", sa, sb)
		if !ok {
			continue
		}
		accepted++
		got := make([]int8, len(want))
		LookupBroadcast8(&table, k, a, b, got, 0, len(got))
		require.Equal(t, want, got, "%v against %v", sa, sb)
		clear(got)
		cut := rng.IntN(len(got) + 1)
		LookupBroadcast8(&table, k, a, b, got, 0, cut)
		LookupBroadcast8(&table, k, a, b, got, cut, len(got))
		require.Equal(t, want, got, "%v against %v, split at %d", sa, sb, cut)
	}
	require.Greater(t, accepted, 1000)
}

// periodicWalks reports, by brute force, whether every output element i of
// out reads element (i / r) % p of each operand for some r and p.
func periodicWalks(sa, sb, out Shape4) bool {
	fits := func(s Shape4) bool {
		n, h, w, c := broadcastStrides(s, out)
		idx := make([]int, 0, out.Size())
		for in := range out.N {
			for y := range out.H {
				for x := range out.W {
					for ch := range out.C {
						idx = append(idx, in*n+y*h+x*w+ch*c)
					}
				}
			}
		}
		// If the form holds, r is where the index first changes and p is
		// one more than its largest value.
		r, p := len(idx), 1
		for i, v := range idx {
			if v != idx[0] && r == len(idx) {
				r = i
			}
			p = max(p, v+1)
		}
		for i, v := range idx {
			if (i/r)%p != v {
				return false
			}
		}
		return true
	}
	return fits(sa) && fits(sb)
}

// BenchmarkLookupBroadcast8 runs MoveNet's broadcasts: its input less one
// value per channel ([1 192 192 3] − [1 1 1 3]), times a scalar, and a
// column against a row ([48 48 1] − [1 17]).
func BenchmarkLookupBroadcast8(b *testing.B) {
	var table Table88
	for i := range table {
		table[i] = uint8(i * 7)
	}
	for _, c := range []struct {
		name   string
		sa, sb Shape4
	}{
		{"channel", Shape4{1, 192, 192, 3}, Shape4{1, 1, 1, 3}},
		{"scalar", Shape4{1, 192, 192, 3}, Shape4{1, 1, 1, 1}},
		{"column-row", Shape4{1, 48, 48, 1}, Shape4{1, 1, 1, 17}},
	} {
		b.Run(c.name, func(b *testing.B) {
			k, ok := NewBroadcast8(c.sa, c.sb)
			require.True(b, ok)
			x, y := make([]int8, c.sa.Size()), make([]int8, c.sb.Size())
			for i := range x {
				x[i] = int8(i * 13)
			}
			dst := make([]int8, k.size)
			b.SetBytes(int64(k.size))
			for b.Loop() {
				LookupBroadcast8(&table, k, x, y, dst, 0, k.size)
			}
		})
	}
}
