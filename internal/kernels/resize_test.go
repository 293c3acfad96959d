package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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
