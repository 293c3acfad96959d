//go:build purego || !amd64

package kernels

// resizeRowSIMD reports false: this build has no resize assembly, and no
// target's table has a resize entry.
func resizeRowSIMD(resizeISA, []resizeTap, int, []float32, []uint8) bool { return false }
