package models

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func resizedBytes(src []byte, sw, sh, dw, dh, channels int) []byte {
	dst := make([]byte, dw*dh*channels)
	ResizeBilinear(dst, dw, dh, src, sw, sh, channels)
	return dst
}

func TestResizeBilinearByHand(t *testing.T) {
	// 2×2 → 1×1: integer step 2 in both axes is libyuv's 2×2 box with
	// rounding: (10+20+30+42+2)>>2 = 26.
	assert.Equal(t, []byte{26}, resizedBytes([]byte{10, 20, 30, 42}, 2, 2, 1, 1, 1))

	// 4×4 → 2×2, three channels: each output is its block's rounded mean.
	src := make([]byte, 4*4*3)
	for i := range src {
		src[i] = byte(i * 5)
	}
	want := make([]byte, 2*2*3)
	for oy := range 2 {
		for ox := range 2 {
			for c := range 3 {
				sum := 0
				for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
					sum += int(src[((2*oy+d[0])*4+2*ox+d[1])*3+c])
				}
				want[(oy*2+ox)*3+c] = byte((sum + 2) / 4)
			}
		}
	}
	assert.Equal(t, want, resizedBytes(src, 4, 4, 2, 2, 3))

	// 3×1 → 5×1: one row makes the filter linear; enlarging steps by
	// ((3<<16) − 0x10001)/4 = 32767 from 0, so the positions are 0, 32767,
	// 65534, 98301, 131068: columns 0, 0, 0, 1, 1 with 7-bit fractions 0,
	// 63, 127, 63, 127, blended as (a·(127−f) + b·f)>>7:
	// 40·127>>7 = 39, (40·64+100·63)>>7 = 69, 100·127>>7 = 99,
	// (100·64+200·63)>>7 = 148, 200·127>>7 = 198.
	assert.Equal(t, []byte{39, 69, 99, 148, 198}, resizedBytes([]byte{40, 100, 200}, 3, 1, 5, 1, 1))

	// 2×2 → 2×3: same width, so libyuv interpolates rows only
	// (ScalePlaneVertical), stepping by (0x20000 − 0x10001)/2 = 32767 and
	// clamping y to 0xffff: fractions 0, 127 and 255 between the rows:
	// (0·129 + 200·127 + 128)>>8 = 99, (0·1 + 200·255 + 128)>>8 = 199.
	assert.Equal(t, []byte{0, 100, 99, 100, 199, 100}, resizedBytes([]byte{0, 100, 200, 100}, 2, 2, 2, 3, 1))

	// 5×5 → 1×1 is an odd integer step: point sampling at the centre.
	src = make([]byte, 25)
	src[12] = 77
	assert.Equal(t, []byte{77}, resizedBytes(src, 5, 5, 1, 1, 1))
}

func TestResizeBilinearIdentityCopies(t *testing.T) {
	src := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
	dst := resizedBytes(src, 3, 2, 3, 2, 3)
	assert.Equal(t, src, dst)
	dst[0] = 99
	assert.Equal(t, byte(1), src[0])
}

func TestResizeBilinearChannelsAreIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][4]int{{17, 13, 7, 5}, {5, 4, 11, 9}, {9, 9, 9, 4}, {8, 1, 3, 1}, {6, 6, 3, 3}, {3, 8, 5, 8}} {
		sw, sh, dw, dh := size[0], size[1], size[2], size[3]
		src := randomPixels(rng, sw*sh*3)
		rgb := resizedBytes(src, sw, sh, dw, dh, 3)
		for c := range 3 {
			plane := make([]byte, sw*sh)
			for i := range plane {
				plane[i] = src[3*i+c]
			}
			one := resizedBytes(plane, sw, sh, dw, dh, 1)
			for i := range one {
				require.Equal(t, one[i], rgb[3*i+c], "%v channel %d pixel %d", size, c, i)
			}
		}
	}
}

func TestResizeBilinearMatchesLibyuvSpelledOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := [][4]int{
		{640, 480, 300, 300}, {300, 300, 300, 300}, {8, 8, 4, 4}, {12, 8, 4, 4}, {8, 12, 4, 2},
		{10, 10, 2, 2}, {9, 9, 3, 3}, {15, 10, 3, 2}, {4, 4, 8, 8}, {3, 5, 3, 15}, {7, 7, 7, 3},
		{1, 5, 4, 3}, {5, 1, 3, 4}, {1, 1, 3, 2}, {6, 2, 2, 6}, {2, 6, 6, 2}, {224, 224, 300, 300},
		{4, 9, 4, 3}, {16, 3, 5, 1},
	}
	for range 150 {
		sizes = append(sizes, [4]int{1 + rng.IntN(40), 1 + rng.IntN(40), 1 + rng.IntN(40), 1 + rng.IntN(40)})
	}
	for _, size := range sizes {
		sw, sh, dw, dh := size[0], size[1], size[2], size[3]
		rgb := randomPixels(rng, sw*sh*3)
		argb := make([]byte, sw*sh*4)
		for i := range sw * sh {
			copy(argb[4*i:], rgb[3*i:3*i+3])
			argb[4*i+3] = 255
		}
		want := libyuvARGBScale(argb, sw, sh, dw, dh)
		got := resizedBytes(rgb, sw, sh, dw, dh, 3)
		for i := range dw * dh {
			require.Equal(t, want[4*i:4*i+3], got[3*i:3*i+3], "%d×%d → %d×%d, pixel %d", sw, sh, dw, dh, i)
		}
	}
}

func TestResizeBilinearAllocatesNothing(t *testing.T) {
	src := randomPixels(rand.New(rand.NewPCG(5, 6)), 64*48*3)
	dst := make([]byte, 30*30*3)
	allocs := testing.AllocsPerRun(5, func() { ResizeBilinear(dst, 30, 30, src, 64, 48, 3) })
	assert.Zero(t, allocs)
}

func randomPixels(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// atOnlyImage hides an image's type so that ToPacked goes through At.
type atOnlyImage struct{ image.Image }

func TestToPackedSameBytesForEveryType(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r := image.Rect(3, -2, 10, 3)
	nrgba := image.NewNRGBA(r)
	rgba := image.NewRGBA(r)
	for i := 0; i < len(nrgba.Pix); i += 4 {
		copy(nrgba.Pix[i:i+3], randomPixels(rng, 3))
		nrgba.Pix[i+3] = 255
	}
	copy(rgba.Pix, nrgba.Pix)
	want := make([]byte, 0, r.Dx()*r.Dy()*3)
	wantGray := make([]byte, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := nrgba.NRGBAAt(x, y)
			want = append(want, c.R, c.G, c.B)
			wantGray = append(wantGray, color.GrayModel.Convert(c).(color.Gray).Y)
		}
	}
	for _, img := range []image.Image{nrgba, rgba, atOnlyImage{nrgba}, atOnlyImage{rgba}} {
		assert.Equal(t, want, ToPacked(nil, img, 3), "%T", img)
		assert.Equal(t, wantGray, ToPacked(nil, img, 1), "%T", img)
	}

	gray := image.NewGray(r)
	copy(gray.Pix, randomPixels(rng, len(gray.Pix)))
	greyRGB := image.NewRGBA(r)
	for i, v := range gray.Pix {
		greyRGB.Pix[4*i], greyRGB.Pix[4*i+1], greyRGB.Pix[4*i+2], greyRGB.Pix[4*i+3] = v, v, v, 255
	}
	assert.Equal(t, gray.Pix, ToPacked(nil, gray, 1))
	assert.Equal(t, gray.Pix, ToPacked(nil, greyRGB, 1))
	assert.Equal(t, ToPacked(nil, greyRGB, 3), ToPacked(nil, gray, 3))
	assert.Equal(t, ToPacked(nil, greyRGB, 3), ToPacked(nil, atOnlyImage{gray}, 3))
}

func TestToPackedYCbCr(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		full := image.NewYCbCr(image.Rect(-1, 1, 8, 8), ratio)
		copy(full.Y, randomPixels(rng, len(full.Y)))
		copy(full.Cb, randomPixels(rng, len(full.Cb)))
		copy(full.Cr, randomPixels(rng, len(full.Cr)))
		for _, img := range []*image.YCbCr{full, full.SubImage(image.Rect(0, 2, 7, 7)).(*image.YCbCr)} {
			b := img.Bounds()
			var want, wantGray []byte
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					c := img.At(x, y).(color.YCbCr)
					r, g, bl := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					want = append(want, r, g, bl)
					wantGray = append(wantGray, color.GrayModel.Convert(color.RGBA{r, g, bl, 255}).(color.Gray).Y)
				}
			}
			name := fmt.Sprintf("%v %v", ratio, b)
			assert.Equal(t, want, ToPacked(nil, img, 3), name)
			assert.Equal(t, wantGray, ToPacked(nil, img, 1), name)
		}
	}
}

func TestToPackedReusesDst(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	buf := make([]byte, 0, 20*10*3)
	allocs := testing.AllocsPerRun(5, func() { buf = ToPacked(buf, img, 3) })
	assert.Zero(t, allocs)
	assert.Len(t, buf, 600)
	small := make([]byte, 3)
	assert.Len(t, ToPacked(small, img, 1), 200)
}

// libyuvARGBScale is libyuv's ARGBScale(..., kFilterBilinear) on ARGB
// pixels written out the way the C code does it: ScaleFilterReduce,
// ScaleSlope, the dispatch of ScaleARGB, whole-row buffers, the left/right
// clipping of ScaleARGBBilinearDown and the two-row rolling buffer of
// ScaleARGBBilinearUp.
func libyuvARGBScale(src []byte, sw, sh, dw, dh int) []byte {
	const (
		none = iota
		linear
		bilinear
	)
	stride := sw * 4
	dst := make([]byte, dw*dh*4)
	dstStride := dw * 4

	filtering := bilinear
	if sh == 1 {
		filtering = linear
	}
	if dh == sh || dh*3 == sh {
		filtering = linear
	}
	if sw == 1 {
		filtering = none
	}
	if filtering == linear && (sw == 1 || dw == sw || dw*3 == sw) {
		filtering = none
	}

	fixedDiv := func(n, d int) int { return int(int32((int64(n) << 16) / int64(d))) }
	fixedDiv1 := func(n, d int) int { return int(int32(((int64(n) << 16) - 0x00010001) / int64(d-1))) }
	var x, y, dx, dy int
	switch filtering {
	case bilinear, linear:
		if dw <= sw {
			dx = fixedDiv(sw, dw)
			x = (dx >> 1) - 32768
		} else if sw > 1 && dw > 1 {
			dx = fixedDiv1(sw, dw)
		}
		if filtering == linear {
			dy = fixedDiv(sh, dh)
			y = dy >> 1
		} else if dh <= sh {
			dy = fixedDiv(sh, dh)
			y = (dy >> 1) - 32768
		} else if sh > 1 && dh > 1 {
			dy = fixedDiv1(sh, dh)
		}
	default:
		dx = fixedDiv(sw, dw)
		dy = fixedDiv(sh, dh)
		x = dx >> 1
		y = dy >> 1
	}

	interpolateRow := func(out []byte, row0, row1 []byte, width, frac int) {
		if frac == 0 {
			copy(out[:width], row0[:width])
			return
		}
		if frac == 128 {
			for i := range width {
				out[i] = byte((int(row0[i]) + int(row1[i]) + 1) >> 1)
			}
			return
		}
		for i := range width {
			out[i] = byte((int(row0[i])*(256-frac) + int(row1[i])*frac + 128) >> 8)
		}
	}
	filterCols := func(out []byte, row []byte, width, x, dx int) {
		for j := range width {
			xi := x >> 16
			xf := (x >> 9) & 0x7f
			for c := range 4 {
				a, b := int(row[xi*4+c]), int(row[(xi+1)*4+c])
				out[j*4+c] = byte((a*(0x7f^xf) + b*xf) >> 7)
			}
			x += dx
		}
	}
	cols := func(out []byte, row []byte, width, x, dx int) {
		for j := range width {
			copy(out[j*4:j*4+4], row[(x>>16)*4:])
			x += dx
		}
	}
	box := func(out []byte, top, bottom []byte, width, step int) {
		for j := range width {
			for c := range 4 {
				out[j*4+c] = byte((int(top[j*step*4+c]) + int(top[j*step*4+4+c]) + int(bottom[j*step*4+c]) + int(bottom[j*step*4+4+c]) + 2) >> 2)
			}
		}
	}

	if (dx|dy)&0xffff == 0 {
		if dx == 0 || dy == 0 {
			filtering = none
		} else {
			if dx&0x10000 == 0 && dy&0x10000 == 0 {
				// ScaleARGBDown2 (box for bilinear) and ScaleARGBDownEven.
				start := (y>>16)*stride + (x>>16)*4
				for j := range dh {
					top := src[start+j*(dy>>16)*stride:]
					box(dst[j*dstStride:], top, top[stride:], dw, dx>>16)
				}
				return dst
			}
			if dx&0x10000 != 0 && dy&0x10000 != 0 {
				filtering = none
				if dx == 0x10000 && dy == 0x10000 {
					start := (y>>16)*stride + (x>>16)*4
					for j := range dh {
						copy(dst[j*dstStride:(j+1)*dstStride], src[start+j*stride:])
					}
					return dst
				}
			}
		}
	}
	if dx == 0x10000 && x&0xffff == 0 {
		// ScalePlaneVertical.
		maxY := 0
		if sh > 1 {
			maxY = ((sh - 1) << 16) - 1
		}
		base := (x >> 16) * 4
		for j := range dh {
			y = min(y, maxY)
			yf := 0
			if filtering != none {
				yf = (y >> 8) & 255
			}
			row := src[(y>>16)*stride+base:]
			var next []byte
			if yf != 0 {
				next = row[stride:]
			}
			interpolateRow(dst[j*dstStride:], row, next, dw*4, yf)
			y += dy
		}
		return dst
	}
	if filtering != none && dy < 65536 {
		// ScaleARGBBilinearUp with its two-row rolling buffer.
		scaleCols := filterCols
		maxY := (sh - 1) << 16
		y = min(y, maxY)
		yi := y >> 16
		srcRow := yi
		rowSize := (dw*4 + 31) &^ 31
		buf := make([]byte, 2*rowSize)
		rowptr, rowstride := 0, rowSize
		lasty := yi
		scaleCols(buf[rowptr:], src[srcRow*stride:], dw, x, dx)
		if sh > 1 {
			srcRow++
		}
		scaleCols(buf[rowptr+rowstride:], src[srcRow*stride:], dw, x, dx)
		if sh > 2 {
			srcRow++
		}
		for j := range dh {
			y = min(y, maxY)
			yi = y >> 16
			if yi != lasty {
				scaleCols(buf[rowptr:], src[srcRow*stride:], dw, x, dx)
				rowptr += rowstride
				rowstride = -rowstride
				lasty = yi
				if y+65536 < maxY {
					srcRow++
				}
			}
			if filtering == linear {
				interpolateRow(dst[j*dstStride:], buf[rowptr:], nil, dw*4, 0)
			} else {
				yf := (y >> 8) & 255
				interpolateRow(dst[j*dstStride:], buf[rowptr:], buf[rowptr+rowstride:], dw*4, yf)
			}
			y += dy
		}
		return dst
	}
	if filtering != none {
		// ScaleARGBBilinearDown on the clipped columns.
		xlast := x + (dw-1)*dx
		xl := (x >> 16) &^ 3
		xr := (xlast >> 16) + 1
		xr = (xr + 1 + 3) &^ 3
		xr = min(xr, sw)
		clipWidth := (xr - xl) * 4
		x -= xl << 16
		row := make([]byte, clipWidth)
		maxY := (sh - 1) << 16
		for j := range dh {
			y = min(y, maxY)
			line := src[(y>>16)*stride+xl*4:]
			if filtering == linear {
				filterCols(dst[j*dstStride:], line, dw, x, dx)
			} else {
				yf := (y >> 8) & 255
				var next []byte
				if yf != 0 {
					next = line[stride:]
				}
				interpolateRow(row, line, next, clipWidth, yf)
				filterCols(dst[j*dstStride:], row, dw, x, dx)
			}
			y += dy
		}
		return dst
	}
	// ScaleARGBSimple.
	maxY := (sh - 1) << 16
	for j := range dh {
		y = min(y, maxY)
		cols(dst[j*dstStride:], src[(y>>16)*stride:], dw, x, dx)
		y += dy
	}
	return dst
}
