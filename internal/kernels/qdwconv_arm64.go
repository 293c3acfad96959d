//go:build arm64 && !purego

package kernels

// dwNeon is the arm64 instruction set of DepthwiseQ, shared by the neon
// and dotprod targets: 3×3 interior pixels (int16 weights held in
// registers, SMLAL) and edge pixels of any filter (int32 weights, MLA), 16
// channels a step, then 8 when 8 or more remain, the last C mod 8 channels
// in Go.
const dwNeon dwISA = 1

// qdwNeon is the table entry of every arm64 target.
var qdwNeon = qdwConfig{isa: dwNeon}

// simdChannels returns how many of the channels, from the first, k's
// assembly computes: the whole groups of 16, then 8 more when C mod 16 is
// at least 8. Go computes the rest.
func (k *DepthwiseQ[T]) simdChannels() int {
	return k.outShape.C &^ (dwHalf - 1)
}

// dwHalf is the channels of the kernels for a last half group.
const dwHalf = dwGroup / 2

// interiorSIMD runs the 3×3 interior kernel over the pixels g describes,
// the first window at src, the first output at dst, for the channels
// simdChannels covers, and returns that count: none when some
// w + FilterOffset would not fit the kernel's int16 weights, which no
// 8-bit zero point causes.
func (k *DepthwiseQ[T]) interiorSIMD(src, dst []T, g *dwGeometry) int {
	if !int16Weights(k.r.FilterOffset) {
		return 0
	}
	covered := k.simdChannels()
	for c0 := 0; c0 < covered; c0 += dwGroup {
		base := c0 / dwGroup
		w, table := &k.weights[base*9*dwGroup], &k.table[base*dwRows*dwGroup]
		in, out := bytePtr(src[c0:]), bytePtr(dst[c0:])
		switch {
		case covered-c0 < dwGroup && k.signed:
			qdw3x3c8S8Neon(in, g, w, table, out)
		case covered-c0 < dwGroup:
			qdw3x3c8U8Neon(in, g, w, table, out)
		case k.signed:
			qdw3x3S8Neon(in, g, w, table, out)
		default:
			qdw3x3U8Neon(in, g, w, table, out)
		}
	}
	return covered
}

// edgeSIMD runs the edge kernel for the valid taps e of one pixel, the
// first at src with weights at w, into the pixel's outputs at dst, for the
// channels simdChannels covers, and returns that count.
func (k *DepthwiseQ[T]) edgeSIMD(src, dst []T, e *dwEdge, w *int32) int {
	e.channels = k.simdChannels()
	switch {
	case e.channels == 0:
	case k.signed:
		qdwEdgeS8Neon(bytePtr(src), e, w, &k.table[0], bytePtr(dst))
	default:
		qdwEdgeU8Neon(bytePtr(src), e, w, &k.table[0], bytePtr(dst))
	}
	return e.channels
}

// The kernels, in qdwconv_3x3_neon_arm64.s (interior) and
// qdwconv_edge_neon_arm64.s. The interior ones compute
// g.pixels output pixels of one group of 16 channels whose 3×3 windows lie
// inside the input: pixel i's window starts at in + i·g.step, its outputs
// at out + i·g.outStep; w and table are the group's packed weights (each
// fitting int16) and requantization table.

//go:noescape
func qdw3x3U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)

//go:noescape
func qdw3x3S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)

// qdw3x3c8U8Neon and qdw3x3c8S8Neon compute the first 8 channels of a group.

//go:noescape
func qdw3x3c8U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)

//go:noescape
func qdw3x3c8S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)

// The edge kernels compute all e.channels (a multiple of 8) channels of
// one output pixel from its e.rows × e.cols valid taps, the first at in,
// with weights at w (the first valid tap's place in group 0) and group 0's
// table; see dwEdge for the strides.

//go:noescape
func qdwEdgeU8Neon(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func qdwEdgeS8Neon(in *byte, edge *dwEdge, w, table *int32, out *byte)
