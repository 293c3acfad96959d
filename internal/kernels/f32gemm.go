package kernels

import "math"

// f32ISA is the instruction set of a target's float kernels; each
// architecture's file names its own and dispatches on them.
type f32ISA uint8

// f32gemmConfig is a target's entry for PointwiseF32 (see target): the
// instruction set of its micro-kernels and the output channels of one
// packed group of weights.
type f32gemmConfig struct {
	isa   f32ISA
	width int
}

// widenedF32 returns filter as float32: filter itself for float32 weights,
// a widened copy for Half weights.
func widenedF32[W float32 | Half](filter []W) []float32 {
	switch filter := any(filter).(type) {
	case []float32:
		return filter
	case []Half:
		return WidenHalves(make([]float32, len(filter)), filter)
	}
	panic("unreachable: W is float32 or Half")
}

// PointwiseF32 is a float 1×1, stride-1 convolution, or a fully connected
// layer, applied to each pixel (batch row) of its input, with the weights
// prepared once, at construction, for one kernel target.
//
// Every target computes exactly what FullyConnectedF32 does: for each
// output, a single float32 accumulator starting at +0 takes in·w one input
// channel at a time, in order, with a fused multiply-add (fma32), then the
// bias is added and the sum clamped (clampF32). The SIMD targets keep that
// order in every vector lane: a lane is one output channel, each step
// broadcasts one input value and fuses it with a vector of the weights of
// consecutive output channels.
type PointwiseF32 struct {
	act               FloatRange
	inDepth, outDepth int
	weights           []float32 // [outDepth][inDepth], for the reference
	bias              []float32 // may be nil

	cfg *f32gemmConfig // nil: the reference
	// For the SIMD targets: weights in groups of width output channels,
	// [group][inDepth][width], and the bias (zero when absent) likewise,
	// [group][width], both zero-padded in the last group.
	width              int
	packed, packedBias []float32
}

// NewPointwiseF32 prepares filter [outDepth][inDepth] (row-major: TFLite's
// 1×1 conv filters [OutC,1,1,InC] and FC weights [Out,In]), float32 or
// float16 (widened here, once), and bias (may be nil) for target (a name
// from Targets()); act is the fused activation's clamp range. A target
// without float kernels computes with the reference and keeps float32
// filter and bias, which the caller must not modify. inDepth and outDepth
// must be positive and the slices must match the sizes.
func NewPointwiseF32[W float32 | Half](target string, act FloatRange, inDepth, outDepth int, filter []W, bias []float32) *PointwiseF32 {
	k := &PointwiseF32{act: act, inDepth: inDepth, outDepth: outDepth, weights: widenedF32(filter), bias: bias}
	cfg := lookupTarget(target).f32gemm
	if cfg == nil || inDepth <= 0 || outDepth <= 0 {
		return k
	}
	k.cfg, k.width = cfg, cfg.width
	groups := (outDepth + k.width - 1) / k.width
	k.packed = make([]float32, groups*inDepth*k.width)
	k.packedBias = make([]float32, groups*k.width)
	for oc := range outDepth {
		g, lane := oc/k.width, oc%k.width
		dst := k.packed[g*inDepth*k.width+lane:]
		for i, v := range k.weights[oc*inDepth : (oc+1)*inDepth] {
			dst[i*k.width] = v
		}
		if bias != nil {
			k.packedBias[oc] = bias[oc]
		}
	}
	k.weights, k.bias = nil, nil
	return k
}

// Run computes output pixels [p0, p1): out[p*outDepth+oc] from
// in[p*inDepth : (p+1)*inDepth]. It allocates nothing; distinct pixel ranges
// may run concurrently.
func (k *PointwiseF32) Run(in, out []float32, p0, p1 int) {
	kd, n := k.inDepth, k.outDepth
	// The assembly reads and writes through pointers: slicing first makes
	// short slices fail here, as Go indexing would.
	in, out = in[p0*kd:p1*kd], out[p0*n:p1*n]
	if k.cfg != nil {
		k.runSIMD(in, out, p1-p0)
		return
	}
	fullyConnectedF32Units(k.act, p1-p0, kd, n, in, k.weights, k.bias, out, 0, n)
}

// ConvGemmF32 is a float 2-D convolution computed as a GEMM: each output
// row's input windows are gathered (im2col) into a per-worker buffer, taps
// in (ky, kx, ic) order, and multiplied by the filter through a
// PointwiseF32, whose per-channel order of fused terms is then the
// reference's. Padding taps are gathered as +0, which changes nothing: the
// accumulator starts at +0 and a fused multiply-add only yields −0 from a −0
// accumulator, so it is never −0, and fma(0, w, acc) = acc for finite w.
// Filters with an infinite or NaN weight, where 0·w would not vanish, run
// the reference instead.
type ConvGemmF32 struct {
	p               ConvGeometry
	act             FloatRange
	in, filter, out Shape4
	gemm            *PointwiseF32
	reference       []float32 // the filter, when it is not all finite
	bias            []float32
	depth           int // KH·KW·InC: one gathered window
}

// NewConvGemmF32 prepares a convolution with the same arguments as ConvF32,
// widening float16 weights once and packing them for target.
func NewConvGemmF32[W float32 | Half](target string, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *ConvGemmF32 {
	depth := fShape.H * fShape.W * fShape.C
	k := &ConvGemmF32{p: *p, act: act, in: inShape, filter: fShape, out: outShape, depth: depth}
	weights := widenedF32(filter)
	for _, v := range weights {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			k.reference, k.bias = weights, bias
			return k
		}
	}
	k.gemm = NewPointwiseF32(target, act, depth, fShape.N, weights, bias)
	return k
}

// ScratchLen is the length of the buffer Run needs: one output row of
// gathered windows.
func (k *ConvGemmF32) ScratchLen() int { return k.out.W * k.depth }

// Run computes output rows [y0, y1) of the flattened N·outH rows, exactly
// as ConvF32 does, using scratch (ScratchLen elements, one buffer per
// concurrent caller). It allocates nothing.
func (k *ConvGemmF32) Run(in, out []float32, y0, y1 int, scratch []float32) {
	if k.gemm == nil {
		ConvF32(&k.p, k.act, k.in, in, k.filter, k.reference, k.bias, k.out, out, y0, y1, nil)
		return
	}
	scratch = scratch[:k.ScratchLen()]
	rowOut := k.out.W * k.out.C
	for row := y0; row < y1; row++ {
		k.gather(in, row, scratch)
		k.gemm.Run(scratch, out[row*rowOut:(row+1)*rowOut], 0, k.out.W)
	}
}

// gather writes the input windows of output row row into dst, one window of
// KH·KW·InC elements per output pixel, taps in (ky, kx, ic) order, +0 for
// taps in the padding. Undilated taps along x are contiguous in the input,
// so each window row's valid taps are copied at once.
func (k *ConvGemmF32) gather(in []float32, row int, dst []float32) {
	b, oy := row/k.out.H, row%k.out.H
	c, kw := k.in.C, k.filter.W
	span := kw * c // one window row
	d := 0
	for ox := range k.out.W {
		ix0 := ox*k.p.StrideW - k.p.PadLeft
		kxLo, kxHi := tapRange(ix0, kw, k.p.DilationW, k.in.W)
		for ky := range k.filter.H {
			iy := oy*k.p.StrideH - k.p.PadTop + ky*k.p.DilationH
			seg := dst[d : d+span]
			d += span
			if iy < 0 || iy >= k.in.H || kxLo == kxHi {
				clear(seg)
				continue
			}
			if kxLo > 0 || kxHi < kw {
				clear(seg[:kxLo*c])
				clear(seg[kxHi*c:])
			}
			rowStart := ((b*k.in.H + iy) * k.in.W) * c
			if k.p.DilationW == 1 {
				at := rowStart + (ix0+kxLo)*c
				copyFloats(seg[kxLo*c:kxHi*c], in[at:])
				continue
			}
			for kx := kxLo; kx < kxHi; kx++ {
				at := rowStart + (ix0+kx*k.p.DilationW)*c
				copyFloats(seg[kx*c:(kx+1)*c], in[at:])
			}
		}
	}
}

// copyFloats copies src into dst, which is no longer; short runs, common in
// the gathers of first layers with three input channels, loop in place of a
// call to memmove.
func copyFloats(dst, src []float32) {
	if len(dst) > 16 {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = src[i]
	}
}
