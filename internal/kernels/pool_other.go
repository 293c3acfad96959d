//go:build !(amd64 || arm64) || purego

package kernels

// This build has no pooling assembly: the window sums run the portable
// code on every target.

// poolSumSIMD reports whether target t sums pooling windows in assembly:
// never in this build.
func poolSumSIMD(*target) bool { return false }

// poolSumSIMD8 sums nothing in this build and returns 0.
func poolSumSIMD8[T int8 | uint8]([]T, int, int, []int32) int { return 0 }

// maxPoolF32SIMD computes nothing in this build and reports false.
func maxPoolF32SIMD([]float32, int, int, int, int, FloatRange, []float32) bool { return false }

// maxRows8SIMD computes nothing in this build and returns 0.
func maxRows8SIMD[T int8 | uint8]([]T, int, int, []T) int { return 0 }
