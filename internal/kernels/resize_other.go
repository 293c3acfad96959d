//go:build purego || !(amd64 || arm64)

package kernels

// resizeRowSIMD reports false: this build has no resize assembly, and no
// target's table has a resize entry.
func resizeRowSIMD(resizeISA, []resizeTap, int, []float32, []uint8) bool { return false }

// weightRowSIMD returns 0: this build has no resize assembly.
func weightRowSIMD(resizeISA, []uint8, float32, []float32) int { return 0 }
