//go:build purego || !arm64

package kernels

// dwSumsF16 runs the Go model of the fp16 depthwise sums, as sumsF16 does: this build has no fp16
// assembly (and no fp16 target).
func dwSumsF16(in, w []Half, taps *dwF32Taps, out, bias []float32, act *FloatRange) {
	dwSumsF16Go(in, w, taps, out, bias, act)
}
