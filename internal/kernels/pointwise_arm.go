//go:build arm && !purego

package kernels

import "math"

// Geometry of the NEON packing and micro-kernels of PointwiseQ.
const (
	neonTilePixels = 4                   // pixels of the main micro-kernel
	neonGroup      = 8                   // output channels of one packed group
	neonGroupStep  = neonGroup * 4       // packed int16 per four input bytes of a group
	neonMaxOffset  = math.MaxInt16 - 255 // largest FilterOffset whose w + FilterOffset fits int16
	neonMinOffset  = math.MinInt16 + 128 // smallest such FilterOffset
)

// pointwiseSIMD is the packed form of a PointwiseQ for the NEON target;
// packed16 is nil when k computes with the reference.
type pointwiseSIMD struct {
	packed16 []int16 // [group][kq][4 input bytes][8 channels] w + FilterOffset
	table    []int32 // [group][requantRows][8 channels]: see rowBias
}

// int16Weights reports whether every 8-bit weight plus filterOffset fits
// int16, as the NEON kernels store them.
func int16Weights(filterOffset int32) bool {
	return filterOffset >= neonMinOffset && filterOffset <= neonMaxOffset
}

// pack packs k's weights for the NEON micro-kernels when target is Neon,
// this CPU has NEON and the weights fit int16; otherwise k stays on the
// reference. The reference sum Σ (a + ia)(w + iw) is D + ia·Σ(w + iw) with
// D the micro-kernels' Σ a·(w + iw); the second term joins the bias.
func (k *PointwiseQ[T]) pack(target string) {
	r := k.r
	if target != Neon || !hasNeon || !int16Weights(r.FilterOffset) {
		return
	}
	groups := (k.outDepth + neonGroup - 1) / neonGroup
	k.packed16 = make([]int16, groups*k.kq*neonGroupStep)
	k.table = make([]int32, groups*requantRows*neonGroup)
	for oc := range k.outDepth {
		base := oc/neonGroup*k.kq*neonGroupStep + oc%neonGroup
		var sum int32
		for i, v := range k.filter[oc*k.inDepth : (oc+1)*k.inDepth] {
			w := int32(v) + r.FilterOffset
			sum += w
			k.packed16[base+i/4*neonGroupStep+i%4*neonGroup] = int16(w)
		}
		fillRequantColumn(k.table, neonGroup, oc, r, k.foldedBias(oc, sum))
	}
}

// runPacked runs pixels [p0, p1) with the NEON micro-kernels, tiles of four
// pixels and then single pixels, each against every packed group of 8
// output channels, and reports whether k has them.
func (k *PointwiseQ[T]) runPacked(in, out []T, p0, p1 int) bool {
	if k.packed16 == nil {
		return false
	}
	var acc [neonTilePixels * neonGroup]int32
	kd, n := k.inDepth, k.outDepth
	safeEnd := k.safeEnd(len(in))
	for p := p0; p < p1; {
		pixels := 1
		if p+neonTilePixels <= min(p1, safeEnd) {
			pixels = neonTilePixels
		}
		a := bytePtr(in[p*kd:])
		for g := 0; g*neonGroup < n; g++ {
			w := k.packed16[g*k.kq*neonGroupStep : (g+1)*k.kq*neonGroupStep]
			switch {
			case pixels == neonTilePixels && k.signedActs:
				dotNeonS8x4(a, kd, &w[0], k.kq, &acc[0])
			case pixels == neonTilePixels:
				dotNeonU8x4(a, kd, &w[0], k.kq, &acc[0])
			case p < safeEnd:
				k.dotNeonOne(a, w, k.kq, &acc)
			default:
				k.dotLastPixelNeon(in[p*kd:(p+1)*kd], w, &acc)
			}
			k.requantizeNeon(&acc, pixels, out[p*n:], g)
		}
		p += pixels
	}
	return true
}

// dotNeonOne stores into acc[:8] the raw dot products of the pixel at a with
// the packed group w over its first kq groups of four bytes.
func (k *PointwiseQ[T]) dotNeonOne(a *byte, w []int16, kq int, acc *[neonTilePixels * neonGroup]int32) {
	if k.signedActs {
		dotNeonS8x1(a, &w[0], kq, &acc[0])
	} else {
		dotNeonU8x1(a, &w[0], kq, &acc[0])
	}
}

// dotLastPixelNeon is dotNeonOne for a pixel x near the end of the input,
// whose padded last group of four bytes must not be read: the micro-kernel
// takes the whole groups, Go the remaining one to three bytes.
func (k *PointwiseQ[T]) dotLastPixelNeon(x []T, w []int16, acc *[neonTilePixels * neonGroup]int32) {
	whole := len(x) / 4
	k.dotNeonOne(bytePtr(x), w, whole, acc)
	tail := w[whole*neonGroupStep:]
	for i := 4 * whole; i < len(x); i++ {
		v := int32(x[i])
		for c := range neonGroup {
			acc[c] += v * int32(tail[i%4*neonGroup+c])
		}
	}
}

// requantizeNeon turns the raw dot products acc ([pixel][8]) of packed group
// g into outputs of the first pixels, the first pixel's outputs starting at
// out[0]. A partial last group goes through a buffer.
func (k *PointwiseQ[T]) requantizeNeon(acc *[neonTilePixels * neonGroup]int32, pixels int, out []T, g int) {
	lo := g * neonGroup
	hi := min(lo+neonGroup, k.outDepth)
	table := &k.table[g*requantRows*neonGroup]
	r := k.r
	for i := range pixels {
		o := out[i*k.outDepth+lo : i*k.outDepth+hi]
		if len(o) == neonGroup {
			requantNeon(&acc[i*neonGroup], table, r.OutputOffset, r.ActMin, r.ActMax, bytePtr(o))
			continue
		}
		var buf [neonGroup]T
		requantNeon(&acc[i*neonGroup], table, r.OutputOffset, r.ActMin, r.ActMax, bytePtr(buf[:]))
		copy(o, buf[:])
	}
}

// The NEON micro-kernels, in qgemm_neon_arm.s. The x4 kernels compute four
// pixels stride bytes apart, the x1 kernels one, over kq groups of four
// bytes of one packed group w, storing [pixel][8]int32 at acc.

//go:noescape
func dotNeonU8x4(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func dotNeonS8x4(a *byte, stride int, w *int16, kq int, acc *int32)

//go:noescape
func dotNeonU8x1(a *byte, w *int16, kq int, acc *int32)

//go:noescape
func dotNeonS8x1(a *byte, w *int16, kq int, acc *int32)

// requantNeon requantizes the 8 raw dot products at acc of one pixel's
// packed group into 8 bytes at out, with the group's table
// ([requantRows][8]int32) and the layer's output offset and clamp range.
//
//go:noescape
func requantNeon(acc, table *int32, outOffset, actMin, actMax int32, out *byte)
