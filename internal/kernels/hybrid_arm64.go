//go:build arm64 && !purego

package kernels

// The hybrid layers' on-the-fly quantization and float epilogue run NEON
// on every arm64 SIMD target, the portable code on Generic.

// hybridSIMD reports whether target t runs the hybrid kernels' assembly.
func hybridSIMD(t *target) bool { return t != generic }

// hybridMinMax returns min(0, x...) and max(0, x...), NaNs skipped.
func hybridMinMax(simd bool, x []float32) (lo, hi float32) {
	n := len(x) &^ 3
	if simd && n > 0 {
		lo, hi = hybridMinMaxNeon(&x[0], n)
		x = x[n:]
	}
	return minMaxGo(lo, hi, x)
}

// hybridQuantize stores into q the levels of x and returns their sum.
func hybridQuantize(simd bool, a *asymmetric, x []float32, q []int8) int32 {
	q = q[:len(x)]
	n := len(x) &^ 7
	var sum int32
	if simd && n > 0 {
		sum = hybridQuantizeNeon(&x[0], n, a.inv, a.off, &q[0])
		x, q = x[n:], q[n:]
	}
	return sum + a.quantize(x, q)
}

// hybridQuantizeRows stores into rows of q, qStride bytes apart, the
// levels of the rows of depth floats of x, one after another, and into
// sums[r] the sum of row r's levels.
func hybridQuantizeRows(simd bool, a *asymmetric, x []float32, depth int, q []int8, qStride int, sums []int32) {
	rows := len(sums)
	if simd && depth%8 == 0 && depth > 0 && rows > 0 {
		_, _ = x[rows*depth-1], q[(rows-1)*qStride+depth-1]
		hybridQuantizeRowsNeon(&x[0], rows, depth, a.inv, a.off, &q[0], qStride, &sums[0])
		return
	}
	for r := range sums {
		sums[r] = hybridQuantize(simd, a, x[r*depth:(r+1)*depth], q[r*qStride:r*qStride+depth])
	}
}

// hybridLevels stores into out the levels of x less the zero point, as
// floats.
func hybridLevels(simd bool, a *asymmetric, x, out []float32) {
	out = out[:len(x)]
	n := len(x) &^ 3
	if simd && n > 0 {
		hybridLevelsNeon(&x[0], n, a.inv, a.off, float32(a.zeroPoint), &out[0])
		x, out = x[n:], out[n:]
	}
	a.levels(x, out)
}

// hybridEpilogue stores into out[r·outStride + c], for rows rows r and c
// < n, hybridOut(acc[r·accStride + c] + terms[r] − zr[c], scaled[c],
// bias[c], act).
func hybridEpilogue(simd bool, acc []int32, accStride, rows, n int, terms, zr []int32, scaled, bias, out []float32, outStride int, act *FloatRange) {
	wide := n &^ 3
	if !simd {
		wide = 0
	}
	if wide > 0 && rows > 0 {
		// The slices' bounds, checked here as Go indexing would.
		_, _ = acc[(rows-1)*accStride+n-1], out[(rows-1)*outStride+n-1]
		_, _, _, _ = terms[rows-1], zr[n-1], scaled[n-1], bias[n-1]
		hybridOutNeon(&acc[0], accStride, rows, wide, &terms[0], &zr[0], &scaled[0], &bias[0], act, &out[0], outStride)
	}
	for r := range rows {
		epilogueGo(acc[r*accStride+wide:], terms[r], zr[wide:n], scaled[wide:], bias[wide:], out[r*outStride+wide:r*outStride+n], act)
	}
}

// hybridRescale stores into x[c] clamp(x[c]·scaled[c] + bias[c]).
func hybridRescale(simd bool, x, scaled, bias []float32, act *FloatRange) {
	n := len(x) &^ 3
	scaled, bias = scaled[:len(x)], bias[:len(x)]
	if simd && n > 0 {
		hybridRescaleNeon(&x[0], n, &scaled[0], &bias[0], act)
		x, scaled, bias = x[n:], scaled[n:], bias[n:]
	}
	rescaleGo(x, scaled, bias, act)
}

// The NEON kernels, in hybrid_neon_arm64.s.

//go:noescape
func hybridMinMaxNeon(x *float32, n int) (lo, hi float32)

//go:noescape
func hybridQuantizeNeon(x *float32, n int, inv, off float32, q *int8) (sum int32)

//go:noescape
func hybridQuantizeRowsNeon(x *float32, rows, depth int, inv, off float32, q *int8, qStride int, sums *int32)

//go:noescape
func hybridLevelsNeon(x *float32, n int, inv, off, zero float32, out *float32)

//go:noescape
func hybridOutNeon(acc *int32, accStride, rows, n int, terms, zr *int32, scaled, bias *float32, act *FloatRange, out *float32, outStride int)

//go:noescape
func hybridRescaleNeon(x *float32, n int, scaled, bias *float32, act *FloatRange)
