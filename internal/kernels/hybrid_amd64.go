//go:build amd64 && !purego

package kernels

// The hybrid layers' on-the-fly quantization and float epilogue run AVX2
// on every x86 SIMD target (all have AVX2), the portable code on Generic.

// hybridSIMD reports whether target t runs the hybrid kernels' assembly.
func hybridSIMD(t *target) bool { return t != generic && hasAVX2 }

// hybridMinMax returns min(0, x...) and max(0, x...), NaNs skipped.
func hybridMinMax(simd bool, x []float32) (lo, hi float32) {
	n := len(x) &^ 7
	if simd && n > 0 {
		lo, hi = hybridMinMaxAVX2(&x[0], n)
		x = x[n:]
	}
	return minMaxGo(lo, hi, x)
}

// hybridQuantize stores into q the levels of x.
func hybridQuantize(simd bool, a *asymmetric, x []float32, q []int8) {
	q = q[:len(x)]
	n := len(x) &^ 7
	if simd && n > 0 {
		hybridQuantizeAVX2(&x[0], n, a.inv, a.off, &q[0])
		x, q = x[n:], q[n:]
	}
	a.quantize(x, q)
}

// hybridLevels stores into out the levels of x less the zero point, as
// floats.
func hybridLevels(simd bool, a *asymmetric, x, out []float32) {
	out = out[:len(x)]
	n := len(x) &^ 7
	if simd && n > 0 {
		hybridLevelsAVX2(&x[0], n, a.inv, a.off, float32(a.zeroPoint), &out[0])
		x, out = x[n:], out[n:]
	}
	a.levels(x, out)
}

// hybridEpilogue stores into out[c] hybridOut(acc[c] + term − zr[c],
// scaled[c], bias[c], act).
func hybridEpilogue(simd bool, acc []int32, term int32, zr []int32, scaled, bias, out []float32, act *FloatRange) {
	n := len(out) &^ 7
	acc, zr, scaled, bias = acc[:len(out)], zr[:len(out)], scaled[:len(out)], bias[:len(out)]
	if simd && n > 0 {
		hybridOutAVX2(&acc[0], n, term, &zr[0], &scaled[0], &bias[0], act, &out[0])
		acc, zr, scaled, bias, out = acc[n:], zr[n:], scaled[n:], bias[n:], out[n:]
	}
	epilogueGo(acc, term, zr, scaled, bias, out, act)
}

// The AVX2 kernels, in hybrid_avx2_amd64.s.

//go:noescape
func hybridMinMaxAVX2(x *float32, n int) (lo, hi float32)

//go:noescape
func hybridQuantizeAVX2(x *float32, n int, inv, off float32, q *int8)

//go:noescape
func hybridLevelsAVX2(x *float32, n int, inv, off, zero float32, out *float32)

//go:noescape
func hybridOutAVX2(acc *int32, n int, term int32, zr *int32, scaled, bias *float32, act *FloatRange, out *float32)

// hybridRescale stores into x[c] clamp(x[c]·scaled[c] + bias[c]).
func hybridRescale(simd bool, x, scaled, bias []float32, act *FloatRange) {
	n := len(x) &^ 7
	scaled, bias = scaled[:len(x)], bias[:len(x)]
	if simd && n > 0 {
		hybridRescaleAVX2(&x[0], n, &scaled[0], &bias[0], act)
		x, scaled, bias = x[n:], scaled[n:], bias[n:]
	}
	rescaleGo(x, scaled, bias, act)
}

//go:noescape
func hybridRescaleAVX2(x *float32, n int, scaled, bias *float32, act *FloatRange)
