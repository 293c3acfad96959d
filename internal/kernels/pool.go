package kernels

import (
	"errors"
	"math"
	"math/bits"

	"github.com/percept-robotics/percept/quant"
)

// errEmptyPoolWindow reports a pooling window that lies entirely in the
// padding, which TFLite rejects.
var errEmptyPoolWindow = errors.New("kernels: pooling window covers no input element")

// poolWindow returns the clipped window [y0, y1) × [x0, x1) of input rows
// and columns under output position (oy, ox).
func poolWindow(p *ConvGeometry, filterH, filterW int, in Shape4, oy, ox int) (y0, y1, x0, x1 int) {
	originY := oy*p.StrideH - p.PadTop
	originX := ox*p.StrideW - p.PadLeft
	y0 = originY + max(0, -originY)
	y1 = originY + min(filterH, in.H-originY)
	x0 = originX + max(0, -originX)
	x1 = originX + min(filterW, in.W-originX)
	return y0, y1, x0, x1
}

// AveragePoolF32 is AVERAGE_POOL_2D on floats: the mean over the part of
// each filterH × filterW window inside the input (padding is not counted),
// clamped to act. p gives the strides and the padding before the first row
// and column; out is the output shape. Each channel's sum is taken in
// TFLite's order (rows, then columns, from 0), the window read as rows of
// channels.
func AveragePoolF32(p *ConvGeometry, filterH, filterW int, in Shape4, src []float32, out Shape4, dst []float32, act FloatRange) error {
	var acc [poolChannelBlock]float32
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, filterH, filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				count := float32((y1 - y0) * (x1 - x0))
				o := ((n*out.H+oy)*out.W + ox) * out.C
				for b0 := 0; b0 < out.C; b0 += poolChannelBlock {
					b1 := min(b0+poolChannelBlock, out.C)
					total := acc[:b1-b0]
					clear(total)
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							row := src[((n*in.H+y)*in.W+x)*in.C+b0:][:len(total)]
							for c, v := range row {
								total[c] += v
							}
						}
					}
					d := dst[o+b0 : o+b1]
					for c, t := range total {
						d[c] = clampFloat(t/count, act)
					}
				}
			}
		}
	}
	return nil
}

// AveragePoolQ is TFLite's quantized AVERAGE_POOL_2D: the integer sum of the
// raw values in the window, divided by their count rounding half away from
// zero, clamped to [actMin, actMax]. Input and output share quantization.
// It runs the portable code; AveragePool8 prepares the same pooling for a
// kernel target.
func AveragePoolQ[T int8 | uint8](p *ConvGeometry, filterH, filterW int, in Shape4, src []T, out Shape4, dst []T, actMin, actMax int32) error {
	k := NewAveragePool8(Generic, p, filterH, filterW, in, out, actMin, actMax)
	return AveragePool8Channels(k, src, dst, 0, out.C)
}

// AveragePool8 is a quantized AVERAGE_POOL_2D prepared for a kernel target:
// the geometry of AveragePoolQ and whether the window sums run assembly.
type AveragePool8 struct {
	geometry         ConvGeometry
	filterH, filterW int
	in, out          Shape4
	actMin, actMax   int32
	simd             bool
}

// NewAveragePool8 prepares AveragePoolQ's pooling (p gives the strides and
// padding, in and out the shapes) for the named kernel target.
func NewAveragePool8(target string, p *ConvGeometry, filterH, filterW int, in, out Shape4, actMin, actMax int32) *AveragePool8 {
	return &AveragePool8{
		geometry: *p, filterH: filterH, filterW: filterW, in: in, out: out,
		actMin: actMin, actMax: actMax, simd: poolSumSIMD(lookupTarget(target)),
	}
}

// poolChannelBlock is how many channels AveragePool8Channels sums at a time,
// in an int32 buffer on the stack.
const poolChannelBlock = 512

// AveragePool8Channels computes the channels [c0, c1) of every output pixel
// of k, as AveragePoolQ does: each window is summed as whole rows of
// channels (a pixel's channels are adjacent), then each sum is divided.
// Channel ranges are independent, so the work splits by channels with the
// same result.
func AveragePool8Channels[T int8 | uint8](k *AveragePool8, src, dst []T, c0, c1 int) error {
	in, out := k.in, k.out
	var acc [poolChannelBlock]int32
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(&k.geometry, k.filterH, k.filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				div := newRoundingDivider((y1 - y0) * (x1 - x0))
				o := ((n*out.H+oy)*out.W + ox) * out.C
				for b0 := c0; b0 < c1; b0 += poolChannelBlock {
					b1 := min(b0+poolChannelBlock, c1)
					sums := acc[:b1-b0]
					clear(sums)
					if x1-x0 == in.W {
						// The window's rows are adjacent: one run of pixels.
						poolSum(k.simd, src[((n*in.H+y0)*in.W)*in.C+b0:], (y1-y0)*in.W, in.C, sums)
					} else {
						for y := y0; y < y1; y++ {
							poolSum(k.simd, src[((n*in.H+y)*in.W+x0)*in.C+b0:], x1-x0, in.C, sums)
						}
					}
					d := dst[o+b0 : o+b1]
					for c, s := range sums {
						d[c] = T(quant.Clamp(div.average(s), k.actMin, k.actMax))
					}
				}
			}
		}
	}
	return nil
}

// roundingDivider divides window sums by their count as AveragePoolQ does,
// with a multiply by a 64-bit reciprocal rather than a division.
type roundingDivider struct {
	count, half int32  // count/2
	recip       uint64 // ⌈2^64/count⌉ for count > 1
}

// newRoundingDivider prepares the division by count, at least 1.
func newRoundingDivider(count int) roundingDivider {
	d := roundingDivider{count: int32(count), half: int32(count / 2)}
	if count > 1 {
		d.recip = math.MaxUint64/uint64(count) + 1
	}
	return d
}

// average is TFLite's rounded average of a window sum s: (s + count/2) /
// count for s > 0, else (s − count/2) / count, in int32 arithmetic and
// truncated toward zero as in C. The quotient of u = |s ± count/2| ≤ 2^31
// is the high word of u·⌈2^64/count⌉: that product exceeds u/count·2^64 by
// less than u < 2^32, and so (with count < 2^32) by less than the
// 2^64/count by which u/count falls short of the next integer.
func (d roundingDivider) average(s int32) int32 {
	if s > 0 {
		s += d.half
	} else {
		s -= d.half
	}
	if d.count == 1 {
		return s
	}
	if s >= 0 {
		q, _ := bits.Mul64(uint64(s), d.recip)
		return int32(q)
	}
	q, _ := bits.Mul64(uint64(-int64(s)), d.recip)
	return -int32(q)
}

// poolSum adds to sums[c] the channel c of pixels pixels of src, stride
// elements apart, for c < len(sums): with the assembly of this build when
// simd is set, for as many channels as it covers, the rest in Go.
func poolSum[T int8 | uint8](simd bool, src []T, pixels, stride int, sums []int32) {
	width := len(sums)
	_ = src[(pixels-1)*stride+width-1]
	done := 0
	if simd {
		done = poolSumSIMD8(src, pixels, stride, sums)
	}
	if done == width {
		return
	}
	for p := range pixels {
		row := src[p*stride+done : p*stride+width]
		s := sums[done:width]
		for c, v := range row {
			s[c] += int32(v)
		}
	}
}

// MaxPoolF32 is MAX_POOL_2D on floats, clamped to act. It runs the portable
// code; MaxPool prepares the same pooling for a kernel target.
func MaxPoolF32(p *ConvGeometry, filterH, filterW int, in Shape4, src []float32, out Shape4, dst []float32, act FloatRange) error {
	k := NewMaxPool(Generic, p, filterH, filterW, in, out)
	return MaxPoolF32Rows(k, src, dst, act, 0, out.N*out.H)
}

// MaxPoolQ is TFLite's quantized MAX_POOL_2D: the largest raw value in the
// window, clamped to [actMin, actMax]. It runs the portable code; MaxPool
// prepares the same pooling for a kernel target.
func MaxPoolQ[T int8 | uint8](p *ConvGeometry, filterH, filterW int, in Shape4, src []T, out Shape4, dst []T, actMin, actMax int32) error {
	k := NewMaxPool(Generic, p, filterH, filterW, in, out)
	return MaxPool8Rows(k, src, dst, actMin, actMax, 0, out.N*out.H)
}

// MaxPool is a MAX_POOL_2D prepared for a kernel target: the geometry of
// MaxPoolF32 and MaxPoolQ and whether the window maxima run assembly.
type MaxPool struct {
	geometry         ConvGeometry
	filterH, filterW int
	in, out          Shape4
	simd             bool
}

// NewMaxPool prepares a max pooling (p gives the strides and padding, in
// and out the shapes) for the named kernel target.
func NewMaxPool(target string, p *ConvGeometry, filterH, filterW int, in, out Shape4) *MaxPool {
	return &MaxPool{geometry: *p, filterH: filterH, filterW: filterW, in: in, out: out, simd: poolSumSIMD(lookupTarget(target))}
}

// MaxPoolF32Rows computes the output rows [lo, hi) of k (counted over
// batches and heights, out.N·out.H in all) as MaxPoolF32 does: each
// channel's maximum over its window, taken in TFLite's order (rows, then
// columns, as std::max), with the window's pixels read as whole rows of
// channels. Rows are independent, so the work splits by rows with the
// same result.
func MaxPoolF32Rows(k *MaxPool, src, dst []float32, act FloatRange, lo, hi int) error {
	in, out := k.in, k.out
	var acc [poolChannelBlock]float32
	for r := lo; r < hi; r++ {
		n, oy := r/out.H, r%out.H
		for ox := range out.W {
			y0, y1, x0, x1 := poolWindow(&k.geometry, k.filterH, k.filterW, in, oy, ox)
			if y0 >= y1 || x0 >= x1 {
				return errEmptyPoolWindow
			}
			o := ((n*out.H+oy)*out.W + ox) * out.C
			if k.simd && maxPoolF32SIMD(src[((n*in.H+y0)*in.W+x0)*in.C:], y1-y0, in.W*in.C, x1-x0, in.C, act, dst[o:o+out.C]) {
				continue
			}
			for b0 := 0; b0 < out.C; b0 += poolChannelBlock {
				b1 := min(b0+poolChannelBlock, out.C)
				m := acc[:b1-b0]
				copy(m, lowestFloats[:])
				for y := y0; y < y1; y++ {
					maxRowsF32(src[((n*in.H+y)*in.W+x0)*in.C+b0:], x1-x0, in.C, m)
				}
				d := dst[o+b0 : o+b1]
				for c, v := range m {
					d[c] = clampFloat(v, act)
				}
			}
		}
	}
	return nil
}

// lowestFloats is a channel block of the start of a float window maximum.
var lowestFloats = func() (l [poolChannelBlock]float32) {
	for i := range l {
		l[i] = -math.MaxFloat32
	}
	return l
}()

// MaxPool8Rows computes the output rows [lo, hi) of k as MaxPoolQ does (see
// MaxPoolF32Rows).
func MaxPool8Rows[T int8 | uint8](k *MaxPool, src, dst []T, actMin, actMax int32, lo, hi int) error {
	in, out := k.in, k.out
	least, _ := typeRange[T]()
	var acc [poolChannelBlock]T
	for r := lo; r < hi; r++ {
		n, oy := r/out.H, r%out.H
		for ox := range out.W {
			y0, y1, x0, x1 := poolWindow(&k.geometry, k.filterH, k.filterW, in, oy, ox)
			if y0 >= y1 || x0 >= x1 {
				return errEmptyPoolWindow
			}
			o := ((n*out.H+oy)*out.W + ox) * out.C
			for b0 := 0; b0 < out.C; b0 += poolChannelBlock {
				b1 := min(b0+poolChannelBlock, out.C)
				m := acc[:b1-b0]
				for c := range m {
					m[c] = T(least)
				}
				for y := y0; y < y1; y++ {
					maxRows8(k.simd, src[((n*in.H+y)*in.W+x0)*in.C+b0:], x1-x0, in.C, m)
				}
				d := dst[o+b0 : o+b1]
				for c, v := range m {
					d[c] = T(quant.Clamp(int32(v), actMin, actMax))
				}
			}
		}
	}
	return nil
}

// maxRowsF32 sets m[c] = stdMax(m[c], src[p·stride + c]) for the pixels p
// in order and c < len(m).
func maxRowsF32(src []float32, pixels, stride int, m []float32) {
	_ = src[(pixels-1)*stride+len(m)-1]
	for p := range pixels {
		row := src[p*stride : p*stride+len(m)]
		for c, v := range row {
			m[c] = stdMax(m[c], v)
		}
	}
}

// maxRows8 sets m[c] = max(m[c], src[p·stride + c]) for the pixels p and
// c < len(m): with the assembly of this build when simd is set, for as
// many channels as it covers, the rest in Go.
func maxRows8[T int8 | uint8](simd bool, src []T, pixels, stride int, m []T) {
	width := len(m)
	_ = src[(pixels-1)*stride+width-1]
	done := 0
	if simd {
		done = maxRows8SIMD(src, pixels, stride, m)
	}
	if done == width {
		return
	}
	for p := range pixels {
		row, mm := src[p*stride+done:p*stride+width], m[done:width]
		for c, v := range row {
			mm[c] = max(mm[c], v)
		}
	}
}
