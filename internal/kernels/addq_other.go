//go:build !amd64 || purego

package kernels

// This build has no ADD assembly: AddRows8 runs the portable code on every
// target.

// addRowsSIMD reports whether target t runs AddRows8's assembly: never in
// this build.
func addRowsSIMD(*target) bool { return false }

// addRowsSIMD8 computes nothing in this build and returns 0.
func addRowsSIMD8[T int8 | uint8](*addLanes, bool, []T, []T, []T) int { return 0 }
