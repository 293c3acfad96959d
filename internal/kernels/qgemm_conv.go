package kernels

// ConvGemmQ is a quantized 2-D convolution computed as a GEMM: each output
// row's input windows are gathered (im2col) into a small per-worker buffer,
// one output row at a time, and multiplied by the filter through a
// PointwiseQ packed for the kernel target. The filter's [OutC, KH, KW, InC]
// layout is already the [OutC][KH·KW·InC] matrix the gather produces.
// Padding taps are filled with the input zero point, whose offset term is
// zero, so the result is exactly ConvQ's.
type ConvGemmQ[T int8 | uint8] struct {
	p               ConvGeometry
	in, filter, out Shape4
	pad             T // the input zero point
	gemm            *PointwiseQ[T]
	depth           int // KH·KW·InC: one gathered window
}

// NewConvGemmQ prepares a convolution with the same arguments as ConvQ,
// packing the filter for target.
func NewConvGemmQ[T int8 | uint8](target string, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *ConvGemmQ[T] {
	depth := fShape.H * fShape.W * fShape.C
	return &ConvGemmQ[T]{
		p: *p, in: inShape, filter: fShape, out: outShape,
		pad:   T(-r.InputOffset),
		gemm:  NewPointwiseQ(target, r, depth, fShape.N, filter, bias),
		depth: depth,
	}
}

// ScratchLen is the length of the buffer Run needs: one output row of
// gathered windows, and three more elements so that the micro-kernels,
// which read whole groups of four bytes, may read past the last window.
func (k *ConvGemmQ[T]) ScratchLen() int { return k.out.W*k.depth + 3 }

// Run computes output rows [y0, y1) of the flattened N·outH rows, like
// ConvQ, using scratch (ScratchLen elements, one buffer per concurrent
// caller). It allocates nothing.
func (k *ConvGemmQ[T]) Run(in, out []T, y0, y1 int, scratch []T) {
	scratch = scratch[:k.ScratchLen()]
	clear(scratch[k.out.W*k.depth:]) // the bytes past the last window are read, never used
	rowOut := k.out.W * k.out.C
	for row := y0; row < y1; row++ {
		k.gather(in, row, scratch)
		k.gemm.Run(scratch, out[row*rowOut:(row+1)*rowOut], 0, k.out.W)
	}
}

// gather writes the KH·KW·InC window of every output pixel of row into dst,
// padding taps as the input zero point. A kernel row of taps that lies
// inside the input with dilation 1 is one contiguous run of the input and
// is copied at once.
func (k *ConvGemmQ[T]) gather(in []T, row int, dst []T) {
	b, oy := row/k.out.H, row%k.out.H
	c, kw := k.in.C, k.filter.W
	span := kw * c
	d := 0
	for ox := range k.out.W {
		ix0 := ox*k.p.StrideW - k.p.PadLeft
		inside := k.p.DilationW == 1 && ix0 >= 0 && ix0+kw <= k.in.W
		for ky := range k.filter.H {
			iy := oy*k.p.StrideH - k.p.PadTop + ky*k.p.DilationH
			rowInside := iy >= 0 && iy < k.in.H
			if inside && rowInside {
				at := ((b*k.in.H+iy)*k.in.W + ix0) * c
				d += copy(dst[d:d+span], in[at:at+span])
				continue
			}
			for kx := range kw {
				ix := ix0 + kx*k.p.DilationW
				seg := dst[d : d+c]
				if !rowInside || ix < 0 || ix >= k.in.W {
					for i := range seg {
						seg[i] = k.pad
					}
				} else {
					at := ((b*k.in.H+iy)*k.in.W + ix) * c
					copy(seg, in[at:at+c])
				}
				d += c
			}
		}
	}
}
