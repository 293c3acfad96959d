//go:build amd64 && !purego

package kernels

// The x86 instruction sets of the float kernels.
const (
	f32AVX2   f32ISA = iota + 1 // AVX2 and FMA: 16 channels a group, masked stores
	f32AVX512                   // AVX-512 F: 32 channels a group, mask registers
)

// The GEMM table entries of the x86 targets.
var (
	f32gemmAVX2   = f32gemmConfig{isa: f32AVX2, width: 16}
	f32gemmAVX512 = f32gemmConfig{isa: f32AVX512, width: 32}
)

// gemmF32TilePixels is the pixels of the main GEMM micro-kernels.
const gemmF32TilePixels = 6

// f32LaneMask holds the AVX2 store masks: the 16 (or 8) int32 from
// &f32LaneMask[16−n] enable the first n lanes.
var f32LaneMask = [32]int32{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}

// runSIMD computes all pixels of in (pixels rows of inDepth) into out in
// tiles of six pixels, then single pixels, each against every packed group.
func (k *PointwiseF32) runSIMD(in, out []float32, pixels int) {
	kd, n, width := k.inDepth, k.outDepth, k.width
	for p := 0; p < pixels; {
		tile := 1
		if p+gemmF32TilePixels <= pixels {
			tile = gemmF32TilePixels
		}
		a := &in[p*kd]
		for lo := 0; lo < n; lo += width {
			g, valid := lo/width, min(width, n-lo)
			w, bias, o := &k.packed[g*kd*width], &k.packedBias[g*width], &out[p*n+lo]
			switch {
			case k.cfg.isa == f32AVX512 && tile == gemmF32TilePixels:
				f32gemm6x32AVX512(a, 4*kd, w, kd, bias, &k.act, o, 4*n, uint32(uint64(1)<<valid-1))
			case k.cfg.isa == f32AVX512:
				f32gemm1x32AVX512(a, w, kd, bias, &k.act, o, uint32(uint64(1)<<valid-1))
			case tile == gemmF32TilePixels:
				f32gemm6x16AVX2(a, 4*kd, w, kd, bias, &k.act, o, 4*n, &f32LaneMask[16-valid])
			default:
				f32gemm1x16AVX2(a, w, kd, bias, &k.act, o, &f32LaneMask[16-valid])
			}
		}
		p += tile
	}
}

// The GEMM micro-kernels compute, for 6 (or 1) pixels whose inputs start at
// a, lda bytes apart, and one packed group of weights w ([k][width]) with
// its bias, out[pixel][lane] = clamp(Σ_i fma(a[pixel][i], w[i][lane]) +
// bias[lane]) for the lanes the mask enables, pixel rows ldo bytes apart.
// The AVX-512 mask is a bit per lane; the AVX2 mask points at 16 int32
// lane masks.

//go:noescape
func f32gemm6x32AVX512(a *float32, lda int, w *float32, k int, bias *float32, act *FloatRange, out *float32, ldo int, mask uint32)

//go:noescape
func f32gemm1x32AVX512(a *float32, w *float32, k int, bias *float32, act *FloatRange, out *float32, mask uint32)

//go:noescape
func f32gemm6x16AVX2(a *float32, lda int, w *float32, k int, bias *float32, act *FloatRange, out *float32, ldo int, mask *int32)

//go:noescape
func f32gemm1x16AVX2(a *float32, w *float32, k int, bias *float32, act *FloatRange, out *float32, mask *int32)
