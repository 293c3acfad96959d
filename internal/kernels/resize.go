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

// resizeISA is the instruction set of a target's ResizeBilinear row kernel
// (see target); 0 runs the Go loops.
type resizeISA uint8

// resizeTap is where one output column (or row) of a bilinear resize reads:
// its two source pixels (or rows) and their weights, 1−d and d for the
// fractional part d of its source position.
type resizeTap struct {
	lo, hi int32   // element offsets of the two source pixels in a row; for rows, the source rows
	w0, w1 float32 // float weights of lo and hi
	q0, q1 int64   // int8's 10-bit fixed-point weights of lo and hi
}

// ResizeBilinear is RESIZE_BILINEAR on T prepared once for one kernel
// target, options and pair of shapes (same batch and channels): where each
// output row and column reads, and with which weights, is worked out here,
// and each worker keeps the two weighted source rows of the output row it
// computes, so that Run allocates nothing.
//
// Every target computes exactly what ResizeBilinearF32 and ResizeBilinearQ
// do. For floats and uint8, each of TFLite's four products
// source·rowWeight·columnWeight rounds source·rowWeight to float32 first:
// that product depends only on the output row, so it is computed once per
// output row and source element, then multiplied by the column weights and
// summed in TFLite's order, each step rounded to float32. For int8 the
// four fixed-point products are exact integers, summed by row first.
type ResizeBilinear[T int8 | uint8 | float32] struct {
	in, out Shape4
	cols    []resizeTap // per output column
	rows    []resizeTap // per output row
	used    []int32     // input columns some output column reads, ascending
	// weighted holds, per worker, the two source rows of an output row
	// times their row weights, in.W·in.C elements each (float32 for
	// floats and uint8, int64 for int8).
	weighted  [][]float32
	iweighted [][]int64
	isa       resizeISA
}

// NewResizeBilinear prepares RESIZE_BILINEAR with options opt from shape in
// to out (same N and C; in.H and in.W positive unless out is empty) on
// target (a name from Targets()) for up to threads concurrent workers.
func NewResizeBilinear[T int8 | uint8 | float32](target string, threads int, opt ResizeOptions, in, out Shape4) *ResizeBilinear[T] {
	if out.Size() == 0 {
		// Nothing to compute, and no tables to size by dimensions that
		// an empty tensor does not bound.
		return &ResizeBilinear[T]{in: in, out: out}
	}
	var zero T
	_, isInt8 := any(zero).(int8)
	k := &ResizeBilinear[T]{in: in, out: out,
		cols: resizeTaps(opt, in.W, out.W, in.C, isInt8),
		rows: resizeTaps(opt, in.H, out.H, 1, isInt8),
	}
	seen := make([]bool, in.W)
	for _, t := range k.cols {
		seen[int(t.lo)/in.C], seen[int(t.hi)/in.C] = true, true
	}
	for x, s := range seen {
		if s {
			k.used = append(k.used, int32(x))
		}
	}
	threads = max(threads, 1)
	if isInt8 {
		k.iweighted = make([][]int64, threads)
		for i := range k.iweighted {
			k.iweighted[i] = make([]int64, 2*in.W*in.C)
		}
		return k
	}
	k.weighted = make([][]float32, threads)
	for i := range k.weighted {
		k.weighted[i] = make([]float32, 2*in.W*in.C)
	}
	k.isa = lookupTarget(target).resize
	return k
}

// resizeTaps returns the taps of the out positions of an axis of in
// positions, each stride elements apart: with float weights where
// bilinearSource puts them, or with fixed10 10-bit weights where
// bilinearSource10 does. A lower source index past the end (which TFLite's
// arithmetic cannot produce for sizes that fit in memory, and its kernel
// would read out of bounds) is clamped.
func resizeTaps(opt ResizeOptions, in, out, stride int, fixed10 bool) []resizeTap {
	taps := make([]resizeTap, out)
	scale := resizeScale(in, out, opt.AlignCorners)
	scale10 := scale10(in, out, opt.AlignCorners)
	for v := range taps {
		t := &taps[v]
		if fixed10 {
			pos, lo, hi := bilinearSource10(v, scale10, opt.HalfPixelCenters, in)
			t.q1 = int64(pos - (1<<10)*int32(lo))
			t.q0 = 1<<10 - t.q1
			t.lo, t.hi = int32(min(lo, in-1)*stride), int32(hi*stride)
			continue
		}
		pos, lo, hi := bilinearSource(v, scale, opt.HalfPixelCenters, in)
		d := pos - float32(lo)
		t.w0, t.w1 = 1-d, d
		t.lo, t.hi = int32(min(lo, in-1)*stride), int32(hi*stride)
	}
	return taps
}

// Rows is the number of output rows that Run splits: N·out.H, or 0 when
// the output has no elements.
func (k *ResizeBilinear[T]) Rows() int {
	if k.out.Size() == 0 {
		return 0
	}
	return k.out.N * k.out.H
}

// Run computes rows [lo, hi) of the flattened N·out.H output rows of dst
// from src, as worker (below the threads NewResizeBilinear was given). It
// allocates nothing; distinct workers may run disjoint rows concurrently.
func (k *ResizeBilinear[T]) Run(worker int, src, dst []T, lo, hi int) {
	in, out := k.in, k.out
	src, dst = src[:in.Size()], dst[:out.Size()]
	inRow, outRow := in.W*in.C, out.W*out.C
	for r := lo; r < hi; r++ {
		n, t := r/out.H, k.rows[r%out.H]
		s0 := src[(n*in.H+int(t.lo))*inRow:][:inRow]
		s1 := src[(n*in.H+int(t.hi))*inRow:][:inRow]
		d := dst[r*outRow:][:outRow]
		switch d := any(d).(type) {
		case []int8:
			b := k.iweighted[worker]
			weightRowsInt8(k.used, in.C, t, any(s0).([]int8), any(s1).([]int8), b[:inRow], b[inRow:])
			resizeRowInt8(k.cols, in.C, b[:inRow], b[inRow:], d)
		case []uint8:
			b := k.weighted[worker]
			if len(k.used) == in.W { // every source column: whole rows
				weightRowUint8(k.isa, any(s0).([]uint8), t.w0, b[:inRow])
				weightRowUint8(k.isa, any(s1).([]uint8), t.w1, b[inRow:])
			} else {
				weightRows(k.used, in.C, t, any(s0).([]uint8), any(s1).([]uint8), b[:inRow], b[inRow:])
			}
			if !resizeRowSIMD(k.isa, k.cols, in.C, b, d) {
				resizeRowUint8(k.cols, in.C, b[:inRow], b[inRow:], d)
			}
		case []float32:
			b := k.weighted[worker]
			weightRows(k.used, in.C, t, any(s0).([]float32), any(s1).([]float32), b[:inRow], b[inRow:])
			resizeRowFloat32(k.cols, in.C, b[:inRow], b[inRow:], d)
		}
	}
}

// weightRows sets a0 and a1, for the used input columns, to the source
// rows s0 and s1 times the row weights of t, each product rounded to
// float32 as TFLite's first multiplication is.
func weightRows[T uint8 | float32](used []int32, c int, t resizeTap, s0, s1 []T, a0, a1 []float32) {
	for _, x := range used {
		i := int(x) * c
		v0, v1, o0, o1 := s0[i:i+c], s1[i:i+c], a0[i:i+c], a1[i:i+c]
		for j := range o0 {
			o0[j] = float32(float32(v0[j]) * t.w0)
			o1[j] = float32(float32(v1[j]) * t.w1)
		}
	}
}

// weightRowUint8 sets a to the source row s times its row weight w, each
// product rounded to float32, with the weighting kernel of isa where it
// applies.
func weightRowUint8(isa resizeISA, s []uint8, w float32, a []float32) {
	a = a[:len(s)]
	for i := weightRowSIMD(isa, s, w, a); i < len(s); i++ {
		a[i] = float32(float32(s[i]) * w)
	}
}

// resizeRowUint8 computes one uint8 output row from the weighted source
// rows: per column, TFLite's four products summed in its order, plus 0.5,
// truncated (the sum lies in [0.5, 255.5]).
func resizeRowUint8(cols []resizeTap, c int, a0, a1 []float32, dst []uint8) {
	for x, t := range cols {
		p00, p10 := a0[t.lo:][:c], a1[t.lo:][:c]
		p01, p11 := a0[t.hi:][:c], a1[t.hi:][:c]
		d := dst[x*c:][:c]
		for j := range d {
			v := float32(float32(float32(float32(p00[j]*t.w0)+float32(p10[j]*t.w0))+float32(p01[j]*t.w1)) + float32(p11[j]*t.w1))
			d[j] = uint8(min(max(v+0.5, 0), math.MaxUint8))
		}
	}
}

// resizeRowFloat32 is resizeRowUint8 for floats, without rounding (the +0
// of TFLite's zero rounding offset is kept: it turns −0 into +0).
func resizeRowFloat32(cols []resizeTap, c int, a0, a1 []float32, dst []float32) {
	for x, t := range cols {
		p00, p10 := a0[t.lo:][:c], a1[t.lo:][:c]
		p01, p11 := a0[t.hi:][:c], a1[t.hi:][:c]
		d := dst[x*c:][:c]
		for j := range d {
			v := float32(float32(float32(float32(p00[j]*t.w0)+float32(p10[j]*t.w0))+float32(p01[j]*t.w1)) + float32(p11[j]*t.w1))
			d[j] = v + 0
		}
	}
}

// weightRowsInt8 sets b0 and b1, for the used input columns, to the
// source rows s0 and s1 times the fixed-point row weights of t.
func weightRowsInt8(used []int32, c int, t resizeTap, s0, s1 []int8, b0, b1 []int64) {
	for _, x := range used {
		i := int(x) * c
		v0, v1, o0, o1 := s0[i:i+c], s1[i:i+c], b0[i:i+c], b1[i:i+c]
		for j := range o0 {
			o0[j] = int64(v0[j]) * t.q0
			o1[j] = int64(v1[j]) * t.q1
		}
	}
}

// resizeRowInt8 computes one int8 output row from the weighted source rows
// as TFLite's ResizeBilinearInteger does: the 20-bit fixed-point sum of
// the four products, rounded half away from zero (0 rounds down).
func resizeRowInt8(cols []resizeTap, c int, b0, b1 []int64, dst []int8) {
	for x, t := range cols {
		p00, p10 := b0[t.lo:][:c], b1[t.lo:][:c]
		p01, p11 := b0[t.hi:][:c], b1[t.hi:][:c]
		d := dst[x*c:][:c]
		for j := range d {
			sum := (p00[j]+p10[j])*t.q0 + (p01[j]+p11[j])*t.q1
			round := int64(1 << 19)
			if sum <= 0 {
				round = -round
			}
			d[j] = int8((sum + round) / (1 << 20))
		}
	}
}
