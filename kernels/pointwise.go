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
	packVNNI                // bytes for VPDPBUSD, 64 channels a group
	packAVX2                // int16 for VPMADDWD, 16 channels a group
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

// The rows of a packed group's requantization table, [requantRows][channels
// of the group]int32.
const (
	rowBias       = iota // bias + ia·Σw + K·ia·iw
	rowMultiplier        // Requant.Multiplier
	rowLeftShift         // Shift clamped to [0, 32]
	rowRightShift        // −Shift clamped to [0, 32]
	rowRoundMask         // 2^rightShift − 1 in wrapping int32
	requantRows
)

// PointwiseQ is a 1×1, stride-1 quantized convolution (equivalently a fully
// connected layer applied to each pixel) with weights packed once, at
// construction, for one kernel target.
//
// The VNNI target multiplies unsigned by signed bytes, so it stores every
// weight as w XOR 0x80 (w − 128 for uint8 weights, w + 128 for int8), and
// int8 activations meet those unsigned weights while uint8 activations meet
// signed ones. With K = inDepth, the reference sum then splits, in wrapping
// int32 arithmetic, into
//
//	Σ (a + ia)(w + iw) = D + (iw ± 128)·Σa + ia·Σw + K·ia·iw
//
// where D is the micro-kernel's dot product of activations and stored
// weights (+128 for uint8 data, −128 for int8). The last two terms and the
// bias are summed per output channel at construction; Σa once per pixel.
// Requantization runs 16 channels at a time from a per-group table of the
// channels' constants, taken from r at construction.
//
// The AVX2 target widens activations to int16 and stores w + iw as int16,
// so that Σ (a + ia)(w + iw) = D + ia·Σ(w + iw) needs no per-pixel term.
type PointwiseQ[T int8 | uint8] struct {
	r                 *Requant
	inDepth, outDepth int

	// The generic target computes from the caller's filter and bias.
	filter []T
	bias   []int32

	// The SIMD targets compute from packed weights.
	packing     packing
	signedActs  bool    // int8 activations
	kq          int     // groups of four input bytes, the last zero-padded
	packed      []byte  // VNNI: [group][kq][4 blocks][16 channels][4 bytes]
	packed16    []int16 // AVX2: [group][kq][2 byte pairs][2 blocks][8 channels][2]
	table       []int32 // [group][requantRows][channels of a group]: see rowBias
	pixelFactor int32   // VNNI: iw + 128 for uint8 data, iw − 128 for int8
	sumFlip     int32   // VNNI: 0x80 for int8 data, whose sums flip bytes to uint8
}

// NewPointwiseQ packs filter [outDepth][inDepth] (row-major, as TFLite
// stores 1×1 conv filters [OutC,1,1,InC] and FC weights [Out,In]) and bias
// (may be nil) for target (a name from Targets()); r holds the offsets,
// per-channel multipliers and clamp range exactly as for ConvQ. A target
// without packed kernels (Generic, or a name this build or CPU cannot run)
// computes with the portable reference and keeps filter and bias, which the
// caller must not modify, and reads r at every Run; the SIMD targets copy
// what they need. The AVX2 target also computes with the reference when
// weights plus FilterOffset would not fit int16, which no 8-bit zero point
// causes. inDepth must be positive and the slices must match the sizes.
func NewPointwiseQ[T int8 | uint8](target string, r *Requant, inDepth, outDepth int, filter []T, bias []int32) *PointwiseQ[T] {
	k := &PointwiseQ[T]{r: r, inDepth: inDepth, outDepth: outDepth, filter: filter, bias: bias}
	_, k.signedActs = any(filter).([]int8)
	k.kq = (inDepth + 3) / 4
	switch packingOf(target) {
	case packVNNI:
		k.packVNNI()
	case packAVX2:
		if r.FilterOffset >= avx2MinOffset && r.FilterOffset <= avx2MaxOffset {
			k.packAVX2()
		}
	}
	return k
}

// packVNNI packs k's filter, bias and requantization constants for the
// VNNI micro-kernels.
func (k *PointwiseQ[T]) packVNNI() {
	r, inDepth, outDepth, filter, bias := k.r, k.inDepth, k.outDepth, k.filter, k.bias
	k.packing = packVNNI
	k.pixelFactor = r.FilterOffset + 128
	if k.signedActs {
		k.pixelFactor = r.FilterOffset - 128
		k.sumFlip = 0x80
	}
	groups := (outDepth + groupChannels - 1) / groupChannels
	k.packed = make([]byte, groups*k.kq*groupBytes)
	k.table = make([]int32, groups*requantRows*groupChannels)
	for oc := range outDepth {
		c := oc % groupChannels
		base := oc/groupChannels*k.kq*groupBytes + c/16*64 + c%16*4
		var sum int32
		for i, v := range filter[oc*inDepth : (oc+1)*inDepth] {
			sum += int32(v)
			k.packed[base+i/4*groupBytes+i%4] = byte(v) ^ 0x80
		}
		cb := r.InputOffset*sum + int32(inDepth)*r.InputOffset*r.FilterOffset
		if bias != nil {
			cb += bias[oc]
		}
		k.fillTable(groupChannels, oc, cb)
	}
}

// fillTable writes output channel oc's column of the requantization table
// of groups of width channels, with channelBias as its bias.
func (k *PointwiseQ[T]) fillTable(width, oc int, channelBias int32) {
	col := k.table[oc/width*requantRows*width+oc%width:]
	// Shifts of 32 or more act alike, in Go and in the vector shifts.
	left, right := min(max(k.r.Shift[oc], 0), 32), min(max(-k.r.Shift[oc], 0), 32)
	col[rowBias*width] = channelBias
	col[rowMultiplier*width] = k.r.Multiplier[oc]
	col[rowLeftShift*width] = int32(left)
	col[rowRightShift*width] = int32(right)
	col[rowRoundMask*width] = int32(1)<<right - 1
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
		cb := r.InputOffset * sum
		if k.bias != nil {
			cb += k.bias[oc]
		}
		k.fillTable(avx2Group, oc, cb)
	}
}

// Run computes output pixels [p0, p1): out[p*outDepth+oc] from
// in[p*inDepth : (p+1)*inDepth]. It allocates nothing; distinct pixel ranges
// may run concurrently.
func (k *PointwiseQ[T]) Run(in, out []T, p0, p1 int) {
	switch k.packing {
	case packVNNI:
		k.runVNNI(in, out, p0, p1)
		return
	case packAVX2:
		k.runAVX2(in, out, p0, p1)
		return
	}
	kd, n := k.inDepth, k.outDepth
	for p := p0; p < p1; p++ {
		x, o := in[p*kd:(p+1)*kd], out[p*n:(p+1)*n]
		for oc := range o {
			acc := dotQ(x, k.filter[oc*kd:(oc+1)*kd], k.r.InputOffset, k.r.FilterOffset)
			o[oc] = T(requantize(acc, oc, k.bias, k.r))
		}
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
			w := k.packed[g*k.kq*groupBytes : (g+1)*k.kq*groupBytes]
			switch {
			case pixels == tilePixels:
				dotSix(k.signedActs, a, kd, &w[0], k.kq, &acc[0])
			case p < safeEnd:
				dotOne(k.signedActs, a, &w[0], k.kq, &acc[0])
			default:
				k.dotLastPixelVNNI(in[p*kd:(p+1)*kd], w, &acc)
			}
			k.requantizeVNNI(&acc, sums[:pixels], out[p*n:], g)
		}
		p += pixels
	}
}

// dotLastPixelVNNI is dotOne for a pixel x near the end of the input, whose
// padded last group of four bytes must not be read: the micro-kernel takes
// the whole groups, Go the remaining one to three bytes.
func (k *PointwiseQ[T]) dotLastPixelVNNI(x []T, w []byte, acc *[tilePixels * groupChannels]int32) {
	whole := len(x) / 4
	dotOne(k.signedActs, (*byte)(unsafe.Pointer(&x[0])), &w[0], whole, &acc[0])
	tail := w[whole*groupBytes:]
	for i := 4 * whole; i < len(x); i++ {
		v := int32(x[i])
		for c := range groupChannels {
			stored := tail[c/16*64+c%16*4+i%4]
			if k.signedActs {
				acc[c] += v * int32(stored)
			} else {
				acc[c] += v * int32(int8(stored))
			}
		}
	}
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

// safeEnd returns the end of the pixels of an input of length n that the
// micro-kernels, which read whole groups of four bytes, up to three bytes
// past a pixel, may read without passing the end of the input.
func (k *PointwiseQ[T]) safeEnd(n int) int {
	padded := 4 * k.kq
	if n < padded {
		return 0
	}
	return (n-padded)/k.inDepth + 1
}

// runAVX2 is Run for the AVX2 target: tiles of four pixels, then single
// pixels, each against every packed group of 16 output channels.
func (k *PointwiseQ[T]) runAVX2(in, out []T, p0, p1 int) {
	var acc [avx2TilePixels * avx2Group]int32
	kd, n := k.inDepth, k.outDepth
	safeEnd := k.safeEnd(len(in))
	for p := p0; p < p1; {
		pixels := 1
		if p+avx2TilePixels <= min(p1, safeEnd) {
			pixels = avx2TilePixels
		}
		a := (*byte)(unsafe.Pointer(&in[p*kd]))
		for g := 0; g*avx2Group < n; g++ {
			w := k.packed16[g*k.kq*avx2GroupStep : (g+1)*k.kq*avx2GroupStep]
			switch {
			case pixels == avx2TilePixels:
				dotAVX2Four(k.signedActs, a, kd, &w[0], k.kq, &acc[0])
			case p < safeEnd:
				dotAVX2One(k.signedActs, a, &w[0], k.kq, &acc[0])
			default:
				k.dotLastPixelAVX2(in[p*kd:(p+1)*kd], w, &acc)
			}
			k.requantizeAVX2(&acc, pixels, out[p*n:], g)
		}
		p += pixels
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
