//go:build purego || !(amd64 || arm64)

package kernels

// This build has no float assembly: no target's table has an f32gemm
// entry. The Go twin below computes what the micro-kernels compute, from
// the same packed weights.

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
