//go:build amd64 && !purego

package kernels

import "unsafe"

//go:generate go -C _generate run . -dir ..

// The x86 int8 GEMM micro-kernels. They compute raw dot products into a
// tile buffer, [pixel][nr]int32; Go adds init and the per-pixel terms where
// the requantization kernels do not, and those requantize.
const (
	kernelVNNI        qgemmKernel = iota + 1 // VPDPBUSD on zmm: 6 pixels × 64 channels
	kernelAVXVNNI                            // VEX VPDPBUSD on ymm: 4 pixels × 16 channels
	kernelAVXVNNIEVEX                        // kernelAVXVNNI's EVEX twins (AVX-512 VL + VNNI)
	kernelAVX2                               // VPMADDWD on int16: 4 pixels × 16 channels
)

// The table entries of the x86 targets.
var (
	qgemm6x64c4VNNI    = qgemmConfig{kernel: kernelVNNI, mr: 6, nr: 64, block: 16, layout: qgemmBytesFlipped, maskedStores: true}
	qgemm4x16c4AVXVNNI = qgemmConfig{kernel: kernelAVXVNNI, mr: 4, nr: 16, block: 16, layout: qgemmBytesFlipped}
	qgemm4x16AVX2      = qgemmConfig{kernel: kernelAVX2, mr: 4, nr: 16, block: 16, layout: qgemmInt16Pairs}
)

// qgemmRunTile runs cfg's micro-kernels on t. A switch, not a table of
// functions: calls through function values would make the tile and its
// buffers escape.
func qgemmRunTile(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	switch cfg.kernel {
	case kernelVNNI, kernelAVX512:
		tileVNNI(cfg.kernel, signedActs, t)
	case kernelAVXVNNI, kernelAVXVNNIEVEX, kernelAVX2:
		tile4x16(cfg.kernel, signedActs, t)
	default:
		qgemmTileGo(cfg, signedActs, t)
	}
}

// qgemmRunTiles runs range call t (see qgemmTile): the VNNI and AVX-512
// kernels in one loop, the others tile by tile (AVX2's with a buffer for
// widened activations).
func qgemmRunTiles(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	switch cfg.kernel {
	case kernelVNNI, kernelAVX512:
		tilesVNNI(cfg.kernel, signedActs, t)
	case kernelAVX2:
		tilesAVX2(cfg, signedActs, t)
	default:
		qgemmRunTilesGo(cfg, signedActs, *t)
	}
}

// tilesVNNI is the range call of kernel (kernelVNNI or kernelAVX512): per
// tile of six pixels, the row sums (when t has a termFactor), then per
// group the raw dot products and qgemmRequantAVX512, which adds the
// per-pixel terms.
func tilesVNNI(kernel qgemmKernel, signedActs bool, t *qgemmTile) {
	acc := (*[6 * 64]int32)(unsafe.Pointer(t.acc))
	var flip int32
	if signedActs {
		flip = 0x80
	}
	a0, out0 := unsafe.Pointer(t.rows[0]), unsafe.Pointer(t.out)
	for k := range t.tiles {
		// From the start each time: never a pointer past the last tile.
		a, out := (*byte)(unsafe.Add(a0, k*6*t.stride)), unsafe.Add(out0, k*6*t.outStride)
		if t.termFactor != 0 {
			qgemmRowSumsAVX512(a, t.stride, t.stride, 6, flip, &t.terms[0])
		}
		for g := range t.groups {
			width, channels := 64, 64
			if g == t.groups-1 {
				width, channels = t.lastWidth, t.channels
			}
			dotSixZ(kernel, signedActs, width/16, a, t.stride, unsafe.Add(t.w, g*t.wStride), t.kq, &acc[0])
			table := (*int32)(unsafe.Add(unsafe.Pointer(t.table), 4*g*requantRows*64))
			qgemmRequantAVX512(&acc[0], table, &t.terms[0], 6, t.termFactor, t.outOffset, t.actMin, t.actMax, channels, (*byte)(unsafe.Add(out, g*64)), t.outStride)
		}
	}
}

// qgemmRowSums stores into t.terms the sums of the tile's pixels' inputs.
func qgemmRowSums(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	var flip int32
	if signedActs {
		flip = 0x80
	}
	switch cfg.kernel {
	case kernelVNNI:
		qgemmRowSumsAVX512(t.rows[0], t.stride, t.stride, t.pixels, flip, &t.terms[0])
	case kernelAVXVNNI, kernelAVXVNNIEVEX, kernelAVX2:
		qgemmRowSumsAVX2(t.rows[0], t.stride, t.stride, t.pixels, flip, &t.terms[0])
	default:
		qgemmRowSumsGo(signedActs, t)
	}
}

// tileVNNI is the micro-kernel of kernel (kernelVNNI or kernelAVX512): per
// group, the raw dot products of six pixels at once or of fewer one by
// one, then qgemmRequantAVX512, which adds the per-pixel terms.
func tileVNNI(kernel qgemmKernel, signedActs bool, t *qgemmTile) {
	acc := (*[6 * 64]int32)(unsafe.Pointer(t.acc))
	blocks := t.width / 16
	for g := range t.groups {
		w := unsafe.Add(t.w, g*t.wStride)
		if t.pixels == 6 {
			dotSixZ(kernel, signedActs, blocks, t.rows[0], t.stride, w, t.kq, &acc[0])
		} else {
			for i := range t.pixels {
				dotOneZ(kernel, signedActs, blocks, t.rows[i], w, t.kq, &acc[i*64])
			}
		}
		t.addInit(acc[:t.pixels*64], 64, t.width)
		table := (*int32)(unsafe.Add(unsafe.Pointer(t.table), 4*g*requantRows*64))
		out := (*byte)(unsafe.Add(unsafe.Pointer(t.out), g*64))
		qgemmRequantAVX512(&acc[0], table, &t.terms[0], t.pixels, 1, t.outOffset, t.actMin, t.actMax, t.channels, out, t.outStride)
	}
}

// tile4x16 is the AVX-VNNI and AVX2 micro-kernel: per group of 16
// channels, the raw dot products of four pixels at once or of fewer one
// by one, the per-pixel terms, then qgemmRequantAVX2 pixel by pixel; a
// whole AVX2 tile without init runs in one requantizing call instead.
func tile4x16(kernel qgemmKernel, signedActs bool, t *qgemmTile) {
	if kernel == kernelAVX2 && t.pixels == 4 && t.init == nil {
		tile4x16RequantAVX2(signedActs, t)
		return
	}
	acc := (*[4 * 16]int32)(unsafe.Pointer(t.acc))
	for g := range t.groups {
		w := unsafe.Add(t.w, g*t.wStride)
		if t.pixels == 4 {
			dot4x16(kernel, signedActs, t.rows[0], t.stride, w, t.kq, &acc[0])
		} else {
			for i := range t.pixels {
				dot1x16(kernel, signedActs, t.rows[i], w, t.kq, &acc[i*16])
			}
		}
		t.addInit(acc[:t.pixels*16], 16, 16)
		if kernel != kernelAVX2 {
			for i, term := range t.terms[:t.pixels] {
				for c := range 16 {
					acc[i*16+c] += term
				}
			}
		}
		table := (*int32)(unsafe.Add(unsafe.Pointer(t.table), 4*g*requantRows*16))
		for i := range t.pixels {
			out := (*byte)(unsafe.Add(unsafe.Pointer(t.out), g*16+i*t.outStride))
			qgemmRequantAVX2(&acc[i*16], table, t.outOffset, t.actMin, t.actMax, out)
		}
	}
}

// addInit adds t.init, when set, to the first width channels of each
// pixel's row of acc, rows stride apart.
func (t *qgemmTile) addInit(acc []int32, stride, width int) {
	if t.init == nil {
		return
	}
	init := unsafe.Slice(t.init, len(acc))
	for i := 0; i < len(acc); i += stride {
		for c := range width {
			acc[i+c] += init[i+c]
		}
	}
}

// dot4x16 stores into acc ([4][16]int32) the raw dot products of the four
// pixels at a, stride bytes apart, with one packed group of 16 channels w
// over kq steps of four bytes, with kernel's instructions.
func dot4x16(kernel qgemmKernel, signedActs bool, a *byte, stride int, w unsafe.Pointer, kq int, acc *int32) {
	switch {
	case kernel == kernelAVX2 && signedActs:
		qgemm4x16S8AVX2(a, stride, (*int16)(w), kq, acc)
	case kernel == kernelAVX2:
		qgemm4x16U8AVX2(a, stride, (*int16)(w), kq, acc)
	case kernel == kernelAVXVNNIEVEX && signedActs:
		qgemm4x16S8U8AVXVNNIEVEX(a, stride, (*byte)(w), kq, acc)
	case kernel == kernelAVXVNNIEVEX:
		qgemm4x16U8S8AVXVNNIEVEX(a, stride, (*byte)(w), kq, acc)
	case signedActs:
		qgemm4x16S8U8AVXVNNI(a, stride, (*byte)(w), kq, acc)
	default:
		qgemm4x16U8S8AVXVNNI(a, stride, (*byte)(w), kq, acc)
	}
}

// dot1x16 is dot4x16 for the single pixel at a; acc holds [16]int32.
func dot1x16(kernel qgemmKernel, signedActs bool, a *byte, w unsafe.Pointer, kq int, acc *int32) {
	switch {
	case kernel == kernelAVX2 && signedActs:
		qgemm1x16S8AVX2(a, (*int16)(w), kq, acc)
	case kernel == kernelAVX2:
		qgemm1x16U8AVX2(a, (*int16)(w), kq, acc)
	case kernel == kernelAVXVNNIEVEX && signedActs:
		qgemm1x16S8U8AVXVNNIEVEX(a, (*byte)(w), kq, acc)
	case kernel == kernelAVXVNNIEVEX:
		qgemm1x16U8S8AVXVNNIEVEX(a, (*byte)(w), kq, acc)
	case signedActs:
		qgemm1x16S8U8AVXVNNI(a, (*byte)(w), kq, acc)
	default:
		qgemm1x16U8S8AVXVNNI(a, (*byte)(w), kq, acc)
	}
}

// dotSix stores into acc ([6][64]int32) the raw dot products of the six
// pixels at a, stride bytes apart, with one packed group of blocks·16
// channels (blocks 1 to 4) over kq groups of four bytes. signedActs selects
// int8 activations against unsigned packed weights; otherwise uint8
// activations meet signed weights.
func dotSix(signedActs bool, blocks int, a *byte, stride int, w *byte, kq int, acc *int32) {
	// A switch, not a table of functions: calls through function values
	// would make acc escape.
	switch {
	case !signedActs && blocks == 4:
		qgemm6x64U8S8AVX512VNNI(a, stride, w, kq, acc)
	case !signedActs && blocks == 3:
		qgemm6x48U8S8AVX512VNNI(a, stride, w, kq, acc)
	case !signedActs && blocks == 2:
		qgemm6x32U8S8AVX512VNNI(a, stride, w, kq, acc)
	case !signedActs:
		qgemm6x16U8S8AVX512VNNI(a, stride, w, kq, acc)
	case blocks == 4:
		qgemm6x64S8U8AVX512VNNI(a, stride, w, kq, acc)
	case blocks == 3:
		qgemm6x48S8U8AVX512VNNI(a, stride, w, kq, acc)
	case blocks == 2:
		qgemm6x32S8U8AVX512VNNI(a, stride, w, kq, acc)
	default:
		qgemm6x16S8U8AVX512VNNI(a, stride, w, kq, acc)
	}
}

// dotOne is dotSix for the single pixel at a; acc holds [64]int32.
func dotOne(signedActs bool, blocks int, a *byte, w *byte, kq int, acc *int32) {
	switch {
	case !signedActs && blocks == 4:
		qgemm1x64U8S8AVX512VNNI(a, w, kq, acc)
	case !signedActs && blocks == 3:
		qgemm1x48U8S8AVX512VNNI(a, w, kq, acc)
	case !signedActs && blocks == 2:
		qgemm1x32U8S8AVX512VNNI(a, w, kq, acc)
	case !signedActs:
		qgemm1x16U8S8AVX512VNNI(a, w, kq, acc)
	case blocks == 4:
		qgemm1x64S8U8AVX512VNNI(a, w, kq, acc)
	case blocks == 3:
		qgemm1x48S8U8AVX512VNNI(a, w, kq, acc)
	case blocks == 2:
		qgemm1x32S8U8AVX512VNNI(a, w, kq, acc)
	default:
		qgemm1x16S8U8AVX512VNNI(a, w, kq, acc)
	}
}

// The VNNI micro-kernels, in qgemm_6x64c4_avx512vnni_amd64.s, written by
// _generate.

//go:noescape
func qgemm6x64U8S8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x64U8S8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x48U8S8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x48U8S8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x32U8S8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x32U8S8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x16U8S8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16U8S8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x64S8U8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x64S8U8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x48S8U8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x48S8U8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x32S8U8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x32S8U8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm6x16S8U8AVX512VNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16S8U8AVX512VNNI(a *byte, w *byte, kq int, acc *int32)

// qgemmRequantAVX512 requantizes, for each of pixels pixels, the first n raw dot
// products of its row of acc ([pixel][64]int32) for one VNNI group, with
// the pixel's term pixelFactor·sums[pixel] and the group's table params
// ([requantRows][64]int32), into n bytes at out + pixel·outStride; see the
// assembly.
//
//go:noescape
func qgemmRequantAVX512(acc, params, sums *int32, pixels int, pixelFactor, outOffset, actMin, actMax int32, n int, out *byte, outStride int)

// qgemmRowSumsAVX512 stores into sums[r] the sum of the n bytes at a + r·stride,
// r < rows, as uint8 for flip 0 and as int8 for flip 0x80.
//
//go:noescape
func qgemmRowSumsAVX512(a *byte, stride, n, rows int, flip int32, sums *int32)

// The AVX2 micro-kernels, in qgemm_4x16c4_avx2_amd64.s: raw dot products
// of four pixels (x4) or one (x1) with a packed group of 16 channels.

//go:noescape
func qgemm4x16U8AVX2(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm4x16S8AVX2(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x16U8AVX2(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func qgemm1x16S8AVX2(a *byte, w *int16, kq int, acc *int32)

// qgemmRequantAVX2 requantizes the 16 raw dot products of one pixel's AVX2 group
// of 16 channels into 16 bytes at out, with the group's table params
// ([requantRows][16]int32); see the assembly.
//
//go:noescape
func qgemmRequantAVX2(acc, params *int32, outOffset, actMin, actMax int32, out *byte)

// The AVX-VNNI micro-kernels, in qgemm_4x16c4_avxvnni_amd64.s, written by
// _generate.

//go:noescape
func qgemm4x16U8S8AVXVNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm4x16S8U8AVXVNNI(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16U8S8AVXVNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16S8U8AVXVNNI(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm4x16U8S8AVXVNNIEVEX(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm4x16S8U8AVXVNNIEVEX(a *byte, stride int, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16U8S8AVXVNNIEVEX(a *byte, w *byte, kq int, acc *int32)

//go:noescape
func qgemm1x16S8U8AVXVNNIEVEX(a *byte, w *byte, kq int, acc *int32)

// qgemmRowSumsAVX2 is qgemmRowSumsAVX512 for AVX2, in the same file.
//
//go:noescape
func qgemmRowSumsAVX2(a *byte, stride, n, rows int, flip int32, sums *int32)

// hybridConfig returns the int8 GEMM entry hybrid layers of target t run
// (see hybridGemm): every x86 target's, whose micro-kernels compute raw
// dot products.
func hybridConfig(t *target) *qgemmConfig { return t.qgemm }

// hybridDots stores into acc[i·nr + c] the raw dot products of the pixels
// int8 rows at a, stride bytes apart (whole steps of four bytes), with the
// packed group of width channels at w over kq steps, with cfg's
// micro-kernels.
func hybridDots(cfg *qgemmConfig, a *byte, stride, pixels int, w unsafe.Pointer, kq, width int, acc *[qgemmMaxTile]int32) {
	switch cfg.kernel {
	case kernelVNNI, kernelAVX512:
		if pixels == 6 {
			dotSixZ(cfg.kernel, true, width/16, a, stride, w, kq, &acc[0])
			return
		}
		for i := range pixels {
			dotOneZ(cfg.kernel, true, width/16, (*byte)(unsafe.Add(unsafe.Pointer(a), i*stride)), w, kq, &acc[i*64])
		}
	case kernelAVXVNNI, kernelAVXVNNIEVEX, kernelAVX2:
		if pixels == 4 {
			dot4x16(cfg.kernel, true, a, stride, w, kq, &acc[0])
			return
		}
		for i := range pixels {
			dot1x16(cfg.kernel, true, (*byte)(unsafe.Add(unsafe.Pointer(a), i*stride)), w, kq, &acc[i*16])
		}
	default:
		hybridDotsGo(cfg, a, stride, pixels, w, kq, width, acc)
	}
}

// hybridRowSums stores into sums[i] the sum of row i of the pixels int8
// rows of stride bytes (a multiple of 4) in a, with cfg's row-sum kernel.
func hybridRowSums(cfg *qgemmConfig, a []int8, stride, pixels int, sums *[qgemmMaxPixels]int32) {
	a = a[:pixels*stride]
	switch cfg.kernel {
	case kernelVNNI:
		qgemmRowSumsAVX512((*byte)(unsafe.Pointer(&a[0])), stride, stride, pixels, 0x80, &sums[0])
	case kernelAVXVNNI, kernelAVXVNNIEVEX, kernelAVX2:
		qgemmRowSumsAVX2((*byte)(unsafe.Pointer(&a[0])), stride, stride, pixels, 0x80, &sums[0])
	default:
		hybridRowSumsGo(a, stride, pixels, sums)
	}
}
