package kernels

// depthwiseBlock is how many output channels of one pixel a depthwise kernel
// accumulates at a time, in a stack array.
const depthwiseBlock = 64

// DepthwiseConvQ computes rows [y0, y1) of the flattened N·outH output rows
// of a quantized depthwise convolution, following TFLite's reference integer
// kernels. fShape is {1, KH, KW, OutC} with OutC = InC·p.DepthMultiplier;
// output channel oc reads input channel oc / DepthMultiplier. The arithmetic
// is ConvQ's: Σ (in + InputOffset)·(filter + FilterOffset) over the window,
// padding skipped, plus bias (may be nil), requantized per channel, offset
// and clamped. Callers guarantee that the slices match the shapes.
func DepthwiseConvQ[T int8 | uint8](p *ConvGeometry, r *Requant, inShape Shape4, in []T, fShape Shape4, filter []T, bias []int32, outShape Shape4, out []T, y0, y1 int) {
	inC, outC, kw := inShape.C, outShape.C, fShape.W
	for row := y0; row < y1; row++ {
		b, oy := row/outShape.H, row%outShape.H
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
						src := in[((b*inShape.H+iy)*inShape.W+ix)*inC:][:inC]
						taps := filter[(ky*kw+kx)*outC+c0:][:len(acc)]
						depthwiseTapQ(acc, src, taps, c0, p.DepthMultiplier, r.InputOffset, r.FilterOffset)
					}
				}
				for j, a := range acc {
					pixel[c0+j] = T(requantize(a, c0+j, bias, r))
				}
			}
		}
	}
}

// depthwiseTapQ adds one filter tap's contribution to the accumulators of
// output channels [c0, c0+len(acc)): acc[j] += (src[(c0+j)/dm] + inOff)·
// (taps[j] + fOff), where src is the input pixel under the tap.
func depthwiseTapQ[T int8 | uint8](acc []int32, src, taps []T, c0, dm int, inOff, fOff int32) {
	taps = taps[:len(acc)]
	if dm == 1 {
		src = src[c0:][:len(acc)]
		for j, w := range taps {
			acc[j] += (int32(src[j]) + inOff) * (int32(w) + fOff)
		}
		return
	}
	for j, w := range taps {
		acc[j] += (int32(src[(c0+j)/dm]) + inOff) * (int32(w) + fOff)
	}
}

// DepthwiseConvF32 computes rows [y0, y1) of the flattened N·outH output rows
// of a float depthwise convolution: Σ in·filter over the window, padding
// skipped, each term added with a float32 fused multiply-add in (ky, kx)
// order from +0, plus bias (may be nil), clamped to act as clampF32 does. Shapes are as for DepthwiseConvQ. With
// W = Half the whole filter is widened into scratch once per call, so scratch
// must hold KH·KW·OutC floats; for float32 scratch is unused and may be nil.
func DepthwiseConvF32[W float32 | Half](p *ConvGeometry, act FloatRange, inShape Shape4, in []float32, fShape Shape4, filter []W, bias []float32, outShape Shape4, out []float32, y0, y1 int, scratch []float32) {
	var f []float32
	switch filter := any(filter).(type) {
	case []float32:
		f = filter
	case []Half:
		f = WidenHalves(scratch, filter)
	}
	inC, outC, kw := inShape.C, outShape.C, fShape.W
	for row := y0; row < y1; row++ {
		b, oy := row/outShape.H, row%outShape.H
		iy0 := oy*p.StrideH - p.PadTop
		kyLo, kyHi := tapRange(iy0, fShape.H, p.DilationH, inShape.H)
		for ox := range outShape.W {
			ix0 := ox*p.StrideW - p.PadLeft
			kxLo, kxHi := tapRange(ix0, kw, p.DilationW, inShape.W)
			pixel := out[(row*outShape.W+ox)*outC:][:outC]
			for c0 := 0; c0 < outC; c0 += depthwiseBlock {
				var accs [depthwiseBlock]float32
				acc := accs[:min(depthwiseBlock, outC-c0)]
				for ky := kyLo; ky < kyHi; ky++ {
					iy := iy0 + ky*p.DilationH
					for kx := kxLo; kx < kxHi; kx++ {
						ix := ix0 + kx*p.DilationW
						src := in[((b*inShape.H+iy)*inShape.W+ix)*inC:][:inC]
						taps := f[(ky*kw+kx)*outC+c0:][:len(acc)]
						depthwiseTapF32(acc, src, taps, c0, p.DepthMultiplier)
					}
				}
				for j, a := range acc {
					pixel[c0+j] = activateF32(a, c0+j, bias, act)
				}
			}
		}
	}
}

// depthwiseTapF32 is depthwiseTapQ for float data: acc[j] =
// fma32(src[(c0+j)/dm], taps[j], acc[j]).
func depthwiseTapF32(acc, src, taps []float32, c0, dm int) {
	taps = taps[:len(acc)]
	if dm == 1 {
		src = src[c0:][:len(acc)]
		for j, w := range taps {
			r, ok := fma32Fast(src[j], w, acc[j])
			if !ok {
				r = fma32Exact(src[j], w, acc[j])
			}
			acc[j] = r
		}
		return
	}
	for j, w := range taps {
		acc[j] = fma32(src[(c0+j)/dm], w, acc[j])
	}
}
