//go:build amd64 && !purego

package kernels

// The depthwise table entries of the x86 targets.
var (
	f32dwAVX2   = f32dwConfig{isa: f32AVX2}
	f32dwAVX512 = f32dwConfig{isa: f32AVX512}
)

// pixelSIMD computes one output pixel, all channels, from its valid taps,
// the first at src[0] with its weights at w[0], into out.
func (k *DepthwiseF32) pixelSIMD(src, w []float32, taps *dwF32Taps, out []float32) {
	if k.cfg.isa == f32AVX512 {
		f32dwPixelAVX512(&src[0], &w[0], taps, &k.packedBias[0], &k.act, &out[0])
		return
	}
	f32dwPixelAVX2(&src[0], &w[0], taps, &k.packedBias[0], &k.act, &out[0], &f32LaneMask[16-taps.channels%8])
}

// The depthwise kernels compute one output pixel's taps.channels channels:
// out[c] = clamp(Σ over the taps.rows × taps.cols valid taps of
// fma(in[tap][c], w[tap][c]) + bias[c]), the taps in (ky, kx) order. The
// AVX2 tailMask points at 8 int32 lane masks for the last channels%8
// channels.

//go:noescape
func f32dwPixelAVX512(in, w *float32, taps *dwF32Taps, bias *float32, act *FloatRange, out *float32)

//go:noescape
func f32dwPixelAVX2(in, w *float32, taps *dwF32Taps, bias *float32, act *FloatRange, out *float32, tailMask *int32)
