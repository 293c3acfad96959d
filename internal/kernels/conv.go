package kernels

import "github.com/percept-robotics/percept/quant"

// tapRange returns the taps [lo, hi) of a window of k taps spaced dilation
// apart, whose first tap sits at input coordinate origin, that fall inside an
// input of extent size. Taps outside the input read padding, which
// contributes nothing, so kernels skip them by iterating over [lo, hi) only.
func tapRange(origin, k, dilation, size int) (lo, hi int) {
	remaining := size - origin
	if remaining <= 0 {
		return 0, 0
	}
	hi = min(k, (remaining+dilation-1)/dilation)
	if origin < 0 {
		lo = min(hi, (-origin+dilation-1)/dilation)
	}
	return lo, hi
}

// window is the part of a convolution window that lies inside the input,
// for one output pixel of a filter laid out [KH, KW, C] per output channel.
type window struct {
	in      int // index in the input of the first valid tap, channel 0
	filter  int // index of the same tap within one filter
	rows    int // valid tap rows
	span    int // elements of one valid tap row in the filter: cols·C
	inRow   int // input index step between tap rows
	inCol   int // input index step between taps of a row; C when contiguous
	filterR int // filter index step between tap rows: KW·C
}

// convWindow locates the valid taps of output pixel (row, ox), where row
// indexes the flattened N·outH output rows.
func convWindow(p *ConvGeometry, inShape Shape4, kh, kw, outH, row, ox int) window {
	b, oy := row/outH, row%outH
	iy0 := oy*p.StrideH - p.PadTop
	ix0 := ox*p.StrideW - p.PadLeft
	kyLo, kyHi := tapRange(iy0, kh, p.DilationH, inShape.H)
	kxLo, kxHi := tapRange(ix0, kw, p.DilationW, inShape.W)
	if kyLo == kyHi || kxLo == kxHi {
		return window{} // the window lies wholly in the padding
	}
	c := inShape.C
	iy, ix := iy0+kyLo*p.DilationH, ix0+kxLo*p.DilationW
	return window{
		in:      ((b*inShape.H+iy)*inShape.W + ix) * c,
		filter:  (kyLo*kw + kxLo) * c,
		rows:    kyHi - kyLo,
		span:    (kxHi - kxLo) * c,
		inRow:   p.DilationH * inShape.W * c,
		inCol:   p.DilationW * c,
		filterR: kw * c,
	}
}

// dotQ returns Σ (x[i] + xOff)·(w[i] + wOff) in wrapping int32 arithmetic.
// w must be at least as long as x. Four independent partial sums keep the
// CPU's multipliers busy; wrapping addition is associative, so the result
// is exactly the sequential sum.
func dotQ[T int8 | uint8](x, w []T, xOff, wOff int32) int32 {
	w = w[:len(x)]
	var a0, a1, a2, a3 int32
	n := len(x) &^ 3
	for i := 0; i < n; i += 4 {
		xs, ws := x[i:i+4], w[i:i+4]
		a0 += (int32(xs[0]) + xOff) * (int32(ws[0]) + wOff)
		a1 += (int32(xs[1]) + xOff) * (int32(ws[1]) + wOff)
		a2 += (int32(xs[2]) + xOff) * (int32(ws[2]) + wOff)
		a3 += (int32(xs[3]) + xOff) * (int32(ws[3]) + wOff)
	}
	for i := n; i < len(x); i++ {
		a0 += (int32(x[i]) + xOff) * (int32(w[i]) + wOff)
	}
	return a0 + a1 + a2 + a3
}

// requantize adds the bias of output channel oc (if any) to acc, scales it
// to the output's quantized domain and clamps it to the activation range.
func requantize(acc int32, oc int, bias []int32, r *Requant) int32 {
	if bias != nil {
		acc += bias[oc]
	}
	acc = quant.MultiplyByQuantizedMultiplier(acc, r.Multiplier[oc], r.Shift[oc]) + r.OutputOffset
	return quant.Clamp(acc, r.ActMin, r.ActMax)
}

// windowDotQ accumulates one output channel's filter f over the valid taps of
// w: Σ (in + inOff)·(f + fOff) over ky, kx, ic.
func windowDotQ[T int8 | uint8](in, f []T, w *window, c int, inOff, fOff int32) int32 {
	var acc int32
	i, j := w.in, w.filter
	for range w.rows {
		if w.inCol == c { // undilated: the row's taps are contiguous in both
			acc += dotQ(in[i:i+w.span], f[j:j+w.span], inOff, fOff)
		} else {
			for x, y := i, j; y < j+w.span; x, y = x+w.inCol, y+c {
				acc += dotQ(in[x:x+c], f[y:y+c], inOff, fOff)
			}
		}
		i += w.inRow
		j += w.filterR
	}
	return acc
}

// dotF32 adds x[i]·w[i] to acc one term at a time, in order, each with a
// float32 fused multiply-add (fma32). w must be at least as long as x.
func dotF32(acc float32, x, w []float32) float32 {
	w = w[:len(x)]
	for i, v := range x {
		r, ok := fma32Fast(v, w[i], acc)
		if !ok {
			r = fma32Exact(v, w[i], acc)
		}
		acc = r
	}
	return acc
}

// windowDotF32 is windowDotQ for float data: Σ in·f over the valid taps in
// (ky, kx, ic) order, padding skipped, each term fused into a single float32
// accumulator that starts at +0. The SIMD targets keep one accumulator per
// output channel and the same order, so every target rounds alike.
func windowDotF32(in, f []float32, w *window, c int) float32 {
	var acc float32
	i, j := w.in, w.filter
	for range w.rows {
		if w.inCol == c {
			acc = dotF32(acc, in[i:i+w.span], f[j:j+w.span])
		} else {
			for x, y := i, j; y < j+w.span; x, y = x+w.inCol, y+c {
				acc = dotF32(acc, in[x:x+c], f[y:y+c])
			}
		}
		i += w.inRow
		j += w.filterR
	}
	return acc
}

// dotF32x4 is dotF32 for four weight vectors at once, the k-th at
// f[k·stride+at:], each summed in order into its own accumulator acc[k].
// The four sums are independent, so the CPU overlaps their latencies; each
// rounds exactly as dotF32 would.
func dotF32x4(acc *[4]float32, x, f []float32, at, stride int) {
	n := len(x)
	w0, w1, w2, w3 := f[at:][:n], f[stride+at:][:n], f[2*stride+at:][:n], f[3*stride+at:][:n]
	a0, a1, a2, a3 := acc[0], acc[1], acc[2], acc[3]
	for i, v := range x {
		r0, ok0 := fma32Fast(v, w0[i], a0)
		r1, ok1 := fma32Fast(v, w1[i], a1)
		r2, ok2 := fma32Fast(v, w2[i], a2)
		r3, ok3 := fma32Fast(v, w3[i], a3)
		if !(ok0 && ok1 && ok2 && ok3) {
			r0, r1, r2, r3 = fma32Exact(v, w0[i], a0), fma32Exact(v, w1[i], a1), fma32Exact(v, w2[i], a2), fma32Exact(v, w3[i], a3)
		}
		a0, a1, a2, a3 = r0, r1, r2, r3
	}
	acc[0], acc[1], acc[2], acc[3] = a0, a1, a2, a3
}

// windowDotF32x4 is windowDotF32 for the four consecutive filters of f,
// each size long, into acc.
func windowDotF32x4(acc *[4]float32, in, f []float32, size int, w *window, c int) {
	i, j := w.in, w.filter
	for range w.rows {
		if w.inCol == c {
			dotF32x4(acc, in[i:i+w.span], f, j, size)
		} else {
			for x, y := i, j; y < j+w.span; x, y = x+w.inCol, y+c {
				dotF32x4(acc, in[x:x+c], f, y, size)
			}
		}
		i += w.inRow
		j += w.filterR
	}
}

// activateF32 adds the bias of output channel oc (zero when bias is nil) to
// acc and clamps the sum to act with clampF32.
func activateF32(acc float32, oc int, bias []float32, act FloatRange) float32 {
	var b float32
	if bias != nil {
		b = bias[oc]
	}
	return clampF32(acc+b, act)
}

// clampF32 clamps v to act as TFLite's std::max and std::min do, which is
// also what VMAXPS and VMINPS compute with v as their second operand: a NaN
// stays NaN and a zero is left as it is, whatever the sign of the bound.
func clampF32(v float32, act FloatRange) float32 {
	if v < act.Min {
		v = act.Min
	}
	if act.Max < v {
		v = act.Max
	}
	return v
}

// ConvQ computes rows [y0, y1) of the flattened N·outH output rows of a
// quantized 2-D convolution, following TFLite's reference integer kernels:
// each output is Σ (in + InputOffset)·(filter + FilterOffset) over the
// window, padding skipped, plus bias[oc] (bias may be nil), requantized with
// the channel's multiplier, offset by OutputOffset and clamped to
// [ActMin, ActMax]. fShape is {OutC, KH, KW, InC}. Callers guarantee that the
// slices match the shapes.
func ConvQ[T int8 | uint8](p *ConvGeometry, r *Requant, inShape Shape4, in []T, fShape Shape4, filter []T, bias []int32, outShape Shape4, out []T, y0, y1 int) {
	c, outC := inShape.C, outShape.C
	filterSize := fShape.H * fShape.W * c
	for row := y0; row < y1; row++ {
		for ox := range outShape.W {
			w := convWindow(p, inShape, fShape.H, fShape.W, outShape.H, row, ox)
			pixel := out[(row*outShape.W+ox)*outC:][:outC]
			for oc := range pixel {
				f := filter[oc*filterSize : (oc+1)*filterSize]
				acc := windowDotQ(in, f, &w, c, r.InputOffset, r.FilterOffset)
				pixel[oc] = T(requantize(acc, oc, bias, r))
			}
		}
	}
}

// ConvF32 computes rows [y0, y1) of the flattened N·outH output rows of a
// float 2-D convolution: Σ in·filter over the window, padding skipped, each
// term added with a float32 fused multiply-add in (ky, kx, ic) order from +0,
// plus bias[oc] (bias may be nil), clamped to act as clampF32 does. fShape
// is {OutC, KH, KW, InC}. With W = Half the filter stays in float16 and
// output channels' filters are widened into scratch, which must hold
// KH·KW·InC floats, and runs faster holding four times that (four channels
// at a time); for float32 scratch is unused and may be nil.
func ConvF32[W float32 | Half](p *ConvGeometry, act FloatRange, inShape Shape4, in []float32, fShape Shape4, filter []W, bias []float32, outShape Shape4, out []float32, y0, y1 int, scratch []float32) {
	outC := outShape.C
	filterSize := fShape.H * fShape.W * fShape.C
	switch filter := any(filter).(type) {
	case []float32:
		convF32Channels(p, act, inShape, in, fShape, filter, bias, outShape, out, y0, y1, 0, outC)
	case []Half:
		// Channel-major, so each channel's filter is widened only once.
		block := 1
		if filterSize > 0 {
			block = max(1, min(4, len(scratch)/filterSize))
		}
		for oc := 0; oc < outC; oc += block {
			n := min(block, outC-oc)
			f := WidenHalves(scratch, filter[oc*filterSize:(oc+n)*filterSize])
			convF32Channels(p, act, inShape, in, fShape, f, bias, outShape, out, y0, y1, oc, oc+n)
		}
	}
}

// convF32Channels computes output channels [c0, c1) of ConvF32's rows
// [y0, y1), whose filters f holds from channel c0 on, four channels at a
// time where it can.
func convF32Channels(p *ConvGeometry, act FloatRange, inShape Shape4, in []float32, fShape Shape4, f []float32, bias []float32, outShape Shape4, out []float32, y0, y1, c0, c1 int) {
	c, outC := inShape.C, outShape.C
	size := fShape.H * fShape.W * c
	for row := y0; row < y1; row++ {
		for ox := range outShape.W {
			w := convWindow(p, inShape, fShape.H, fShape.W, outShape.H, row, ox)
			pixel := out[(row*outShape.W+ox)*outC:][:outC]
			oc := c0
			for ; oc+4 <= c1; oc += 4 {
				var acc [4]float32
				windowDotF32x4(&acc, in, f[(oc-c0)*size:(oc-c0+4)*size], size, &w, c)
				for j, a := range acc {
					pixel[oc+j] = activateF32(a, oc+j, bias, act)
				}
			}
			for ; oc < c1; oc++ {
				pixel[oc] = activateF32(windowDotF32(in, f[(oc-c0)*size:(oc-c0+1)*size], &w, c), oc, bias, act)
			}
		}
	}
}
