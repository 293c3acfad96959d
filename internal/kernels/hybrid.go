package kernels

import (
	"math"
	"unsafe"
)

// Hybrid ("dynamic-range") layers: float32 activations in and out, int8
// weights quantized symmetrically (zero point 0) per output channel or per
// tensor, as TFLite's hybrid kernels compute them (conv.cc and
// depthwise_conv.cc EvalHybridPerChannel, fully_connected.cc EvalHybrid):
//
//  1. the float input is quantized on the fly, asymmetrically to int8 over
//     each batch's whole image (convolutions) or each batch row (fully
//     connected with asymmetric_quantize_inputs), or symmetrically per
//     batch row (fully connected without it): QuantizeAsymmetricF32,
//     QuantizeSymmetricF32, which give the scale s and zero point z;
//  2. each output is the integer sum acc = Σ (q − z)·w over the window or
//     row, padding skipped (it stands for real zeros, which quantize to z),
//     in int32;
//  3. out = clamp(float32(acc)·(s·scale[oc]) + bias[oc]), each product and
//     sum rounded to float32 (never fused).
//
// The integer part is exact on every target, so the outputs are
// bit-identical to the portable kernels': the x86 targets, arm64's dotprod
// and fp16 and 32-bit neon compute Σ q·w with the int8 GEMM micro-kernels'
// raw dot products (SDOT on arm64) and subtract z·Σw; every SIMD target
// but 32-bit neon quantizes and rescales with AVX2 or NEON (hybrid_amd64.go,
// hybrid_arm64.go); arm64's neon target, and every target's
// depthwise convolutions, sum q − z against the weights in float32 with
// the float kernels, exactly (hybrid_float.go). TFLite orders the
// float products differently per kernel ((acc·scale)·s for convolutions,
// acc·(s·scale) for fully connected), which may differ from these in the
// last bit.

// QuantizeAsymmetricF32 quantizes x into q (as long as x) as TFLite's
// tensor_utils::AsymmetricQuantizeFloats does: the range [min(x, 0),
// max(x, 0)] over 256 steps, the zero point nudged to the nearer end's
// rounding, q = round(z + x/s) clamped to [-128, 127], half away from zero.
// A range of zero gives scale 1, zero point 0 and zeros.
func QuantizeAsymmetricF32(x []float32, q []int8) (scale float32, zeroPoint int32) {
	a := asymmetricParams(false, x)
	a.quantize(x, q[:len(x)])
	return a.scale, a.zeroPoint
}

// asymmetric is the on-the-fly quantization of one batch image or row:
// its scale and zero point, and the float32 factors TFLite quantizes with.
type asymmetric struct {
	scale     float32
	zeroPoint int32
	inv, off  float32 // 1/scale rounded from float64, and the zero point
}

// asymmetricParams returns QuantizeAsymmetricF32's parameters for x, its
// range found with the hybrid assembly when simd is set.
func asymmetricParams(simd bool, x []float32) asymmetric {
	lo, hi := hybridMinMax(simd, x)
	rmin, rmax := float64(lo), float64(hi)
	if rmin == rmax {
		return asymmetric{scale: 1}
	}
	const qmin, qmax = -128.0, 127.0
	s := (rmax - rmin) / (qmax - qmin)
	fromMin, fromMax := qmin-rmin/s, qmax-rmax/s
	zp := fromMax
	if math.Abs(qmin)+math.Abs(rmin/s) < math.Abs(qmax)+math.Abs(rmax/s) {
		zp = fromMin
	}
	var nudged int32
	switch {
	case zp <= qmin:
		nudged = qmin
	case zp >= qmax:
		nudged = qmax
	default:
		nudged = int32(math.Round(zp))
	}
	scale := float32(s)
	return asymmetric{scale: scale, zeroPoint: nudged, inv: float32(1 / float64(scale)), off: float32(nudged)}
}

// minMaxGo returns min(lo, x...) and max(hi, x...), NaNs skipped.
func minMaxGo(lo, hi float32, x []float32) (float32, float32) {
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// level returns round(off + v·inv) clamped to [-128, 127], half away
// from zero, as an int32; inv 0 (a range of zero) gives 0.
func (a *asymmetric) level(v float32) int32 {
	y := a.off + float32(v*a.inv)
	if y < -128 {
		y = -128
	}
	if y > 127 {
		y = 127
	}
	// Half away from zero without a branch (the signs of activations are
	// random): t truncates y toward zero, and twice the exact fraction
	// y − t truncates to ±1 when it is at least a half.
	t := int32(y)
	return t + int32(2*(y-float32(t)))
}

// quantize quantizes x into q, as long, and returns the sum of the
// levels.
func (a *asymmetric) quantize(x []float32, q []int8) int32 {
	q = q[:len(x)]
	var sum int32
	for i, v := range x {
		l := a.level(v)
		q[i] = int8(l)
		sum += l
	}
	return sum
}

// levels stores into out, as long as x, the levels of x less the zero
// point, as floats.
func (a *asymmetric) levels(x, out []float32) {
	out = out[:len(x)]
	for i, v := range x {
		out[i] = float32(a.level(v) - a.zeroPoint)
	}
}

// epilogueGo stores into out[c] hybridOut(acc[c] + term − zr[c],
// scaled[c], bias[c], act), all as long as out.
func epilogueGo(acc []int32, term int32, zr []int32, scaled, bias, out []float32, act *FloatRange) {
	acc, zr, scaled, bias = acc[:len(out)], zr[:len(out)], scaled[:len(out)], bias[:len(out)]
	for c := range out {
		out[c] = hybridOut(acc[c]+term-zr[c], scaled[c], bias[c], *act)
	}
}

// rescaleGo stores into x[c] clamp(x[c]·scaled[c] + bias[c]).
func rescaleGo(x, scaled, bias []float32, act *FloatRange) {
	scaled, bias = scaled[:len(x)], bias[:len(x)]
	for c, v := range x {
		x[c] = clampF32(float32(v*scaled[c])+bias[c], *act)
	}
}

// QuantizeSymmetricF32 quantizes x into q as TFLite's
// tensor_utils::SymmetricQuantizeFloats does: scale max|x|/127, q =
// round(x·127/max|x|) clamped to [-127, 127], half away from zero; all
// zeros give scale 1.
func QuantizeSymmetricF32(x []float32, q []int8) (scale float32) {
	q = q[:len(x)]
	var lo, hi float32
	for _, v := range x {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	r := max(float32(math.Abs(float64(lo))), float32(math.Abs(float64(hi))))
	if r == 0 {
		clear(q)
		return 1
	}
	inv := 127 / r
	for i, v := range x {
		q[i] = int8(max(-127, min(127, math.Round(float64(float32(v*inv))))))
	}
	return r / 127
}

// hybridOut is the float epilogue of a hybrid output: float32(acc)·scale
// plus bias, clamped, without fused multiply-adds.
func hybridOut(acc int32, scale, bias float32, act FloatRange) float32 {
	return clampF32(float32(float32(acc)*scale)+bias, act)
}

// hybridGemm is the hybrid GEMM of rows of int8 activations, each row
// inDepth bytes padded with zeros to a stride of four-byte steps, against
// int8 weights [outDepth][inDepth]: out[r][oc] = hybridOut(Σ q·w − z·Σw,
// s·scale[oc], bias[oc]), for rows sharing one scale s and zero point z.
type hybridGemm struct {
	inDepth, outDepth, stride int
	filter                    []int8
	rowSums                   []int32   // Σ w per output channel
	scales                    []float32 // per output channel
	bias                      []float32 // per output channel, zeros when the layer has none
	act                       FloatRange
	// packed holds the weights packed for a target's micro-kernels that
	// compute raw dot products (hybridDots), nil for the portable loop;
	// simd runs the epilogue in assembly.
	packed *PointwiseQ[int8]
	simd   bool
}

// hybridScratch is one worker's scratch for a hybrid layer: per output
// channel the input scale times the weight scale, and the zero point
// times the weights' sum.
type hybridScratch struct {
	scaled []float32
	zr     []int32
}

// newHybridScratch returns the scratch of workers workers for n output
// channels.
func newHybridScratch(workers, n int) []hybridScratch {
	s := make([]hybridScratch, max(workers, 1))
	for i := range s {
		s[i] = hybridScratch{scaled: make([]float32, n), zr: make([]int32, n)}
	}
	return s
}

// newHybridGemm prepares the GEMM for the raw dot products of int8 GEMM
// entry cfg (nil: the portable loop), its epilogue in assembly when simd
// is set. scales has one element (per tensor) or outDepth; bias may be
// nil.
func newHybridGemm(cfg *qgemmConfig, simd bool, act FloatRange, inDepth, outDepth int, filter []int8, scales, bias []float32) *hybridGemm {
	g := &hybridGemm{inDepth: inDepth, outDepth: outDepth, stride: (inDepth + 3) &^ 3, filter: filter, act: act, simd: simd}
	g.rowSums = make([]int32, outDepth)
	for oc := range outDepth {
		var s int32
		for _, w := range filter[oc*inDepth : (oc+1)*inDepth] {
			s += int32(w)
		}
		g.rowSums[oc] = s
	}
	g.scales = make([]float32, outDepth)
	for oc := range g.scales {
		g.scales[oc] = scales[min(oc, len(scales)-1)]
	}
	g.bias = make([]float32, outDepth)
	copy(g.bias, bias)
	if cfg != nil {
		r := &Requant{Multiplier: make([]int32, outDepth), Shift: make([]int, outDepth)}
		g.packed = newPointwiseQ(cfg, r, inDepth, outDepth, filter, nil)
		if g.packed.cfg == nil {
			g.packed = nil
		}
	}
	return g
}

// run computes rows [0, rows) of out (rows·outDepth floats) from a, rows
// rows of stride bytes (the padding zero), sharing scale s and zero point
// z, with one worker's scratch; sums holds the sum of each row of a, or is
// nil to have them computed where the packed layout needs them.
func (g *hybridGemm) run(a []int8, rows int, out []float32, s float32, z int32, scratch *hybridScratch, sums []int32) {
	n := g.outDepth
	scaled, zr := scratch.scaled[:n], scratch.zr[:n]
	for oc, w := range g.scales {
		scaled[oc] = s * w
		zr[oc] = z * g.rowSums[oc]
	}
	if g.packed == nil {
		for r := range rows {
			x, o := a[r*g.stride:][:g.inDepth], out[r*n:][:n]
			for oc := range o {
				acc := dotQ(x, g.filter[oc*g.inDepth:(oc+1)*g.inDepth], 0, 0) - zr[oc]
				o[oc] = hybridOut(acc, scaled[oc], g.bias[oc], g.act)
			}
		}
		return
	}
	k := g.packed
	cfg := k.cfg
	nr := cfg.nr
	groups := (n + nr - 1) / nr
	var acc [qgemmMaxTile]int32
	var terms [qgemmMaxPixels]int32
	for r := 0; r < rows; r += cfg.mr {
		pixels := min(cfg.mr, rows-r)
		tile := a[r*g.stride : (r+pixels)*g.stride]
		switch {
		case k.termFactor == 0:
		case sums != nil:
			for i := range pixels {
				terms[i] = k.termFactor * sums[r+i]
			}
		default:
			hybridRowSums(cfg, tile, g.stride, pixels, &terms)
			for i := range pixels {
				terms[i] *= k.termFactor
			}
		}
		for gi := range groups {
			width := nr
			if gi == groups-1 {
				width = k.lastWidth
			}
			hybridDots(cfg, (*byte)(unsafe.Pointer(&tile[0])), g.stride, pixels, unsafe.Add(k.weights, gi*k.wStride), k.kq, width, &acc)
			c0 := gi * nr
			c1 := min(c0+nr, n)
			hybridEpilogue(g.simd, acc[:], nr, pixels, c1-c0, terms[:pixels], zr[c0:c1], scaled[c0:c1], g.bias[c0:c1],
				out[r*n+c0:(r+pixels-1)*n+c1], n, &g.act)
		}
	}
}

// hybridRowSumsGo stores into sums[i] the sum of row i of the pixels
// int8 rows of stride bytes in a.
func hybridRowSumsGo(a []int8, stride, pixels int, sums *[qgemmMaxPixels]int32) {
	for i := range pixels {
		var sum int32
		for _, v := range a[i*stride : (i+1)*stride] {
			sum += int32(v)
		}
		sums[i] = sum
	}
}

// hybridDotsGo is the Go twin of hybridDots: the raw dot products of the
// pixels rows at a (stride bytes apart, int8) with one packed group of
// width channels at w over kq steps of four bytes, into acc[i·nr + c].
func hybridDotsGo(cfg *qgemmConfig, a *byte, stride, pixels int, w unsafe.Pointer, kq, width int, acc *[qgemmMaxTile]int32) {
	for i := range pixels {
		row := unsafe.Slice((*int8)(unsafe.Add(unsafe.Pointer(a), i*stride)), 4*kq)
		for c := range width {
			var sum int32
			for q := range kq {
				for j := range 4 {
					sum += int32(row[4*q+j]) * cfg.weight(w, q*width*4+cfg.offset(width, c, j), true)
				}
			}
			acc[i*cfg.nr+c] = sum
		}
	}
}

// Hybrid is a hybrid convolution, depthwise convolution or fully connected
// layer prepared for one kernel target (NewConvHybrid,
// NewDepthwiseConvHybrid, NewFullyConnectedHybrid). Each invocation calls
// Quantize on the float input once, then Run on the output's rows, which
// distinct workers may split; neither allocates.
type Hybrid struct {
	rows     int
	minSplit int64
	// q holds the quantized input: for convolutions each batch's image as
	// it is, for 1×1 convolutions and fully connected layers one row of
	// hybridGemm.stride bytes (zero-padded) per pixel or batch row.
	q         []int8
	scale     []float32 // per quantization unit (batch, or batch row)
	zeroPoint []int32
	sums      []int32 // per row of q in the row layout: the sum of its bytes
	quantize  func(h *Hybrid, in []float32)
	run       func(h *Hybrid, worker int, out []float32, lo, hi int)
	simd      bool // the quantization in assembly
	// Per worker: the epilogue's scratch, and one output row's windows.
	scratch       []hybridScratch
	gatherScratch [][]int8
}

// Rows is the number of rows the layer's output splits into.
func (h *Hybrid) Rows() int { return h.rows }

// MinSplitMACs is the least work, in multiply-accumulates, worth splitting
// the layer's rows across threads for.
func (h *Hybrid) MinSplitMACs() int64 { return h.minSplit }

// Quantize quantizes the float input in, as long as the layer's input, for
// the next Run calls.
func (h *Hybrid) Quantize(in []float32) { h.quantize(h, in) }

// Run computes output rows [lo, hi) into out as worker number worker,
// from the input of the last Quantize.
func (h *Hybrid) Run(worker int, out []float32, lo, hi int) { h.run(h, worker, out, lo, hi) }

// quantizeImages quantizes each batch's image of n floats asymmetrically
// into q, as it is laid out.
func quantizeImages(h *Hybrid, in []float32, n int) {
	for b := range h.scale {
		x := in[b*n : (b+1)*n]
		a := asymmetricParams(h.simd, x)
		h.scale[b], h.zeroPoint[b] = a.scale, a.zeroPoint
		hybridQuantize(h.simd, &a, x, h.q[b*n:(b+1)*n])
	}
}

// quantizeRows quantizes each batch's image of pixels pixels of depth
// floats asymmetrically, whole, into rows of stride bytes (1×1
// convolutions), and sums each row; the padding, zero from the start, is
// never written.
func quantizeRows(h *Hybrid, in []float32, pixels, depth, stride int) {
	n := pixels * depth
	for b := range h.scale {
		x := in[b*n : (b+1)*n]
		a := asymmetricParams(h.simd, x)
		h.scale[b], h.zeroPoint[b] = a.scale, a.zeroPoint
		hybridQuantizeRows(h.simd, &a, x, depth, h.q[b*pixels*stride:(b+1)*pixels*stride], stride, h.sums[b*pixels:(b+1)*pixels])
	}
}

// hybridMinSplit is the split threshold of target t's hybrid layers: that
// of its int8 GEMM when it runs one for them, else the portable kernels'.
func hybridMinSplit(t *target) int64 {
	if hybridConfig(t) != nil {
		return t.minSplitMACs()
	}
	return generic.minSplitMACs()
}

// NewFullyConnectedHybrid prepares a hybrid fully connected layer for
// target and workers workers: in [batches, inDepth], filter [outDepth,
// inDepth] int8 with scales (one, or one per unit), bias (may be nil),
// each batch row quantized asymmetrically, or symmetrically when symmetric
// is set. Rows are batch rows. It keeps filter, which the caller must not
// modify.
func NewFullyConnectedHybrid(target string, workers int, act FloatRange, batches, inDepth, outDepth int, filter []int8, scales, bias []float32, symmetric bool) *Hybrid {
	t := lookupTarget(target)
	if hybridFloat(t, inDepth) {
		return newFullyConnectedHybridFloat(t, workers, act, batches, inDepth, outDepth, filter, scales, bias, symmetric)
	}
	g := newHybridGemm(hybridConfig(t), hybridSIMD(t), act, inDepth, outDepth, filter, scales, bias)
	h := &Hybrid{
		rows: batches, minSplit: hybridMinSplit(t),
		q: make([]int8, batches*g.stride), scale: make([]float32, batches), zeroPoint: make([]int32, batches), sums: make([]int32, batches),
		simd: hybridSIMD(t), scratch: newHybridScratch(workers, outDepth),
	}
	h.quantize = func(h *Hybrid, in []float32) {
		for r := range batches {
			x, dst := in[r*inDepth:(r+1)*inDepth], h.q[r*g.stride:r*g.stride+inDepth]
			if symmetric {
				h.scale[r], h.zeroPoint[r] = QuantizeSymmetricF32(x, dst), 0
				var sum int32
				for _, v := range dst {
					sum += int32(v)
				}
				h.sums[r] = sum
				continue
			}
			a := asymmetricParams(h.simd, x)
			h.scale[r], h.zeroPoint[r] = a.scale, a.zeroPoint
			h.sums[r] = hybridQuantize(h.simd, &a, x, dst)
		}
	}
	h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
		for r := lo; r < hi; r++ {
			g.run(h.q[r*g.stride:(r+1)*g.stride], 1, out[r*outDepth:(r+1)*outDepth], h.scale[r], h.zeroPoint[r], &h.scratch[worker], h.sums[r:r+1])
		}
	}
	return h
}

// NewConvHybrid prepares a hybrid 2-D convolution for target and workers
// workers, with ConvF32's geometry and shapes: filter {OutC, KH, KW, InC}
// int8 with scales (one, or one per output channel), bias (may be nil),
// each batch's image quantized asymmetrically. 1×1, stride-1 filters run
// a GEMM over pixels (rows are pixels), the others gather each output
// row's windows, padding as the zero point, and run the GEMM over them
// (rows are output rows). It keeps filter, which the caller must not
// modify.
func NewConvHybrid(target string, workers int, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []int8, scales, bias []float32) *Hybrid {
	t := lookupTarget(target)
	depth := fShape.H * fShape.W * fShape.C
	if hybridFloat(t, depth) {
		return newConvHybridFloat(t, workers, p, act, inShape, fShape, outShape, filter, scales, bias)
	}
	g := newHybridGemm(hybridConfig(t), hybridSIMD(t), act, depth, fShape.N, filter, scales, bias)
	imageLen := inShape.H * inShape.W * inShape.C
	h := &Hybrid{
		minSplit: hybridMinSplit(t), scale: make([]float32, inShape.N), zeroPoint: make([]int32, inShape.N),
		simd: hybridSIMD(t), scratch: newHybridScratch(workers, fShape.N),
	}
	outC := outShape.C
	if pointwise(p, fShape) {
		pixels := inShape.H * inShape.W
		h.rows = inShape.N * pixels
		h.q = make([]int8, inShape.N*pixels*g.stride)
		h.sums = make([]int32, h.rows)
		h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
			for lo < hi {
				b := lo / pixels
				end := min(hi, (b+1)*pixels)
				g.run(h.q[lo*g.stride:end*g.stride], end-lo, out[lo*outC:end*outC], h.scale[b], h.zeroPoint[b], &h.scratch[worker], h.sums[lo:end])
				lo = end
			}
		}
		h.quantize = func(h *Hybrid, in []float32) { quantizeRows(h, in, pixels, inShape.C, g.stride) }
		return h
	}
	h.rows = outShape.N * outShape.H
	h.q = make([]int8, inShape.N*imageLen)
	h.gatherScratch = perWorker[int8](workers, outShape.W*g.stride)
	h.quantize = func(h *Hybrid, in []float32) { quantizeImages(h, in, imageLen) }
	geo := *p
	h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
		cols := h.gatherScratch[worker]
		for row := lo; row < hi; row++ {
			b := row / outShape.H
			z := int8(h.zeroPoint[b])
			for ox := range outShape.W {
				gatherWindow(&geo, inShape, fShape, h.q, row, ox, outShape.H, z, cols[ox*g.stride:(ox+1)*g.stride])
			}
			g.run(cols, outShape.W, out[row*outShape.W*outC:(row+1)*outShape.W*outC], h.scale[b], h.zeroPoint[b], &h.scratch[worker], nil)
		}
	}
	return h
}

// gatherWindow copies the window of output pixel (row, ox) from the
// quantized image q into col, [KH][KW][InC] then zeros to len(col), taps
// in the padding as z: a row of taps at once when it lies inside the
// image undilated.
func gatherWindow(p *ConvGeometry, inShape, fShape Shape4, q []int8, row, ox, outH int, z int8, col []int8) {
	b, oy := row/outH, row%outH
	c := inShape.C
	iy0, ix0 := oy*p.StrideH-p.PadTop, ox*p.StrideW-p.PadLeft
	span := fShape.W * c
	inside := ix0 >= 0 && ix0+(fShape.W-1)*p.DilationW < inShape.W
	i := 0
	for ky := range fShape.H {
		iy := iy0 + ky*p.DilationH
		switch {
		case iy < 0 || iy >= inShape.H:
			fill(col[i:i+span], z)
		case inside && p.DilationW == 1:
			copy(col[i:i+span], q[((b*inShape.H+iy)*inShape.W+ix0)*c:])
		default:
			for kx := range fShape.W {
				ix := ix0 + kx*p.DilationW
				dst := col[i+kx*c : i+(kx+1)*c]
				if ix < 0 || ix >= inShape.W {
					fill(dst, z)
				} else {
					copy(dst, q[((b*inShape.H+iy)*inShape.W+ix)*c:])
				}
			}
		}
		i += span
	}
	clear(col[i:])
}

// fill sets every element of s to v.
func fill(s []int8, v int8) {
	for j := range s {
		s[j] = v
	}
}

// NewDepthwiseConvHybrid prepares a hybrid depthwise convolution for
// target and workers workers, with DepthwiseConvF32's geometry and shapes:
// filter {1, KH, KW, OutC} int8 with scales (one, or one per output
// channel), bias (may be nil), each batch's image quantized
// asymmetrically; rows are output rows. Targets with float depthwise
// kernels compute the integer sums exactly with them (see hybrid_float.go;
// a depth multiplier of 1 and at most maxExactTerms taps), then rescale;
// the others run the portable integer loop. It keeps filter, which the caller
// must not modify.
func NewDepthwiseConvHybrid(target string, workers int, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []int8, scales, bias []float32) *Hybrid {
	t := lookupTarget(target)
	outC := outShape.C
	s, b := perChannel(outC, scales, bias)
	imageLen := inShape.H * inShape.W * inShape.C
	h := &Hybrid{
		rows: outShape.N * outShape.H, minSplit: generic.minSplitMACs(),
		scale: make([]float32, inShape.N), zeroPoint: make([]int32, inShape.N),
		simd: hybridSIMD(t), scratch: newHybridScratch(workers, outC),
	}
	geo := *p
	if t.f32dw != nil && p.DepthMultiplier == 1 && fShape.H*fShape.W <= maxExactTerms {
		h.minSplit = t.minSplitMACs()
		k := NewDepthwiseF32(target, p, wholeRange, inShape, fShape, outShape, widenInt8(filter), nil)
		levels := make([]float32, inShape.N*imageLen)
		h.quantize = func(h *Hybrid, in []float32) { quantizeLevels(h, in, levels, imageLen, false) }
		h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
			k.Run(levels, out, lo, hi)
			h.rescaleRows(worker, out, lo, hi, outShape.W*outC, outShape.H, s, b, &act)
		}
		return h
	}
	h.q = make([]int8, inShape.N*imageLen)
	h.quantize = func(h *Hybrid, in []float32) { quantizeImages(h, in, imageLen) }
	h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
		depthwiseHybrid(&geo, act, inShape, h.q, fShape, filter, s, b, outShape, out, lo, hi,
			h.scale, h.zeroPoint, h.scratch[worker].scaled)
	}
	return h
}

// depthwiseHybrid computes output rows [y0, y1) of a hybrid depthwise
// convolution from the quantized input q: per output channel Σ (q − z)·w
// over the window, padding skipped, then hybridOut.
func depthwiseHybrid(p *ConvGeometry, act FloatRange, inShape Shape4, q []int8, fShape Shape4, filter []int8, scales, bias []float32,
	outShape Shape4, out []float32, y0, y1 int, scale []float32, zeroPoint []int32, scaled []float32) {
	inC, outC, kw := inShape.C, outShape.C, fShape.W
	for row := y0; row < y1; row++ {
		b, oy := row/outShape.H, row%outShape.H
		z := zeroPoint[b]
		for oc, w := range scales {
			scaled[oc] = scale[b] * w
		}
		iy0 := oy*p.StrideH - p.PadTop
		kyLo, kyHi := tapRange(iy0, fShape.H, p.DilationH, inShape.H)
		for ox := range outShape.W {
			ix0 := ox*p.StrideW - p.PadLeft
			kxLo, kxHi := tapRange(ix0, kw, p.DilationW, inShape.W)
			pixel := out[(row*outShape.W+ox)*outC:][:outC]
			for c0 := 0; c0 < outC; c0 += depthwiseBlock {
				var accs [depthwiseBlock]int32
				acc := accs[:min(depthwiseBlock, outC-c0)]
				for ky := kyLo; ky < kyHi; ky++ {
					iy := iy0 + ky*p.DilationH
					for kx := kxLo; kx < kxHi; kx++ {
						ix := ix0 + kx*p.DilationW
						src := q[((b*inShape.H+iy)*inShape.W+ix)*inC:][:inC]
						taps := filter[(ky*kw+kx)*outC+c0:][:len(acc)]
						depthwiseTapQ(acc, src, taps, c0, p.DepthMultiplier, -z, 0)
					}
				}
				for j, a := range acc {
					pixel[c0+j] = hybridOut(a, scaled[c0+j], bias[c0+j], act)
				}
			}
		}
	}
}
