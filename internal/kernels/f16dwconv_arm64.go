//go:build arm64 && !purego

package kernels

// dwSumsF16 computes what dwSumsF16Go does, in assembly on a CPU with the
// FP16 extension.
func dwSumsF16(in, w []Half, taps *dwF32Taps, out, bias []float32, act *FloatRange) {
	if !hasFP16 {
		dwSumsF16Go(in, w, taps, out, bias, act)
		return
	}
	bias = bias[:len(out)]
	f16dwSumsFP16(&in[0], &w[0], taps, &out[0], len(out), &bias[0], act)
}

// f16dwSumsFP16 writes channels (a positive multiple of 8) outputs of one
// pixel: out[c] = the half sum, widened, of fma16(in[tap][c], w[tap][c])
// over the taps.rows × taps.cols valid taps in (ky, kx) order, plus
// bias[c], clamped to act with FMAX then FMIN.
//
//go:noescape
func f16dwSumsFP16(in, w *Half, taps *dwF32Taps, out *float32, channels int, bias *float32, act *FloatRange)
