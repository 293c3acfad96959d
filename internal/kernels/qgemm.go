package kernels

import (
	"math"
	"unsafe"

	"github.com/percept-robotics/percept/quant"
)

// PointwiseQ is a 1×1, stride-1 quantized convolution (equivalently a fully
// connected layer applied to each pixel) with weights packed once, at
// construction, for one kernel target's int8 GEMM micro-kernels.
//
// Every target's micro-kernels follow one contract (see qgemmTile): a tile
// of mr pixels against packed groups of nr output channels, reading the
// weights in steps of four input bytes, each group's sums starting from a
// per-channel constant and a per-pixel term and requantized from a
// per-group table. With K = inDepth, ia = InputOffset and iw = FilterOffset,
// the reference sum splits, in wrapping int32 arithmetic, into
//
//	Σ (a + ia)(w + iw) = D + f·Σa + ia·Σ(w + iw)
//
// where D is the micro-kernels' dot product of the activations with the
// stored weights and f·Σa the per-pixel term: the int16 layouts store
// w + iw, so f = 0; the byte layouts store w as it is (f = iw) or w XOR
// 0x80 (f = iw ± 128, see qgemmBytesFlipped). The bias and the last term
// are summed per output channel at construction; Σa once per pixel.
type PointwiseQ[T int8 | uint8] struct {
	r                 *Requant
	inDepth, outDepth int

	// The generic target computes from the caller's filter and bias.
	filter []T
	bias   []int32

	signedActs bool    // int8 activations
	kq         int     // groups of four input bytes, the last zero-padded
	termFactor int32   // f above; 0 skips the per-pixel sums
	packed     []byte  // byte layouts: [group][kq][width·4]
	packed16   []int16 // int16 layouts: [group][kq][width·4]
	qgemmGroups
}

// qgemmGroups is what the micro-kernels read of a PointwiseQ's packed
// groups, the same for both element types.
type qgemmGroups struct {
	cfg       *qgemmConfig   // nil: the reference
	n         int            // output channels
	table     []int32        // [group][requantRows][nr]: see rowBias
	weights   unsafe.Pointer // packed or packed16 from group 0
	wStride   int            // the bytes of one packed group's weights
	lastWidth int            // the packed width of the last group
}

// setGroups points t at groups packed groups from g.
func (q *qgemmGroups) setGroups(t *qgemmTile, g, groups int) {
	nr := q.cfg.nr
	t.groups, t.width, t.channels = groups, nr, nr
	if (g+1)*nr > q.n {
		t.width, t.channels = q.lastWidth, q.n-g*nr
	}
	t.table = &q.table[g*requantRows*nr]
	t.w = unsafe.Add(q.weights, g*q.wStride)
}

// setAllGroups points t at all packed groups for a range call.
func (q *qgemmGroups) setAllGroups(t *qgemmTile) {
	nr := q.cfg.nr
	t.groups = (q.n + nr - 1) / nr
	t.width, t.lastWidth, t.channels = nr, q.lastWidth, q.n-(t.groups-1)*nr
	t.table, t.w = &q.table[0], q.weights
}

// qgemmRunTilesGo runs range call t (see qgemmTile) tile by tile through
// qgemmRowSums and qgemmRunTile: the full groups in one call, then the
// last, through a buffer for kernels without maskedStores when it is
// narrower than its packed width. It takes t by value: what it stores through a pointer would
// escape to the heap.
func qgemmRunTilesGo(cfg *qgemmConfig, signedActs bool, t qgemmTile) {
	nr, groups, last, channels := cfg.nr, t.groups, t.lastWidth, t.channels
	w, table, a0, out0 := t.w, t.table, unsafe.Pointer(t.rows[0]), unsafe.Pointer(t.out)
	var buf [qgemmMaxTile]byte
	for k := range t.tiles {
		// Each tile's pointers come from the start: advancing past the
		// last tile would point outside the slices, which the garbage
		// collector (and checkptr) forbid.
		a, out := unsafe.Add(a0, k*cfg.mr*t.stride), unsafe.Add(out0, k*cfg.mr*t.outStride)
		for i := range cfg.mr {
			t.rows[i] = (*byte)(unsafe.Add(a, i*t.stride))
		}
		if t.termFactor != 0 {
			qgemmRowSums(cfg, signedActs, &t)
			for i := range cfg.mr {
				t.terms[i] *= t.termFactor
			}
		}
		t.w, t.table, t.out = w, table, (*byte)(out)
		if groups > 1 {
			t.groups, t.width, t.channels = groups-1, nr, nr
			qgemmRunTile(cfg, signedActs, &t)
		}
		g := groups - 1
		t.groups, t.width, t.channels = 1, last, channels
		t.w = unsafe.Add(w, g*t.wStride)
		t.table = (*int32)(unsafe.Add(unsafe.Pointer(table), 4*g*requantRows*nr))
		if cfg.maskedStores || channels == last {
			t.out = (*byte)(unsafe.Add(out, g*nr))
			qgemmRunTile(cfg, signedActs, &t)
		} else {
			// Through a buffer: the kernels store the packed width.
			outStride := t.outStride
			t.out, t.outStride = &buf[0], nr
			qgemmRunTile(cfg, signedActs, &t)
			t.outStride = outStride
			for i := range cfg.mr {
				copy(unsafe.Slice((*byte)(unsafe.Add(out, g*nr+i*outStride)), channels), buf[i*nr:])
			}
		}
	}
}

// NewPointwiseQ packs filter [outDepth][inDepth] (row-major, as TFLite
// stores 1×1 conv filters [OutC,1,1,InC] and FC weights [Out,In]) and bias
// (may be nil) for target (a name from Targets()); r holds the offsets,
// per-channel multipliers and clamp range exactly as for ConvQ. A target
// without int8 GEMM kernels (Generic, or a name this build or CPU cannot
// run) computes with the portable reference and keeps filter and bias,
// which the caller must not modify, and reads r at every Run; the others
// copy what they need. Targets whose kernels store w + FilterOffset as int16
// also compute with the reference when that would not fit, which no 8-bit
// zero point causes. inDepth must be positive and the slices must match the
// sizes.
func NewPointwiseQ[T int8 | uint8](target string, r *Requant, inDepth, outDepth int, filter []T, bias []int32) *PointwiseQ[T] {
	return newPointwiseQ(lookupTarget(target).qgemm, r, inDepth, outDepth, filter, bias)
}

// newPointwiseQ is NewPointwiseQ for a target's qgemm entry cfg (nil: the
// reference).
func newPointwiseQ[T int8 | uint8](cfg *qgemmConfig, r *Requant, inDepth, outDepth int, filter []T, bias []int32) *PointwiseQ[T] {
	k := &PointwiseQ[T]{r: r, inDepth: inDepth, outDepth: outDepth, filter: filter, bias: bias}
	_, k.signedActs = any(filter).([]int8)
	k.kq = (inDepth + 3) / 4
	if cfg != nil && cfg.fits(r.FilterOffset) {
		k.pack(cfg)
	}
	return k
}

// qgemmKernel names a target's int8 GEMM micro-kernels; each architecture's
// file names its own and dispatches on them in qgemmRunTile. The zero
// value is the Go twin, qgemmTileGo, in every build.
type qgemmKernel uint8

// qgemmLayout is how a target's micro-kernels read packed weights. Within
// a packed group of width output channels, the weights of each step of
// four input bytes take width·4 elements, steps one after another.
type qgemmLayout uint8

const (
	// qgemmBytes stores the weights' bytes as they are, [block of 16
	// channels][channel][4 bytes] (UDOT multiplies uint8 by uint8, SDOT
	// int8 by int8).
	qgemmBytes qgemmLayout = iota
	// qgemmBytesFlipped is qgemmBytes storing w XOR 0x80, for VPDPBUSD,
	// which multiplies unsigned by signed bytes: uint8 activations meet
	// w − 128 as int8, int8 activations meet w + 128 as uint8.
	qgemmBytesFlipped
	// qgemmInt16 stores w + FilterOffset as int16, [byte][channel], for
	// multiplies by lane of activations widened to int16.
	qgemmInt16
	// qgemmInt16Pairs stores w + FilterOffset as int16 for VPMADDWD:
	// [byte pair][channel][2] (for AVX2's groups of 16 channels, two ymm
	// blocks of 8 channels per pair; for AVX-512's, zmm blocks of 16).
	qgemmInt16Pairs
)

// qgemmConfig is a target's entry for PointwiseQ (see target): which
// micro-kernels, their tile and the packing they read.
type qgemmConfig struct {
	kernel qgemmKernel
	mr     int // pixels of a tile, at most qgemmMaxPixels
	nr     int // output channels of a packed group; mr·nr at most qgemmMaxTile
	// block is the channels a narrower last group is packed in multiples
	// of (nr: the last group is packed as wide as the others).
	block  int
	layout qgemmLayout
	// maskedStores: the kernels store only a tile's channels of a
	// narrower last group, which then needs no buffer.
	maskedStores bool
	// negatedRightShift stores the table's right shifts negated (for
	// SSHL, which shifts right by negative amounts).
	negatedRightShift bool
}

// Bounds of the micro-kernel contract.
const (
	qgemmMaxPixels = 6      // mr
	qgemmMaxTile   = 6 * 64 // mr·nr
)

// fits reports whether c's layout can hold every 8-bit weight with
// FilterOffset iw: the int16 layouts need w + iw to fit int16.
func (c *qgemmConfig) fits(iw int32) bool {
	return c.elementSize() == 1 || int16Weights(iw)
}

// int16Weights reports whether every 8-bit weight plus filterOffset fits
// int16, as the kernels with int16 weights store them.
func int16Weights(filterOffset int32) bool {
	return filterOffset >= math.MinInt16+128 && filterOffset <= math.MaxInt16-255
}

// groupWidth returns the channels packed group g of a layer of n output
// channels holds: nr, but a multiple of block in a narrower last group.
func (c *qgemmConfig) groupWidth(g, n int) int {
	return min(c.nr, (n-g*c.nr+c.block-1)/c.block*c.block)
}

// offset returns where the weight of channel ch of a packed group of width
// channels and byte j of a step of four input bytes sits in the step.
func (c *qgemmConfig) offset(width, ch, j int) int {
	switch c.layout {
	case qgemmInt16:
		return j*width + ch
	case qgemmInt16Pairs:
		return j/2*2*width + 2*ch + j%2
	}
	return ch/16*64 + ch%16*4 + j
}

// weight returns the packed weight at element i of w (bytes or int16, as
// the layout stores them) as the micro-kernels multiply it.
func (c *qgemmConfig) weight(w unsafe.Pointer, i int, signedActs bool) int32 {
	switch c.layout {
	case qgemmInt16, qgemmInt16Pairs:
		return int32(*(*int16)(unsafe.Add(w, 2*i)))
	}
	stored := *(*byte)(unsafe.Add(w, i))
	if signedActs == (c.layout == qgemmBytes) {
		return int32(int8(stored))
	}
	return int32(stored)
}

// elementSize returns the bytes of one packed weight.
func (c *qgemmConfig) elementSize() int {
	if c.layout == qgemmInt16 || c.layout == qgemmInt16Pairs {
		return 2
	}
	return 1
}

// The rows of a packed group's requantization table, [requantRows][nr]int32.
const (
	rowBias       = iota // bias + ia·Σ(w + iw)
	rowMultiplier        // Requant.Multiplier
	rowLeftShift         // Shift clamped to [0, 32]
	rowRightShift        // −Shift clamped to [0, 32], negated for negatedRightShift
	rowRoundMask         // 2^rightShift − 1 in wrapping int32
	requantRows
)

// vectorShifts returns output channel oc's shifts as the vector kernels
// apply them, left then right, each clamped to [0, 32] (shifts of 32 or
// more act alike, in Go and in the vector shifts), and the rounding mask
// of the right shift.
func vectorShifts(r *Requant, oc int) (left, right, roundMask int32) {
	left, right = int32(min(max(r.Shift[oc], 0), 32)), int32(min(max(-r.Shift[oc], 0), 32))
	return left, right, int32(1)<<right - 1
}

// pack packs k's filter, bias and requantization constants for cfg.
func (k *PointwiseQ[T]) pack(cfg *qgemmConfig) {
	r, kd, n, nr := k.r, k.inDepth, k.outDepth, cfg.nr
	k.cfg, k.n = cfg, n
	if cfg.layout == qgemmBytes {
		k.termFactor = r.FilterOffset
	}
	if cfg.layout == qgemmBytesFlipped {
		k.termFactor = r.FilterOffset + 128
		if k.signedActs {
			k.termFactor = r.FilterOffset - 128
		}
	}
	groups := (n + nr - 1) / nr
	size := ((groups-1)*nr + cfg.groupWidth(groups-1, n)) * 4 * k.kq
	if cfg.elementSize() == 2 {
		k.packed16 = make([]int16, size)
		k.weights = unsafe.Pointer(&k.packed16[0])
	} else {
		k.packed = make([]byte, size)
		k.weights = unsafe.Pointer(&k.packed[0])
	}
	k.wStride = nr * 4 * k.kq * cfg.elementSize()
	k.lastWidth = cfg.groupWidth(groups-1, n)
	k.table = make([]int32, groups*requantRows*nr)
	for oc := range n {
		g, ch := oc/nr, oc%nr
		width := cfg.groupWidth(g, n)
		base := g * nr * 4 * k.kq
		var sum int32 // Σ (w + iw)
		for i, v := range k.filter[oc*kd : (oc+1)*kd] {
			w := int32(v) + r.FilterOffset
			sum += w
			at := base + i/4*width*4 + cfg.offset(width, ch, i%4)
			switch cfg.layout {
			case qgemmInt16, qgemmInt16Pairs:
				k.packed16[at] = int16(w)
			case qgemmBytesFlipped:
				k.packed[at] = byte(v) ^ 0x80
			default:
				k.packed[at] = byte(v)
			}
		}
		bias := r.InputOffset * sum
		if k.bias != nil {
			bias += k.bias[oc]
		}
		cfg.fillColumn(k.table, oc, r, bias)
	}
}

// fillColumn writes output channel oc's column of a requantization table
// ([group][requantRows][nr]int32) of r's constants, with bias as its bias.
func (c *qgemmConfig) fillColumn(table []int32, oc int, r *Requant, bias int32) {
	col := table[oc/c.nr*requantRows*c.nr+oc%c.nr:]
	left, right, roundMask := vectorShifts(r, oc)
	if c.negatedRightShift {
		right = -right
	}
	col[rowBias*c.nr] = bias
	col[rowMultiplier*c.nr] = r.Multiplier[oc]
	col[rowLeftShift*c.nr] = left
	col[rowRightShift*c.nr] = right
	col[rowRoundMask*c.nr] = roundMask
}

// qgemmTile is the micro-kernel contract, one call's work: for groups
// packed groups of width output channels from the one at w (wStride bytes
// apart, their tables [requantRows][nr]int32 one after another from
// table), the dot products of mr pixels over kq steps of four input bytes,
// added to the table's bias plus terms[pixel] (plus, when init is not nil,
// init's [mr][nr]int32, for one group), requantized into the first pixels
// pixels' outputs: the channels of group g of pixel i at out + g·nr +
// i·outStride, width of them, or channels (of one group) for kernels with
// maskedStores. Pixel i's input is at rows[i], which for i ≥ pixels
// repeats the last pixel's; rows[i] = rows[0] + i·stride for i < pixels.
// Kernels that requantize apart from their dot products keep them in acc,
// [mr][nr]int32. The arm64 kernels read the tile at the offsets in
// go_asm.h.
//
// A range call (qgemmRunTiles) runs tiles full tiles of mr pixels, the
// next tile's rows mr·stride bytes and its outputs mr·outStride bytes on
// from the last's, each against all groups, the last lastWidth wide and
// storing channels of its channels; it computes the per-pixel terms
// itself, termFactor times each pixel's sum of its stride input bytes.
type qgemmTile struct {
	rows                      [qgemmMaxPixels]*byte
	stride                    int
	w                         unsafe.Pointer
	wStride, width, kq        int
	table                     *int32
	groups                    int
	init                      *int32
	out                       *byte
	outStride, pixels         int
	terms                     [qgemmMaxPixels]int32
	outOffset, actMin, actMax int32
	channels                  int
	acc                       *int32
	tiles, lastWidth          int
	termFactor                int32
	wide                      *int16 // AVX2: room for a tile's activations as int16 (nil: none)
}

// Run computes output pixels [p0, p1): out[p*outDepth+oc] from
// in[p*inDepth : (p+1)*inDepth]. It allocates nothing; distinct pixel ranges
// may run concurrently.
//
// With packed kernels it runs the full tiles of mr pixels whose inputs the
// kernels may read whole in one range call (qgemmRunTiles), then the rest
// tile by tile, each against every full packed group in one call, then a
// narrower last group.
func (k *PointwiseQ[T]) Run(in, out []T, p0, p1 int) {
	cfg := k.cfg
	if cfg == nil {
		k.runReference(in, out, p0, p1)
		return
	}
	kd, n, nr := k.inDepth, k.outDepth, cfg.nr
	var acc [qgemmMaxTile]int32
	t := qgemmTile{stride: kd, wStride: k.wStride, acc: &acc[0], outOffset: k.r.OutputOffset, actMin: k.r.ActMin, actMax: k.r.ActMax}
	safeEnd := k.safeEnd(len(in))
	whole := n / nr
	p := p0
	if tiles := (min(p1, safeEnd) - p0) / cfg.mr; tiles > 0 {
		// The full tiles whose inputs the kernels may read whole: one
		// call.
		end := p0 + tiles*cfg.mr
		t.tiles, t.pixels, t.kq, t.termFactor = tiles, cfg.mr, k.kq, k.termFactor
		t.rows[0], t.out, t.outStride = bytePtr(in[p0*kd:end*kd]), bytePtr(out[p0*n:end*n]), n
		k.setAllGroups(&t)
		qgemmRunTiles(cfg, k.signedActs, &t)
		p = end
	}
	for ; p < p1; p += cfg.mr {
		t.pixels = min(cfg.mr, p1-p)
		tile := in[p*kd : (p+t.pixels)*kd] // the bytes of the tile's pixels
		first := unsafe.Pointer(&tile[0])
		for i := range t.rows {
			t.rows[i] = (*byte)(unsafe.Add(first, min(i, t.pixels-1)*kd))
		}
		if k.termFactor != 0 {
			qgemmRowSums(cfg, k.signedActs, &t)
			for i := range t.pixels {
				t.terms[i] *= k.termFactor
			}
		}
		o := out[p*n : (p+t.pixels-1)*n+n] // the outputs written, checked
		if p+t.pixels > safeEnd {
			k.runTail(t, tile, o)
			continue
		}
		t.kq = k.kq
		if whole > 0 {
			t.out, t.outStride = bytePtr(o), n
			k.setGroups(&t, 0, whole)
			qgemmRunTile(cfg, k.signedActs, &t)
		}
		if whole*nr < n {
			k.runLastGroup(&t, o)
		}
	}
}

// runTail is Run for a tile with a pixel whose padded last step of four
// bytes would pass the end of the input: the kernels read only the whole
// steps, group by group, starting from the products of the last one to
// three bytes, computed in Go. It takes t by value so that init, which t
// points to, stays on the stack.
func (k *PointwiseQ[T]) runTail(t qgemmTile, tile, o []T) {
	var init [qgemmMaxTile]int32
	t.kq, t.init = k.inDepth/4, &init[0]
	nr := k.cfg.nr
	for g := 0; g*nr < k.outDepth; g++ {
		k.tailProducts(tile, t.pixels, g, &init)
		if (g+1)*nr <= k.outDepth {
			t.out, t.outStride = bytePtr(o[g*nr:]), k.outDepth
			k.setGroups(&t, g, 1)
			qgemmRunTile(k.cfg, k.signedActs, &t)
		} else {
			k.runLastGroup(&t, o)
		}
	}
}

// runLastGroup runs the narrower last packed group of t's pixels into o,
// their outputs: straight into o for kernels with maskedStores, else
// through a buffer.
func (k *PointwiseQ[T]) runLastGroup(t *qgemmTile, o []T) {
	n, nr := k.outDepth, k.cfg.nr
	g := n / nr
	if k.cfg.maskedStores {
		t.out, t.outStride = bytePtr(o[g*nr:]), n
		k.setGroups(t, g, 1)
		qgemmRunTile(k.cfg, k.signedActs, t)
		return
	}
	k.runBuffered(*t, g, o)
}

// runBuffered runs packed group g of t's pixels into a buffer and copies
// the outputs into o. It takes t by value so that the buffer, which t
// points to, stays on the stack: escape analysis sends what is stored
// through a pointer to the heap.
func (k *PointwiseQ[T]) runBuffered(t qgemmTile, g int, o []T) {
	n, nr := k.outDepth, k.cfg.nr
	var buf [qgemmMaxTile]T
	t.out, t.outStride = bytePtr(buf[:]), nr
	k.setGroups(&t, g, 1)
	qgemmRunTile(k.cfg, k.signedActs, &t)
	for i := range t.pixels {
		copy(o[i*n+g*nr:(i+1)*n], buf[i*nr:])
	}
}

// runReference is Run without packed kernels.
func (k *PointwiseQ[T]) runReference(in, out []T, p0, p1 int) {
	kd, n := k.inDepth, k.outDepth
	for p := p0; p < p1; p++ {
		x, o := in[p*kd:(p+1)*kd], out[p*n:(p+1)*n]
		for oc := range o {
			acc := dotQ(x, k.filter[oc*kd:(oc+1)*kd], k.r.InputOffset, k.r.FilterOffset)
			o[oc] = T(requantize(acc, oc, k.bias, k.r))
		}
	}
}

// tailProducts stores into init, for packed group g and the first pixels
// pixels of tile, the products of the last inDepth mod 4 bytes, which the
// kernels leave out when they may not read a padded step.
func (k *PointwiseQ[T]) tailProducts(tile []T, pixels, g int, init *[qgemmMaxTile]int32) {
	cfg, kd, nr := k.cfg, k.inDepth, k.cfg.nr
	width := cfg.groupWidth(g, k.outDepth)
	last := k.kq - 1
	w := unsafe.Add(k.weights, g*k.wStride)
	for i := range pixels {
		acc := init[i*nr : (i+1)*nr]
		clear(acc)
		x := tile[i*kd : (i+1)*kd]
		for j := 4 * last; j < kd; j++ {
			v := int32(x[j])
			for c := range width {
				acc[c] += v * cfg.weight(w, last*width*4+cfg.offset(width, c, j%4), k.signedActs)
			}
		}
	}
}

// safeEnd returns the end of the pixels of an input of length n that the
// micro-kernels, which read whole steps of four bytes, up to three bytes
// past a pixel, may read without passing the end of the input.
func (k *PointwiseQ[T]) safeEnd(n int) int {
	padded := 4 * k.kq
	if n < padded {
		return 0
	}
	return (n-padded)/k.inDepth + 1
}

// bytePtr returns the address of s[0] as a byte pointer; s is not empty.
func bytePtr[T int8 | uint8](s []T) *byte { return (*byte)(unsafe.Pointer(&s[0])) }

// qgemmTileGo is the Go twin of the micro-kernels: it computes t as
// qgemmTile says, for cfg's layout and table.
func qgemmTileGo(cfg *qgemmConfig, signedActs bool, t *qgemmTile) {
	nr, stored := cfg.nr, t.width
	if cfg.maskedStores {
		stored = t.channels
	}
	for g := range t.groups {
		w := unsafe.Add(t.w, g*t.wStride)
		table := unsafe.Slice((*int32)(unsafe.Add(unsafe.Pointer(t.table), 4*g*requantRows*nr)), requantRows*nr)
		for i := range t.pixels {
			out := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(t.out), g*nr+i*t.outStride)), stored)
			for c := range stored {
				acc := table[rowBias*nr+c] + t.terms[i]
				if t.init != nil {
					acc += *(*int32)(unsafe.Add(unsafe.Pointer(t.init), 4*(i*nr+c)))
				}
				for q := range t.kq {
					for j := range 4 {
						a := int32(*(*byte)(unsafe.Add(unsafe.Pointer(t.rows[i]), 4*q+j)))
						if signedActs {
							a = int32(int8(a))
						}
						acc += a * cfg.weight(w, q*t.width*4+cfg.offset(t.width, c, j), signedActs)
					}
				}
				right := table[rowRightShift*nr+c]
				if cfg.negatedRightShift {
					right = -right
				}
				shift := int(table[rowLeftShift*nr+c] - right)
				acc = quant.MultiplyByQuantizedMultiplier(acc, table[rowMultiplier*nr+c], shift) + t.outOffset
				out[c] = byte(quant.Clamp(acc, t.actMin, t.actMax))
			}
		}
	}
}

// qgemmRowSumsGo is the Go twin of the row-sum kernels: it stores into
// t.terms[i] the sum of the first len(terms) pixels' stride input bytes
// (one pixel's inputs), as int8 for signedActs, else as uint8.
func qgemmRowSumsGo(signedActs bool, t *qgemmTile) {
	for i := range t.pixels {
		row := unsafe.Slice(t.rows[i], t.stride)
		var sum int32
		for _, v := range row {
			if signedActs {
				sum += int32(int8(v))
			} else {
				sum += int32(v)
			}
		}
		t.terms[i] = sum
	}
}
