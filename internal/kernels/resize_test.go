package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResizeBilinearFloat(t *testing.T) {
	in := Shape4{1, 2, 2, 1}
	src := []float32{0, 10, 20, 30}
	out := Shape4{1, 3, 3, 1}
	dst := make([]float32, 9)
	// align_corners: scale (2−1)/(3−1) = 0.5, source positions 0, 0.5, 1.
	ResizeBilinearF32(ResizeOptions{AlignCorners: true}, in, src, out, dst)
	assert.Equal(t, []float32{0, 5, 10, 10, 15, 20, 20, 25, 30}, dst)
	// Plain: scale 2/3, positions 0, 2/3, 4/3 (clamped to the last pixel).
	ResizeBilinearF32(ResizeOptions{}, in, src, out, dst)
	assert.InDeltaSlice(t, []float64{0, 20.0 / 3, 10, 40.0 / 3, 20, 70.0 / 3, 20, 80.0 / 3, 30}, toF64(dst), 1e-5)
	// Half-pixel centres: positions (v+0.5)·2/3 − 0.5 = −1/6, 0.5, 7/6.
	ResizeBilinearF32(ResizeOptions{HalfPixelCenters: true}, in, src, out, dst)
	assert.InDeltaSlice(t, []float64{0, 5, 10, 10, 15, 20, 20, 25, 30}, toF64(dst), 1e-5)
}

func TestResizeBilinearQuantized(t *testing.T) {
	in := Shape4{1, 1, 2, 1}
	out := Shape4{1, 1, 4, 1}
	// uint8: positions 0, 0.5, 1, 1.5→x0=1,x1=1: 1, 1.5, 2, 2 → +0.5 and
	// truncate: 1, 2, 2, 2 (1.5 rounds up).
	du := make([]uint8, 4)
	ResizeBilinearQ(ResizeOptions{}, in, []uint8{1, 2}, out, du)
	assert.Equal(t, []uint8{1, 2, 2, 2}, du)
	// int8: scale_10 = (1024·2 + 2)/4 = 512; position 512 is halfway:
	// (−1·512 + −2·512)·1024 = −3·2^19 → (−3·2^19 − 2^19)/2^20 = −2.
	d8 := make([]int8, 4)
	ResizeBilinearQ(ResizeOptions{}, in, []int8{-1, -2}, out, d8)
	assert.Equal(t, []int8{-1, -2, -2, -2}, d8)

	// Random images against the float model, within one step.
	rng := rand.New(rand.NewPCG(41, 1))
	for _, opt := range []ResizeOptions{{}, {AlignCorners: true}, {HalfPixelCenters: true}} {
		in, out := Shape4{1, 4, 5, 2}, Shape4{1, 7, 3, 2}
		s8 := randValues[int8](rng, in.Size())
		s32 := make([]float32, len(s8))
		for i, v := range s8 {
			s32[i] = float32(v)
		}
		ref := make([]float32, out.Size())
		ResizeBilinearF32(opt, in, s32, out, ref)
		got := make([]int8, out.Size())
		ResizeBilinearQ(opt, in, s8, out, got)
		for i := range ref {
			assert.InDelta(t, math.Round(float64(ref[i])), float64(got[i]), 1, "%+v element %d", opt, i)
		}
	}
}

func TestResizeNearestNeighbor(t *testing.T) {
	in := Shape4{1, 1, 3, 1}
	src := []int8{1, 2, 3}
	dst := make([]int8, 5)
	out := Shape4{1, 1, 5, 1}
	// scale 3/5: floor(0, 0.6, 1.2, 1.8, 2.4) = 0, 0, 1, 1, 2.
	ResizeNearestNeighbor(ResizeOptions{}, in, src, out, dst)
	assert.Equal(t, []int8{1, 1, 2, 2, 3}, dst)
	// align_corners: scale 2/4, round(0, 0.5, 1, 1.5, 2) = 0, 1, 1, 2, 2.
	ResizeNearestNeighbor(ResizeOptions{AlignCorners: true}, in, src, out, dst)
	assert.Equal(t, []int8{1, 2, 2, 3, 3}, dst)
	// half-pixel: floor((v+0.5)·0.6) = floor(0.3, 0.9, 1.5, 2.1, 2.7).
	ResizeNearestNeighbor(ResizeOptions{HalfPixelCenters: true}, in, src, out, dst)
	assert.Equal(t, []int8{1, 1, 2, 3, 3}, dst)
	// Channels travel together.
	d2 := make([]float32, 4)
	ResizeNearestNeighbor(ResizeOptions{}, Shape4{1, 1, 1, 2}, []float32{7, 8}, Shape4{1, 2, 1, 2}, d2)
	assert.Equal(t, []float32{7, 8, 7, 8}, d2)
}

// resizeCase is one random RESIZE_BILINEAR problem of TestResizeBilinearPrepared.
type resizeCase struct {
	opt     ResizeOptions
	in, out Shape4
}

// randResizeCases returns random problems: odd and even sizes, up- and
// downscales, 1 to 40 channels (below, at and past the vector widths), each
// with every option.
func randResizeCases(rng *rand.Rand, n int) []resizeCase {
	var cases []resizeCase
	for range n {
		in := Shape4{1 + rng.IntN(2), 1 + rng.IntN(9), 1 + rng.IntN(9), 1 + rng.IntN(40)}
		out := Shape4{in.N, 1 + rng.IntN(20), 1 + rng.IntN(20), in.C}
		for _, opt := range []ResizeOptions{{}, {AlignCorners: true}, {HalfPixelCenters: true}} {
			cases = append(cases, resizeCase{opt, in, out})
		}
	}
	// DeepLab's first resize to 21 channels, and its last (long under
	// emulation: not with -short).
	cases = append(cases,
		resizeCase{ResizeOptions{AlignCorners: true}, Shape4{1, 33, 33, 21}, Shape4{1, 65, 65, 21}},
		resizeCase{ResizeOptions{HalfPixelCenters: true}, Shape4{1, 40, 30, 16}, Shape4{1, 7, 101, 16}})
	if !testing.Short() {
		cases = append(cases, resizeCase{ResizeOptions{AlignCorners: true}, Shape4{1, 65, 65, 21}, Shape4{1, 513, 513, 21}})
	}
	return cases
}

// runResizeSplit runs k over all rows in random shares, each on a random
// worker below threads.
func runResizeSplit[T int8 | uint8 | float32](rng *rand.Rand, k *ResizeBilinear[T], threads int, src, dst []T) {
	for lo := 0; lo < k.Rows(); {
		hi := min(lo+1+rng.IntN(5), k.Rows())
		k.Run(rng.IntN(threads), src, dst, lo, hi)
		lo = hi
	}
}

// TestResizeBilinearPrepared checks that ResizeBilinear computes, on every
// target and whatever the split of its rows, bit for bit what the
// reference ResizeBilinearF32 and ResizeBilinearQ compute, on random values
// with the types' extremes.
func TestResizeBilinearPrepared(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 11))
	cases := randResizeCases(rng, 40)
	const threads = 3
	for _, target := range Targets() {
		for _, tc := range cases {
			name := func(typ string) string {
				return fmt.Sprintf("%s %s %+v %v→%v", target, typ, tc.opt, tc.in, tc.out)
			}
			u8 := randValues[uint8](rng, tc.in.Size())
			u8[0], u8[len(u8)-1] = 255, 0
			if rng.IntN(4) == 0 { // all extremes
				for i := range u8 {
					u8[i] = uint8(rng.IntN(2)) * 255
				}
			}
			wantU8, gotU8 := make([]uint8, tc.out.Size()), make([]uint8, tc.out.Size())
			ResizeBilinearQ(tc.opt, tc.in, u8, tc.out, wantU8)
			runResizeSplit(rng, NewResizeBilinear[uint8](target, threads, tc.opt, tc.in, tc.out), threads, u8, gotU8)
			require.Equal(t, wantU8, gotU8, name("uint8"))

			i8 := randValues[int8](rng, tc.in.Size())
			i8[0], i8[len(i8)-1] = -128, 127
			wantI8, gotI8 := make([]int8, tc.out.Size()), make([]int8, tc.out.Size())
			ResizeBilinearQ(tc.opt, tc.in, i8, tc.out, wantI8)
			runResizeSplit(rng, NewResizeBilinear[int8](target, threads, tc.opt, tc.in, tc.out), threads, i8, gotI8)
			require.Equal(t, wantI8, gotI8, name("int8"))

			f := make([]float32, tc.in.Size())
			for i := range f {
				f[i] = float32(rng.NormFloat64() * 100)
			}
			edges := []float32{float32(math.Copysign(0, -1)), 0, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(1))}
			for range min(len(f), 4) {
				f[rng.IntN(len(f))] = edges[rng.IntN(len(edges))]
			}
			wantF, gotF := make([]float32, tc.out.Size()), make([]float32, tc.out.Size())
			ResizeBilinearF32(tc.opt, tc.in, f, tc.out, wantF)
			runResizeSplit(rng, NewResizeBilinear[float32](target, threads, tc.opt, tc.in, tc.out), threads, f, gotF)
			for i := range wantF {
				w, g := wantF[i], gotF[i]
				if !(w != w && g != g) && math.Float32bits(w) != math.Float32bits(g) {
					t.Fatalf("%s: element %d is %v, want %v", name("float32"), i, g, w)
				}
			}
		}
	}
}

// TestResizeBilinearPreparedAllocatesNothing checks that Run allocates
// nothing.
func TestResizeBilinearPreparedAllocatesNothing(t *testing.T) {
	in, out := Shape4{1, 5, 6, 21}, Shape4{1, 17, 13, 21}
	src, dst := make([]uint8, in.Size()), make([]uint8, out.Size())
	for _, target := range Targets() {
		k := NewResizeBilinear[uint8](target, 1, ResizeOptions{AlignCorners: true}, in, out)
		assert.Zero(t, testing.AllocsPerRun(5, func() { k.Run(0, src, dst, 0, k.Rows()) }), target)
	}
}

// TestResizeBilinearPreparedTies checks by hand, on every target, 21
// channels (a whole vector step and a tail) halfway between 1 and 2 and
// between 254 and 255: align_corners puts the middle output column at
// source position 0.5, where 1.5 + 0.5 truncates to 2 and 254.5 to 255.
func TestResizeBilinearPreparedTies(t *testing.T) {
	in, out := Shape4{1, 1, 2, 21}, Shape4{1, 1, 3, 21}
	src := make([]uint8, in.Size())
	want := make([]uint8, out.Size())
	for c := range 21 {
		lo, hi := uint8(1), uint8(2)
		if c%2 == 1 {
			lo, hi = 254, 255
		}
		src[c], src[21+c] = lo, hi
		want[c], want[21+c], want[42+c] = lo, hi, hi
	}
	for _, target := range Targets() {
		dst := make([]uint8, out.Size())
		NewResizeBilinear[uint8](target, 1, ResizeOptions{AlignCorners: true}, in, out).Run(0, src, dst, 0, 1)
		assert.Equal(t, want, dst, target)
	}
}

// BenchmarkResizeBilinear times DeepLab's last resize, 65×65 to 513×513
// with 21 uint8 channels, on each target.
func BenchmarkResizeBilinear(b *testing.B) {
	in, out := Shape4{1, 65, 65, 21}, Shape4{1, 513, 513, 21}
	src, dst := randValues[uint8](rand.New(rand.NewPCG(1, 2)), in.Size()), make([]uint8, out.Size())
	for _, target := range Targets() {
		k := NewResizeBilinear[uint8](target, 1, ResizeOptions{AlignCorners: true}, in, out)
		b.Run(target, func(b *testing.B) {
			for b.Loop() {
				k.Run(0, src, dst, 0, k.Rows())
			}
		})
	}
}

// TestResizeBilinearPreparedNoChannels checks that images without channels
// resize to nothing, without a panic.
func TestResizeBilinearPreparedNoChannels(t *testing.T) {
	// The second output's width is more than any table could hold.
	for _, s := range [][2]Shape4{{{1, 3, 4, 0}, {1, 5, 7, 0}}, {{0, 3, 4, 2}, {0, 5, 1 << 30, 2}}} {
		in, out := s[0], s[1]
		for _, target := range Targets() {
			ku := NewResizeBilinear[uint8](target, 1, ResizeOptions{}, in, out)
			require.Zero(t, ku.Rows())
			ku.Run(0, nil, nil, 0, ku.Rows())
			NewResizeBilinear[int8](target, 1, ResizeOptions{}, in, out).Run(0, nil, nil, 0, 0)
			NewResizeBilinear[float32](target, 1, ResizeOptions{}, in, out).Run(0, nil, nil, 0, 0)
		}
	}
}

// TestResizeBilinearPreparedNegativeZero checks by hand that an image of
// −0 resizes to +0, as TFLite's expression, which adds a rounding offset
// of 0, gives, and that an infinity turns into NaN where TFLite's
// expression multiplies it by a weight of 0.
func TestResizeBilinearPreparedNegativeZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	in, out := Shape4{1, 2, 2, 3}, Shape4{1, 3, 3, 3}
	src := make([]float32, in.Size())
	for i := range src {
		src[i] = negZero
	}
	for _, target := range Targets() {
		dst := make([]float32, out.Size())
		NewResizeBilinear[float32](target, 1, ResizeOptions{AlignCorners: true}, in, out).Run(0, src, dst, 0, out.H)
		for i, v := range dst {
			require.Equal(t, uint32(0), math.Float32bits(v), "%s element %d", target, i)
		}
		// The top-left input pixel's first channel is +Inf: output
		// (0, 0) reads it as all four corners, two of them with row
		// weight 0; output (2, 2) does not read it.
		src[0] = float32(math.Inf(1))
		NewResizeBilinear[float32](target, 1, ResizeOptions{AlignCorners: true}, in, out).Run(0, src, dst, 0, out.H)
		assert.True(t, math.IsNaN(float64(dst[0])), target)
		ref := make([]float32, out.Size())
		ResizeBilinearF32(ResizeOptions{AlignCorners: true}, in, src, out, ref)
		assert.True(t, math.IsNaN(float64(ref[0])), "reference")
		assert.Zero(t, math.Float32bits(dst[out.Size()-3]), target)
		src[0] = negZero
	}
}
