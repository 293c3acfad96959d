//go:build amd64 && !purego

package kernels

import (
	"math"
	"unsafe"
)

// packing is the weight layout and micro-kernel family a target runs
// PointwiseQ with.
type packing uint8

const (
	packNone    packing = iota // portable Go on the caller's filter
	packVNNI                   // bytes for VPDPBUSD on zmm, 64 channels a group
	packAVXVNNI                // bytes for VEX VPDPBUSD on ymm, 16 channels a group
	packAVX2                   // int16 for VPMADDWD, 16 channels a group
)

// Geometry of the VNNI packing and micro-kernels.
const (
	tilePixels    = 6                 // pixels of the main micro-kernel
	groupChannels = 64                // output channels of one packed group
	groupBytes    = groupChannels * 4 // packed bytes per four input bytes of a group
)

// Geometry of the AVX2 packing and micro-kernels.
const (
	avx2TilePixels = 4                   // pixels of the main micro-kernel
	avx2Group      = 16                  // output channels of one packed group
	avx2GroupStep  = avx2Group * 4       // packed int16 per four input bytes of a group
	avx2MaxOffset  = math.MaxInt16 - 255 // largest FilterOffset whose w + iw fits int16
	avx2MinOffset  = math.MinInt16 + 128 // smallest such FilterOffset
)

// packingOf returns the packing with which target runs PointwiseQ: that of
// its assembly micro-kernels when this CPU runs it, else packNone.
func packingOf(target string) packing {
	switch {
	case target == AVX512VNNI && hasAVX512VNNI:
		return packVNNI
	case target == AVXVNNI && hasAVXVNNI:
		return packAVXVNNI
	case (target == AVX512 && hasAVX512) || (target == AVX2 && hasAVX2):
		return packAVX2
	}
	return packNone
}

// pointwiseSIMD is the packed form of a PointwiseQ for the x86 targets.
type pointwiseSIMD struct {
	packing     packing
	packed      []byte  // VNNI: [group][kq][blocks][16 channels][4 bytes], 4 blocks but in a narrower last group; AVX-VNNI: [group][kq][16 channels][4 bytes]
	packed16    []int16 // AVX2: [group][kq][2 byte pairs][2 blocks][8 channels][2]
	table       []int32 // [group][requantRows][channels of a group]: see rowBias
	pixelFactor int32   // VNNI, AVX-VNNI: iw + 128 for uint8 data, iw − 128 for int8
	sumFlip     int32   // VNNI, AVX-VNNI: 0x80 for int8 data, whose sums flip bytes to uint8
}

// pack packs k's weights for target when this CPU runs one of its
// micro-kernel families; otherwise k stays on the reference.
func (k *PointwiseQ[T]) pack(target string) {
	switch packingOf(target) {
	case packVNNI:
		k.packVNNI()
	case packAVXVNNI:
		k.packAVXVNNI()
	case packAVX2:
		if k.r.FilterOffset >= avx2MinOffset && k.r.FilterOffset <= avx2MaxOffset {
			k.packAVX2()
		}
	}
}

// runPacked runs pixels [p0, p1) with the packed micro-kernels and reports
// whether k has them.
func (k *PointwiseQ[T]) runPacked(in, out []T, p0, p1 int) bool {
	switch k.packing {
	case packVNNI:
		k.runVNNI(in, out, p0, p1)
	case packAVXVNNI, packAVX2:
		k.runGroups16(in, out, p0, p1)
	default:
		return false
	}
	return true
}

// packVNNI packs k's filter, bias and requantization constants for the
// VNNI micro-kernels.
func (k *PointwiseQ[T]) packVNNI() {
	r, inDepth, outDepth, filter := k.r, k.inDepth, k.outDepth, k.filter
	k.packing = packVNNI
	k.pixelFactor = r.FilterOffset + 128
	if k.signedActs {
		k.pixelFactor = r.FilterOffset - 128
		k.sumFlip = 0x80
	}
	groups := (outDepth + groupChannels - 1) / groupChannels
	k.packed = make([]byte, (outDepth/groupChannels*groupBytes+k.vnniBlocks(groups-1)*64)*k.kq)
	k.table = make([]int32, groups*requantRows*groupChannels)
	for oc := range outDepth {
		g, c := oc/groupChannels, oc%groupChannels
		step := k.vnniBlocks(g) * 64 // packed bytes per four input bytes
		base := g*k.kq*groupBytes + c/16*64 + c%16*4
		var sum int32
		for i, v := range filter[oc*inDepth : (oc+1)*inDepth] {
			sum += int32(v)
			k.packed[base+i/4*step+i%4] = byte(v) ^ 0x80
		}
		cb := k.foldedBias(oc, sum+int32(inDepth)*r.FilterOffset)
		fillRequantColumn(k.table, groupChannels, oc, k.r, cb)
	}
}

// packAVX2 packs k's filter and bias for the AVX2 micro-kernels; every
// w + FilterOffset must fit int16.
func (k *PointwiseQ[T]) packAVX2() {
	r, inDepth, outDepth := k.r, k.inDepth, k.outDepth
	k.packing = packAVX2
	groups := (outDepth + avx2Group - 1) / avx2Group
	k.packed16 = make([]int16, groups*k.kq*avx2GroupStep)
	k.table = make([]int32, groups*requantRows*avx2Group)
	for oc := range outDepth {
		c := oc % avx2Group
		base := oc/avx2Group*k.kq*avx2GroupStep + c/8*16 + c%8*2
		var sum int32
		for i, v := range k.filter[oc*inDepth : (oc+1)*inDepth] {
			w := int32(v) + r.FilterOffset
			sum += w
			k.packed16[base+i/4*avx2GroupStep+i%4/2*32+i%2] = int16(w)
		}
		cb := k.foldedBias(oc, sum)
		fillRequantColumn(k.table, avx2Group, oc, k.r, cb)
	}
}

// runVNNI is Run for the VNNI target: tiles of six pixels, then single
// pixels, each against every packed group of 64 output channels.
func (k *PointwiseQ[T]) runVNNI(in, out []T, p0, p1 int) {
	var acc [tilePixels * groupChannels]int32
	var sums [tilePixels]int32
	kd, n := k.inDepth, k.outDepth
	safeEnd := k.safeEnd(len(in))
	for p := p0; p < p1; {
		pixels := 1
		if p+tilePixels <= min(p1, safeEnd) {
			pixels = tilePixels
		}
		rows := in[p*kd : (p+pixels)*kd] // the bytes the sums read
		a := (*byte)(unsafe.Pointer(&rows[0]))
		sumRowsAVX512(a, kd, kd, pixels, k.sumFlip, &sums[0])
		for g := 0; g*groupChannels < n; g++ {
			blocks := k.vnniBlocks(g)
			w := k.packed[g*k.kq*groupBytes:][:k.kq*blocks*64]
			switch {
			case pixels == tilePixels:
				dotSix(k.signedActs, blocks, a, kd, &w[0], k.kq, &acc[0])
			case p < safeEnd:
				dotOne(k.signedActs, blocks, a, &w[0], k.kq, &acc[0])
			default:
				k.dotLastPixelVNNI(in[p*kd:(p+1)*kd], blocks, w, &acc)
			}
			k.requantizeVNNI(&acc, sums[:pixels], out[p*n:], g)
		}
		p += pixels
	}
}

// dotLastPixelVNNI is dotOne for a pixel x near the end of the input, whose
// padded last group of four bytes must not be read: the micro-kernel takes
// the whole groups, Go the remaining one to three bytes.
func (k *PointwiseQ[T]) dotLastPixelVNNI(x []T, blocks int, w []byte, acc *[tilePixels * groupChannels]int32) {
	whole := len(x) / 4
	dotOne(k.signedActs, blocks, (*byte)(unsafe.Pointer(&x[0])), &w[0], whole, &acc[0])
	tail := w[whole*blocks*64:]
	for i := 4 * whole; i < len(x); i++ {
		v := int32(x[i])
		for c := range blocks * 16 {
			stored := tail[c/16*64+c%16*4+i%4]
			if k.signedActs {
				acc[c] += v * int32(stored)
			} else {
				acc[c] += v * int32(int8(stored))
			}
		}
	}
}

// vnniBlocks returns how many blocks of 16 channels packed group g holds:
// four, but for a narrower last group.
func (k *PointwiseQ[T]) vnniBlocks(g int) int {
	return min((k.outDepth-g*groupChannels+15)/16, groupChannels/16)
}

// requantizeVNNI turns the raw dot products acc ([pixel][64]) of packed
// group g into outputs of the pixels whose activation sums are sums, the
// first pixel's outputs starting at out[0].
func (k *PointwiseQ[T]) requantizeVNNI(acc *[tilePixels * groupChannels]int32, sums []int32, out []T, g int) {
	lo := g * groupChannels
	hi := min(lo+groupChannels, k.outDepth)
	table := k.table[g*requantRows*groupChannels : (g+1)*requantRows*groupChannels]
	o := out[lo : (len(sums)-1)*k.outDepth+hi]
	requantAVX512(&acc[0], &table[0], &sums[0], len(sums), k.pixelFactor, k.r.OutputOffset, k.r.ActMin, k.r.ActMax,
		hi-lo, (*byte)(unsafe.Pointer(&o[0])), k.outDepth)
}

// runGroups16 is Run for the AVX2 and AVX-VNNI targets: tiles of four
// pixels, then single pixels, each against every packed group of 16 output
// channels. AVX-VNNI adds the per-pixel term of its unsigned-times-signed
// products before the requantization both share.
func (k *PointwiseQ[T]) runGroups16(in, out []T, p0, p1 int) {
	var acc [avx2TilePixels * avx2Group]int32
	var sums [avx2TilePixels]int32
	kd, n := k.inDepth, k.outDepth
	safeEnd := k.safeEnd(len(in))
	for p := p0; p < p1; {
		pixels := 1
		if p+avx2TilePixels <= min(p1, safeEnd) {
			pixels = avx2TilePixels
		}
		rows := in[p*kd : (p+pixels)*kd]
		a := (*byte)(unsafe.Pointer(&rows[0]))
		vnni := k.packing == packAVXVNNI
		if vnni {
			sumRowsAVX2(a, kd, kd, pixels, k.sumFlip, &sums[0])
			for i := range pixels {
				sums[i] *= k.pixelFactor
			}
		}
		for g := 0; g*avx2Group < n; g++ {
			switch {
			case vnni:
				k.dotAVXVNNI(in, p, pixels, safeEnd, g, &acc)
				for i, s := range sums[:pixels] {
					for c := range avx2Group {
						acc[i*avx2Group+c] += s
					}
				}
			default:
				k.dotAVX2(in, p, pixels, safeEnd, g, &acc)
			}
			k.requantizeAVX2(&acc, pixels, out[p*n:], g)
		}
		p += pixels
	}
}

// dotAVX2 stores into acc the raw dot products of pixels pixels from p
// with packed AVX2 group g.
func (k *PointwiseQ[T]) dotAVX2(in []T, p, pixels, safeEnd, g int, acc *[avx2TilePixels * avx2Group]int32) {
	kd := k.inDepth
	a := (*byte)(unsafe.Pointer(&in[p*kd]))
	w := k.packed16[g*k.kq*avx2GroupStep : (g+1)*k.kq*avx2GroupStep]
	switch {
	case pixels == avx2TilePixels:
		dotAVX2Four(k.signedActs, a, kd, &w[0], k.kq, &acc[0])
	case p < safeEnd:
		dotAVX2One(k.signedActs, a, &w[0], k.kq, &acc[0])
	default:
		k.dotLastPixelAVX2(in[p*kd:(p+1)*kd], w, acc)
	}
}

// dotAVXVNNI is dotAVX2 for packed AVX-VNNI group g.
func (k *PointwiseQ[T]) dotAVXVNNI(in []T, p, pixels, safeEnd, g int, acc *[avx2TilePixels * avx2Group]int32) {
	kd := k.inDepth
	a := (*byte)(unsafe.Pointer(&in[p*kd]))
	w := k.packed[g*k.kq*avxVNNIGroupBytes : (g+1)*k.kq*avxVNNIGroupBytes]
	switch {
	case pixels == avx2TilePixels:
		dotAVXVNNIFour(k.signedActs, a, kd, &w[0], k.kq, &acc[0])
	case p < safeEnd:
		dotAVXVNNIOne(k.signedActs, a, &w[0], k.kq, &acc[0])
	default:
		k.dotLastPixelAVXVNNI(in[p*kd:(p+1)*kd], w, acc)
	}
}

// dotLastPixelAVX2 is dotAVX2One for a pixel x near the end of the input,
// whose padded last group of four bytes must not be read: the micro-kernel
// takes the whole groups, Go the remaining one to three bytes.
func (k *PointwiseQ[T]) dotLastPixelAVX2(x []T, w []int16, acc *[avx2TilePixels * avx2Group]int32) {
	whole := len(x) / 4
	dotAVX2One(k.signedActs, (*byte)(unsafe.Pointer(&x[0])), &w[0], whole, &acc[0])
	tail := w[whole*avx2GroupStep:]
	for i := 4 * whole; i < len(x); i++ {
		v := int32(x[i])
		for c := range avx2Group {
			acc[c] += v * int32(tail[c/8*16+c%8*2+i%4/2*32+i%2])
		}
	}
}

// requantizeAVX2 turns the raw dot products acc ([pixel][16]) of packed
// group g into outputs of the first pixels, the first pixel's outputs
// starting at out[0]. A partial last group goes through a buffer.
func (k *PointwiseQ[T]) requantizeAVX2(acc *[avx2TilePixels * avx2Group]int32, pixels int, out []T, g int) {
	lo := g * avx2Group
	hi := min(lo+avx2Group, k.outDepth)
	table := &k.table[g*requantRows*avx2Group]
	r := k.r
	for i := range pixels {
		o := out[i*k.outDepth+lo : i*k.outDepth+hi]
		if len(o) == avx2Group {
			requantAVX2(&acc[i*avx2Group], table, r.OutputOffset, r.ActMin, r.ActMax, (*byte)(unsafe.Pointer(&o[0])))
			continue
		}
		var buf [avx2Group]byte
		requantAVX2(&acc[i*avx2Group], table, r.OutputOffset, r.ActMin, r.ActMax, &buf[0])
		for c := range o {
			o[c] = T(buf[c])
		}
	}
}

// packAVXVNNI packs k's filter, bias and requantization constants for the
// AVX-VNNI micro-kernels: weights stored as for the VNNI target, w XOR
// 0x80, in groups of 16 channels, with the same per-channel and per-pixel
// terms.
func (k *PointwiseQ[T]) packAVXVNNI() {
	r, inDepth, outDepth := k.r, k.inDepth, k.outDepth
	k.packing = packAVXVNNI
	k.pixelFactor = r.FilterOffset + 128
	if k.signedActs {
		k.pixelFactor = r.FilterOffset - 128
		k.sumFlip = 0x80
	}
	groups := (outDepth + avx2Group - 1) / avx2Group
	k.packed = make([]byte, groups*k.kq*avxVNNIGroupBytes)
	k.table = make([]int32, groups*requantRows*avx2Group)
	for oc := range outDepth {
		base := oc/avx2Group*k.kq*avxVNNIGroupBytes + oc%avx2Group*4
		var sum int32
		for i, v := range k.filter[oc*inDepth : (oc+1)*inDepth] {
			sum += int32(v)
			k.packed[base+i/4*avxVNNIGroupBytes+i%4] = byte(v) ^ 0x80
		}
		cb := k.foldedBias(oc, sum+int32(inDepth)*r.FilterOffset)
		fillRequantColumn(k.table, avx2Group, oc, r, cb)
	}
}

// avxVNNIGroupBytes is the packed bytes of one AVX-VNNI group of 16
// channels per four input bytes.
const avxVNNIGroupBytes = avx2Group * 4

// dotLastPixelAVXVNNI is dotAVXVNNIOne for a pixel x near the end of the
// input, whose padded last group of four bytes must not be read: the
// micro-kernel takes the whole groups, Go the remaining one to three bytes.
func (k *PointwiseQ[T]) dotLastPixelAVXVNNI(x []T, w []byte, acc *[avx2TilePixels * avx2Group]int32) {
	whole := len(x) / 4
	dotAVXVNNIOne(k.signedActs, (*byte)(unsafe.Pointer(&x[0])), &w[0], whole, &acc[0])
	tail := w[whole*avxVNNIGroupBytes:]
	for i := 4 * whole; i < len(x); i++ {
		v := int32(x[i])
		for c := range avx2Group {
			stored := tail[c*4+i%4]
			if k.signedActs {
				acc[c] += v * int32(stored)
			} else {
				acc[c] += v * int32(int8(stored))
			}
		}
	}
}
