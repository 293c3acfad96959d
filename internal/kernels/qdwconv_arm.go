//go:build arm && !purego

package kernels

// dwNeon is the NEON instruction set of DepthwiseQ: interior pixels 8
// channels a step with weights narrowed to int16, the last C mod 8
// channels and every edge pixel in Go.
const dwNeon dwISA = 1

// qdwNeon is the table entry of the neon target.
var qdwNeon = qdwConfig{isa: dwNeon}

// interiorSIMD runs the 3×3 interior kernel over the pixels g describes,
// the first window at src, the first output at dst, for the channels in
// whole steps of 8, and returns how many it computed: none when some
// w + FilterOffset would not fit int16.
func (k *DepthwiseQ[T]) interiorSIMD(src, dst []T, g *dwGeometry) int {
	if !int16Weights(k.r.FilterOffset) {
		return 0
	}
	c := k.outShape.C
	whole := c - c%8
	for c0 := 0; c0 < whole; c0 += 8 {
		base, half := c0/dwGroup, c0%dwGroup
		w, table := &k.weights[base*9*dwGroup+half], &k.table[base*dwRows*dwGroup+half]
		if k.signed {
			qdw3x3S8Neon(bytePtr(src[c0:]), g, w, table, bytePtr(dst[c0:]))
		} else {
			qdw3x3U8Neon(bytePtr(src[c0:]), g, w, table, bytePtr(dst[c0:]))
		}
	}
	return whole
}

// edgeSIMD returns 0: this build has no edge kernels, so Go computes
// every pixel whose window touches the padding.
func (k *DepthwiseQ[T]) edgeSIMD([]T, []T, *dwEdge, *int32) int { return 0 }

// The NEON kernels, in qdwconv_3x3_neon_arm.s. Each computes g.pixels
// output pixels of 8 channels of a 3×3 depthwise convolution whose windows
// lie inside the input: the window of pixel i starts at in + i·g.step, its
// outputs at out + i·g.outStep. w and table point at the channels' column
// of a group's packed weights and requantization table.

//go:noescape
func qdw3x3U8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)

//go:noescape
func qdw3x3S8Neon(in *byte, geom *dwGeometry, w, table *int32, out *byte)
