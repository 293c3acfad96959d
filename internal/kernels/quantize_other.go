//go:build !(amd64 || arm64) || purego

package kernels

// This build has no QUANTIZE assembly (32-bit ARM among others): the
// portable code for every target.

// quantizeSIMD reports whether target t runs QUANTIZE's assembly: never in
// this build.
func quantizeSIMD(*target) bool { return false }

// quantizeInt8SIMD quantizes nothing in this build and returns 0.
func quantizeInt8SIMD([]float32, []int8, Affine) int { return 0 }

// quantizeUint8SIMD quantizes nothing in this build and returns 0.
func quantizeUint8SIMD([]float32, []uint8, Affine) int { return 0 }
