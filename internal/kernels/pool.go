package kernels

import (
	"errors"
	"math"

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
// and column; out is the output shape.
func AveragePoolF32(p *ConvGeometry, filterH, filterW int, in Shape4, src []float32, out Shape4, dst []float32, act FloatRange) error {
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, filterH, filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				count := float32((y1 - y0) * (x1 - x0))
				for c := range out.C {
					var total float32
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							total += src[((n*in.H+y)*in.W+x)*in.C+c]
						}
					}
					dst[i] = clampFloat(total/count, act)
					i++
				}
			}
		}
	}
	return nil
}

// AveragePoolQ is TFLite's quantized AVERAGE_POOL_2D: the integer sum of the
// raw values in the window, divided by their count rounding half away from
// zero, clamped to [actMin, actMax]. Input and output share quantization.
func AveragePoolQ[T int8 | uint8](p *ConvGeometry, filterH, filterW int, in Shape4, src []T, out Shape4, dst []T, actMin, actMax int32) error {
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, filterH, filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				count := int32((y1 - y0) * (x1 - x0))
				for c := range out.C {
					var acc int32
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							acc += int32(src[((n*in.H+y)*in.W+x)*in.C+c])
						}
					}
					if acc > 0 {
						acc = (acc + count/2) / count
					} else {
						acc = (acc - count/2) / count
					}
					dst[i] = T(quant.Clamp(acc, actMin, actMax))
					i++
				}
			}
		}
	}
	return nil
}

// MaxPoolF32 is MAX_POOL_2D on floats, clamped to act.
func MaxPoolF32(p *ConvGeometry, filterH, filterW int, in Shape4, src []float32, out Shape4, dst []float32, act FloatRange) error {
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, filterH, filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				for c := range out.C {
					m := float32(-math.MaxFloat32)
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							m = stdMax(m, src[((n*in.H+y)*in.W+x)*in.C+c])
						}
					}
					dst[i] = clampFloat(m, act)
					i++
				}
			}
		}
	}
	return nil
}

// MaxPoolQ is TFLite's quantized MAX_POOL_2D: the largest raw value in the
// window, clamped to [actMin, actMax].
func MaxPoolQ[T int8 | uint8](p *ConvGeometry, filterH, filterW int, in Shape4, src []T, out Shape4, dst []T, actMin, actMax int32) error {
	lo, _ := typeRange[T]()
	i := 0
	for n := range out.N {
		for oy := range out.H {
			for ox := range out.W {
				y0, y1, x0, x1 := poolWindow(p, filterH, filterW, in, oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return errEmptyPoolWindow
				}
				for c := range out.C {
					m := lo
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							m = max(m, int32(src[((n*in.H+y)*in.W+x)*in.C+c]))
						}
					}
					dst[i] = T(quant.Clamp(m, actMin, actMax))
					i++
				}
			}
		}
	}
	return nil
}
