//go:build arm && !purego

package kernels

import "unsafe"

// kernelNeon is the 32-bit ARM int8 GEMM micro-kernel: activations widened
// to int16 multiplied by lane with int16 weights (VMLAL), raw dot products
// of four pixels by eight channels into a tile buffer, then qgemmRequantNeon.
const kernelNeon qgemmKernel = 1

// qgemm4x8Neon is the table entry of the neon target.
var qgemm4x8Neon = qgemmConfig{kernel: kernelNeon, mr: 4, nr: 8, block: 8, layout: qgemmInt16}

// qgemmRunTile runs cfg's micro-kernels on t.
func qgemmRunTile(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	if cfg.kernel != kernelNeon {
		qgemmTileGo(cfg, signedActs, t)
		return
	}
	acc := (*[4 * 8]int32)(unsafe.Pointer(t.acc))
	for g := range t.groups {
		w := (*int16)(unsafe.Add(t.w, g*t.wStride))
		switch {
		case t.pixels == 4 && signedActs:
			qgemm4x8S8Neon(t.rows[0], t.stride, w, t.kq, &acc[0])
		case t.pixels == 4:
			qgemm4x8U8Neon(t.rows[0], t.stride, w, t.kq, &acc[0])
		default:
			for i := range t.pixels {
				if signedActs {
					qgemm1x8S8Neon(t.rows[i], w, t.kq, &acc[i*8])
				} else {
					qgemm1x8U8Neon(t.rows[i], w, t.kq, &acc[i*8])
				}
			}
		}
		if t.init != nil {
			init := unsafe.Slice(t.init, 4*8)
			for i := range t.pixels * 8 {
				acc[i] += init[i]
			}
		}
		table := (*int32)(unsafe.Add(unsafe.Pointer(t.table), 4*g*requantRows*8))
		for i := range t.pixels {
			out := (*byte)(unsafe.Add(unsafe.Pointer(t.out), g*8+i*t.outStride))
			qgemmRequantNeon(&acc[i*8], table, t.outOffset, t.actMin, t.actMax, out)
		}
	}
}

// qgemmRowSums stores into t.terms the sums of the tile's pixels' inputs;
// the neon kernel's int16 layout needs none.
func qgemmRowSums(_ *qgemmConfig, signedActs bool, t *qgemmTile) { qgemmRowSumsGo(signedActs, t) }

// The NEON micro-kernels, in qgemm_4x8_neon_arm.s. The x4 kernels compute four
// pixels stride bytes apart, the x1 kernels one, over kq groups of four
// bytes of one packed group w, storing [pixel][8]int32 at acc.

//go:noescape
func qgemm4x8U8Neon(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm4x8S8Neon(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x8U8Neon(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x8S8Neon(a *byte, w *int16, kq int, acc *int32)

// qgemmRequantNeon requantizes the 8 raw dot products at acc of one pixel's
// packed group into 8 bytes at out, with the group's table
// ([requantRows][8]int32) and the layer's output offset and clamp range.
//
//go:noescape
func qgemmRequantNeon(acc, table *int32, outOffset, actMin, actMax int32, out *byte)

// qgemmRunTiles runs range call t (see qgemmTile) tile by tile.
func qgemmRunTiles(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	qgemmRunTilesGo(cfg, signedActs, *t)
}

// hybridConfig returns the int8 GEMM entry hybrid layers of target t run
// (see hybridGemm): the neon target's, whose micro-kernels compute raw dot
// products.
func hybridConfig(t *target) *qgemmConfig { return t.qgemm }

// hybridDots stores into acc[i·nr + c] the raw dot products of the pixels
// int8 rows at a, stride bytes apart (whole steps of four bytes), with the
// packed group of width channels at w over kq steps, with cfg's
// micro-kernels.
func hybridDots(cfg *qgemmConfig, a *byte, stride, pixels int, w unsafe.Pointer, kq, width int, acc *[qgemmMaxTile]int32) {
	if cfg.kernel != kernelNeon {
		hybridDotsGo(cfg, a, stride, pixels, w, kq, width, acc)
		return
	}
	if pixels == 4 {
		qgemm4x8S8Neon(a, stride, (*int16)(w), kq, &acc[0])
		return
	}
	for i := range pixels {
		qgemm1x8S8Neon((*byte)(unsafe.Add(unsafe.Pointer(a), i*stride)), (*int16)(w), kq, &acc[i*8])
	}
}

// hybridRowSums stores into sums[i] the sum of row i of the pixels int8
// rows of stride bytes in a.
func hybridRowSums(_ *qgemmConfig, a []int8, stride, pixels int, sums *[qgemmMaxPixels]int32) {
	hybridRowSumsGo(a, stride, pixels, sums)
}
