package kernels

// dwISA is the instruction set of a target's DepthwiseQ kernels; each
// architecture's file names its own and dispatches on them.
type dwISA uint8

// qdwConfig is a target's entry for DepthwiseQ (see target): the
// instruction set its kernels use, and the blocks of channels (16 or 32,
// 0 for none) its 3×3 interior kernel takes with int16 weights in tap
// pairs (DepthwiseQ.pairs).
type qdwConfig struct {
	isa        dwISA
	pairsWidth int
	dpwssd     bool // the pair kernels use AVX-512 VNNI's VPDPWSSD
}

// Geometry of the packed weights and requantization tables: channels are
// packed in groups of dwGroup, each group holding KH·KW weight rows (9 for
// the 3×3 kernels) and dwRows table rows of dwGroup int32, so that the
// assembly finds every row at a fixed offset from the group (or, for AVX2,
// half group) it is given.
const dwGroup = 16

// The rows of a group's requantization table.
const (
	dwRowBias       = iota // bias + InputOffset·Σ over the 9 taps of (w + FilterOffset)
	dwRowMultiplier        // Requant.Multiplier
	dwRowOddMult           // at even lanes, the multiplier of the next lane
	dwRowLeftShift         // Shift clamped to [0, 32]
	dwRowRightShift        // −Shift clamped to [0, 32]
	dwRowRoundMask         // 2^rightShift − 1 in wrapping int32
	dwRowThreshold         // roundMask >> 1
	dwRowOutOffset         // Requant.OutputOffset
	dwRowActMin            // Requant.ActMin
	dwRowActMax            // Requant.ActMax
	dwRowPlainBias         // bias alone, for the edge kernels
	dwRowInOffset          // Requant.InputOffset, for the edge kernels
	dwRows
)

// DepthwiseQ is a quantized depthwise convolution prepared once for one
// kernel target: weights repacked in the order the target's loop reads
// them, per-channel constants precomputed.
//
// The SIMD targets handle any filter size, stride, dilation, padding and
// depth multiplier (a multiplier dm above 1 runs as multiplier 1 over C·dm
// channels on input rows expanded into scratch, see ScratchLen); the
// Generic target runs DepthwiseConvQ. They store every weight as w' = w + FilterOffset in
// int32, so that the reference sum is Σ (a + InputOffset)·w' over the valid
// taps. For 3×3 filters, interior pixels, whose nine taps all lie in the
// input, go through kernels that compute Σ a·w' plus a per-channel
// constant holding the bias and InputOffset·Σw' (the same sum in wrapping
// int32 arithmetic); every other pixel, and every pixel of other filter
// sizes, goes through edge kernels, which sum (a + InputOffset)·w' over the
// valid taps onto the plain bias. Go computes what the kernels leave (each
// architecture's interiorSIMD and edgeSIMD report how many channels they
// covered): pixels without a valid tap, the last C mod 8 channels on AVX2
// and arm64, every edge pixel on 32-bit ARM, everything in a build without
// assembly.
type DepthwiseQ[T int8 | uint8] struct {
	p                         ConvGeometry
	r                         *Requant
	inShape, fShape, outShape Shape4
	filter                    []T
	bias                      []int32

	// Depth multipliers above 1: the layer runs as a depth-multiplier-1
	// layer over C·dm channels, on the input rows each output row needs
	// expanded (every channel repeated dm times) into the caller's
	// scratch, by the prepared layer of that row's valid filter rows.
	byRows map[[2]int]*DepthwiseQ[T] // by the first and end valid filter row

	cfg     *qdwConfig // nil: the reference
	signed  bool       // int8 data
	taps    []int32    // [tap][channel] w + FilterOffset, for the channels Go computes
	weights []int32    // [group][KH·KW][dwGroup] w + FilterOffset
	table   []int32    // [group][dwRows][dwGroup]: see dwRowBias

	// For cfg.pairsWidth, 3×3 filters and weights w' that fit int16
	// (every 8-bit zero point): the weights of whole blocks of
	// pairsWidth channels as int16 for VPMADDWD on pairs of taps,
	// [block][5 pairs][2 halves][pairsWidth/2][2] (taps 2p and 2p+1; the
	// ninth against a zero weight), the channels of a block in
	// pairPosition's order; and the table's rows for those blocks in that
	// order, [block][dwRows][pairsWidth].
	pairs      []int16
	pairsTable []int32
}

// pairPosition returns where channel ch of a block of width channels sits
// in the pair kernels' order: VPUNPCKLWD and VPUNPCKHWD interleave the
// low and high four words of each 128-bit lane of widened channels, so
// channels 8k+j (j < 4) fill the first register (its half 0) and 8k+4+j
// the second, four per lane.
func pairPosition(ch, width int) int {
	k, j := ch/8, ch%8
	return j/4*(width/2) + 4*k + j%4
}

// NewDepthwiseQ prepares a depthwise convolution with the geometry p, the
// requantization r and the shapes, filter and bias (may be nil) of
// DepthwiseConvQ, for target (a name from Targets()). A target this build or
// CPU cannot run computes with the reference. The result keeps p by value
// and r, filter and bias by reference; the caller must not modify them. The
// slices must match the shapes, as for DepthwiseConvQ.
func NewDepthwiseQ[T int8 | uint8](target string, p *ConvGeometry, r *Requant, inShape, fShape, outShape Shape4, filter []T, bias []int32) *DepthwiseQ[T] {
	k := &DepthwiseQ[T]{p: *p, r: r, inShape: inShape, fShape: fShape, outShape: outShape, filter: filter, bias: bias}
	cfg := lookupTarget(target).qdw
	if cfg == nil || outShape.C <= 0 || inShape.C*p.DepthMultiplier != outShape.C {
		return k
	}
	if p.DepthMultiplier != 1 {
		k.prepareExpanded(target)
		return k
	}
	k.cfg = cfg
	_, k.signed = any(filter).([]int8)
	c := outShape.C
	groups := (c + dwGroup - 1) / dwGroup
	taps := fShape.H * fShape.W
	k.taps = make([]int32, taps*c)
	k.weights = make([]int32, groups*taps*dwGroup)
	k.table = make([]int32, groups*dwRows*dwGroup)
	for oc := range c {
		weights := k.weights[oc/dwGroup*taps*dwGroup+oc%dwGroup:]
		var sum int32
		for tap := range taps {
			w := int32(filter[tap*c+oc]) + r.FilterOffset
			k.taps[tap*c+oc] = w
			weights[tap*dwGroup] = w
			sum += w
		}
		var b int32
		if bias != nil {
			b = bias[oc]
		}
		k.fillTable(oc, b, b+r.InputOffset*sum)
	}
	if w := cfg.pairsWidth; w > 0 && k.is3x3() && c >= w && int16Weights(r.FilterOffset) {
		k.packPairs(w)
	}
	return k
}

// packPairs fills pairs and pairsTable, for blocks of width channels,
// from weights and table.
func (k *DepthwiseQ[T]) packPairs(width int) {
	blocks := k.outShape.C / width
	half := width / 2
	k.pairs = make([]int16, blocks*5*width*2)
	k.pairsTable = make([]int32, blocks*dwRows*width)
	for oc := range blocks * width {
		b, pos := oc/width, pairPosition(oc%width, width)
		pw := k.pairs[b*5*width*2:]
		for tap := range 9 {
			pw[(tap/2*2+pos/half)*width+pos%half*2+tap%2] = int16(k.weights[(oc/dwGroup*9+tap)*dwGroup+oc%dwGroup])
		}
		for row := range dwRows {
			k.pairsTable[(b*dwRows+row)*width+pos] = k.table[(oc/dwGroup*dwRows+row)*dwGroup+oc%dwGroup]
		}
	}
	// At even positions, the multiplier of the next position.
	for b := range blocks {
		t := k.pairsTable[b*dwRows*width:]
		for pos := 0; pos < width; pos += 2 {
			t[dwRowOddMult*width+pos] = t[dwRowMultiplier*width+pos+1]
		}
	}
}

// fillTable writes channel oc's column of the requantization table, with
// bias as its plain bias and constant as its bias row.
func (k *DepthwiseQ[T]) fillTable(oc int, bias, constant int32) {
	r := k.r
	col := k.table[oc/dwGroup*dwRows*dwGroup+oc%dwGroup:]
	left, right, roundMask := vectorShifts(r, oc)
	col[dwRowBias*dwGroup] = constant
	col[dwRowMultiplier*dwGroup] = r.Multiplier[oc]
	if oc%2 == 1 {
		col[dwRowOddMult*dwGroup-1] = r.Multiplier[oc]
	}
	col[dwRowLeftShift*dwGroup] = left
	col[dwRowRightShift*dwGroup] = right
	col[dwRowRoundMask*dwGroup] = roundMask
	col[dwRowThreshold*dwGroup] = roundMask >> 1
	col[dwRowOutOffset*dwGroup] = r.OutputOffset
	col[dwRowActMin*dwGroup] = r.ActMin
	col[dwRowActMax*dwGroup] = r.ActMax
	col[dwRowPlainBias*dwGroup] = bias
	col[dwRowInOffset*dwGroup] = r.InputOffset
}

// prepareExpanded prepares a layer with depth multiplier dm > 1 as
// depth-multiplier-1 layers over C·dm channels, one for each range of
// filter rows that lies inside the input at some output row. Each reads
// just those rows, expanded, as its whole input: stride and dilation
// along y become 1, and the padding above the rows it was given.
func (k *DepthwiseQ[T]) prepareExpanded(target string) {
	p, is, os := k.p, k.inShape, k.outShape
	k.byRows = map[[2]int]*DepthwiseQ[T]{}
	for oy := range os.H {
		lo, hi := tapRange(oy*p.StrideH-p.PadTop, k.fShape.H, p.DilationH, is.H)
		if _, ok := k.byRows[[2]int{lo, hi}]; ok || lo == hi {
			continue
		}
		q := p
		q.StrideH, q.DilationH, q.PadTop, q.DepthMultiplier = 1, 1, lo, 1
		// The expanded rows are the filter rows [lo, hi): a filter of
		// hi rows whose first lo lie in the padding.
		rows := Shape4{N: 1, H: hi - lo, W: is.W, C: os.C}
		k.byRows[[2]int{lo, hi}] = NewDepthwiseQ(target, &q, k.r, rows, k.fShape, Shape4{N: 1, H: 1, W: os.W, C: os.C}, k.filter, k.bias)
	}
}

// ScratchLen is the length of the buffer Run needs: for depth multipliers
// above 1 on a SIMD target, the input rows of one output row with every
// channel repeated dm times; otherwise 0.
func (k *DepthwiseQ[T]) ScratchLen() int {
	if k.byRows == nil {
		return 0
	}
	return k.fShape.H * k.inShape.W * k.outShape.C
}

// runExpanded is Run for depth multipliers above 1 on a SIMD target.
func (k *DepthwiseQ[T]) runExpanded(in, out []T, y0, y1 int, scratch []T) {
	p, is, os := &k.p, k.inShape, k.outShape
	dm, rowIn, rowOut := p.DepthMultiplier, is.W*is.C, os.W*os.C
	scratch = scratch[:k.ScratchLen()]
	for row := y0; row < y1; row++ {
		b, oy := row/os.H, row%os.H
		iy0 := oy*p.StrideH - p.PadTop
		lo, hi := tapRange(iy0, k.fShape.H, p.DilationH, is.H)
		dst := out[row*rowOut : (row+1)*rowOut]
		if lo == hi {
			// No filter row inside the input: the bias alone.
			DepthwiseConvQ(p, k.r, is, in, k.fShape, k.filter, k.bias, os, out, row, row+1)
			continue
		}
		for ky := lo; ky < hi; ky++ {
			src := in[((b*is.H+iy0+ky*p.DilationH)*is.W)*is.C:][:rowIn]
			e := scratch[(ky-lo)*rowIn*dm:][:rowIn*dm]
			for i, v := range src {
				for m := range dm {
					e[i*dm+m] = v
				}
			}
		}
		k.byRows[[2]int{lo, hi}].Run(scratch[:(hi-lo)*rowIn*dm], dst, 0, 1, nil)
	}
}

// Run computes output rows [y0, y1) of the flattened N·outH rows, exactly
// as DepthwiseConvQ does, using scratch (ScratchLen elements, one buffer
// per concurrent caller; nil when ScratchLen is 0). It allocates nothing;
// disjoint row ranges may run concurrently.
func (k *DepthwiseQ[T]) Run(in, out []T, y0, y1 int, scratch []T) {
	if k.byRows != nil {
		k.runExpanded(in, out, y0, y1, scratch)
		return
	}
	if k.cfg == nil {
		DepthwiseConvQ(&k.p, k.r, k.inShape, in, k.fShape, k.filter, k.bias, k.outShape, out, y0, y1)
		return
	}
	// The assembly reads and writes through pointers: make short slices
	// fail here, as Go indexing would.
	in, out = in[:k.inShape.Size()], out[:k.outShape.Size()]
	p, is, os := &k.p, k.inShape, k.outShape
	xa, xb := k.interiorColumns()
	kh := k.fShape.H
	for row := y0; row < y1; row++ {
		b, oy := row/os.H, row%os.H
		iy0 := oy*p.StrideH - p.PadTop
		kyLo, kyHi := tapRange(iy0, kh, p.DilationH, is.H)
		if !k.is3x3() || kyLo != 0 || kyHi != kh || xa >= xb {
			for ox := range os.W {
				k.edge(in, out, row, b, iy0, ox)
			}
			continue
		}
		for ox := range xa {
			k.edge(in, out, row, b, iy0, ox)
		}
		k.interior(in, out, row, b, iy0, xa, xb)
		for ox := xb; ox < os.W; ox++ {
			k.edge(in, out, row, b, iy0, ox)
		}
	}
}

// is3x3 reports whether k's filter is 3×3, which the interior kernels
// take; other filters go through the edge kernels at every pixel.
func (k *DepthwiseQ[T]) is3x3() bool { return k.fShape.H == 3 && k.fShape.W == 3 }

// interiorColumns returns the output columns [xa, xb) whose three taps
// along x all lie inside the input (xa ≥ xb when there are none).
func (k *DepthwiseQ[T]) interiorColumns() (xa, xb int) {
	p := &k.p
	if p.PadLeft > 0 {
		xa = (p.PadLeft + p.StrideW - 1) / p.StrideW
	}
	// ox·stride − padLeft + 2·dilation ≤ inW − 1
	limit := k.inShape.W - 1 - 2*p.DilationW + p.PadLeft
	if limit < 0 {
		return xa, 0
	}
	return xa, min(limit/p.StrideW+1, k.outShape.W)
}

// interior computes output pixels [xa, xb) of row (batch b, first input row
// iy0), whose windows lie wholly inside the input, with the assembly.
func (k *DepthwiseQ[T]) interior(in, out []T, row, b, iy0, xa, xb int) {
	p, is, c := &k.p, k.inShape, k.outShape.C
	src := in[((b*is.H+iy0)*is.W+xa*p.StrideW-p.PadLeft)*c:]
	dst := out[(row*k.outShape.W+xa)*c:]
	g := dwGeometry{
		dx: p.DilationW * c, dy: p.DilationH * is.W * c,
		step: p.StrideW * c, pixels: xb - xa, outStep: c,
	}
	covered := k.interiorSIMD(src, dst, &g)
	if covered < c {
		for ox := xa; ox < xb; ox++ {
			k.pixelGo(in, out, row, b, iy0, ox, covered)
		}
	}
}

// edge computes output pixel ox of row (batch b, first input row iy0),
// whose window touches the padding, with the edge kernels; the channels
// they leave, and windows with no valid tap, go through Go.
func (k *DepthwiseQ[T]) edge(in, out []T, row, b, iy0, ox int) {
	p, is, c := &k.p, k.inShape, k.outShape.C
	kh, kw := k.fShape.H, k.fShape.W
	kyLo, kyHi := tapRange(iy0, kh, p.DilationH, is.H)
	ix0 := ox*p.StrideW - p.PadLeft
	kxLo, kxHi := tapRange(ix0, kw, p.DilationW, is.W)
	covered := 0
	if kyLo < kyHi && kxLo < kxHi {
		cols := kxHi - kxLo
		dy := p.DilationH * is.W * c
		e := dwEdge{
			dx: p.DilationW * c, dy: dy,
			rows: kyHi - kyLo, cols: cols,
			rowSkip: dy - cols*p.DilationW*c, wRowSkip: (kw - cols) * dwGroup * 4,
			wGroup: kh * kw * dwGroup * 4,
		}
		src := in[((b*is.H+iy0+kyLo*p.DilationH)*is.W+ix0+kxLo*p.DilationW)*c:]
		dst := out[(row*k.outShape.W+ox)*c:]
		covered = k.edgeSIMD(src, dst, &e, &k.weights[(kyLo*kw+kxLo)*dwGroup])
	}
	if covered < c {
		k.pixelGo(in, out, row, b, iy0, ox, covered)
	}
}

// dwEdge is the valid taps of one edge pixel for the edge kernels: dx and
// dy step between taps along x and y in bytes, rows × cols taps, over
// channels channels. After a row of taps the input pointer moves on by
// rowSkip and the weight pointer by wRowSkip bytes; wGroup is the bytes of
// one group's packed weights.
type dwEdge struct {
	dx, dy, rows, cols, channels int
	rowSkip, wRowSkip, wGroup    int
}

// dwGeometry is the layout of one assembly call's pixels, in bytes (one
// byte per element): dx and dy step between taps along x and y, step
// between consecutive pixels' windows, outStep between their outputs.
type dwGeometry struct {
	dx, dy, step, pixels, outStep int
}

// pixelGo computes channels [cLo, C) of output pixel ox of row (batch b,
// first input row iy0) in Go, skipping the taps in the padding.
func (k *DepthwiseQ[T]) pixelGo(in, out []T, row, b, iy0, ox, cLo int) {
	p, is, c := &k.p, k.inShape, k.outShape.C
	kw := k.fShape.W
	kyLo, kyHi := tapRange(iy0, k.fShape.H, p.DilationH, is.H)
	ix0 := ox*p.StrideW - p.PadLeft
	kxLo, kxHi := tapRange(ix0, kw, p.DilationW, is.W)
	pixel := out[(row*k.outShape.W+ox)*c:][:c]
	inOff := k.r.InputOffset
	for c0 := cLo; c0 < c; c0 += depthwiseBlock {
		var accs [depthwiseBlock]int32
		acc := accs[:min(depthwiseBlock, c-c0)]
		for ky := kyLo; ky < kyHi; ky++ {
			iy := iy0 + ky*p.DilationH
			for kx := kxLo; kx < kxHi; kx++ {
				ix := ix0 + kx*p.DilationW
				src := in[((b*is.H+iy)*is.W+ix)*c+c0:][:len(acc)]
				taps := k.taps[(ky*kw+kx)*c+c0:][:len(acc)]
				for j, w := range taps {
					acc[j] += (int32(src[j]) + inOff) * w
				}
			}
		}
		for j, a := range acc {
			pixel[c0+j] = T(requantize(a, c0+j, k.bias, k.r))
		}
	}
}
