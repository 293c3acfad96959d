//go:build arm64 && !purego

package kernels

// Float ADD, SUB, MUL, DIV and the float clamps run NEON on every arm64
// SIMD target for the leading multiple of 4 elements, the portable code for
// the rest and on Generic.

// floatSIMD reports whether target t runs FloatArith's and FloatClamp's
// assembly.
func floatSIMD(t *target) bool { return t != generic }

// floatRowSIMD sets d[i] = x[i] op y[i] clamped to act; the three have one
// length.
func floatRowSIMD(op FloatOp, x, y, d []float32, act FloatRange) {
	n := len(x) &^ 3
	if n > 0 {
		_, _ = y[n-1], d[n-1]
		switch op {
		case FloatAdd:
			floatAddRowsNeon(&x[0], &y[0], &d[0], n, act.Min, act.Max)
		case FloatSub:
			floatSubRowsNeon(&x[0], &y[0], &d[0], n, act.Min, act.Max)
		case FloatMul:
			floatMulRowsNeon(&x[0], &y[0], &d[0], n, act.Min, act.Max)
		case FloatDiv:
			floatDivRowsNeon(&x[0], &y[0], &d[0], n, act.Min, act.Max)
		}
	}
	floatRowGo(op, x[n:], y[n:], d[n:], act)
}

// floatScalarSIMD sets d[i] = x[i] op y clamped to act; d is as long as x.
func floatScalarSIMD(op FloatOp, x []float32, y float32, d []float32, act FloatRange) {
	n := len(x) &^ 3
	if n > 0 {
		_ = d[n-1]
		switch op {
		case FloatAdd:
			floatAddScalarNeon(&x[0], y, &d[0], n, act.Min, act.Max)
		case FloatSub:
			floatSubScalarNeon(&x[0], y, &d[0], n, act.Min, act.Max)
		case FloatMul:
			floatMulScalarNeon(&x[0], y, &d[0], n, act.Min, act.Max)
		case FloatDiv:
			floatDivScalarNeon(&x[0], y, &d[0], n, act.Min, act.Max)
		}
	}
	floatScalarGo(op, x[n:], y, d[n:], act)
}

// floatClampSIMD sets d[i] = x[i] clamped to r; d is as long as x.
func floatClampSIMD(x, d []float32, r FloatRange) {
	n := len(x) &^ 3
	if n > 0 {
		_ = d[n-1]
		floatClampNeon(&x[0], &d[0], n, r.Min, r.Max)
	}
	floatClampGo(x[n:], d[n:], r)
}

// The NEON kernels, in floatarith_neon_arm64.s: d[i] = clamp(x[i] op y[i])
// (Rows), clamp(x[i] op y) (Scalar) and clamp(x[i]) for i < n, a positive
// multiple of 4, the clamp being std::min(std::max(v, lo), hi).

//go:noescape
func floatAddRowsNeon(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatSubRowsNeon(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatMulRowsNeon(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatDivRowsNeon(x, y, d *float32, n int, lo, hi float32)

//go:noescape
func floatAddScalarNeon(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatSubScalarNeon(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatMulScalarNeon(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatDivScalarNeon(x *float32, y float32, d *float32, n int, lo, hi float32)

//go:noescape
func floatClampNeon(x, d *float32, n int, lo, hi float32)
