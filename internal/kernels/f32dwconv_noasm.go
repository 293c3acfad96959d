//go:build purego || !(amd64 || arm64)

package kernels

// This build has no float assembly: no target's table has an f32dw entry.
// The Go twin below computes what the kernels compute.

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
