//go:build amd64 && !purego

package kernels

// dwISAOf returns the instruction set with which target runs DepthwiseQ:
// that of its assembly when this CPU runs it, else dwNone.
func dwISAOf(target string) dwISA {
	switch {
	case target == AVX512VNNI && hasAVX512VNNI:
		return dwAVX512
	case target == AVX2 && hasAVX2:
		return dwAVX2
	}
	return dwNone
}

// dw3x3AVX512 computes g.pixels output pixels of one group of 16 channels
// (mask selects the channels that exist) of a 3×3 depthwise convolution
// whose windows lie inside the input: the window of pixel i starts at
// in + i·g.step, its outputs at out + i·g.outStep. w and table are the
// group's packed weights and requantization table. signed selects int8
// data.
func dw3x3AVX512(signed bool, in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16) {
	if signed {
		dw3x3S8AVX512(in, geom, w, table, out, mask)
	} else {
		dw3x3U8AVX512(in, geom, w, table, out, mask)
	}
}

// dw3x3AVX2 is dw3x3AVX512 for 8 channels, all present, at a group's or
// half group's packed weights w and table.
func dw3x3AVX2(signed bool, in *byte, geom *dwGeometry, w, table *int32, out *byte) {
	if signed {
		dw3x3S8AVX2(in, geom, w, table, out)
	} else {
		dw3x3U8AVX2(in, geom, w, table, out)
	}
}

// The AVX-512 kernels, in dwconv_3x3_avx512_amd64.s.

//go:noescape
func dw3x3U8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)

//go:noescape
func dw3x3S8AVX512(in *byte, geom *dwGeometry, w, table *int32, out *byte, mask uint16)

// The AVX2 kernels, in dwconv_3x3_avx2_amd64.s.

//go:noescape
func dw3x3U8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)

//go:noescape
func dw3x3S8AVX2(in *byte, geom *dwGeometry, w, table *int32, out *byte)

// dwEdgeAVX512 computes all e.channels channels of one output pixel whose
// window touches the padding from its e.rows × e.cols valid taps, the first
// at in, its weights at w (the first valid tap's place in group 0); signed
// selects int8 data.
func dwEdgeAVX512(signed bool, in *byte, e *dwEdge, w, table *int32, out *byte) {
	if signed {
		dwEdgeS8AVX512(in, e, w, table, out)
	} else {
		dwEdgeU8AVX512(in, e, w, table, out)
	}
}

// dwEdgeAVX2 is dwEdgeAVX512 for AVX2; e.channels is a multiple of 8.
func dwEdgeAVX2(signed bool, in *byte, e *dwEdge, w, table *int32, out *byte) {
	if signed {
		dwEdgeS8AVX2(in, e, w, table, out)
	} else {
		dwEdgeU8AVX2(in, e, w, table, out)
	}
}

// The edge kernels, in the same files.

//go:noescape
func dwEdgeU8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func dwEdgeS8AVX512(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func dwEdgeU8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)

//go:noescape
func dwEdgeS8AVX2(in *byte, edge *dwEdge, w, table *int32, out *byte)
