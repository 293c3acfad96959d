//go:build !(amd64 || arm64) || purego

package kernels

// This build has no assembly for the best class score of SSD anchors (32-bit
// ARM among others): the portable code for every target.

// bestScoresSIMD reports whether target t runs bestScores' assembly: never
// in this build.
func bestScoresSIMD(*target) bool { return false }

// bestScoresAsm does nothing in this build and reports false.
func bestScoresAsm[T int8 | uint8]([]T, int, int, int, *DequantTable, []float32) bool {
	return false
}
