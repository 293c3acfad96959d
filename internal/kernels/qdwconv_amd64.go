//go:build amd64 && !purego

package kernels

// The x86 instruction sets of DepthwiseQ.
const (
	dwAVX512 dwISA = iota + 1 // 16 channels a step, the last step masked
	dwAVX2                    // 8 channels a step, the remainder in Go
)

// The table entries of the x86 targets.
var (
	qdwAVX512     = qdwConfig{isa: dwAVX512, pairsWidth: 32}
	qdwAVX512VNNI = qdwConfig{isa: dwAVX512, pairsWidth: 32, dpwssd: true}
	qdwAVX2       = qdwConfig{isa: dwAVX2, pairsWidth: 16}
)

// simdChannels returns how many of the channels, from the first, k's
// assembly computes; Go computes the rest.
func (k *DepthwiseQ[T]) simdChannels() int {
	c := k.outShape.C
	if k.cfg.isa == dwAVX2 {
		return c - c%8
	}
	return c
}

// interiorSIMD runs the 3×3 interior kernel over the pixels g describes,
// the first window at src, the first output at dst, for the channels
// simdChannels covers, and returns that count.
func (k *DepthwiseQ[T]) interiorSIMD(src, dst []T, g *dwGeometry) int {
	c := k.outShape.C
	if k.cfg.isa == dwAVX512 {
		// Whole blocks of 32 channels through the pair kernel where it
		// is prepared, the rest 16 at a time.
		c0 := 0
		for ; c0 < len(k.pairs)/320*32; c0 += 32 {
			block := c0 / 32
			dw3x3x32AVX512(k.cfg.dpwssd, k.signed, bytePtr(src[c0:]), g, &k.pairs[block*320], &k.pairsTable[block*dwRows*32], bytePtr(dst[c0:]))
		}
		for ; c0 < c; c0 += dwGroup {
			mask := uint16(1)<<min(dwGroup, c-c0) - 1 // 0xFFFF for a whole group
			base := c0 / dwGroup
			dw3x3AVX512(k.signed, bytePtr(src[c0:]), g, &k.weights[base*9*dwGroup], &k.table[base*dwRows*dwGroup], bytePtr(dst[c0:]), mask)
		}
		return c
	}
	// Whole groups through the pair kernel where it is prepared, the
	// rest 8 channels at a time.
	whole, c0 := k.simdChannels(), 0
	for ; c0 < len(k.pairs)/160*16; c0 += 16 {
		block := c0 / 16
		dw3x3x16AVX2(k.signed, bytePtr(src[c0:]), g, &k.pairs[block*160], &k.pairsTable[block*dwRows*16], bytePtr(dst[c0:]))
	}
	for ; c0 < whole; c0 += 8 {
		base, half := c0/dwGroup, c0%dwGroup
		dw3x3AVX2(k.signed, bytePtr(src[c0:]), g, &k.weights[base*9*dwGroup+half], &k.table[base*dwRows*dwGroup+half], bytePtr(dst[c0:]))
	}
	return whole
}

// edgeSIMD runs the edge kernel for the valid taps e of one pixel, the
// first at src with weights at w, into the pixel's outputs at dst, for the
// channels simdChannels covers, and returns that count.
func (k *DepthwiseQ[T]) edgeSIMD(src, dst []T, e *dwEdge, w *int32) int {
	e.channels = k.simdChannels()
	switch {
	case e.channels == 0:
	case k.cfg.isa == dwAVX512:
		dwEdgeAVX512(k.signed, bytePtr(src), e, w, &k.table[0], bytePtr(dst))
	default:
		dwEdgeAVX2(k.signed, bytePtr(src), e, w, &k.table[0], bytePtr(dst))
	}
	return e.channels
}

// dw3x3AVX512 computes g.pixels output pixels of one group of 16 channels
// (mask selects the channels that exist) of a 3×3 depthwise convolution
// whose windows lie inside the input: the window of pixel i starts at
// in + i·g.step, its outputs at out + i·g.outStep. w and table are the
// group's packed weights and requantization table. signed selects int8
// data.
func dw3x3AVX512(signed bool, in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16) {
	if signed {
		qdw3x3S8AVX512(in, geom, w, table, out, mask)
	} else {
		qdw3x3U8AVX512(in, geom, w, table, out, mask)
	}
}

// dw3x3AVX2 is dw3x3AVX512 for 8 channels, all present, at a group's or
// half group's packed weights w and table.
func dw3x3AVX2(signed bool, in *byte, geom *dwGeometry, w, table *int32, out *byte) {
	if signed {
		qdw3x3S8AVX2(in, geom, w, table, out)
	} else {
		qdw3x3U8AVX2(in, geom, w, table, out)
	}
}

// dw3x3x32AVX512 is dw3x3AVX512 for a whole block of 32 channels with the
// pair kernels' weights w and table (DepthwiseQ.pairs, pairsTable), with
// VPDPWSSD for dpwssd.
func dw3x3x32AVX512(dpwssd, signed bool, in *byte, geom *dwGeometry, w *int16, table *int32, out *byte) {
	switch {
	case dpwssd && signed:
		qdw3x3x32S8AVX512VNNI(in, geom, w, table, out)
	case dpwssd:
		qdw3x3x32U8AVX512VNNI(in, geom, w, table, out)
	case signed:
		qdw3x3x32S8AVX512(in, geom, w, table, out)
	default:
		qdw3x3x32U8AVX512(in, geom, w, table, out)
	}
}

// The AVX-512 pair kernels, in qdwconv_3x3pairs_avx512_amd64.s.

//go:noescape
func qdw3x3x32U8AVX512(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

//go:noescape
func qdw3x3x32S8AVX512(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

//go:noescape
func qdw3x3x32U8AVX512VNNI(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

//go:noescape
func qdw3x3x32S8AVX512VNNI(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

// dw3x3x16AVX2 is dw3x3AVX2 for a whole group of 16 channels with the
// pair kernels' weights w and table (DepthwiseQ.pairs, pairsTable).
func dw3x3x16AVX2(signed bool, in *byte, geom *dwGeometry, w *int16, table *int32, out *byte) {
	if signed {
		qdw3x3x16S8AVX2(in, geom, w, table, out)
	} else {
		qdw3x3x16U8AVX2(in, geom, w, table, out)
	}
}

// The AVX2 pair kernels, in qdwconv_3x3pairs_avx2_amd64.s.

//go:noescape
func qdw3x3x16U8AVX2(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

//go:noescape
func qdw3x3x16S8AVX2(in *byte, geom *dwGeometry, w *int16, table *int32, out *byte)

// The AVX-512 kernels, in qdwconv_3x3_avx512_amd64.s (interior) and
// qdwconv_edge_avx512_amd64.s.

//go:noescape
func qdw3x3U8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)

//go:noescape
func qdw3x3S8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)

// The AVX2 kernels, in qdwconv_3x3_avx2_amd64.s (interior) and
// qdwconv_edge_avx2_amd64.s.

//go:noescape
func qdw3x3U8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)

//go:noescape
func qdw3x3S8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)

// dwEdgeAVX512 computes all e.channels channels of one output pixel whose
// window touches the padding from its e.rows × e.cols valid taps, the first
// at in, its weights at w (the first valid tap's place in group 0); signed
// selects int8 data.
func dwEdgeAVX512(signed bool, in *byte, e *dwEdge, w, table *int32, out *byte) {
	if signed {
		qdwEdgeS8AVX512(in, e, w, table, out)
	} else {
		qdwEdgeU8AVX512(in, e, w, table, out)
	}
}

// dwEdgeAVX2 is dwEdgeAVX512 for AVX2; e.channels is a multiple of 8.
func dwEdgeAVX2(signed bool, in *byte, e *dwEdge, w, table *int32, out *byte) {
	if signed {
		qdwEdgeS8AVX2(in, e, w, table, out)
	} else {
		qdwEdgeU8AVX2(in, e, w, table, out)
	}
}

// The edge kernels, in the same files.

//go:noescape
func qdwEdgeU8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func qdwEdgeS8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func qdwEdgeU8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func qdwEdgeS8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)
