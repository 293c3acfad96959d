package kernels

import "math"

// The fp16 target's float kernels compute in IEEE binary16, as TFLite does
// when a model allows "fp16 precision loss": weights are narrowed to halves
// once, at construction, activations as they are loaded, and each output
// channel's products are summed into a half accumulator with half fused
// multiply-adds (FMLA on eight half lanes, twice the lanes of float32).
// The GEMM sums at most fp16Chunk products in half precision: each chunk's
// sum is widened to float32 exactly and added to a float32 total, which
// keeps long dot products (fully connected layers of a thousand inputs)
// from accumulating half-precision error and overflowing. The bias is then
// added and the sum clamped in float32. Results differ from the float32
// reference by the rounding of every operand and partial sum to 11
// significant bits, and overflow to infinity past ±65504: this is why the
// fp16 target is never chosen unless asked for. The clamp is Go's max then
// min (FMAX, FMIN): unlike clampF32, a −0 sum clamped at +0 becomes +0.
//
// On a CPU with the FP16 extension the sums run in assembly; elsewhere (the
// target is then unavailable, but the kernels can still be built and
// tested) a Go model of the same arithmetic, fma16, runs instead, and the
// two agree bit for bit.

// Geometry of the fp16 GEMM.
const (
	fp16Width      = 16 // output channels of a packed group: two registers of eight halves
	fp16TilePixels = 8  // pixels of the main micro-kernel
	fp16Block      = 8  // input channels converted to halves at a time
	// Products summed in half precision before the sum joins the float32
	// total: a multiple of fp16Block; the widening and float32 additions
	// cost about 4% of a chunk's multiply-adds.
	fp16Chunk = 128
)

// PointwiseF16 is PointwiseF32 computed in float16 (see above): a float
// 1×1, stride-1 convolution, or a fully connected layer, applied to each
// pixel (batch row) of its input.
type PointwiseF16 struct {
	act               FloatRange
	inDepth, outDepth int
	// Weights narrowed to halves in groups of fp16Width output channels,
	// [group][inDepth][fp16Width], and the bias (zero when absent),
	// [group][fp16Width], both zero-padded in the last group.
	packed     []Half
	packedBias []float32
	// exact runs the layer in float32 instead when a weight does not fit
	// a half (infinite after narrowing) or is NaN.
	exact *PointwiseF32
}

// NewPointwiseF16 prepares filter [outDepth][inDepth] (float32 or float16)
// and bias (may be nil) as NewPointwiseF32 does, narrowing the weights to
// halves once. A filter with a weight that is NaN or beyond the half range
// runs exactly, in float32, as the fp16 target's float32 kernels do.
func NewPointwiseF16[W float32 | Half](act FloatRange, inDepth, outDepth int, filter []W, bias []float32) *PointwiseF16 {
	k := &PointwiseF16{act: act, inDepth: inDepth, outDepth: outDepth}
	halves, ok := narrowedWeights(filter)
	if !ok || inDepth <= 0 || outDepth <= 0 {
		k.exact = NewPointwiseF32(FP16, act, inDepth, outDepth, filter, bias)
		return k
	}
	groups := (outDepth + fp16Width - 1) / fp16Width
	k.packed = make([]Half, groups*inDepth*fp16Width)
	k.packedBias = make([]float32, groups*fp16Width)
	for oc := range outDepth {
		g, lane := oc/fp16Width, oc%fp16Width
		dst := k.packed[g*inDepth*fp16Width+lane:]
		for i, v := range halves[oc*inDepth : (oc+1)*inDepth] {
			dst[i*fp16Width] = v
		}
		if bias != nil {
			k.packedBias[oc] = bias[oc]
		}
	}
	return k
}

// narrowedWeights returns filter as halves, and false if one of them is
// infinite or NaN.
func narrowedWeights[W float32 | Half](filter []W) ([]Half, bool) {
	var halves []Half
	switch filter := any(filter).(type) {
	case []Half:
		halves = filter
	case []float32:
		halves = make([]Half, len(filter))
		for i, v := range filter {
			halves[i] = HalfFromFloat32(v)
		}
	}
	for _, h := range halves {
		if h&0x7c00 == 0x7c00 {
			return nil, false
		}
	}
	return halves, true
}

// Run computes output pixels [p0, p1): out[p*outDepth+oc] from
// in[p*inDepth : (p+1)*inDepth]. It allocates nothing; distinct pixel ranges
// may run concurrently.
func (k *PointwiseF16) Run(in, out []float32, p0, p1 int) {
	if k.exact != nil {
		k.exact.Run(in, out, p0, p1)
		return
	}
	kd, n := k.inDepth, k.outDepth
	// The assembly reads through pointers: slicing first makes short
	// slices fail here, as Go indexing would.
	in, out = in[p0*kd:p1*kd], out[p0*n:p1*n]
	pixels := p1 - p0
	var acc [fp16TilePixels * fp16Width]float32
	for p := 0; p < pixels; {
		tile := 1
		if p+fp16TilePixels <= pixels {
			tile = fp16TilePixels
		}
		for lo := 0; lo < n; lo += fp16Width {
			g, valid := lo/fp16Width, min(fp16Width, n-lo)
			clear(acc[:tile*fp16Width])
			w := k.packed[g*kd*fp16Width : (g+1)*kd*fp16Width]
			bias := k.packedBias[g*fp16Width : (g+1)*fp16Width]
			for c0 := 0; c0 < kd; c0 += fp16Chunk {
				kc := min(fp16Chunk, kd-c0)
				// A whole group's last chunk finishes its outputs in
				// place; a partial group's are finished below.
				var o []float32
				if c0+kc == kd && valid == fp16Width {
					o = out[p*n+lo : (p+tile-1)*n+lo+fp16Width]
				}
				sumsF16(in[p*kd+c0:(p+tile-1)*kd+c0+kc], kd, tile, w[c0*fp16Width:(c0+kc)*fp16Width], kc, &acc, o, n, bias, &k.act)
			}
			if valid < fp16Width {
				finishF16(&acc, tile, out[p*n+lo:], n, bias[:valid], k.act)
			}
		}
		p += tile
	}
}

// sumsF16Go is the Go model of the fp16 GEMM micro-kernels: for tile pixels
// of kc inputs each (a, pixel rows lda apart) and kc inputs of one packed
// group of weights w ([kc][fp16Width]), acc[pixel][lane] gains, in float32,
// the half sum, widened, of fma16 over the inputs in order, each input
// narrowed to a half. When out is not nil (the group's last chunk), the
// sums are then finished into out, pixel rows ldo apart, with the
// fp16Width biases and the clamp act.
func sumsF16Go(a []float32, lda, tile int, w []Half, kc int, acc *[fp16TilePixels * fp16Width]float32,
	out []float32, ldo int, bias []float32, act *FloatRange) {
	for p := range tile {
		var sums [fp16Width]Half
		for i, x := range a[p*lda : p*lda+kc] {
			h := HalfFromFloat32(x)
			for lane, wv := range w[i*fp16Width : (i+1)*fp16Width] {
				sums[lane] = fma16(h, wv, sums[lane])
			}
		}
		for lane, s := range sums {
			acc[p*fp16Width+lane] += s.Float32()
		}
	}
	if out != nil {
		finishF16(acc, tile, out, ldo, bias, *act)
	}
}

// finishF16 writes the first len(bias) channels of tile pixels' sums in
// acc, plus bias, clamped to act (max, then min), into out, pixel rows ldo
// apart.
func finishF16(acc *[fp16TilePixels * fp16Width]float32, tile int, out []float32, ldo int, bias []float32, act FloatRange) {
	for p := range tile {
		o, sums := out[p*ldo:][:len(bias)], acc[p*fp16Width:][:len(bias)]
		for j, b := range bias {
			o[j] = min(max(sums[j]+b, act.Min), act.Max)
		}
	}
}

// ConvGemmF16 is ConvGemmF32 computed in float16: each output row's input
// windows are gathered, in float32, into per-worker scratch, and multiplied
// by the filter through a PointwiseF16, which narrows them as it loads
// them.
type ConvGemmF16 struct {
	windows ConvGemmF32 // the geometry and the gather, with no GEMM of its own
	gemm    *PointwiseF16
	exact   *ConvGemmF32 // when the filter does not fit halves (see PointwiseF16)
}

// NewConvGemmF16 prepares a convolution with the same arguments as ConvF32,
// narrowing its weights to halves once.
func NewConvGemmF16[W float32 | Half](p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []W, bias []float32) *ConvGemmF16 {
	depth := fShape.H * fShape.W * fShape.C
	k := &ConvGemmF16{windows: ConvGemmF32{p: *p, act: act, in: inShape, filter: fShape, out: outShape, depth: depth}}
	halves, ok := narrowedWeights(filter)
	if !ok {
		k.exact = NewConvGemmF32(FP16, p, act, inShape, fShape, outShape, filter, bias)
		return k
	}
	k.gemm = NewPointwiseF16(act, depth, fShape.N, halves, bias)
	return k
}

// ScratchLen is the length of the buffer Run needs: one output row of
// gathered windows.
func (k *ConvGemmF16) ScratchLen() int { return k.windows.ScratchLen() }

// Run computes output rows [y0, y1) of the flattened N·outH rows using
// scratch (ScratchLen elements, one buffer per concurrent caller). It
// allocates nothing.
func (k *ConvGemmF16) Run(in, out []float32, y0, y1 int, scratch []float32) {
	if k.exact != nil {
		k.exact.Run(in, out, y0, y1, scratch)
		return
	}
	scratch = scratch[:k.ScratchLen()]
	g := &k.windows
	rowOut := g.out.W * g.out.C
	for row := y0; row < y1; row++ {
		g.gather(in, row, scratch)
		k.gemm.Run(scratch, out[row*rowOut:(row+1)*rowOut], 0, g.out.W)
	}
}

// fma16 returns x·y + acc rounded once to the nearest half, ties to even:
// the half-precision fused multiply-add of FMLA. The product of two halves
// is exact in float64; the float64 sum is rounded to odd, which keeps what
// the final rounding to a half needs, and then rounded to a half.
func fma16(x, y, acc Half) Half {
	p := float64(x.Float32()) * float64(y.Float32()) // exact
	return halfFromFloat64(sumRoundedToOdd(p, float64(acc.Float32())))
}

// halfFromFloat64 rounds f to the nearest half, ties to even, overflowing
// to infinity; a NaN comes out quiet with the top of its payload.
func halfFromFloat64(f float64) Half {
	b := math.Float64bits(f)
	sign := uint16(b>>48) & 0x8000
	exp := int64(b>>52) & 0x7ff
	mant := b & (1<<52 - 1)
	if exp == 0x7ff {
		if mant != 0 {
			return Half(sign | 0x7e00 | uint16(mant>>42))
		}
		return Half(sign | 0x7c00)
	}
	e := exp - 1023 + 15 // the biased half exponent
	if e >= 0x1f {
		return Half(sign | 0x7c00)
	}
	// Keep 10 fraction bits for a normal half, fewer for a subnormal one:
	// shift the significand (with its implicit one) right by drop bits,
	// rounding to nearest even.
	m := mant | 1<<52
	drop := uint(42)
	base := uint64(e) << 10
	if e <= 0 {
		if e < -10 {
			return Half(sign) // below half the least subnormal
		}
		drop, base = uint(43-e), 0
	} else {
		m = mant // the exponent field carries the implicit one
	}
	r := m >> drop
	rem := m & (1<<drop - 1)
	half := uint64(1) << (drop - 1)
	if rem > half || (rem == half && r&1 == 1) {
		r++ // may carry into the exponent, up to infinity: correct
	}
	return Half(sign | uint16(base+r))
}
