//go:build !(amd64 || arm64) || purego

package kernels

// This build has no float elementwise assembly: FloatArith and FloatClamp
// run the portable code on every target.

// floatSIMD reports whether target t runs FloatArith's and FloatClamp's
// assembly: never in this build.
func floatSIMD(*target) bool { return false }

// floatRowSIMD is never called in this build.
func floatRowSIMD(FloatOp, []float32, []float32, []float32, FloatRange) {}

// floatScalarSIMD is never called in this build.
func floatScalarSIMD(FloatOp, []float32, float32, []float32, FloatRange) {}

// floatClampSIMD is never called in this build.
func floatClampSIMD([]float32, []float32, FloatRange) {}
