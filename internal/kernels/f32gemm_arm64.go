//go:build arm64 && !purego

package kernels

// f32Neon is the ARM instruction set of the float kernels: FMLA on four
// float32 lanes; the bias, clamp and last channels are added in Go.
const f32Neon f32ISA = 1

// f32gemmNeon is the GEMM table entry of every arm64 target.
var f32gemmNeon = f32gemmConfig{isa: f32Neon, width: gemmF32NeonWidth}

// Geometry of the NEON GEMM micro-kernels.
const (
	gemmF32NeonWidth  = 16 // output channels of a packed group: four registers
	gemmF32TilePixels = 6  // pixels of the main micro-kernel
)

// runSIMD computes all pixels of in (pixels rows of inDepth) into out in
// tiles of six pixels, then single pixels, each against every packed group:
// the micro-kernels leave the sums in a tile buffer, and Go adds the bias
// and clamps.
func (k *PointwiseF32) runSIMD(in, out []float32, pixels int) {
	var acc [gemmF32TilePixels * gemmF32NeonWidth]float32
	kd, n := k.inDepth, k.outDepth
	for p := 0; p < pixels; {
		tile := 1
		if p+gemmF32TilePixels <= pixels {
			tile = gemmF32TilePixels
		}
		for lo := 0; lo < n; lo += gemmF32NeonWidth {
			g, valid := lo/gemmF32NeonWidth, min(gemmF32NeonWidth, n-lo)
			w := &k.packed[g*kd*gemmF32NeonWidth]
			if tile == gemmF32TilePixels {
				f32gemm6x16Neon(&in[p*kd], 4*kd, w, kd, &acc)
			} else {
				f32gemm1x16Neon(&in[p*kd], w, kd, &acc)
			}
			bias := k.packedBias[g*gemmF32NeonWidth:][:valid]
			for i := range tile {
				o := out[(p+i)*n+lo:][:valid]
				sums := acc[i*gemmF32NeonWidth:][:valid]
				for j, b := range bias {
					o[j] = clampF32(sums[j]+b, k.act)
				}
			}
		}
		p += tile
	}
}

// f32gemm6x16Neon sums, for 6 pixels whose inputs start at a, lda bytes
// apart, and one packed group of weights w ([k][16]), acc[pixel][lane] =
// Σ_i fma(a[pixel][i], w[i][lane]) in input order.
//
//go:noescape
func f32gemm6x16Neon(a *float32, lda int, w *float32, k int, acc *[gemmF32TilePixels * gemmF32NeonWidth]float32)

// f32gemm1x16Neon is f32gemm6x16Neon for one pixel, into acc[0:16].
//
//go:noescape
func f32gemm1x16Neon(a *float32, w *float32, k int, acc *[gemmF32TilePixels * gemmF32NeonWidth]float32)
