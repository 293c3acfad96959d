//go:build arm64 && !purego

package kernels

import (
	"math"
	"unsafe"
)

// packing is the weight layout and micro-kernel family a target runs
// PointwiseQ with.
type packing uint8

const (
	packNone packing = iota // portable Go on the caller's filter
	packNeon                // int16 w + FilterOffset for SMLAL by lane
	packDot                 // the caller's bytes for SDOT/UDOT by lane
)

// Geometry of the arm64 packings and micro-kernels: tiles of four pixels by
// one group of 16 output channels, weights in steps of four input bytes.
const (
	armTilePixels = 4
	armGroup      = 16
	armGroupStep  = armGroup * 4        // packed weights per four input bytes of a group
	neonMaxOffset = math.MaxInt16 - 255 // largest FilterOffset whose w + iw fits int16
	neonMinOffset = math.MinInt16 + 128 // smallest such FilterOffset
)

// packingOf returns the packing with which target runs PointwiseQ: that of
// its assembly micro-kernels when this CPU runs it, else packNone. The fp16
// target, a superset of dotprod, runs the dotprod kernels.
func packingOf(target string) packing {
	switch {
	case target == DotProd && hasDotProd, target == FP16 && hasFP16:
		return packDot
	case target == Neon && hasNeon:
		return packNeon
	}
	return packNone
}

// pointwiseSIMD is the packed form of a PointwiseQ for the arm64 targets.
//
// The neon target stores w' = w + FilterOffset as int16 and widens
// activations to int16, so that Σ (a + ia)·w' = D + ia·Σw' with D the
// micro-kernel's Σ a·w' and ia·Σw' folded into the channel's bias.
//
// The dotprod target multiplies the caller's bytes as they are, uint8 by
// uint8 (UDOT) or int8 by int8 (SDOT). With K = inDepth the reference sum
// splits, in wrapping int32 arithmetic, into
//
//	Σ (a + ia)(w + iw) = D + iw·Σa + ia·Σw + K·ia·iw
//
// where D = Σ a·w; the last two terms join the bias at construction, and
// iw·Σa is summed once per pixel when iw is not zero (int8 layers with
// symmetric weights skip it).
type pointwiseSIMD struct {
	packing  packing
	packed   []byte  // dotprod: [group][kq][16 channels][4 bytes]
	packed16 []int16 // neon: [group][kq][4 bytes][16 channels]
	table    []int32 // [group][requantRows][16]: see rowBias; the right shift row negated
}

// pack packs k's weights for target when this CPU runs one of its
// micro-kernel families; otherwise k stays on the reference.
func (k *PointwiseQ[T]) pack(target string) {
	switch packingOf(target) {
	case packDot:
		k.packDot()
	case packNeon:
		if k.r.FilterOffset >= neonMinOffset && k.r.FilterOffset <= neonMaxOffset {
			k.packNeon()
		}
	}
}

// packNeon packs k's filter, bias and requantization constants for the
// neon micro-kernels; every w + FilterOffset must fit int16.
func (k *PointwiseQ[T]) packNeon() {
	r, inDepth, outDepth := k.r, k.inDepth, k.outDepth
	k.packing = packNeon
	groups := (outDepth + armGroup - 1) / armGroup
	k.packed16 = make([]int16, groups*k.kq*armGroupStep)
	k.table = make([]int32, groups*requantRows*armGroup)
	for oc := range outDepth {
		base := oc/armGroup*k.kq*armGroupStep + oc%armGroup
		var sum int32
		for i, v := range k.filter[oc*inDepth : (oc+1)*inDepth] {
			w := int32(v) + r.FilterOffset
			sum += w
			k.packed16[base+i/4*armGroupStep+i%4*armGroup] = int16(w)
		}
		cb := k.foldedBias(oc, sum)
		k.fillArmColumn(oc, cb)
	}
}

// packDot packs k's filter, bias and requantization constants for the
// dotprod micro-kernels.
func (k *PointwiseQ[T]) packDot() {
	r, inDepth, outDepth := k.r, k.inDepth, k.outDepth
	k.packing = packDot
	groups := (outDepth + armGroup - 1) / armGroup
	k.packed = make([]byte, groups*k.kq*armGroupStep)
	k.table = make([]int32, groups*requantRows*armGroup)
	for oc := range outDepth {
		base := oc/armGroup*k.kq*armGroupStep + oc%armGroup*4
		var sum int32
		for i, v := range k.filter[oc*inDepth : (oc+1)*inDepth] {
			sum += int32(v)
			k.packed[base+i/4*armGroupStep+i%4] = byte(v)
		}
		cb := k.foldedBias(oc, sum+int32(inDepth)*r.FilterOffset)
		k.fillArmColumn(oc, cb)
	}
}

// fillArmColumn writes channel oc's column of k.table with channelBias as
// its bias, the right shift negated for SSHL.
func (k *PointwiseQ[T]) fillArmColumn(oc int, channelBias int32) {
	fillRequantColumn(k.table, armGroup, oc, k.r, channelBias)
	right := &k.table[oc/armGroup*requantRows*armGroup+rowRightShift*armGroup+oc%armGroup]
	*right = -*right
}

// runPacked runs pixels [p0, p1) with the packed micro-kernels and reports
// whether k has them.
func (k *PointwiseQ[T]) runPacked(in, out []T, p0, p1 int) bool {
	if k.packing == packNone {
		return false
	}
	k.runArm(in, out, p0, p1)
	return true
}

// armTile is what the tile kernels compute: for groups packed groups of
// 16 output channels from the one at w (wStride bytes apart, their tables
// [requantRows][16]int32 one after another from table), the dot products
// of four pixels over kq groups of four input bytes, starting from the
// table's bias plus terms[pixel] (or, when init is not nil, from init's
// [4][16]int32, one group's), requantized into the first pixels pixels'
// outputs: group g's 16 bytes of pixel i at out + g·16 + i·outStride. The assembly reads its fields at the
// offsets in qgemm_tile_arm64.h.
type armTile struct {
	rows                      [armTilePixels]*byte
	w                         unsafe.Pointer
	wStride, kq               int
	table                     *int32
	groups                    int
	init                      *int32
	out                       *byte
	outStride, pixels         int
	terms                     [armTilePixels]int32
	outOffset, actMin, actMax int32
}

// runArm is Run for the arm64 targets: tiles of four pixels, each against
// every packed group of 16 output channels in one kernel call; a last
// partial group writes through a buffer. A last tile of fewer pixels
// repeats its last pixel. The kernels read whole groups of four input
// bytes, which may pass a pixel's end by up to three bytes: a tile with a
// pixel whose padded group would pass the end of the input goes group by
// group, the kernels starting from the products of the last one to three
// bytes, computed in Go, and reading only the whole groups.
func (k *PointwiseQ[T]) runArm(in, out []T, p0, p1 int) {
	kd, n := k.inDepth, k.outDepth
	t := armTile{outOffset: k.r.OutputOffset, actMin: k.r.ActMin, actMax: k.r.ActMax}
	var init [armTilePixels * armGroup]int32
	safeEnd := k.safeEnd(len(in))
	whole := n / armGroup
	for p := p0; p < p1; p += armTilePixels {
		t.pixels = min(armTilePixels, p1-p)
		tile := in[p*kd : (p+t.pixels)*kd] // the bytes of the tile's pixels
		for i := range t.rows {
			t.rows[i] = bytePtr(tile[min(i, t.pixels-1)*kd:])
		}
		k.pixelTerms(&t)
		o := out[p*n : (p+t.pixels-1)*n+n] // the outputs written, checked
		t.kq = k.kq
		if p+t.pixels > safeEnd {
			t.kq = kd / 4
		}
		if t.kq == k.kq && whole > 0 {
			k.runGroups(t, 0, whole, bytePtr(o), n)
		} else if t.kq < k.kq {
			t.init = &init[0]
			for g := range whole {
				k.tailProducts(tile, &t, g, &init)
				k.runGroups(t, g, 1, bytePtr(o[g*armGroup:]), n)
			}
		}
		if whole*armGroup < n {
			if t.kq < k.kq {
				t.init = &init[0]
				k.tailProducts(tile, &t, whole, &init)
			}
			var buf [armTilePixels * armGroup]byte
			k.runGroups(t, whole, 1, &buf[0], armGroup)
			for i := range t.pixels {
				for c := range n - whole*armGroup {
					o[i*n+whole*armGroup+c] = T(buf[i*armGroup+c])
				}
			}
		}
		t.init = nil
	}
}

// runGroups runs the tile kernel on t for groups packed groups from g,
// writing to out with outStride. It takes t by value so that the stack
// buffers its pointers may reach stay on the stack.
func (k *PointwiseQ[T]) runGroups(t armTile, g, groups int, out *byte, outStride int) {
	t.groups, t.out, t.outStride = groups, out, outStride
	t.table = &k.table[g*requantRows*armGroup]
	if k.packing == packNeon {
		t.w, t.wStride = unsafe.Pointer(&k.packed16[g*k.kq*armGroupStep]), k.kq*armGroupStep*2
		if k.signedActs {
			tileNeonS8(&t)
		} else {
			tileNeonU8(&t)
		}
		return
	}
	t.w, t.wStride = unsafe.Pointer(&k.packed[g*k.kq*armGroupStep]), k.kq*armGroupStep
	if k.signedActs {
		tileDotS8(&t)
	} else {
		tileDotU8(&t)
	}
}

// pixelTerms sets t.terms: for the dotprod packing with a non-zero
// FilterOffset iw, iw·Σa over each pixel's activations; otherwise zero.
func (k *PointwiseQ[T]) pixelTerms(t *armTile) {
	iw := k.r.FilterOffset
	if k.packing != packDot || iw == 0 {
		return
	}
	if k.signedActs {
		sumRowsDotS8(t.rows[0], t.rows[1], t.rows[2], t.rows[3], k.inDepth, &t.terms[0])
	} else {
		sumRowsDotU8(t.rows[0], t.rows[1], t.rows[2], t.rows[3], k.inDepth, &t.terms[0])
	}
	for i := range t.terms {
		t.terms[i] *= iw
	}
}

// tailProducts stores into init, for packed group g and the pixels of
// tile, where the kernels start when they may not read a padded group: the
// bias and the pixel's term of t plus the products of the last inDepth
// mod 4 bytes, which the kernels leave out.
func (k *PointwiseQ[T]) tailProducts(tile []T, t *armTile, g int, init *[armTilePixels * armGroup]int32) {
	bias := k.table[g*requantRows*armGroup+rowBias*armGroup:][:armGroup]
	kd, last := k.inDepth, k.kq-1
	for i := range t.pixels {
		for c, b := range bias {
			init[i*armGroup+c] = b + t.terms[i]
		}
		x := tile[i*kd : (i+1)*kd]
		for j := 4 * last; j < kd; j++ {
			v := int32(x[j])
			for c := range armGroup {
				init[i*armGroup+c] += v * k.packedWeight(g, last, j%4, c)
			}
		}
	}
}

// packedWeight returns the weight that packed group g holds for byte j of
// group q of four input bytes and channel c of the group, as the
// micro-kernels multiply it.
func (k *PointwiseQ[T]) packedWeight(g, q, j, c int) int32 {
	base := (g*k.kq + q) * armGroupStep
	if k.packing == packNeon {
		return int32(k.packed16[base+j*armGroup+c])
	}
	stored := k.packed[base+c*4+j]
	if k.signedActs {
		return int32(int8(stored))
	}
	return int32(stored)
}

// The tile kernels, in qgemm_4x16_neon_arm64.s (packed16) and
// qgemm_4x16c4_dotprod_arm64.s (packed): see armTile.

//go:noescape
func tileNeonU8(t *armTile)

//go:noescape
func tileNeonS8(t *armTile)

//go:noescape
func tileDotU8(t *armTile)

//go:noescape
func tileDotS8(t *armTile)

// sumRowsDotU8 stores into sums[p] the sum of the n bytes at ap, p < 4, as
// uint8; sumRowsDotS8 as int8. In qgemm_4x16c4_dotprod_arm64.s.
//
//go:noescape
func sumRowsDotU8(a0, a1, a2, a3 *byte, n int, sums *int32)

//go:noescape
func sumRowsDotS8(a0, a1, a2, a3 *byte, n int, sums *int32)
