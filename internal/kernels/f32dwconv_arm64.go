//go:build arm64 && !purego

package kernels

// f32dwNeon is the depthwise table entry of every arm64 target.
var f32dwNeon = f32dwConfig{isa: f32Neon}

// pixelSIMD computes one output pixel, all channels, from its valid taps,
// the first at src[0] with its weights at w[0], into out: the assembly sums
// whole groups of four channels, Go the rest, then adds the bias and
// clamps.
func (k *DepthwiseF32) pixelSIMD(src, w []float32, taps *dwF32Taps, out []float32) {
	c := taps.channels
	whole := c &^ 3
	if whole > 0 {
		f32dwSumsNeon(&src[0], &w[0], taps, &out[0], whole)
	}
	for j := whole; j < c; j++ {
		var acc float32
		for ty := range taps.rows {
			for tx := range taps.cols {
				acc = fma32(src[(ty*taps.inRow+tx*taps.inCol)/4+j], w[(ty*taps.wRow+tx*taps.wCol)/4+j], acc)
			}
		}
		out[j] = acc
	}
	for j, b := range k.packedBias {
		out[j] = clampF32(out[j]+b, k.act)
	}
}

// f32dwSumsNeon writes the first channels (a multiple of 4) of one output
// pixel's sums: out[c] = Σ over the taps.rows × taps.cols valid taps of
// fma(in[tap][c], w[tap][c]), in (ky, kx) order.
//
//go:noescape
func f32dwSumsNeon(in, w *float32, taps *dwF32Taps, out *float32, channels int)
