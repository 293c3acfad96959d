//go:build purego || !(amd64 || arm64 || arm)

package kernels

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
