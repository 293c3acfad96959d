//go:build purego || !(amd64 || arm64)

package kernels

// This build has no float assembly: no target's table has an f32gemm or
// f32dw entry. The Go twins below compute what the micro-kernels compute,
// from the same packed weights.

// runSIMD computes all pixels of in (pixels rows of inDepth) into out
// against every packed group, in Go.
func (k *PointwiseF32) runSIMD(in, out []float32, pixels int) {
	kd, n, width := k.inDepth, k.outDepth, k.width
	for p := range pixels {
		x := in[p*kd : (p+1)*kd]
		for oc := range n {
			g, lane := oc/width, oc%width
			w := k.packed[g*kd*width+lane:]
			var acc float32
			for i, v := range x {
				acc = fma32(v, w[i*width], acc)
			}
			out[p*n+oc] = clampF32(acc+k.packedBias[oc], k.act)
		}
	}
}

// pixelSIMD computes one output pixel, all channels, from its valid taps,
// the first at src[0] with its weights at w[0], into out, in Go.
func (k *DepthwiseF32) pixelSIMD(src, w []float32, taps *dwF32Taps, out []float32) {
	for j, b := range k.packedBias {
		var acc float32
		for ty := range taps.rows {
			for tx := range taps.cols {
				acc = fma32(src[(ty*taps.inRow+tx*taps.inCol)/4+j], w[(ty*taps.wRow+tx*taps.wCol)/4+j], acc)
			}
		}
		out[j] = clampF32(acc+b, k.act)
	}
}
