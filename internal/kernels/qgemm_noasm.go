//go:build purego || !(amd64 || arm64 || arm)

package kernels

import "unsafe"

// This build has no int8 GEMM assembly: no target's table has a qgemm
// entry, and the Go twins stand in for the micro-kernels.

// qgemmRunTile runs the Go twin of the micro-kernels on t.
func qgemmRunTile(cfg *qgemmConfig, signedActs bool, t *qgemmTile) { qgemmTileGo(cfg, signedActs, t) }

// qgemmRowSums stores into t.terms the sums of the tile's pixels' inputs.
func qgemmRowSums(_ *qgemmConfig, signedActs bool, t *qgemmTile) { qgemmRowSumsGo(signedActs, t) }

// qgemmRunTiles runs range call t (see qgemmTile) tile by tile.
func qgemmRunTiles(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	qgemmRunTilesGo(cfg, signedActs, *t)
}

// hybridConfig returns the int8 GEMM entry hybrid layers of target t run:
// none in this build.
func hybridConfig(*target) *qgemmConfig { return nil }

// hybridDots is hybridDotsGo in this build.
func hybridDots(cfg *qgemmConfig, a *byte, stride, pixels int, w unsafe.Pointer, kq, width int, acc *[qgemmMaxTile]int32) {
	hybridDotsGo(cfg, a, stride, pixels, w, kq, width, acc)
}

// hybridRowSums stores into sums[i] the sum of row i of the pixels int8
// rows of stride bytes in a.
func hybridRowSums(_ *qgemmConfig, a []int8, stride, pixels int, sums *[qgemmMaxPixels]int32) {
	hybridRowSumsGo(a, stride, pixels, sums)
}
