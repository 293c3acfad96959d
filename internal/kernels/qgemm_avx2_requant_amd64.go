//go:build amd64 && !purego

package kernels

// The most input bytes per pixel (4·kq) that the AVX2 range call widens to
// int16 in a buffer on its stack for qgemm4x16RequantWide*AVX2, in two
// sizes so that shallow layers clear a small buffer; deeper layers run
// qgemm4x16Requant*AVX2.
const (
	wideSmallK = 256
	wideMaxK   = 2048
)

// tilesAVX2 is the AVX2 range call: qgemmRunTilesGo with a buffer for the
// activations of one tile widened to int16, when they fit.
func tilesAVX2(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	u := *t
	switch k := 4 * t.kq; {
	case k <= wideSmallK:
		var wide [4 * wideSmallK]int16
		u.wide = &wide[0]
		qgemmRunTilesGo(cfg, signedActs, u)
	case k <= wideMaxK:
		var wide [4 * wideMaxK]int16
		u.wide = &wide[0]
		qgemmRunTilesGo(cfg, signedActs, u)
	default:
		qgemmRunTilesGo(cfg, signedActs, u)
	}
}

// tile4x16RequantAVX2 runs a tile of four pixels of the AVX2 kernels
// without init in one call that also requantizes (qgemm4x16Requant*AVX2):
// every group's sums stay in registers, none goes through memory or Go.
// With t.wide it widens the activations there first.
func tile4x16RequantAVX2(signedActs bool, t *qgemmTile) {
	w := (*int16)(t.w)
	switch {
	case t.wide != nil && signedActs:
		qgemm4x16RequantWideS8AVX2(t.rows[0], t.stride, t.wide, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
	case t.wide != nil:
		qgemm4x16RequantWideU8AVX2(t.rows[0], t.stride, t.wide, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
	case signedActs:
		qgemm4x16RequantS8AVX2(t.rows[0], t.stride, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
	default:
		qgemm4x16RequantU8AVX2(t.rows[0], t.stride, w, t.kq, t.groups, t.wStride, t.table, t.out, t.outStride, t.outOffset, t.actMin, t.actMax)
	}
}

// The requantizing AVX2 micro-kernels, in qgemm_4x16c4_avx2_amd64.s.

//go:noescape
func qgemm4x16RequantU8AVX2(a *byte, stride int, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)

//go:noescape
func qgemm4x16RequantS8AVX2(a *byte, stride int, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)

//go:noescape
func qgemm4x16RequantWideU8AVX2(a *byte, stride int, wide *int16, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)

//go:noescape
func qgemm4x16RequantWideS8AVX2(a *byte, stride int, wide *int16, w *int16, kq, groups, wStride int, table *int32, out *byte, outStride int, outOffset, actMin, actMax int32)
