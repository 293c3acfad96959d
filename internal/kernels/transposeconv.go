package kernels

import "github.com/percept-robotics/percept/quant"

// TransposeConv is a prepared transposed convolution (TFLite's
// TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias): input pixel
// (y, x) spreads its channels through the filter over the output window
// whose top-left corner is (y·StrideH − PadTop, x·StrideW − PadLeft). The
// filter is OHWI: [output channels, height, width, input channels].
//
// The kernels gather: each output element sums the input pixels that reach
// it, in the order TFLite's scattering reference adds them (input row, then
// column, then channel), so the float results equal the reference's bit for
// bit and the integer ones whatever the order.
type TransposeConv struct {
	In, Filter, Out  Shape4
	StrideH, StrideW int
	PadTop, PadLeft  int
	// BiasFirst starts each float sum at the bias (MediaPipe's kernel)
	// instead of adding the bias to the finished sum (TFLite's).
	BiasFirst bool
}

// Rows is the number of output rows (batch × height), the unit of work the
// kernels split across threads.
func (t *TransposeConv) Rows() int { return t.Out.N * t.Out.H }

// MACs is the number of multiply-accumulates of one run.
func (t *TransposeConv) MACs() int64 {
	return int64(t.In.Size()) * int64(t.Filter.N*t.Filter.H*t.Filter.W)
}

// taps returns the filter taps that reach output coordinate o along one
// axis, as the first tap and the input coordinate it reads, stepping the
// tap down by stride and the input up by one: the taps are
// fFirst, fFirst−stride, … ≥ 0 with inputs iFirst, iFirst+1, … < in.
func taps(o, pad, stride, filter, in int) (fFirst, iFirst, count int) {
	// Input i reaches o through tap f = o + pad − i·stride, 0 ≤ f < filter.
	p := o + pad
	iFirst = 0
	if p >= filter {
		iFirst = (p - filter + stride) / stride // the least i with f < filter
	}
	iLast := min(p/stride, in-1) // the greatest i with f ≥ 0
	if iLast < iFirst {
		return 0, 0, 0
	}
	return p - iFirst*stride, iFirst, iLast - iFirst + 1
}

// TransposeConvF32 computes output rows [lo, hi) (see Rows) of the float
// transposed convolution; bias may be nil. The result is clamped to act.
func TransposeConvF32(t *TransposeConv, src, filter, bias []float32, act FloatRange, dst []float32, lo, hi int) {
	in, fs, out := t.In, t.Filter, t.Out
	for row := lo; row < hi; row++ {
		n, oy := row/out.H, row%out.H
		fy0, iy0, ny := taps(oy, t.PadTop, t.StrideH, fs.H, in.H)
		for ox := range out.W {
			fx0, ix0, nx := taps(ox, t.PadLeft, t.StrideW, fs.W, in.W)
			o := dst[((n*out.H+oy)*out.W+ox)*out.C:][:out.C]
			for oc := range o {
				var acc float32
				if t.BiasFirst && bias != nil {
					acc = bias[oc]
				}
				for ky := range ny {
					iy, fy := iy0+ky, fy0-ky*t.StrideH
					for kx := range nx {
						ix, fx := ix0+kx, fx0-kx*t.StrideW
						x := src[((n*in.H+iy)*in.W+ix)*in.C:][:in.C]
						w := filter[((oc*fs.H+fy)*fs.W+fx)*fs.C:][:in.C]
						for c, v := range x {
							acc += float32(v * w[c]) // no fused multiply-add, as the reference
						}
					}
				}
				if !t.BiasFirst && bias != nil {
					acc += bias[oc]
				}
				o[oc] = clampFloat(acc, act)
			}
		}
	}
}

// TransposeConvQ computes output rows [lo, hi) of the quantized transposed
// convolution as TFLite's reference kernels do: the int32 sum of (input +
// InputOffset)·(filter + FilterOffset), plus the bias when there is one,
// requantized per output channel, offset and clamped.
func TransposeConvQ[T int8 | uint8](t *TransposeConv, r *Requant, src, filter []T, bias []int32, dst []T, lo, hi int) {
	in, fs, out := t.In, t.Filter, t.Out
	for row := lo; row < hi; row++ {
		n, oy := row/out.H, row%out.H
		fy0, iy0, ny := taps(oy, t.PadTop, t.StrideH, fs.H, in.H)
		for ox := range out.W {
			fx0, ix0, nx := taps(ox, t.PadLeft, t.StrideW, fs.W, in.W)
			o := dst[((n*out.H+oy)*out.W+ox)*out.C:][:out.C]
			for oc := range o {
				var acc int32
				for ky := range ny {
					iy, fy := iy0+ky, fy0-ky*t.StrideH
					for kx := range nx {
						ix, fx := ix0+kx, fx0-kx*t.StrideW
						x := src[((n*in.H+iy)*in.W+ix)*in.C:][:in.C]
						w := filter[((oc*fs.H+fy)*fs.W+fx)*fs.C:][:in.C]
						for c, v := range x {
							acc += (int32(v) + r.InputOffset) * (int32(w[c]) + r.FilterOffset)
						}
					}
				}
				if bias != nil {
					acc += bias[oc]
				}
				v := quant.MultiplyByQuantizedMultiplier(acc, r.Multiplier[oc], r.Shift[oc]) + r.OutputOffset
				o[oc] = T(quant.Clamp(v, r.ActMin, r.ActMax))
			}
		}
	}
}
