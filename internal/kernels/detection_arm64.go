//go:build arm64 && !purego

package kernels

// The best class score of SSD anchors runs NEON on every arm64 SIMD
// target, the portable code on Generic.

// bestScoresSIMD reports whether target t runs bestScores' assembly.
func bestScoresSIMD(t *target) bool { return t != generic }

// bestScoresAsm is bestScores in assembly for rows of n ≥ 16 scores; it
// reports false, having done nothing, for shorter rows. The caller has
// checked that the rows (at least one) lie within scores and dst.
func bestScoresAsm[T int8 | uint8](scores []T, stride, n, rows int, table *DequantTable, dst []float32) bool {
	if n < 16 {
		return false
	}
	switch s := any(scores).(type) {
	case []uint8:
		bestScoresU8Neon(&s[0], stride, n, rows, table, &dst[0])
	case []int8:
		bestScoresI8Neon(&s[0], stride, n, rows, table, &dst[0])
	}
	return true
}

// The NEON kernels, in detection_neon_arm64.s.

//go:noescape
func bestScoresU8Neon(src *uint8, stride, n, rows int, table *DequantTable, dst *float32)

//go:noescape
func bestScoresI8Neon(src *int8, stride, n, rows int, table *DequantTable, dst *float32)
