//go:build amd64 && !purego

package kernels

// The best class score of SSD anchors runs AVX2 on every x86 SIMD target
// (all have AVX2), the portable code on Generic.

// bestScoresSIMD reports whether target t runs bestScores' assembly.
func bestScoresSIMD(t *target) bool { return t != generic && hasAVX2 }

// bestScoresAsm is bestScores in assembly for rows of n ≥ 16 scores; it
// reports false, having done nothing, for shorter rows. The caller has
// checked that the rows (at least one) lie within scores and dst.
func bestScoresAsm[T int8 | uint8](scores []T, stride, n, rows int, table *DequantTable, dst []float32) bool {
	if n < 16 {
		return false
	}
	switch s := any(scores).(type) {
	case []uint8:
		bestScoresU8AVX2(&s[0], stride, n, rows, table, &dst[0])
	case []int8:
		bestScoresI8AVX2(&s[0], stride, n, rows, table, &dst[0])
	}
	return true
}

// The AVX2 kernels, in detection_avx2_amd64.s.

//go:noescape
func bestScoresU8AVX2(src *uint8, stride, n, rows int, table *DequantTable, dst *float32)

//go:noescape
func bestScoresI8AVX2(src *int8, stride, n, rows int, table *DequantTable, dst *float32)
