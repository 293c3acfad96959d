//go:build !amd64 || purego

package kernels

// This build has no hybrid assembly: the portable code for every target.

// hybridSIMD reports whether target t runs the hybrid kernels' assembly:
// never in this build.
func hybridSIMD(*target) bool { return false }

// hybridMinMax returns min(0, x...) and max(0, x...), NaNs skipped.
func hybridMinMax(_ bool, x []float32) (lo, hi float32) { return minMaxGo(0, 0, x) }

// hybridQuantize stores into q the levels of x.
func hybridQuantize(_ bool, a *asymmetric, x []float32, q []int8) { a.quantize(x, q) }

// hybridLevels stores into out the levels of x less the zero point, as
// floats.
func hybridLevels(_ bool, a *asymmetric, x, out []float32) { a.levels(x, out) }

// hybridEpilogue stores into out[c] hybridOut(acc[c] + term − zr[c],
// scaled[c], bias[c], act).
func hybridEpilogue(_ bool, acc []int32, term int32, zr []int32, scaled, bias, out []float32, act *FloatRange) {
	epilogueGo(acc, term, zr, scaled, bias, out, act)
}

// hybridRescale stores into x[c] clamp(x[c]·scaled[c] + bias[c]).
func hybridRescale(_ bool, x, scaled, bias []float32, act *FloatRange) {
	rescaleGo(x, scaled, bias, act)
}
