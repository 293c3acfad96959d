//go:build amd64 && !purego

package kernels

// tile4x16RequantAVX2 runs a tile of four pixels of the AVX2 kernels
// without init in one call that also requantizes (qgemm4x16Requant*AVX2):
// every group's sums stay in registers, none goes through memory or Go.
func tile4x16RequantAVX2(signedActs bool, t *qgemmTile) {
	w := (*int16)(t.w)
	if signedActs {
		qgemm4x16RequantS8AVX2(t.rows[0], t.stride, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
		return
	}
	qgemm4x16RequantU8AVX2(t.rows[0], t.stride, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
}

// The requantizing AVX2 micro-kernels, in qgemm_4x16c4_avx2_amd64.s.

//go:noescape
func qgemm4x16RequantU8AVX2(a *byte, stride int, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)

//go:noescape
func qgemm4x16RequantS8AVX2(a *byte, stride int, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)
