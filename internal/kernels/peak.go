package kernels

import (
	"math"
	"time"
)

// PeakGMACs measures, in billions of multiply-accumulates per second on one
// thread, the best case of a target's quantized convolution: the target's
// PointwiseQ (a 1×1 uint8 convolution) on operands that fit in the L1 and
// L2 caches. The benchmark suite reports each model's rate as a share of
// it. The probe takes about 0.1 s.
func PeakGMACs(target string) float64 {
	in := Shape4{N: 1, H: 8, W: 8, C: 256}
	fs := Shape4{N: 256, H: 1, W: 1, C: 256}
	out := Shape4{N: 1, H: 8, W: 8, C: 256}
	mult := make([]int32, fs.N)
	shift := make([]int, fs.N)
	for i := range mult {
		mult[i], shift[i] = 1<<30, -8
	}
	r := &Requant{InputOffset: -128, FilterOffset: -128, OutputOffset: 128, Multiplier: mult, Shift: shift, ActMin: 0, ActMax: 255}
	src, w, dst := make([]uint8, in.Size()), make([]uint8, fs.Size()), make([]uint8, out.Size())
	for i := range src {
		src[i] = uint8(i * 7)
	}
	for i := range w {
		w[i] = uint8(i * 13)
	}
	k := NewPointwiseQ(target, r, fs.C, fs.N, w, nil)
	pixels := out.N * out.H * out.W
	macs := float64(out.Size() * fs.C)
	best := math.Inf(1)
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		start := time.Now()
		k.Run(src, dst, 0, pixels)
		best = min(best, time.Since(start).Seconds())
	}
	return macs / best / 1e9
}
