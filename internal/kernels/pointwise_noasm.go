//go:build purego || !(amd64 || arm64 || arm)

package kernels

// pointwiseSIMD is empty: this build has no micro-kernels for PointwiseQ.
type pointwiseSIMD struct{}

// pack leaves k on the reference.
func (k *PointwiseQ[T]) pack(string) {}

// runPacked reports that k has no packed micro-kernels.
func (k *PointwiseQ[T]) runPacked([]T, []T, int, int) bool { return false }
