package kernels

import "math"

// ResizeOptions are the attributes of RESIZE_BILINEAR and
// RESIZE_NEAREST_NEIGHBOR. TFLite does not allow both to be set.
type ResizeOptions struct {
	AlignCorners     bool // map corner pixel centres onto each other
	HalfPixelCenters bool // sample at pixel centres (x+0.5)
}

// resizeScale is the float32 input/output ratio TFLite's reference resize
// kernels use along one axis.
func resizeScale(in, out int, alignCorners bool) float32 {
	if alignCorners && out > 1 {
		return float32(in-1) / float32(out-1)
	}
	return float32(in) / float32(out)
}

// bilinearSource returns the fractional source coordinate of output
// coordinate v and the two input indices around it, as TFLite's
// ComputeInterpolationValues does.
func bilinearSource(v int, scale float32, halfPixel bool, inSize int) (pos float32, lo, hi int) {
	if halfPixel {
		pos = float32((float32(v)+0.5)*scale) - 0.5
	} else {
		pos = float32(v) * scale
	}
	lo = max(int(float32(math.Floor(float64(pos)))), 0)
	hi = min(int(float32(math.Ceil(float64(pos)))), inSize-1)
	return pos, lo, hi
}

// bilinearFloat32 evaluates TFLite's float interpolation expression for
// the four corner values, term by term in float32 and in its order, without
// fused multiply-adds.
func bilinearFloat32(v00, v10, v01, v11, dy, dx float32) float32 {
	t00 := float32(float32(v00*(1-dy)) * (1 - dx))
	t10 := float32(float32(v10*dy) * (1 - dx))
	t01 := float32(float32(v01*(1-dy)) * dx)
	t11 := float32(float32(v11*dy) * dx)
	return float32(float32(t00+t10)+t01) + t11
}

// ResizeBilinearF32 is RESIZE_BILINEAR on floats: src of shape in is
// resized to out (same batch and channels) by TFLite's reference
// ResizeBilinear.
func ResizeBilinearF32(opt ResizeOptions, in Shape4, src []float32, out Shape4, dst []float32) {
	resizeBilinearViaFloat(opt, in, src, out, dst, 0, func(v float32) float32 { return v })
}

// resizeBilinearViaFloat runs TFLite's float-arithmetic ResizeBilinear,
// adding roundingOffset before converting each result with conv.
func resizeBilinearViaFloat[T uint8 | float32](opt ResizeOptions, in Shape4, src []T, out Shape4, dst []T, roundingOffset float32, conv func(float32) T) {
	scaleY := resizeScale(in.H, out.H, opt.AlignCorners)
	scaleX := resizeScale(in.W, out.W, opt.AlignCorners)
	i := 0
	for n := range out.N {
		for y := range out.H {
			posY, y0, y1 := bilinearSource(y, scaleY, opt.HalfPixelCenters, in.H)
			dy := posY - float32(y0)
			for x := range out.W {
				posX, x0, x1 := bilinearSource(x, scaleX, opt.HalfPixelCenters, in.W)
				dx := posX - float32(x0)
				r00 := ((n*in.H+y0)*in.W + x0) * in.C
				r10 := ((n*in.H+y1)*in.W + x0) * in.C
				r01 := ((n*in.H+y0)*in.W + x1) * in.C
				r11 := ((n*in.H+y1)*in.W + x1) * in.C
				for c := range out.C {
					v := bilinearFloat32(float32(src[r00+c]), float32(src[r10+c]), float32(src[r01+c]), float32(src[r11+c]), dy, dx)
					dst[i] = conv(v + roundingOffset)
					i++
				}
			}
		}
	}
}

// ResizeBilinearQ is TFLite's reference quantized RESIZE_BILINEAR. uint8 goes
// through the float expression with 0.5 added before truncation (rounding
// the non-negative result); int8 uses TFLite's ResizeBilinearInteger, with
// 10-bit fixed-point source positions and a rounded 20-bit product.
// Quantization is shared between input and output.
func ResizeBilinearQ[T int8 | uint8](opt ResizeOptions, in Shape4, src []T, out Shape4, dst []T) {
	switch s := any(src).(type) {
	case []uint8:
		d := any(dst).([]uint8)
		resizeBilinearViaFloat(opt, in, s, out, d, 0.5, func(v float32) uint8 {
			return uint8(min(max(v, 0), math.MaxUint8)) // v is in [0.5, 255.5]
		})
	case []int8:
		resizeBilinearInt8(opt, in, s, out, any(dst).([]int8))
	}
}

// scale10 returns round(in/out) in 10-bit fixed point, as TFLite's
// ResizeBilinearInteger computes it.
func scale10(in, out int, alignCorners bool) int32 {
	if alignCorners && out > 1 {
		return int32(((1<<10)*(in-1) + (out-1)/2) / (out - 1))
	}
	return int32(((1<<10)*in + out/2) / out)
}

// bilinearSource10 is bilinearSource in 10-bit fixed point.
func bilinearSource10(v int, scale int32, halfPixel bool, inSize int) (pos int32, lo, hi int) {
	if halfPixel {
		pos = int32(v)*scale + scale/2 - (1 << 9)
	} else {
		pos = int32(v) * scale
	}
	lo = int(max(pos/(1<<10), 0))
	hi = min(int((pos+(1<<10)-1)/(1<<10)), inSize-1)
	return pos, lo, hi
}

// resizeBilinearInt8 is TFLite's ResizeBilinearInteger for int8.
func resizeBilinearInt8(opt ResizeOptions, in Shape4, src []int8, out Shape4, dst []int8) {
	scaleY := scale10(in.H, out.H, opt.AlignCorners)
	scaleX := scale10(in.W, out.W, opt.AlignCorners)
	i := 0
	for n := range out.N {
		for y := range out.H {
			posY, y0, y1 := bilinearSource10(y, scaleY, opt.HalfPixelCenters, in.H)
			wy1 := int64(posY - (1<<10)*int32(y0)) // weight of row y1
			wy0 := 1<<10 - wy1
			for x := range out.W {
				posX, x0, x1 := bilinearSource10(x, scaleX, opt.HalfPixelCenters, in.W)
				wx1 := int64(posX - (1<<10)*int32(x0))
				wx0 := 1<<10 - wx1
				r00 := ((n*in.H+y0)*in.W + x0) * in.C
				r10 := ((n*in.H+y1)*in.W + x0) * in.C
				r01 := ((n*in.H+y0)*in.W + x1) * in.C
				r11 := ((n*in.H+y1)*in.W + x1) * in.C
				for c := range out.C {
					sum := int64(src[r00+c])*wy0*wx0 + int64(src[r10+c])*wy1*wx0 +
						int64(src[r01+c])*wy0*wx1 + int64(src[r11+c])*wy1*wx1
					round := int64(1 << 19)
					if sum <= 0 {
						round = -round
					}
					dst[i] = int8((sum + round) / (1 << 20))
					i++
				}
			}
		}
	}
}

// nearestSource returns the input index TFLite's GetNearestNeighbor picks
// for output index v.
func nearestSource(v, inSize, outSize int, opt ResizeOptions) int {
	scale := resizeScale(inSize, outSize, opt.AlignCorners)
	var offset float32
	if opt.HalfPixelCenters {
		offset = 0.5
	}
	pos := float64(float32(float32(v)+offset) * scale)
	var idx int
	if opt.AlignCorners {
		idx = int(math.Round(pos))
	} else {
		idx = int(math.Floor(pos))
	}
	idx = min(idx, inSize-1)
	if opt.HalfPixelCenters {
		idx = max(idx, 0)
	}
	return idx
}

// ResizeNearestNeighbor is RESIZE_NEAREST_NEIGHBOR for any element type, as
// TFLite's reference kernel: each output pixel copies the input pixel
// nearestSource selects.
func ResizeNearestNeighbor[T any](opt ResizeOptions, in Shape4, src []T, out Shape4, dst []T) {
	i := 0
	for n := range out.N {
		for y := range out.H {
			sy := nearestSource(y, in.H, out.H, opt)
			for x := range out.W {
				sx := nearestSource(x, in.W, out.W, opt)
				s := ((n*in.H+sy)*in.W + sx) * in.C
				copy(dst[i:i+out.C], src[s:s+in.C])
				i += out.C
			}
		}
	}
}
