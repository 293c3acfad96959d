package kernels

import (
	"math/bits"
	"unsafe"

	"github.com/percept-robotics/percept/quant"
)

// ConvSmallDepthQ is a quantized 2-D convolution of an input with few
// channels (a network's RGB or grey stem: 3×3 stride 2 from 3 channels to
// 8, 16 or 32), for output channels in blocks of 8. Such a layer has a tiny
// dot product (27 terms) per output and few channels, so the int8 GEMM's
// tiles, 16 or 64 channels wide and fed by a gathered row of windows, spend
// most of their time on padding, gathering and per-tile calls. Here one
// kernel call computes a run of output pixels of 1 to 4 blocks: it reads
// each window row in place (KW·InC contiguous bytes), multiplies it with
// weights packed once (as int16 pairs for VPMADDWD, or on the avx512vnni
// target, where w + FilterOffset fits int8, as groups of four bytes for
// VPDPBUSD), and requantizes. Only windows that reach into the padding, or
// whose last row ends within the kernels' read past it of the input's end,
// are gathered first, with the input zero point for padding, whose offset
// term is zero, so the result is exactly ConvQ's.
type ConvSmallDepthQ[T int8 | uint8] struct {
	p               ConvGeometry
	in, filter, out Shape4
	pad             T    // the input zero point
	signed          bool // int8 activations
	span            int  // bytes of one window row: KW·InC
	pairs           int  // pairs of bytes read per window row, the last maybe half past it
	quads           int  // groups of four bytes read per window row (vnni)
	vnni            bool // the VPDPBUSD kernels and their layout (wq)
	chunks          []smallDepthChunk
	outOffset       int32
	actMin, actMax  int32
}

// smallDepthChunk is what one kernel call reads of up to four blocks of 8
// output channels (16 for vnni).
type smallDepthChunk struct {
	blocks int
	// w is [KH][pairs][blocks][8][2]int16: w + FilterOffset of the pair's
	// two bytes, zero for the byte past a row's end.
	w []int16
	// wq is w for vnni: [KH][quads][blocks][16][4]int8.
	wq []int8
	// table is [blocks][5][8]int32 ([blocks][5][16] for vnni): bias plus
	// (InputOffset − flip)·Σ(w + FilterOffset), multiplier, left shift,
	// right shift, rounding mask; flip is 128 for int8 activations, which
	// the kernels read as uint8 after XOR 0x80, else 0.
	table []int32
	mask  uint16 // vnni: the channels of the last block
}

// smallDepthISA is a target's entry for ConvSmallDepthQ (see target): which
// kernels it runs.
type smallDepthISA uint8

// The instruction sets of ConvSmallDepthQ.
const (
	smallDepthAVX2 smallDepthISA = iota + 1 // VPMADDWD on ymm, blocks of 8 channels
	smallDepthVNNI                          // VPDPBUSD on zmm, blocks of 16 channels
)

// qconvSmallDepthCall is one kernel call: pixels output pixels, the i-th's
// window rows (rows of them, rowStride bytes apart) from a + i·pixelStep,
// each read as quads groups of four bytes and, when pair is 1, one more
// pair; its outputs of the chunk's blocks at out + i·outStride (for vnni,
// of the last block only the channels in mask). The amd64 kernels read it
// at the offsets in go_asm.h.
type qconvSmallDepthCall struct {
	a                         *byte
	pixelStep, rowStride      int
	rows, quads, pair, pixels int
	w                         *int16
	table                     *int32
	out                       *byte
	outStride                 int
	outOffset, actMin, actMax int32
	mask                      uint16
}

// smallDepthFits reports whether ConvSmallDepthQ computes a convolution
// with filter fShape, geometry p and filter offset filterOffset: not 1×1
// stride 1 (a plain GEMM), undilated along the width, at most 4 input
// channels, output channels in blocks of 8, and weights plus their offset
// that fit int16.
func smallDepthFits(p *ConvGeometry, fShape Shape4, filterOffset int32) bool {
	return !pointwise(p, fShape) && p.DilationW == 1 && fShape.C <= 4 && fShape.N%8 == 0 && fShape.N > 0 &&
		int16Weights(filterOffset)
}

// NewConvSmallDepthQ prepares a convolution with the same arguments as
// ConvQ, which smallDepthFits must accept, for target (a name from
// Targets()), packing the filter and the requantization constants for its
// kernels: VPDPBUSD's on the avx512vnni target when every w +
// FilterOffset fits int8, else VPMADDWD's. It copies what it needs of r,
// filter and bias.
func NewConvSmallDepthQ[T int8 | uint8](target string, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *ConvSmallDepthQ[T] {
	return newConvSmallDepthQ(lookupTarget(target).smallDepth, p, r, inShape, fShape, outShape, filter, bias)
}

// newConvSmallDepthQ is NewConvSmallDepthQ for the kernels isa.
func newConvSmallDepthQ[T int8 | uint8](isa smallDepthISA, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *ConvSmallDepthQ[T] {
	span := fShape.W * fShape.C
	k := &ConvSmallDepthQ[T]{
		p: *p, in: inShape, filter: fShape, out: outShape,
		pad:  T(-r.InputOffset),
		span: span, pairs: (span + 1) / 2, quads: (span + 3) / 4,
		outOffset: r.OutputOffset, actMin: r.ActMin, actMax: r.ActMax,
	}
	_, k.signed = any(filter).([]int8)
	k.vnni = isa == smallDepthVNNI && int8Weights(filter, r.FilterOffset)
	if k.vnni {
		k.packVNNI(r, filter, bias)
	} else {
		k.pack(r, filter, bias)
	}
	return k
}

// int8Weights reports whether every w + filterOffset fits int8.
func int8Weights[T int8 | uint8](filter []T, filterOffset int32) bool {
	for _, v := range filter {
		if w := int32(v) + filterOffset; w < -128 || w > 127 {
			return false
		}
	}
	return true
}

// flip returns what the kernels add to each activation byte: 128 for int8
// (read as uint8 after XOR 0x80), else 0.
func (k *ConvSmallDepthQ[T]) flip() int32 {
	if k.signed {
		return 128
	}
	return 0
}

// pack packs the filter into blocks of 8 channels of int16 pairs, four
// blocks to a chunk, and their tables.
func (k *ConvSmallDepthQ[T]) pack(r *Requant, filter []T, bias []int32) {
	kh, blocks := k.filter.H, k.filter.N/8
	for b0 := 0; b0 < blocks; b0 += 4 {
		nb := min(4, blocks-b0)
		ch := smallDepthChunk{blocks: nb, w: make([]int16, kh*k.pairs*nb*16), table: make([]int32, nb*5*8)}
		for b := range nb {
			for c := range 8 {
				k.packChannel(r, filter, bias, (b0+b)*8+c, ch.table[b*40+c:], 8, func(ky, j int, w int32) {
					ch.w[((ky*k.pairs+j/2)*nb+b)*16+c*2+j%2] = int16(w)
				})
			}
		}
		k.chunks = append(k.chunks, ch)
	}
}

// packChannel hands output channel oc's filter values, each plus the
// filter offset, to put (by filter row ky and index j within the row), and
// writes the channel's table column stride apart from col[0]: the bias
// with the zero points' term, the multiplier, the shifts and the rounding
// mask.
func (k *ConvSmallDepthQ[T]) packChannel(r *Requant, filter []T, bias []int32, oc int, col []int32, stride int, put func(ky, j int, w int32)) {
	kh, span := k.filter.H, k.span
	f := filter[oc*kh*span : (oc+1)*kh*span]
	var sum int32 // Σ (w + FilterOffset)
	for ky := range kh {
		for j := range span {
			w := int32(f[ky*span+j]) + r.FilterOffset
			sum += w
			put(ky, j, w)
		}
	}
	acc := (r.InputOffset - k.flip()) * sum
	if bias != nil {
		acc += bias[oc]
	}
	left, right, mask := vectorShifts(r, oc)
	col[0], col[stride], col[2*stride], col[3*stride], col[4*stride] = acc, r.Multiplier[oc], left, right, mask
}

// packVNNI packs the filter into blocks of 16 channels of int8 groups of
// four, four blocks to a chunk, and their tables.
func (k *ConvSmallDepthQ[T]) packVNNI(r *Requant, filter []T, bias []int32) {
	kh, n := k.filter.H, k.filter.N
	blocks := (n + 15) / 16
	for b0 := 0; b0 < blocks; b0 += 4 {
		nb := min(4, blocks-b0)
		ch := smallDepthChunk{blocks: nb, wq: make([]int8, kh*k.quads*nb*64), table: make([]int32, nb*5*16), mask: 0xFFFF}
		if last := n - (b0+nb-1)*16; last < 16 {
			ch.mask = uint16(1)<<last - 1
		}
		for b := range nb {
			for c := range min(16, n-(b0+b)*16) {
				k.packChannel(r, filter, bias, (b0+b)*16+c, ch.table[b*80+c:], 16, func(ky, j int, w int32) {
					ch.wq[((ky*k.quads+j/4)*nb+b)*64+c*4+j%4] = int8(w)
				})
			}
		}
		k.chunks = append(k.chunks, ch)
	}
}

// ScratchLen is the length of the buffer Run needs: one output row of
// gathered windows and the bytes the kernels may read past the last.
func (k *ConvSmallDepthQ[T]) ScratchLen() int {
	return k.out.W*k.filter.H*k.span + k.readSpan() - k.span
}

// readSpan returns the bytes the kernels read of each window row: whole
// pairs, or whole groups of four for vnni.
func (k *ConvSmallDepthQ[T]) readSpan() int {
	if k.vnni {
		return 4 * k.quads
	}
	return 2 * k.pairs
}

// Run computes output rows [y0, y1) of the flattened N·outH rows, like
// ConvQ, using scratch (ScratchLen elements, one buffer per concurrent
// caller). It allocates nothing.
func (k *ConvSmallDepthQ[T]) Run(in, out []T, y0, y1 int, scratch []T) {
	scratch = scratch[:k.ScratchLen()]
	c, window := k.in.C, k.filter.H*k.span
	rowOut := k.out.W * k.out.C
	for row := y0; row < y1; row++ {
		b, oy := row/k.out.H, row%k.out.H
		o := out[row*rowOut : (row+1)*rowOut]
		lo, hi := k.interior(b, oy, len(in))
		if lo < hi {
			iy0, ix0 := oy*k.p.StrideH-k.p.PadTop, lo*k.p.StrideW-k.p.PadLeft
			at := ((b*k.in.H+iy0)*k.in.W + ix0) * c
			k.run(&in[at], k.p.StrideW*c, k.p.DilationH*k.in.W*c, hi-lo, o[lo*k.out.C:])
		}
		for _, edge := range [2][2]int{{0, lo}, {hi, k.out.W}} {
			if edge[0] >= edge[1] {
				continue
			}
			for ox := edge[0]; ox < edge[1]; ox++ {
				k.gather(in, b, oy, ox, scratch[(ox-edge[0])*window:][:window])
			}
			k.run(&scratch[0], window, k.span, edge[1]-edge[0], o[edge[0]*k.out.C:])
		}
	}
}

// interior returns the output pixels [lo, hi) of output row oy of batch b
// whose windows lie inside the input, the last row of each no closer than
// the kernels' read past it to the end of the input (n elements); lo = hi
// = outW when the row's windows reach into the top or bottom padding.
func (k *ConvSmallDepthQ[T]) interior(b, oy, n int) (lo, hi int) {
	w, c := k.out.W, k.in.C
	iy0 := oy*k.p.StrideH - k.p.PadTop
	iyLast := iy0 + (k.filter.H-1)*k.p.DilationH
	if iy0 < 0 || iyLast >= k.in.H {
		return w, w
	}
	sw := k.p.StrideW
	lo = min(w, (k.p.PadLeft+sw-1)/sw)
	hi = w
	if last := k.in.W - k.filter.W + k.p.PadLeft; last < 0 {
		hi = lo
	} else {
		hi = max(lo, min(w, last/sw+1))
	}
	for hi > lo && ((b*k.in.H+iyLast)*k.in.W+(hi-1)*sw-k.p.PadLeft)*c+k.readSpan() > n {
		hi--
	}
	return lo, hi
}

// gather writes the window of output pixel (oy, ox) of batch b into dst,
// KH rows of KW·InC elements, padding taps as the input zero point.
func (k *ConvSmallDepthQ[T]) gather(in []T, b, oy, ox int, dst []T) {
	c := k.in.C
	ix0 := ox*k.p.StrideW - k.p.PadLeft
	for ky := range k.filter.H {
		iy := oy*k.p.StrideH - k.p.PadTop + ky*k.p.DilationH
		for kx := range k.filter.W {
			seg := dst[(ky*k.filter.W+kx)*c:][:c]
			if ix := ix0 + kx; iy < 0 || iy >= k.in.H || ix < 0 || ix >= k.in.W {
				for i := range seg {
					seg[i] = k.pad
				}
			} else {
				copy(seg, in[((b*k.in.H+iy)*k.in.W+ix)*c:])
			}
		}
	}
}

// run computes pixels output pixels, each chunk in one kernel call, from
// windows at a, pixelStep elements apart with rows rowStride apart, into o.
func (k *ConvSmallDepthQ[T]) run(a *T, pixelStep, rowStride, pixels int, o []T) {
	_ = o[(pixels-1)*k.out.C+k.out.C-1] // the outputs written, checked
	call := qconvSmallDepthCall{
		a: (*byte)(unsafe.Pointer(a)), pixelStep: pixelStep, rowStride: rowStride,
		rows: k.filter.H, quads: k.pairs / 2, pair: k.pairs % 2, pixels: pixels,
		outStride: k.out.C, outOffset: k.outOffset, actMin: k.actMin, actMax: k.actMax,
	}
	if k.vnni {
		call.quads, call.pair = k.quads, 0
	}
	for i := range k.chunks {
		ch := &k.chunks[i]
		call.table, call.mask = &ch.table[0], ch.mask
		if k.vnni {
			call.w, call.out = (*int16)(unsafe.Pointer(&ch.wq[0])), bytePtr(o[i*64:])
			qconvSmallDepthVNNIKernel(k.signed, ch.blocks, &call)
			continue
		}
		call.w, call.out = &ch.w[0], bytePtr(o[i*32:])
		qconvSmallDepthKernel(k.signed, ch.blocks, &call)
	}
}

// qconvSmallDepthVNNIGo is the Go twin of the VNNI kernels: it computes
// call c for nb blocks of 16 channels, the weights at c.w being the int8
// layout of smallDepthChunk.wq.
func qconvSmallDepthVNNIGo(signed bool, nb int, c *qconvSmallDepthCall) {
	w := unsafe.Slice((*int8)(unsafe.Pointer(c.w)), c.rows*c.quads*nb*64)
	table := unsafe.Slice(c.table, nb*80)
	for i := range c.pixels {
		var acc [64]int32
		for r := range c.rows {
			row := unsafe.Add(unsafe.Pointer(c.a), i*c.pixelStep+r*c.rowStride)
			for j := range 4 * c.quads {
				a := int32(*(*byte)(unsafe.Add(row, j)))
				if signed {
					a ^= 0x80
				}
				for ch := range 16 * nb {
					acc[ch] += a * int32(w[((r*c.quads+j/4)*nb+ch/16)*64+ch%16*4+j%4])
				}
			}
		}
		// The channels stored: the last block's mask is its low bits.
		out := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(c.out), i*c.outStride)), 16*(nb-1)+bits.Len16(c.mask))
		for ch := range out {
			col := table[ch/16*80+ch%16:]
			v := quant.MultiplyByQuantizedMultiplier(acc[ch]+col[0], col[16], int(col[32]-col[48])) + c.outOffset
			out[ch] = byte(quant.Clamp(v, c.actMin, c.actMax))
		}
	}
}

// qconvSmallDepthGo is the Go twin of the kernels: it computes call c for
// nb blocks as qconvSmallDepthCall says, reading activations as int8
// flipped to uint8 for signed.
func qconvSmallDepthGo(signed bool, nb int, c *qconvSmallDepthCall) {
	w := unsafe.Slice(c.w, c.rows*(2*c.quads+c.pair)*nb*16)
	table := unsafe.Slice(c.table, nb*40)
	for i := range c.pixels {
		var acc [32]int32
		for r := range c.rows {
			row := unsafe.Add(unsafe.Pointer(c.a), i*c.pixelStep+r*c.rowStride)
			for j := range 2 * (2*c.quads + c.pair) {
				a := int32(*(*byte)(unsafe.Add(row, j)))
				if signed {
					a ^= 0x80
				}
				pair := r*(2*c.quads+c.pair) + j/2
				for ch := range 8 * nb {
					acc[ch] += a * int32(w[(pair*nb+ch/8)*16+ch%8*2+j%2])
				}
			}
		}
		out := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(c.out), i*c.outStride)), 8*nb)
		for ch := range 8 * nb {
			col := table[ch/8*40+ch%8:]
			v := quant.MultiplyByQuantizedMultiplier(acc[ch]+col[0], col[8], int(col[16]-col[24])) + c.outOffset
			out[ch] = byte(quant.Clamp(v, c.actMin, c.actMax))
		}
	}
}
