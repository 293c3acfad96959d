//go:build arm64 && !purego

package kernels

// resizeNeon is the NEON instruction set of ResizeBilinear's uint8 row
// kernel: 4 channels a step, the last step overlapping the one before (4
// channels or more).
const resizeNeon resizeISA = 1

// resizeRowSIMD computes one uint8 output row, as resizeRowUint8 does, from
// the weighted source rows b (two of len(b)/2 floats) with the row kernel
// of isa, and reports whether it could.
func resizeRowSIMD(isa resizeISA, cols []resizeTap, c int, b []float32, dst []uint8) bool {
	if isa != resizeNeon || len(cols) == 0 || c < 4 || len(dst) < len(cols)*c {
		return false
	}
	resizeRowU8Neon(&cols[0], len(cols), &b[0], &b[len(b)/2], c, &dst[0])
	return true
}

// weightRowSIMD returns 0: the rows are weighted in Go.
func weightRowSIMD(resizeISA, []uint8, float32, []float32) int { return 0 }

// resizeRowU8Neon computes n output pixels of c channels into dst as the
// x86 row kernels do (see resize_amd64.go).
//
//go:noescape
func resizeRowU8Neon(cols *resizeTap, n int, a0, a1 *float32, c int, dst *byte)
