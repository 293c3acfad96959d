//go:build amd64 && !purego

package kernels

// Float ADD, SUB, MUL, DIV and the float clamps run AVX2 on every x86 SIMD
// target (all have AVX2), the portable code on Generic.

// floatSIMD reports whether target t runs FloatArith's and FloatClamp's
// assembly.
func floatSIMD(t *target) bool { return t != generic && hasAVX2 }

// floatRowSIMD sets d[i] = x[i] op y[i] clamped to act; the three have one
// length.
func floatRowSIMD(op FloatOp, x, y, d []float32, act FloatRange) {
	n := len(x)
	if n == 0 {
		return
	}
	_, _ = y[n-1], d[n-1]
	switch op {
	case FloatAdd:
		floatAddRowsAVX2(&x[0], &y[0], &d[0], n, act.Min, act.Max)
	case FloatSub:
		floatSubRowsAVX2(&x[0], &y[0], &d[0], n, act.Min, act.Max)
	case FloatMul:
		floatMulRowsAVX2(&x[0], &y[0], &d[0], n, act.Min, act.Max)
	case FloatDiv:
		floatDivRowsAVX2(&x[0], &y[0], &d[0], n, act.Min, act.Max)
	}
}

// floatScalarSIMD sets d[i] = x[i] op y clamped to act; d is as long as x.
func floatScalarSIMD(op FloatOp, x []float32, y float32, d []float32, act FloatRange) {
	n := len(x)
	if n == 0 {
		return
	}
	_ = d[n-1]
	switch op {
	case FloatAdd:
		floatAddScalarAVX2(&x[0], y, &d[0], n, act.Min, act.Max)
	case FloatSub:
		floatSubScalarAVX2(&x[0], y, &d[0], n, act.Min, act.Max)
	case FloatMul:
		floatMulScalarAVX2(&x[0], y, &d[0], n, act.Min, act.Max)
	case FloatDiv:
		floatDivScalarAVX2(&x[0], y, &d[0], n, act.Min, act.Max)
	}
}

// floatClampSIMD sets d[i] = x[i] clamped to r; d is as long as x.
func floatClampSIMD(x, d []float32, r FloatRange) {
	n := len(x)
	if n == 0 {
		return
	}
	_ = d[n-1]
	floatClampAVX2(&x[0], &d[0], n, r.Min, r.Max)
}

// The AVX2 kernels, in floatarith_avx2_amd64.s: d[i] = clamp(x[i] op y[i])
// (Rows), clamp(x[i] op y) (Scalar) and clamp(x[i]) for i < n, n > 0, the
// clamp being min(max(v, lo), hi) with std::max and std::min's operand
// order.

//go:noescape
func floatAddRowsAVX2(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatSubRowsAVX2(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatMulRowsAVX2(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatDivRowsAVX2(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatAddScalarAVX2(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatSubScalarAVX2(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatMulScalarAVX2(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatDivScalarAVX2(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatClampAVX2(x, d *float32, n int, lo, hi float32)
