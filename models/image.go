package models

import (
	"fmt"
	"image"
	"image/color"
)

// ToPacked writes img's pixels as packed RGB (channels 3) or luma (channels
// 1) into dst (grown if short) and returns it, row after row from the top
// left of img's bounds.
//
// *image.RGBA and *image.NRGBA give their stored R, G, B bytes as they are
// (alpha is dropped, a premultiplied RGBA stays premultiplied), *image.YCbCr
// converts each pixel with color.YCbCrToRGB, *image.Gray repeats its byte;
// other images go through At and color.Color.RGBA. Luma is Go's
// color.GrayModel formula on those R, G, B bytes (a Gray image gives its own
// bytes back), so that every image type gives the same bytes for the same
// picture. channels must be 1 or 3.
func ToPacked(dst []byte, img image.Image, channels int) []byte {
	if channels != 1 && channels != 3 {
		panic(fmt.Sprintf("models: ToPacked with %d channels, want 1 or 3", channels))
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h * channels
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	out := packer{dst: dst, gray: channels == 1}
	switch m := img.(type) {
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				out.put(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				out.put(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := m.COffset(x, y)
				out.put(color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[c], m.Cr[c]))
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for _, v := range row[:w] {
				if out.gray {
					out.dst[out.i] = v
					out.i++
				} else {
					out.put(v, v, v)
				}
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				out.put(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			}
		}
	}
	return dst
}

// packer appends pixels to dst as RGB or as luma.
type packer struct {
	dst  []byte
	i    int
	gray bool
}

func (p *packer) put(r, g, b uint8) {
	if p.gray {
		p.dst[p.i] = luma(r, g, b)
		p.i++
		return
	}
	p.dst[p.i], p.dst[p.i+1], p.dst[p.i+2] = r, g, b
	p.i += 3
}

// luma is color.GrayModel's conversion of 8-bit R, G, B (each widened to 16
// bits as color.Color.RGBA reports it).
func luma(r, g, b uint8) uint8 {
	r16, g16, b16 := uint32(r)*0x101, uint32(g)*0x101, uint32(b)*0x101
	return uint8((19595*r16 + 38470*g16 + 7471*b16 + 1<<15) >> 24)
}

// ResizeBilinear scales a packed src (sw×sh×channels) into dst
// (dw×dh×channels) with libyuv's bilinear filter.
//
// It reproduces what TFLite's Task Library gets from libyuv::ARGBScale(...,
// kFilterBilinear) after RGB → ARGB (libyuv source/scale_argb.cc ScaleARGB,
// source/scale_common.cc ScaleFilterReduce, ScaleSlope and the C row
// functions, as of the lemenkov/libyuv mirror at 44d9bc68): every channel
// byte is scaled independently, so 3 (or 1) bytes per pixel give the same
// bytes as 4. The arithmetic, with sizes in pixels and positions in 16.16
// fixed point:
//
//   - ScaleFilterReduce: bilinear becomes linear (horizontal only) when
//     sh = 1, dh = sh or 3·dh = sh, and none when sw = 1; linear becomes
//     none when sw = 1, dw = sw or 3·dw = sw.
//   - ScaleSlope: shrinking (or keeping) an axis steps by
//     FixedDiv(s, d) = (s<<16)/d from (step>>1) − 0x8000 (from step>>1 without
//     filtering, and vertically from step>>1 for linear); enlarging steps by
//     FixedDiv1 = ((s<<16) − 0x10001)/(d−1) from 0.
//   - Integer steps: both even → 2×2 box averages (s0+s1+s2+s3+2)>>2 at the
//     stepped positions (ScaleARGBDown2 / ScaleARGBDownEven with
//     ScaleARGBRowDown*Box_C); both odd → point sampling (a straight copy
//     for equal sizes).
//   - Width unchanged and the start column whole → ScalePlaneVertical:
//     InterpolateRow_C between rows, with y clamped to ((sh−1)<<16) − 1.
//   - Vertical step < 1 → ScaleARGBBilinearUp: each row first filtered
//     horizontally by ScaleARGBFilterCols_C with a 7-bit fraction
//     f = (x>>9)&127, (a·(127−f) + b·f)>>7 (libyuv's SSSE3-compatible
//     blender, which maps f = 0 to a·127>>7), then rows blended by
//     InterpolateRow_C with the 8-bit fraction f = (y>>8)&255:
//     a for f = 0, else (a·(256−f) + b·f + 128)>>8. y is clamped to
//     (sh−1)<<16.
//   - Otherwise ScaleARGBBilinearDown: rows blended by InterpolateRow_C
//     first, then ScaleARGBFilterCols_C across; linear skips the rows.
//   - No filter left → ScaleARGBSimple point sampling x>>16, y>>16.
//
// For one channel this is the ARGB arithmetic on grey bytes; the Task
// Library itself scales grey frames with libyuv::ScalePlane, whose filters
// round differently. dst and src must hold their sizes; nothing is
// allocated. Sizes beyond libyuv's 32768 limit follow the same formulas.
func ResizeBilinear(dst []byte, dw, dh int, src []byte, sw, sh, channels int) {
	if dw <= 0 || dh <= 0 || sw <= 0 || sh <= 0 || channels <= 0 {
		return
	}
	s := &scaler{dst: dst, dw: dw, dh: dh, src: src, sw: sw, sh: sh, bpp: channels}
	filter := reduceFilter(sw, sh, dw, dh)
	x, y, dx, dy := scaleSlope(sw, sh, dw, dh, filter)
	if (dx|dy)&0xffff == 0 {
		switch {
		case dx == 0 || dy == 0:
			filter = filterNone
		case dx&0x10000 == 0 && dy&0x10000 == 0:
			// Even steps come only from bilinear filtering, which libyuv
			// turns into 2×2 box averages.
			s.boxEven(x, dx, y, dy)
			return
		case dx&0x10000 != 0 && dy&0x10000 != 0:
			filter = filterNone
			if dx == 0x10000 && dy == 0x10000 {
				s.copyRows(x>>16, y>>16)
				return
			}
		}
	}
	switch {
	case dx == 0x10000 && x&0xffff == 0:
		s.vertical(x>>16, y, dy, filter != filterNone)
	case filter != filterNone && dy < 0x10000:
		s.bilinearUp(x, dx, y, dy, filter == filterBilinear)
	case filter != filterNone:
		s.bilinearDown(x, dx, y, dy, filter == filterBilinear)
	default:
		s.pointSample(x, dx, y, dy)
	}
}

// filterMode is libyuv's FilterMode, without the box filter.
type filterMode int

const (
	filterNone     filterMode = iota // point sampling
	filterLinear                     // horizontal interpolation only
	filterBilinear                   // horizontal and vertical interpolation
)

// reduceFilter is libyuv's ScaleFilterReduce for kFilterBilinear.
func reduceFilter(sw, sh, dw, dh int) filterMode {
	filter := filterBilinear
	if sh == 1 || dh == sh || dh*3 == sh {
		filter = filterLinear
	}
	if sw == 1 {
		return filterNone
	}
	if filter == filterLinear && (dw == sw || dw*3 == sw) {
		return filterNone
	}
	return filter
}

// scaleSlope is libyuv's ScaleSlope: the 16.16 start and step of the source
// position along each axis.
func scaleSlope(sw, sh, dw, dh int, filter filterMode) (x, y, dx, dy int) {
	// libyuv's guard against FixedDiv overflow for one-pixel outputs.
	if dw == 1 && sw >= 32768 {
		dw = sw
	}
	if dh == 1 && sh >= 32768 {
		dh = sh
	}
	switch filter {
	case filterNone:
		dx, dy = fixedDiv(sw, dw), fixedDiv(sh, dh)
		return dx >> 1, dy >> 1, dx, dy
	case filterLinear:
		x, dx = filteredSlope(sw, dw)
		dy = fixedDiv(sh, dh)
		return x, dy >> 1, dx, dy
	}
	x, dx = filteredSlope(sw, dw)
	y, dy = filteredSlope(sh, dh)
	return x, y, dx, dy
}

// filteredSlope is ScaleSlope's interpolating axis: centred steps when
// shrinking, end-to-end steps when enlarging.
func filteredSlope(s, d int) (start, step int) {
	if d <= s {
		step = fixedDiv(s, d)
		return step>>1 - 0x8000, step
	}
	if s > 1 && d > 1 {
		return 0, (s<<16 - 0x10001) / (d - 1)
	}
	return 0, 0
}

// fixedDiv is libyuv's FixedDiv: num/div in 16.16.
func fixedDiv(num, div int) int { return num << 16 / div }

// scaler holds one ResizeBilinear call's images.
type scaler struct {
	dst         []byte
	dw, dh      int
	src         []byte
	sw, sh, bpp int
}

// at is the offset of the first byte of source pixel (x, y).
func (s *scaler) at(x, y int) int { return (y*s.sw + x) * s.bpp }

// blendCols is ScaleARGBFilterCols_C's blender with a 7-bit fraction.
func blendCols(a, b byte, f int) byte {
	return byte((int(a)*(0x7f^f) + int(b)*f) >> 7)
}

// interpolateRows is InterpolateRow_C's blend with an 8-bit fraction.
func interpolateRows(a, b byte, f int) byte {
	if f == 0 {
		return a
	}
	return byte((int(a)*(256-f) + int(b)*f + 128) >> 8)
}

// boxEven is ScaleARGBDown2 and ScaleARGBDownEven with their box rows:
// the rounded mean of the 2×2 pixels at each stepped position.
func (s *scaler) boxEven(x, dx, y, dy int) {
	x0, y0, colStep, rowStep := x>>16, y>>16, dx>>16, dy>>16
	o := 0
	for j := range s.dh {
		top := s.at(x0, y0+j*rowStep)
		bottom := s.at(x0, y0+j*rowStep+1)
		for i := range s.dw {
			p, q := top+i*colStep*s.bpp, bottom+i*colStep*s.bpp
			for c := range s.bpp {
				sum := int(s.src[p+c]) + int(s.src[p+s.bpp+c]) + int(s.src[q+c]) + int(s.src[q+s.bpp+c])
				s.dst[o] = byte((sum + 2) >> 2)
				o++
			}
		}
	}
}

// copyRows is libyuv's ARGBCopy of a source window as large as dst.
func (s *scaler) copyRows(x0, y0 int) {
	n := s.dw * s.bpp
	for j := range s.dh {
		p := s.at(x0, y0+j)
		copy(s.dst[j*n:(j+1)*n], s.src[p:p+n])
	}
}

// vertical is ScalePlaneVertical: rows interpolated, columns copied from
// column x0 on.
func (s *scaler) vertical(x0, y, dy int, filtered bool) {
	maxY := 0
	if s.sh > 1 {
		maxY = (s.sh-1)<<16 - 1
	}
	n := s.dw * s.bpp
	o := 0
	for range s.dh {
		y = min(y, maxY)
		yi, yf := y>>16, 0
		if filtered {
			yf = (y >> 8) & 255
		}
		top := s.at(x0, yi)
		bottom := top
		if yf != 0 {
			bottom = s.at(x0, yi+1)
		}
		for k := range n {
			s.dst[o] = interpolateRows(s.src[top+k], s.src[bottom+k], yf)
			o++
		}
		y += dy
	}
}

// column returns the left source column and 7-bit fraction of output
// column i, and the right column, kept inside the image. libyuv reads
// xi + 1 as it is; the slopes keep it inside the image whenever the
// fraction matters.
func (s *scaler) column(x, dx, i int) (left, right, f int) {
	pos := x + i*dx
	left = pos >> 16
	return left, min(left+1, s.sw-1), (pos >> 9) & 0x7f
}

// bilinearUp is ScaleARGBBilinearUp: rows filtered across first, then
// interpolated between (bilinear) or taken as they are (linear).
func (s *scaler) bilinearUp(x, dx, y, dy int, bilinear bool) {
	maxY := (s.sh - 1) << 16
	o := 0
	for range s.dh {
		y = min(y, maxY)
		yi, yf := y>>16, 0
		if bilinear {
			yf = (y >> 8) & 255
		}
		for i := range s.dw {
			left, right, xf := s.column(x, dx, i)
			p, q := s.at(left, yi), s.at(right, yi)
			for c := range s.bpp {
				v := blendCols(s.src[p+c], s.src[q+c], xf)
				if yf != 0 {
					below := blendCols(s.src[p+s.sw*s.bpp+c], s.src[q+s.sw*s.bpp+c], xf)
					v = interpolateRows(v, below, yf)
				}
				s.dst[o] = v
				o++
			}
		}
		y += dy
	}
}

// bilinearDown is ScaleARGBBilinearDown: rows interpolated first
// (bilinear only), then filtered across.
func (s *scaler) bilinearDown(x, dx, y, dy int, bilinear bool) {
	maxY := (s.sh - 1) << 16
	o := 0
	for range s.dh {
		y = min(y, maxY)
		yi, yf := y>>16, 0
		if bilinear {
			yf = (y >> 8) & 255
		}
		next := 0 // bytes from row yi to the row blended with it
		if yf != 0 {
			next = s.sw * s.bpp
		}
		for i := range s.dw {
			left, right, xf := s.column(x, dx, i)
			p, q := s.at(left, yi), s.at(right, yi)
			for c := range s.bpp {
				a := interpolateRows(s.src[p+c], s.src[p+next+c], yf)
				b := interpolateRows(s.src[q+c], s.src[q+next+c], yf)
				s.dst[o] = blendCols(a, b, xf)
				o++
			}
		}
		y += dy
	}
}

// pointSample is ScaleARGBSimple: the source pixel at (x>>16, y>>16).
func (s *scaler) pointSample(x, dx, y, dy int) {
	maxY := (s.sh - 1) << 16
	o := 0
	for range s.dh {
		y = min(y, maxY)
		row := y >> 16
		for i := range s.dw {
			col := min(max((x+i*dx)>>16, 0), s.sw-1)
			p := s.at(col, row)
			o += copy(s.dst[o:o+s.bpp], s.src[p:p+s.bpp])
		}
		y += dy
	}
}
