package kernels

// f32dwConfig is a target's entry for DepthwiseF32: the instruction set of
// its kernels.
type f32dwConfig struct{ isa f32ISA }

// DepthwiseF32 is a float depthwise convolution prepared once for one kernel
// target, its float16 weights (if any) widened at construction.
//
// Every target computes exactly what DepthwiseConvF32 does: per output
// channel a float32 accumulator starting at +0 takes the valid taps in
// (ky, kx) order with a fused multiply-add, then the bias is added and the
// sum clamped. The SIMD targets run depth multiplier 1 (any kernel size,
// stride, dilation and padding), one output pixel at a time, a vector lane
// per channel; other depth multipliers run the reference.
type DepthwiseF32 struct {
	p                         ConvGeometry
	act                       FloatRange
	inShape, fShape, outShape Shape4
	weights                   []float32 // [KH][KW][OutC]
	bias                      []float32 // may be nil

	cfg        *f32dwConfig // nil: the reference
	packedBias []float32    // the bias, zero when absent, for the SIMD targets
}

// NewDepthwiseF32 prepares a depthwise convolution with the geometry p, the
// clamp range act and the shapes, filter (float32 or float16) and bias (may
// be nil) of DepthwiseConvF32, for target (a name from Targets()). The
// result keeps float32 filter and bias by reference; the caller must not
// modify them. The slices must match the shapes.
func NewDepthwiseF32[W float32 | Half](target string, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *DepthwiseF32 {
	k := &DepthwiseF32{p: *p, act: act, inShape: inShape, fShape: fShape, outShape: outShape, weights: widenedF32(filter), bias: bias}
	cfg := lookupTarget(target).f32dw
	if cfg == nil || p.DepthMultiplier != 1 || inShape.C != outShape.C || outShape.C <= 0 {
		return k
	}
	k.cfg = cfg
	k.packedBias = make([]float32, outShape.C)
	copy(k.packedBias, bias)
	return k
}

// Run computes output rows [y0, y1) of the flattened N·outH rows, exactly
// as DepthwiseConvF32 does. It allocates nothing; disjoint row ranges may
// run concurrently.
func (k *DepthwiseF32) Run(in, out []float32, y0, y1 int) {
	if k.cfg == nil {
		DepthwiseConvF32(&k.p, k.act, k.inShape, in, k.fShape, k.weights, k.bias, k.outShape, out, y0, y1, nil)
		return
	}
	// The assembly reads and writes through pointers: make short slices
	// fail here, as Go indexing would.
	in, out = in[:k.inShape.Size()], out[:k.outShape.Size()]
	p, is, os, c := &k.p, k.inShape, k.outShape, k.outShape.C
	kw := k.fShape.W
	taps := dwF32Taps{
		inCol: 4 * p.DilationW * c, inRow: 4 * p.DilationH * is.W * c,
		wCol: 4 * c, wRow: 4 * kw * c, channels: c,
	}
	for row := y0; row < y1; row++ {
		b, oy := row/os.H, row%os.H
		iy0 := oy*p.StrideH - p.PadTop
		kyLo, kyHi := tapRange(iy0, k.fShape.H, p.DilationH, is.H)
		for ox := range os.W {
			ix0 := ox*p.StrideW - p.PadLeft
			kxLo, kxHi := tapRange(ix0, kw, p.DilationW, is.W)
			taps.rows, taps.cols = kyHi-kyLo, kxHi-kxLo
			src, w := in, k.weights // any valid pointers when no tap is valid
			if taps.rows > 0 && taps.cols > 0 {
				src = in[((b*is.H+iy0+kyLo*p.DilationH)*is.W+ix0+kxLo*p.DilationW)*c:]
				w = k.weights[(kyLo*kw+kxLo)*c:]
			} else {
				taps.rows, taps.cols = 0, 0
			}
			k.pixelSIMD(src, w, &taps, out[(row*os.W+ox)*c:][:c])
		}
	}
}

// dwF32Taps is the layout of one output pixel's valid taps for the
// depthwise assembly: rows × cols taps, byte steps between taps along x and
// y in the input and in the filter, and the channel count.
type dwF32Taps struct {
	rows, cols   int
	inCol, inRow int
	wCol, wRow   int
	channels     int
}
