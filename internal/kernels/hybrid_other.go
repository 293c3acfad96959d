//go:build !(amd64 || arm64) || purego

package kernels

// This build has no hybrid assembly: the portable code for every target.

// hybridSIMD reports whether target t runs the hybrid kernels' assembly:
// never in this build.
func hybridSIMD(*target) bool { return false }

// hybridMinMax returns min(0, x...) and max(0, x...), NaNs skipped.
func hybridMinMax(_ bool, x []float32) (lo, hi float32) { return minMaxGo(0, 0, x) }

// hybridQuantize stores into q the levels of x and returns their sum.
func hybridQuantize(_ bool, a *asymmetric, x []float32, q []int8) int32 { return a.quantize(x, q) }

// hybridLevels stores into out the levels of x less the zero point, as
// floats.
func hybridLevels(_ bool, a *asymmetric, x, out []float32) { a.levels(x, out) }

// hybridEpilogue stores into out[r·outStride + c], for rows rows r and c
// < n, hybridOut(acc[r·accStride + c] + terms[r] − zr[c], scaled[c],
// bias[c], act).
func hybridEpilogue(_ bool, acc []int32, accStride, rows, n int, terms, zr []int32, scaled, bias, out []float32, outStride int, act *FloatRange) {
	for r := range rows {
		epilogueGo(acc[r*accStride:], terms[r], zr[:n], scaled, bias, out[r*outStride:r*outStride+n], act)
	}
}

// hybridRescale stores into x[c] clamp(x[c]·scaled[c] + bias[c]).
func hybridRescale(_ bool, x, scaled, bias []float32, act *FloatRange) {
	rescaleGo(x, scaled, bias, act)
}

// hybridQuantizeRows stores into rows of q, qStride bytes apart, the
// levels of the rows of depth floats of x, one after another, and into
// sums[r] the sum of row r's levels.
func hybridQuantizeRows(_ bool, a *asymmetric, x []float32, depth int, q []int8, qStride int, sums []int32) {
	for r := range sums {
		sums[r] = a.quantize(x[r*depth:(r+1)*depth], q[r*qStride:r*qStride+depth])
	}
}
