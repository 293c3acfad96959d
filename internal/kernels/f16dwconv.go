package kernels

// DepthwiseF16 is DepthwiseF32 computed in float16 (see PointwiseF16): the
// input rows a call reads are narrowed to halves once, into per-worker
// scratch, then per output channel a half accumulator starting at +0 takes
// the valid taps in (ky, kx) order with a half fused multiply-add; the sum
// is widened, the bias added in float32 and the result clamped with Go's
// max and min (as PointwiseF16). Depth
// multipliers other than 1, and filters a half cannot hold, run exactly,
// in float32.
type DepthwiseF16 struct {
	p                         ConvGeometry
	act                       FloatRange
	inShape, fShape, outShape Shape4
	// The filter [KH][KW][C] as halves, then fp16Block zeros: the last
	// channels are summed a whole block at a time, the lanes past C
	// discarded.
	weights []Half
	bias    []float32 // zero when absent, then fp16Block zeros
	exact   *DepthwiseF32
}

// NewDepthwiseF16 prepares a depthwise convolution with the arguments of
// NewDepthwiseF32, narrowing the filter to halves once.
func NewDepthwiseF16[W float32 | Half](p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *DepthwiseF16 {
	k := &DepthwiseF16{p: *p, act: act, inShape: inShape, fShape: fShape, outShape: outShape}
	halves, ok := narrowedWeights(filter)
	if !ok || p.DepthMultiplier != 1 || inShape.C != outShape.C || outShape.C <= 0 {
		k.exact = NewDepthwiseF32(FP16, p, act, inShape, fShape, outShape, filter, bias)
		return k
	}
	k.weights = make([]Half, len(halves)+fp16Block)
	copy(k.weights, halves)
	k.bias = make([]float32, outShape.C+fp16Block)
	copy(k.bias, bias)
	return k
}

// ScratchLen is the length of the buffer Run needs: the input rows of one
// image as halves, and a block's slack.
func (k *DepthwiseF16) ScratchLen() int {
	if k.exact != nil {
		return 0
	}
	return k.inShape.H*k.inShape.W*k.inShape.C + fp16Block
}

// Run computes output rows [y0, y1) of the flattened N·outH rows using
// scratch (ScratchLen elements, one buffer per concurrent caller). It
// allocates nothing.
func (k *DepthwiseF16) Run(in, out []float32, y0, y1 int, scratch []Half) {
	if k.exact != nil {
		k.exact.Run(in, out, y0, y1)
		return
	}
	// The assembly reads and writes through pointers: make short slices
	// fail here, as Go indexing would.
	in, out, scratch = in[:k.inShape.Size()], out[:k.outShape.Size()], scratch[:k.ScratchLen()]
	p, is, os, c := &k.p, k.inShape, k.outShape, k.outShape.C
	kw, rowLen := k.fShape.W, is.W*is.C
	taps := dwF32Taps{
		inCol: 2 * p.DilationW * c, inRow: 2 * p.DilationH * is.W * c,
		wCol: 2 * c, wRow: 2 * kw * c, channels: c,
	}
	for row := y0; row < y1; {
		// The rows of one image at a time: narrow the input rows they read.
		b := row / os.H
		end := min(y1, (b+1)*os.H)
		iyLo := max(0, (row-b*os.H)*p.StrideH-p.PadTop)
		iyHi := min(is.H, (end-1-b*os.H)*p.StrideH-p.PadTop+(k.fShape.H-1)*p.DilationH+1)
		if iyLo < iyHi {
			narrowFloats(scratch[:(iyHi-iyLo)*rowLen], in[(b*is.H+iyLo)*rowLen:(b*is.H+iyHi)*rowLen])
		}
		for ; row < end; row++ {
			oy := row - b*os.H
			iy0 := oy*p.StrideH - p.PadTop
			kyLo, kyHi := tapRange(iy0, k.fShape.H, p.DilationH, is.H)
			for ox := range os.W {
				ix0 := ox*p.StrideW - p.PadLeft
				kxLo, kxHi := tapRange(ix0, kw, p.DilationW, is.W)
				taps.rows, taps.cols = kyHi-kyLo, kxHi-kxLo
				src, w := scratch, k.weights // any valid slices when no tap is valid
				if taps.rows > 0 && taps.cols > 0 {
					src = scratch[((iy0+kyLo*p.DilationH-iyLo)*is.W+ix0+kxLo*p.DilationW)*c:]
					w = k.weights[(kyLo*kw+kxLo)*c:]
				} else {
					taps.rows, taps.cols = 0, 0
				}
				k.pixel(src, w, &taps, out[(row*os.W+ox)*c:][:c])
			}
		}
	}
}

// pixel computes one output pixel, all channels, from its valid taps, the
// first at src[0] with its weights at w[0], into out: whole blocks of
// fp16Block channels straight into out, the last channels a block into a
// buffer (reading into the next pixel or the slack).
func (k *DepthwiseF16) pixel(src, w []Half, taps *dwF32Taps, out []float32) {
	c := taps.channels
	whole := c &^ (fp16Block - 1)
	if whole > 0 {
		dwSumsF16(src, w, taps, out[:whole], k.bias, &k.act)
	}
	if whole < c {
		var last [fp16Block]float32
		dwSumsF16(src[whole:], w[whole:], taps, last[:], k.bias[whole:], &k.act)
		copy(out[whole:], last[:c-whole])
	}
}

// dwSumsF16Go is the Go model of the fp16 depthwise assembly: out[j], for
// each of len(out) channels (a multiple of fp16Block), is the half sum,
// widened, of fma16(in[tap][j], w[tap][j]) over the taps.rows × taps.cols
// valid taps in (ky, kx) order (the taps' steps are in bytes of halves),
// plus bias[j], clamped to act with max, then min.
func dwSumsF16Go(in, w []Half, taps *dwF32Taps, out, bias []float32, act *FloatRange) {
	for j := range out {
		var acc Half
		for ty := range taps.rows {
			for tx := range taps.cols {
				acc = fma16(in[(ty*taps.inRow+tx*taps.inCol)/2+j], w[(ty*taps.wRow+tx*taps.wCol)/2+j], acc)
			}
		}
		out[j] = min(max(acc.Float32()+bias[j], act.Min), act.Max)
	}
}
